"""Finding passports: by id, by many ids, and by a scanned Digital Link (nearest match)."""

from __future__ import annotations

import pytest

from passport.errors import NotFound
from passport.gs1.digital_link import DigitalLink
from passport.passports import issuing, lookup
from tests.conftest import settings_of
from tests.helpers import GTIN, passport


def test_get_passports_finds_the_known_ids_only(session, acme):
    issued = issuing.issue_passports(
        session, settings_of(session), acme, [passport(serial="1"), passport(serial="2")]
    )
    ids = [p.public_id for p in issued]
    found = lookup.get_passports(session, [*ids, "unknown", ids[0]])
    assert {k: v.serial for k, v in found.items()} == {ids[0]: "1", ids[1]: "2"}
    with pytest.raises(NotFound):
        lookup.get_passport(session, "unknown")


def test_resolve_answers_the_nearest_passport_above_an_unknown_item(session, acme):
    item = issuing.issue_passport(
        session, settings_of(session), acme, passport(lot="L1", serial="1")
    )
    link = DigitalLink(gtin=GTIN, lot="L1", serial="2")
    with pytest.raises(NotFound):
        lookup.resolve(session, link)
    model = issuing.issue_passport(
        session, settings_of(session), acme, passport("model", serial=None)
    )
    assert lookup.resolve(session, link) == (model, False)
    batch = issuing.issue_passport(
        session, settings_of(session), acme, passport("batch", lot="L1", serial=None)
    )
    assert lookup.resolve(session, link) == (batch, False)
    assert lookup.resolve(session, DigitalLink(gtin=GTIN, lot="L1", serial="1")) == (item, True)
    assert lookup.resolve(session, DigitalLink(gtin=GTIN)) == (model, True)
