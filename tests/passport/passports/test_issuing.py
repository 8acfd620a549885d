"""Issuing passports in the domain, without HTTP: one, a batch (all or nothing), and families."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport.errors import Conflict, Forbidden, InvalidDocument
from passport.ledger import log
from passport.ledger.verify import verify_log
from passport.models import LogEntry, Organisation, Passport, PassportVersion
from passport.passports import issuing
from passport.passports.lookup import get_passport
from passport.passports.versions import get_version
from passport.signing.registry import issuer_did
from tests.conftest import BASE_URL, settings_of
from tests.helpers import GTIN, gtin, passport

ITEM_URI = f"{BASE_URL}/01/{GTIN}/21/12345"


def stored(session: Session) -> tuple[int, int]:
    """How many passports and passport versions the database holds."""
    passports = session.scalar(select(func.count()).select_from(Passport))
    versions = session.scalar(select(func.count()).select_from(PassportVersion))
    return int(passports or 0), int(versions or 0)


def test_issuing_one_stores_version_1_under_the_registrys_uri_and_logs_it(session, acme):
    issued = issuing.issue_passport(
        session, settings_of(session), acme, passport("item", name="K1 kettle")
    )
    session.commit()

    found = get_passport(session, issued.public_id)
    assert (found.uri, found.identity_key) == (ITEM_URI, f"01/{GTIN}/21/12345")
    assert (found.granularity, found.gtin, found.serial, found.lot) == ("item", GTIN, "12345", None)
    assert (found.status, found.current_version, found.issuer_pk) == ("active", 1, acme.pk)
    assert found.name == "K1 kettle"
    assert found.search_text == f"k1 kettle  {GTIN} 12345"
    version = get_version(session, found)
    assert (version.version, version.status, version.author_pk) == (1, "active", acme.pk)
    product = version.document["product"]
    # Stored as the registry serves it: its own URI and the identifiers spelled out.
    assert product["id"] == ITEM_URI
    assert (product["registeredId"], product["serialNumber"]) == (GTIN, "12345")
    assert product["idScheme"]["id"] == "https://id.gs1.org/01/"
    (entry,) = session.scalars(select(LogEntry))
    leaf = json.loads(entry.leaf)
    assert (entry.kind, entry.subject, entry.subject_seq) == ("dpp.issued", ITEM_URI, 0)
    assert leaf["actor"] == issuer_did(BASE_URL, acme)
    assert verify_log(session, BASE_URL).ok


def test_identifiers_given_as_fields_make_the_same_passport_as_a_digital_link(session, acme):
    issued = issuing.issue_passport(session, settings_of(session), acme, passport(via_uri=False))
    assert issued.uri == ITEM_URI


def test_only_a_manufacturer_issues(session, repair_cafe):
    with pytest.raises(Forbidden):
        issuing.issue_passport(session, settings_of(session), repair_cafe, passport())


def test_a_gtin_outside_the_issuers_company_prefixes_is_refused(session, acme):
    foreign = gtin("400638133393")
    with pytest.raises(InvalidDocument) as caught:
        issuing.issue_passport(session, settings_of(session), acme, passport(gtin_=foreign))
    assert [e.pointer for e in caught.value.errors] == ["/product/registeredId"]
    assert "9520123" in caught.value.errors[0].message


def test_an_invalid_single_passport_names_its_fields_without_an_index(session, acme):
    with pytest.raises(InvalidDocument) as caught:
        issuing.issue_passport(session, settings_of(session), acme, {"granularityLevel": "item"})
    assert [e.pointer for e in caught.value.errors] == ["/product"]


def test_a_batch_with_invalid_items_writes_nothing_and_names_each_item(session, acme):
    batch = [
        passport(serial="1"),
        {"granularityLevel": "item"},
        passport(serial="3"),
        passport("item", serial=None),  # an item passport needs a serial number
    ]
    with pytest.raises(InvalidDocument) as caught:
        issuing.issue_passports(session, settings_of(session), acme, batch)
    assert caught.value.detail.startswith("2 of 4 passports are invalid (items 1, 3)")
    assert {e.pointer.split("/")[1] for e in caught.value.errors} == {"1", "3"}
    session.rollback()
    assert stored(session) == (0, 0)
    assert log.head(session)[0] == 0


def test_a_batch_naming_one_product_twice_writes_nothing(session, acme):
    with pytest.raises(Conflict, match="Items 0 and 2 of the batch identify the same product"):
        issuing.issue_passports(
            session,
            settings_of(session),
            acme,
            [passport(serial="1"), passport(serial="2"), passport(serial="1")],
        )
    session.rollback()
    assert stored(session) == (0, 0)


def test_a_batch_with_an_already_issued_product_writes_nothing(session, acme):
    issuing.issue_passport(session, settings_of(session), acme, passport(serial="2"))
    session.commit()
    with pytest.raises(Conflict, match=r"item 1 of the batch.*Nothing of the batch was stored"):
        issuing.issue_passports(
            session, settings_of(session), acme, [passport(serial="1"), passport(serial="2")]
        )
    session.rollback()
    assert stored(session) == (1, 1)
    assert log.head(session)[0] == 1


def test_a_batch_is_issued_in_order(session, acme):
    issued = issuing.issue_passports(
        session, settings_of(session), acme, [passport(serial=str(n)) for n in range(5)]
    )
    session.commit()
    assert [p.serial for p in issued] == ["0", "1", "2", "3", "4"]
    assert stored(session) == (5, 5)
    assert log.head(session)[0] == 5
    assert verify_log(session, BASE_URL).ok


def _family(session: Session, org: Organisation, order: list[str]) -> dict[str, Passport]:
    bodies = {
        "model": passport("model", serial=None),
        "batch": passport("batch", lot="L1", serial=None),
        "item": passport("item", lot="L1", serial="7"),
    }
    ids = {
        kind: issuing.issue_passport(session, settings_of(session), org, bodies[kind]).public_id
        for kind in order
    }
    session.commit()
    return {kind: get_passport(session, public_id) for kind, public_id in ids.items()}


@pytest.mark.parametrize(
    "order",
    [["model", "batch", "item"], ["item", "batch", "model"], ["batch", "item", "model"]],
    ids=["parents-first", "children-first", "mixed"],
)
def test_passports_find_their_parents_whichever_is_issued_first(session, acme, order):
    family = _family(session, acme, order)
    model, batch, item = family["model"], family["batch"], family["item"]
    assert (model.model_pk, model.batch_pk) == (None, None)
    assert (batch.model_pk, batch.batch_pk) == (model.pk, None)
    assert (item.model_pk, item.batch_pk) == (model.pk, batch.pk)


def test_a_parent_adopts_only_its_own_children(session, acme):
    other_lot = issuing.issue_passport(
        session, settings_of(session), acme, passport(lot="L2", serial="8")
    )
    other_gtin = gtin("952012300001")
    stranger = issuing.issue_passport(
        session, settings_of(session), acme, passport(gtin_=other_gtin)
    )
    session.commit()
    _family(session, acme, ["batch", "model"])
    other_lot = get_passport(session, other_lot.public_id)
    stranger = get_passport(session, stranger.public_id)
    assert other_lot.batch_pk is None and other_lot.model_pk is not None  # same GTIN, other lot
    assert (stranger.model_pk, stranger.batch_pk) == (None, None)
