"""A repair logged in this registry as an ORDS v0.3 row: each column from the event, its
passport and the passport's document. Plain values, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from passport.models import Event, Organisation, Passport
from repairs.registry_rows import MISC, registry_provider, registry_row

# 4 May 2026, 00:30 in Berlin (summer): still 3 May in UTC.
WHEN = datetime(2026, 5, 3, 22, 30, tzinfo=UTC)
MAKER = Organisation(name="Acme Kettles GmbH", role="manufacturer")
CAFE = Organisation(name="Repair Café Cardiff", role="repairer")


def _row(
    details: dict[str, Any],
    product: dict[str, Any] | None = None,
    *,
    community: bool = False,
    offset: str = "+02:00",
    event_time: datetime = WHEN,
) -> Any:
    event = Event(
        pk=42,
        type="repair",
        details=details,
        event_time=event_time,
        time_offset=offset,
        recorder=CAFE,
    )
    item = Passport(community=community, issuer=MAKER)
    document = {"product": product if product is not None else {}}
    return registry_row(event, item, document, data_provider="Kreislauf (test)", country="GBR")


def test_the_provider_is_named_by_the_registrys_host() -> None:
    assert registry_provider("https://registry.example.org") == "Kreislauf (registry.example.org)"
    assert registry_provider("http://localhost:5000/") == "Kreislauf (localhost:5000)"
    assert registry_provider("") == "Kreislauf"


def test_a_fixed_repair_of_a_manufacturers_passport() -> None:
    row = _row(
        {"outcome": "fixed", "problem": "Switch broken", "category": "kettle"},
        {"productionDate": "2019-06-01"},
    )
    assert (row.id, row.data_provider, row.country) == ("kreislauf_42", "Kreislauf (test)", "GBR")
    assert (row.partner_product_category, row.product_category, row.product_category_id) == (
        "kettle",  # as the repairer typed it
        "Kettle",
        14,
    )
    assert (row.brand, row.year_of_manufacture, row.product_age) == ("Acme Kettles GmbH", 2019, 7.0)
    assert (row.repair_status, row.repair_barrier_if_end_of_life) == ("Fixed", "")
    assert (row.group_identifier, row.problem) == ("Repair Café Cardiff", "Switch broken")
    assert row.event_date == date(2026, 5, 4)  # the local date, not UTC's


@pytest.mark.parametrize(
    ("offset", "day"),
    [("+02:00", date(2026, 5, 4)), ("+00:00", date(2026, 5, 3)), ("-14:00", date(2026, 5, 3))],
)
def test_the_date_is_the_one_where_the_repair_happened(offset: str, day: date) -> None:
    assert _row({"outcome": "fixed"}, offset=offset).event_date == day


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("fixed", "Fixed"),
        ("repairable", "Repairable"),
        ("end_of_life", "End of life"),
        (None, "Unknown"),
    ],
)
def test_the_outcome_becomes_the_repair_status(outcome: str | None, status: str) -> None:
    details = {"outcome": outcome} if outcome else {}
    assert _row(details).repair_status == status


def test_an_unknown_or_missing_category_is_misc_but_the_typed_one_is_kept() -> None:
    odd = _row({"outcome": "fixed", "category": "Samovar"})
    assert (odd.partner_product_category, odd.product_category, odd.product_category_id) == (
        "Samovar",
        MISC,
        18,
    )
    none = _row({"outcome": "fixed", "category": "  "})
    assert (none.partner_product_category, none.product_category) == (MISC, MISC)


def test_an_ords_barrier_in_any_spelling_and_a_free_text_one_kept_in_the_problem() -> None:
    worn = _row({"outcome": "end_of_life", "barrier": "too worn out", "problem": "Burnt"})
    assert (worn.repair_barrier_if_end_of_life, worn.problem) == ("Item too worn out", "Burnt")
    coded = _row({"outcome": "end_of_life", "barrier": "1"})
    assert coded.repair_barrier_if_end_of_life == "Spare parts not available"
    cat = _row({"outcome": "end_of_life", "barrier": "Cat ate it", "problem": "Cable"})
    assert (cat.repair_barrier_if_end_of_life, cat.problem) == ("", "Cable [barrier: Cat ate it]")
    alone = _row({"outcome": "end_of_life", "barrier": " Cat ate it "})
    assert alone.problem == "[barrier: Cat ate it]"
    # Only an end of life has a barrier column; anything else keeps it in the problem.
    waiting = _row({"outcome": "repairable", "barrier": "Lack of equipment"})
    assert waiting.repair_barrier_if_end_of_life == ""
    assert waiting.problem == "[barrier: Lack of equipment]"


@pytest.mark.parametrize(
    ("product", "community", "brand"),
    [
        ({"producedByParty": {"name": "Acme Brands"}}, False, "Acme Brands"),
        ({"producedByParty": {"name": " "}}, False, "Acme Kettles GmbH"),
        ({}, False, "Acme Kettles GmbH"),  # UNTP has no brand: the issuer
        ({"characteristics": {"brand": "Bosch"}}, True, "Bosch"),
        ({"characteristics": {}}, True, "Unknown"),  # a community passport without one
        ({}, True, "Unknown"),
    ],
)
def test_the_brand(product: dict[str, Any], community: bool, brand: str) -> None:
    assert _row({"outcome": "fixed"}, product, community=community).brand == brand


@pytest.mark.parametrize(
    ("product", "year", "age"),
    [
        ({"productionDate": "2019-06-01"}, 2019, 7.0),
        ({"productionDate": "2026-05-01"}, 2026, 0.0),
        ({"productionDate": "2027-01-01"}, 2027, None),  # after the repair: no age
        ({"productionDate": "soon"}, None, None),
        ({"characteristics": {"yearOfManufacture": 2001}}, 2001, 25.0),
        ({"characteristics": {"yearOfManufacture": "2001"}}, None, None),
        ({}, None, None),
    ],
)
def test_the_year_of_manufacture_and_the_age(
    product: dict[str, Any], year: int | None, age: float | None
) -> None:
    row = _row({"outcome": "fixed"}, product)
    assert (row.year_of_manufacture, row.product_age) == (year, age)
