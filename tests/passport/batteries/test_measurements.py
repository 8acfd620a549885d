"""A battery's latest measurements read from its history, without HTTP (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from passport.access import authenticate
from passport.batteries.measurements import latest_measurements
from passport.credentials.reading import credential
from passport.disclosure.tiers import Tier
from passport.errors import Forbidden, InvalidDocument
from passport.events import history
from passport.ledger.verify import verify_log
from passport.models import Event, Passport
from passport.passports import issuing
from tests.conftest import BASE_URL, Org, settings_of
from tests.helpers import passport

NOW = datetime(2026, 5, 3, 13, 30, tzinfo=UTC)


def _issue(session: Session, maker: Org, serial: str) -> Passport:
    body = passport("item", serial=serial, name="Acme e-bike battery 500 Wh")
    body["product"]["productionDate"] = "2025-01-15"
    issued = issuing.issue_passport(
        session, settings_of(session), authenticate(session, maker.key), body
    )
    session.commit()
    return issued


def _record(
    session: Session, org: Org, item: Passport, event_type: str, details: Any, at: str
) -> Event:
    body = {"type": event_type, "eventTime": at, event_type: details}
    event = history.record_event(
        session, settings_of(session), authenticate(session, org.key), item.public_id, body, now=NOW
    )
    session.commit()
    return event


@pytest.fixture
def cafe(make_org: Any) -> Org:
    return make_org("Repair Café Kreuzberg", "repairer")


@pytest.fixture
def second_life(make_org: Any) -> Org:
    return make_org("Second Life Storage", "refurbisher")


def test_the_latest_value_of_each_attribute_with_when_and_by_whom(session, maker, cafe):
    battery = _issue(session, maker, "BAT-1")
    assert latest_measurements(session, battery) == {}
    _record(
        session,
        cafe,
        battery,
        "repair",
        {"outcome": "fixed", "measurements": {"stateOfHealth": 81, "numberOfFullCycles": 300}},
        "2026-03-01T10:00:00+01:00",
    )
    later = _record(
        session,
        maker,
        battery,
        "inspection",
        {"measurements": {"stateOfHealth": 79.5, "remainingCapacity": {"value": 11, "unit": "Ah"}}},
        "2026-04-01T10:00:00+02:00",
    )
    # Recorded last but measured first: the older measurement does not win.
    _record(
        session,
        cafe,
        battery,
        "inspection",
        {"measurements": {"stateOfHealth": 90}},
        "2026-02-01T10:00:00+01:00",
    )
    latest = latest_measurements(session, battery)
    assert list(latest) == ["stateOfHealth", "remainingCapacity", "numberOfFullCycles"]
    health = latest["stateOfHealth"]
    assert (health.value, health.unit, health.event_seq) == (79.5, "%", later.seq)
    assert health.organisation.pk == later.recorder_pk
    assert health.local_time == "2026-04-01T10:00:00+02:00"
    assert (latest["remainingCapacity"].value, latest["remainingCapacity"].unit) == (11, "Ah")
    cycles = latest["numberOfFullCycles"]
    assert (cycles.value, cycles.unit, cycles.organisation.name) == (
        300,
        None,
        "Repair Café Kreuzberg",
    )
    assert isinstance(cycles.value, int)


def test_a_correction_hides_the_measurement_and_the_earlier_value_shows(session, maker, cafe):
    battery = _issue(session, maker, "BAT-2")
    _record(
        session,
        cafe,
        battery,
        "inspection",
        {"measurements": {"stateOfHealth": 88}},
        "2026-03-01T10:00:00+01:00",
    )
    wrong = _record(
        session,
        cafe,
        battery,
        "inspection",
        {"measurements": {"stateOfHealth": 8}},
        "2026-03-02T10:00:00+01:00",
    )
    assert latest_measurements(session, battery)["stateOfHealth"].value == 8
    _record(
        session,
        cafe,
        battery,
        "correction",
        {"corrects": wrong.seq, "reason": "incorrect_data"},
        "2026-03-03T10:00:00+01:00",
    )
    assert latest_measurements(session, battery)["stateOfHealth"].value == 88


def test_only_operators_with_a_legitimate_interest_measure(session, maker, make_org):
    battery = _issue(session, maker, "BAT-3")
    authority = make_org("Market Surveillance", "authority")
    with pytest.raises(Forbidden):
        _record(
            session,
            authority,
            battery,
            "inspection",
            {"measurements": {"stateOfHealth": 80}},
            "2026-03-01T10:00:00+01:00",
        )
    assert latest_measurements(session, battery) == {}


@pytest.mark.parametrize(
    ("measurements", "pointer", "rule"),
    [
        (
            {"stateOfHealth": 101},
            "/inspection/measurements/stateOfHealth",
            "'stateOfHealth' must be at most 100",
        ),
        ({"stateOfHealth": -1}, "/inspection/measurements/stateOfHealth", "at least 0"),
        (
            {"numberOfFullCycles": 2.5},
            "/inspection/measurements/numberOfFullCycles",
            "must be a whole number",
        ),
        (
            {"remainingCapacity": 11},
            "/inspection/measurements/remainingCapacity",
            "must be a JSON object",
        ),
        (
            {"remainingCapacity": {"value": -1, "unit": "Ah"}},
            "/inspection/measurements/remainingCapacity/value",
            "at least 0",
        ),
        (
            {"remainingCapacity": {"value": 1}},
            "/inspection/measurements/remainingCapacity/unit",
            "'unit' is required",
        ),
        (
            {"batteryStatus": "Broken"},
            "/inspection/measurements/batteryStatus",
            "Original, Repurposed, Reused, Remanufactured, Waste",
        ),
        ({"colour": 1}, "/inspection/measurements/colour", "unknown property 'colour'"),
        ({}, "/inspection/measurements", "must not be empty"),
    ],
)
def test_bad_values_are_refused_naming_field_and_rule(
    session, maker, cafe, measurements, pointer, rule
):
    battery = _issue(session, maker, "BAT-4")
    with pytest.raises(InvalidDocument) as caught:
        _record(
            session,
            cafe,
            battery,
            "inspection",
            {"measurements": measurements},
            "2026-03-01T10:00:00+01:00",
        )
    session.rollback()
    found = [(e.pointer, e.message) for e in caught.value.errors]
    assert any(p == pointer and rule in m for p, m in found), found
    assert history.list_events(session, battery) == []


def test_repurposing_links_both_ways_and_the_status_follows(session, maker, cafe, second_life):
    original = _issue(session, maker, "BAT-5")
    storage = _issue(session, maker, "BAT-5-HOME")
    _record(
        session,
        cafe,
        original,
        "repair",
        {"outcome": "fixed", "measurements": {"stateOfHealth": 74}},
        "2026-03-01T10:00:00+01:00",
    )
    _record(
        session,
        second_life,
        original,
        "repurpose",
        {"description": "Home storage", "newPassport": storage.uri},
        "2026-04-01T10:00:00+02:00",
    )
    status = latest_measurements(session, original)["batteryStatus"]
    assert (status.value, status.implied_by, status.organisation.name) == (
        "Repurposed",
        "repurpose",
        "Second Life Storage",
    )
    old = credential(session, BASE_URL, original, tier=Tier.ISSUER)
    new = credential(session, BASE_URL, storage, tier=Tier.ISSUER)
    assert old["repurposedInto"] == storage.uri and new["repurposedFrom"] == original.uri
    assert "repurposedFrom" not in old and "repurposedInto" not in new
    section = old["latestMeasurements"]
    assert section["batteryStatus"]["value"] == "Repurposed"
    assert section["batteryStatus"]["followsFrom"] == "repurpose"
    assert section["stateOfHealth"]["measuredBy"]["name"] == "Repair Café Kreuzberg"
    assert section["stateOfHealth"]["measuredAt"] == "2026-03-01T10:00:00+01:00"
    assert "latestMeasurements" not in new
    # The log's audit rebuilds every event, measurements included, to the same eventID.
    assert verify_log(session, BASE_URL).problems == []


@pytest.mark.parametrize(
    ("event_type", "role", "status"),
    [
        ("remanufacture", "remanufacturer", "Remanufactured"),
        ("collection", "recycler", "Waste"),
        ("recycling", "recycler", "Waste"),
    ],
)
def test_the_battery_status_follows_the_end_of_its_first_life(
    session, maker, cafe, make_org, event_type, role, status
):
    battery = _issue(session, maker, "BAT-6")
    _record(
        session,
        cafe,
        battery,
        "inspection",
        {"measurements": {"stateOfHealth": 60}},
        "2026-03-01T10:00:00+01:00",
    )
    operator = make_org("Operator", role)
    _record(session, operator, battery, event_type, {}, "2026-04-01T10:00:00+02:00")
    assert latest_measurements(session, battery)["batteryStatus"].value == status


def test_a_kettle_without_measurements_gets_no_battery_status(session, maker, make_org):
    kettle = _issue(session, maker, "KETTLE-1")
    _record(
        session,
        make_org("Recycler", "recycler"),
        kettle,
        "collection",
        {},
        "2026-04-01T10:00:00+02:00",
    )
    assert latest_measurements(session, kettle) == {}
    assert "latestMeasurements" not in credential(session, BASE_URL, kettle, tier=Tier.ISSUER)


def test_a_corrected_repurpose_unlinks_and_the_status_returns(session, maker, cafe, second_life):
    original = _issue(session, maker, "BAT-7")
    storage = _issue(session, maker, "BAT-7-HOME")
    _record(
        session,
        cafe,
        original,
        "inspection",
        {"measurements": {"batteryStatus": "Original"}},
        "2026-03-01T10:00:00+01:00",
    )
    wrong = _record(
        session,
        second_life,
        original,
        "repurpose",
        {"newPassport": storage.uri},
        "2026-04-01T10:00:00+02:00",
    )
    _record(
        session,
        second_life,
        original,
        "correction",
        {"corrects": wrong.seq, "reason": "did_not_occur"},
        "2026-04-02T10:00:00+02:00",
    )
    assert latest_measurements(session, original)["batteryStatus"].value == "Original"
    assert "repurposedInto" not in credential(session, BASE_URL, original, tier=Tier.ISSUER)
    assert "repurposedFrom" not in credential(session, BASE_URL, storage, tier=Tier.ISSUER)
