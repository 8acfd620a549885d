"""The history use cases against a database session, without HTTP: record, list, get, correct.

Every test runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.access import authenticate
from passport.errors import Conflict, Forbidden, InvalidDocument, NotFound
from passport.events import history
from passport.events.epcis import event_id
from passport.events.times import as_utc
from passport.models import Event, LogEntry, Organisation, Passport
from passport.passports import issuing, lookup
from tests.conftest import BASE_URL, Org, settings_of
from tests.helpers import passport

NOW = datetime(2026, 5, 3, 13, 30, tzinfo=UTC)
URL = f"{BASE_URL}/api/v1/passports/p1/events"


def _issue(session: Session, maker: Org, serial: str = "12345") -> Passport:
    body = passport("item", serial=serial)
    body["product"]["productionDate"] = "2025-01-15"
    issued = issuing.issue_passport(session, settings_of(session), _org(session, maker), body)
    session.commit()
    return issued


def _org(session: Session, org: Org) -> Organisation:
    return authenticate(session, org.key)


def _record(
    session: Session,
    org: Org,
    item: Passport,
    event_type: str,
    details: dict[str, Any] | None = None,
    *,
    at: str = "2026-05-03T14:00:00+01:00",
) -> Event:
    body: dict[str, Any] = {"type": event_type, "eventTime": at}
    if details is not None:
        body[event_type] = details
    event = history.record_event(
        session, settings_of(session), _org(session, org), item.public_id, body, now=NOW
    )
    session.commit()
    return event


def _correct(session: Session, org: Org, item: Passport, seq: int) -> Event:
    return _record(session, org, item, "correction", {"corrects": seq, "reason": "did_not_occur"})


@pytest.fixture
def cafe(make_org: Any) -> Org:
    return make_org("Repair Café Cardiff", "repairer")  # type: ignore[no-any-return]


@pytest.fixture
def recycler(make_org: Any) -> Org:
    return make_org("Recyclinghof Nord", "recycler")  # type: ignore[no-any-return]


@pytest.fixture
def shop(make_org: Any) -> Org:
    return make_org("Second Life", "refurbisher")  # type: ignore[no-any-return]


def test_record_list_and_get_by_seq(session: Session, maker: Org, cafe: Org) -> None:
    item = _issue(session, maker)
    sale = _record(session, maker, item, "sale", at="2026-04-01T10:00:00+02:00")
    repair = _record(session, cafe, item, "repair", {"outcome": "fixed", "problem": "Lid"})

    assert [(e.seq, e.type) for e in history.list_events(session, item)] == [
        (1, "sale"),
        (2, "repair"),
    ]
    got = history.get_event(session, item, 2)
    assert got.pk == repair.pk
    assert got.recorder.name == "Repair Café Cardiff"
    assert got.time_offset == "+01:00"
    assert as_utc(got.event_time) == datetime(2026, 5, 3, 13, 0, tzinfo=UTC)
    assert got.biz_step == "https://ref.gs1.org/cbv/BizStep-repairing"
    assert got.disposition == "https://ref.gs1.org/cbv/Disp-available"
    assert got.details == {"outcome": "fixed", "problem": "Lid"}
    assert history.get_event(session, item, 1).pk == sale.pk
    with pytest.raises(NotFound, match="has no event 3"):
        history.get_event(session, item, 3)
    assert item.life_status == "in_use"
    kinds = list(session.scalars(select(LogEntry.kind).order_by(LogEntry.index)))
    assert kinds[-2:] == ["dpp.event.sale", "dpp.event.repair"]


def test_the_stored_event_id_is_the_served_one(session: Session, maker: Org, cafe: Org) -> None:
    item = _issue(session, maker)
    _record(session, maker, item, "sale", at="2026-04-01T10:00:00+02:00")
    _record(session, cafe, item, "repair", {"outcome": "repairable"})
    _correct(session, cafe, item, 2)
    rows = history.list_events(session, item)

    document = history.epcis_document(BASE_URL, item, rows, document_url=URL)

    assert document["id"] == URL
    served = document["epcisBody"]["eventList"]
    assert [e["eventID"] for e in served] == [row.event_id for row in rows]
    assert all(event_id(e) == e["eventID"] for e in served)
    # The correction is the repair again, declared wrong.
    assert served[2]["eventID"] == served[1]["eventID"]
    assert "errorDeclaration" in served[2] and "errorDeclaration" not in served[1]


def test_a_correction_hides_the_corrected_event_from_status(
    session: Session, maker: Org, recycler: Org
) -> None:
    item = _issue(session, maker)
    _record(session, maker, item, "sale", at="2026-04-01T10:00:00+02:00")
    _record(session, maker, item, "resale", {"channel": "private"}, at="2026-04-02T10:00:00Z")
    _record(session, recycler, item, "recycling")
    assert item.life_status == "recycled"

    correction = _correct(session, recycler, item, 3)

    assert correction.seq == 4 and correction.corrects is not None
    assert correction.corrects.seq == 3
    assert item.life_status == "in_use"
    rows = history.list_events(session, item)
    assert [e.type for e in rows] == ["sale", "resale", "recycling", "correction"]
    assert history.ownership_changes(rows) == 2
    _correct(session, maker, item, 2)
    assert history.ownership_changes(history.list_events(session, item)) == 1


def test_who_may_correct_what(session: Session, maker: Org, cafe: Org, recycler: Org) -> None:
    item = _issue(session, maker)
    _record(session, cafe, item, "repair", {"outcome": "fixed"})
    with pytest.raises(Forbidden, match="only the organisation that recorded an event"):
        _correct(session, recycler, item, 1)
    session.rollback()
    with pytest.raises(InvalidDocument, match="no such event"):
        _correct(session, cafe, item, 7)
    session.rollback()
    _correct(session, cafe, item, 1)
    with pytest.raises(Conflict, match="already been corrected"):
        _correct(session, cafe, item, 1)
    session.rollback()
    with pytest.raises(InvalidDocument, match="cannot be corrected"):
        _correct(session, cafe, item, 2)


def test_status_follows_repairs_and_recycling(
    session: Session, maker: Org, cafe: Org, shop: Org, recycler: Org
) -> None:
    item = _issue(session, maker)
    assert item.life_status == "active"
    steps: list[tuple[Org, str, dict[str, Any] | None, str]] = [
        (maker, "commissioning", None, "in_use"),
        (cafe, "repair", {"outcome": "repairable"}, "under_repair"),
        (cafe, "maintenance", None, "under_repair"),
        (cafe, "repair", {"outcome": "fixed"}, "in_use"),
        (cafe, "repair", {"outcome": "end_of_life"}, "end_of_life"),
        (recycler, "collection", None, "end_of_life"),
        (shop, "refurbishment", None, "active"),
        (shop, "resale", None, "in_use"),
        (recycler, "recycling", None, "recycled"),
    ]
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for day, (org, event_type, details, status) in enumerate(steps):
        at = (start + timedelta(days=day)).isoformat()
        _record(session, org, item, event_type, details, at=at)
        assert item.life_status == status, event_type
    session.expire_all()
    reloaded = lookup.get_passport(session, item.public_id)
    assert reloaded.life_status == "recycled"


def test_a_terminal_status_refuses_further_events(
    session: Session, maker: Org, cafe: Org, recycler: Org
) -> None:
    item = _issue(session, maker)
    _record(session, recycler, item, "destruction")
    assert item.life_status == "destroyed"

    with pytest.raises(Conflict, match=r"life has ended \(destroyed\); only corrections"):
        _record(session, cafe, item, "repair", {"outcome": "fixed"})
    session.rollback()
    assert [e.type for e in history.list_events(session, item)] == ["destruction"]

    _correct(session, recycler, item, 1)  # a correction still can be recorded
    assert item.life_status == "active"
    _record(session, cafe, item, "repair", {"outcome": "fixed"})
    assert item.life_status == "in_use"


def test_commissioning_bounds_the_events_before_it(session: Session, maker: Org, cafe: Org) -> None:
    item = _issue(session, maker)
    rows = history.list_events(session, item)
    # No commissioning yet: the production date, in the earliest time zone that day.
    assert history.commissioned_at(session, item, rows) == datetime(2025, 1, 14, 10, 0, tzinfo=UTC)
    _record(session, maker, item, "commissioning", at="2026-02-01T10:00:00+01:00")
    rows = history.list_events(session, item)
    began = history.commissioned_at(session, item, rows)
    assert as_utc(began) == datetime(2026, 2, 1, 9, 0, tzinfo=UTC)

    with pytest.raises(InvalidDocument) as refused:
        _record(session, cafe, item, "maintenance", at="2026-01-31T10:00:00+01:00")
    [error] = refused.value.errors
    assert error.pointer == "/eventTime"
    assert "before the product was commissioned" in error.message


def test_the_related_passport_of_a_remanufacture(session: Session, maker: Org) -> None:
    old = _issue(session, maker, serial="OLD-1")
    new = _issue(session, maker, serial="NEW-1")

    event = _record(
        session,
        maker,
        old,
        "remanufacture",
        {"description": "Body reused", "newPassport": new.uri},
    )

    assert event.related is not None and event.related.pk == new.pk
    assert old.life_status == "end_of_life"
    document = history.epcis_document(
        BASE_URL, old, history.list_events(session, old), document_url=URL
    )
    [served] = document["epcisBody"]["eventList"]
    assert served["kreislauf:relatedPassport"] == new.uri
    assert served["action"] == "DELETE"


def test_a_related_passport_this_registry_does_not_hold(session: Session, maker: Org) -> None:
    old = _issue(session, maker, serial="OLD-2")
    elsewhere = "https://other-registry.example/01/09520123456788/21/X-1"

    event = _record(
        session,
        maker,
        old,
        "remanufacture",
        {"description": "Body reused", "newPassport": elsewhere},
    )

    assert event.related is None
    assert event.details["newPassport"] == elsewhere
