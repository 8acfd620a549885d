"""search_text reads the name and description as the public sees them, without building the
public view of every document (bulk issuance): the same text as the view gives."""

from __future__ import annotations

from typing import Any

import pytest

from passport.disclosure.tiers import Tier
from passport.disclosure.views import stored_view
from passport.gs1.identity import identify
from passport.passports.issuing import search_text
from tests.helpers import passport


def by_view(doc: dict[str, Any]) -> str:
    """search_text as it was: through the public view of the whole document."""
    link = identify(doc).link
    product = stored_view(doc, Tier.PUBLIC)["product"]
    parts = [product.get("name", ""), product.get("description", "")]
    parts += [v for v in (link.gtin, link.gmn, link.lot, link.serial) if v]
    return " ".join(parts).lower()


@pytest.mark.parametrize(
    "marks",
    [
        [],
        [{"path": "/product/description", "tier": "authority"}],
        [{"path": "/product/description", "tier": "legitimate-interest"}],
        [{"path": "/circularityScorecard", "tier": "issuer"}],
        [{"path": "/product/characteristics/recipe", "tier": "legitimate-interest"}],
    ],
)
def test_search_text_is_what_the_public_view_gives(marks: list[dict[str, str]]) -> None:
    doc = passport("item", serial="S1")
    doc["product"]["description"] = "Secret Recipe Kettle"
    doc["product"]["characteristics"] = {"recipe": "x"}
    doc["circularityScorecard"] = {"recyclableContent": 0.9}
    if marks:
        doc["restricted"] = marks
    assert search_text(doc, identify(doc).link) == by_view(doc)
    hidden = any(m["path"] == "/product/description" for m in marks)
    assert ("secret recipe" in search_text(doc, identify(doc).link)) is not hidden
