"""Typed details of a repair, a resale and a refurbishment: the event bodies they become, the
event parser's problems traced back to their own fields, and recording them on an item (those
tests run on SQLite and on PostgreSQL, ``tests/conftest.py``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.orm import Session

from passport.access import authenticate
from passport.errors import Forbidden, InvalidDocument
from passport.events import history
from passport.events.parsing import parse_event
from passport.models import Passport
from passport.passports import issuing
from repairs.details import (
    EventDetails,
    RefurbishmentDetails,
    RepairDetails,
    ResaleDetails,
    event_time,
    record,
)
from tests.conftest import Org, settings_of
from tests.helpers import passport

BERLIN_WINTER = timezone(timedelta(hours=1))
WHEN = datetime(2026, 1, 10, 15, 30, 12, 345678, tzinfo=BERLIN_WINTER)
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=BERLIN_WINTER)


def repair(**changes: object) -> RepairDetails:
    value = RepairDetails(
        event_time=WHEN,
        outcome="fixed",
        problem="Switch did not click off; replaced the switch",
        category="Kettle",
        spare_parts="none",
    )
    return dataclasses.replace(value, **changes)  # type: ignore[arg-type]


def problems(value: EventDetails) -> list[tuple[str | None, str]]:
    """What the event parser says about each of the value's bodies, by the value's field."""
    found = []
    for body in value.event_bodies():
        try:
            parse_event(body, now=NOW)
        except InvalidDocument as exc:
            found += [(value.field_for(e.pointer), e.message) for e in exc.errors]
    return found


def test_a_typical_repair_is_one_event_with_what_the_form_asked() -> None:
    assert repair().event_bodies() == [
        {
            "type": "repair",
            "eventTime": "2026-01-10T15:30:12+01:00",  # the recorder's offset, whole seconds
            "repair": {
                "outcome": "fixed",
                "problem": "Switch did not click off; replaced the switch",
                "category": "Kettle",
                "spareParts": "none",
            },
        }
    ]
    assert problems(repair()) == []


def test_every_ords_detail_goes_into_the_body_and_nothing_empty_does() -> None:
    value = repair(
        outcome="end_of_life",
        parts=("element", "thermostat"),
        barrier="Spare parts not available",
    )
    (body,) = value.event_bodies()
    assert body["repair"] == {
        "outcome": "end_of_life",
        "problem": "Switch did not click off; replaced the switch",
        "category": "Kettle",
        "spareParts": "none",
        "partsReplaced": ["element", "thermostat"],
        "barrier": "Spare parts not available",
    }
    assert "nextSteps" not in body["repair"]
    assert problems(value) == []
    waiting = repair(outcome="repairable", next_steps="Professional help")
    assert waiting.event_bodies()[0]["repair"]["nextSteps"] == "Professional help"


def test_the_chosen_fault_type_goes_into_the_repair_event() -> None:
    value = repair(category="Laptop", fault_type="Integrated screen")
    assert value.event_bodies()[0]["repair"]["faultType"] == "Integrated screen"
    assert problems(value) == []
    assert "faultType" not in repair().event_bodies()[0]["repair"]
    assert RepairDetails.field_for("/repair/faultType") == "fault_type"
    assert [f for f, _ in problems(repair(fault_type="x" * 101))] == ["fault_type"]


def test_a_part_with_its_own_passport_becomes_a_part_replacement() -> None:
    value = repair(parts=("switch", "x" * 600), part_passport="https://id.example/01/1/21/2")
    repaired, replaced = value.event_bodies()
    assert repaired["type"] == "repair" and repaired["repair"]["partsReplaced"][0] == "switch"
    assert replaced["type"] == "part_replacement"
    assert replaced["eventTime"] == repaired["eventTime"]
    installed = replaced["part_replacement"]["installed"]
    assert installed["passport"] == "https://id.example/01/1/21/2"
    assert (
        installed["description"].startswith("switch, xxx") and len(installed["description"]) == 500
    )
    assert repair().event_bodies()[1:] == []  # no part passport: no second event


def test_the_parsers_problems_come_back_to_the_fields_that_caused_them() -> None:
    value = repair(
        problem="x" * 2001,
        barrier="Lack of equipment",  # but the outcome is fixed
        parts=("ok", "y" * 201),
        part_passport="javascript:alert(1)",
        event_time=NOW + timedelta(days=1),
    )
    fields = {field for field, _message in problems(value)}
    assert fields == {"problem", "barrier", "parts", "part_passport", "event_time"}


def test_every_field_has_a_pointer_and_nothing_else_does() -> None:
    for kind in (RepairDetails, ResaleDetails, RefurbishmentDetails):
        assert set(kind.pointers()) == {f.name for f in dataclasses.fields(kind)}, kind
    assert RepairDetails.field_for("/eventTime") == "event_time"
    assert RepairDetails.field_for("/repair/partsReplaced/3") == "parts"
    assert RepairDetails.field_for("/repair/spareParts") == "spare_parts"
    assert RepairDetails.field_for("/part_replacement/installed/passport") == "part_passport"
    assert RepairDetails.field_for("/repair/problems") is None  # a prefix, not a field
    assert RepairDetails.field_for("/repair") is None and RepairDetails.field_for("") is None
    assert RepairDetails.field_for("/resale/grade") is None
    assert ResaleDetails.field_for("/resale/batteryHealth") == "battery_health"
    assert RefurbishmentDetails.field_for("/refurbishment/description") == "description"


def test_a_resale_and_a_refurbishment() -> None:
    sold = ResaleDetails(WHEN, "Refurbished", "refurbisher", grade="B")
    assert sold.event_bodies() == [
        {
            "type": "resale",
            "eventTime": "2026-01-10T15:30:12+01:00",
            "resale": {"condition": "Refurbished", "channel": "refurbisher", "grade": "B"},
        }
    ]
    done = RefurbishmentDetails(
        WHEN, "Refurbished", grade="A", battery_health=87.5, description="New seal"
    )
    assert done.event_bodies()[0]["refurbishment"] == {
        "condition": "Refurbished",
        "grade": "A",
        "batteryHealth": 87.5,
        "description": "New seal",
    }
    assert problems(sold) == [] and problems(done) == []
    worn = ResaleDetails(WHEN, "Worn", "online", battery_health=120.0)
    assert {field for field, _message in problems(worn)} == {"condition", "battery_health"}


def test_the_values_are_frozen_and_the_time_keeps_its_offset() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        repair().problem = "changed"  # type: ignore[misc]
    assert event_time(datetime(2026, 7, 1, 9, 5, 7, 1, tzinfo=timezone(timedelta(hours=2)))) == (
        "2026-07-01T09:05:07+02:00"
    )


# --- recording the details on an item ---------------------------------------------------------


def _issue(session: Session, maker: Org, serial: str) -> Passport:
    issuer = authenticate(session, maker.key)
    issued = issuing.issue_passport(session, settings_of(session), issuer, passport(serial=serial))
    session.commit()
    return issued


def _record(session: Session, who: Org, item: Passport, details: EventDetails) -> list[Any]:
    org = authenticate(session, who.key)
    return record(session, settings_of(session), org, item.public_id, details)


def test_a_repair_with_a_part_of_its_own_is_two_events_in_order(
    session: Session, maker: Org, make_org: Any
) -> None:
    cafe = make_org("Repair Café Cardiff", "repairer")
    kettle = _issue(session, maker, "K1")
    switch = _issue(session, maker, "SWITCH-1")
    value = repair(parts=("switch",), part_passport=switch.uri)

    repaired, replaced = _record(session, cafe, kettle, value)
    session.commit()

    assert history.list_events(session, kettle) == [repaired, replaced]
    assert [(e.seq, e.type) for e in (repaired, replaced)] == [
        (1, "repair"),
        (2, "part_replacement"),
    ]
    assert {e.recorder.name for e in (repaired, replaced)} == {"Repair Café Cardiff"}
    assert repaired.details == value.event_bodies()[0]["repair"]
    assert (repaired.time_offset, replaced.time_offset) == ("+01:00", "+01:00")
    assert replaced.details == {"installed": {"description": "switch", "passport": switch.uri}}
    assert replaced.related_pk == switch.pk  # the part's own passport, linked
    assert kettle.life_status == "in_use"  # fixed


def test_a_resale_and_a_refurbishment_by_a_shop(
    session: Session, maker: Org, make_org: Any
) -> None:
    shop = make_org("Second Life Electronics", "refurbisher")
    item = _issue(session, maker, "K1")
    (done,) = _record(session, shop, item, RefurbishmentDetails(WHEN, "Refurbished", grade="A"))
    (sold,) = _record(session, shop, item, ResaleDetails(WHEN, "Refurbished", "refurbisher"))
    session.commit()
    assert [(e.seq, e.type) for e in (done, sold)] == [(1, "refurbishment"), (2, "resale")]
    assert done.details == {"condition": "Refurbished", "grade": "A"}
    assert sold.details == {"condition": "Refurbished", "channel": "refurbisher"}
    assert item.life_status == "in_use"


def test_what_the_history_refuses_is_raised_and_the_caller_rolls_back(
    session: Session, maker: Org, make_org: Any
) -> None:
    cafe = make_org("Repair Café Cardiff", "repairer")
    item = _issue(session, maker, "K1")
    with pytest.raises(Forbidden):  # a repair café does not resell
        _record(session, cafe, item, ResaleDetails(WHEN, "Used", "private"))
    session.rollback()
    # The second event is refused after the first was recorded in the session: rolling back
    # leaves neither.
    with pytest.raises(InvalidDocument) as caught:
        _record(session, cafe, item, repair(parts=("switch",), part_passport="javascript:x"))
    assert {RepairDetails.field_for(e.pointer) for e in caught.value.errors} == {"part_passport"}
    session.rollback()
    assert history.list_events(session, item) == []
