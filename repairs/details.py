"""What a repairer or a shop records on an item's page, as typed values: a repair (in ORDS
v0.3 terms), a resale, a refurbishment.

Each value knows the lifecycle events it becomes (the bodies the events API takes, parsed by
``passport.events.parsing``), and where in those bodies each of its fields lands: the parser names a
problem by a JSON pointer, and ``field_for`` turns the pointer back into the value's field, so
whoever filled the value (a form) can show the problem next to what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from passport.config import Settings
from passport.events import history
from passport.models import Event, Organisation

# The longest text the events API takes for a part's description.
PART_DESCRIPTION_MAX = 500


def event_time(moment: datetime) -> str:
    """RFC 3339 with the local offset, as the events API takes it."""
    return moment.replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class EventDetails:
    """What every recorded event has: the moment it happened, in the recorder's time zone.

    A subclass names its event ``TYPE`` and, in ``KEYS``, the key each of its other fields has
    in the event's details; both the body and the pointers are made from that one table.
    Fields that are None (or an empty tuple) are left out of the body.
    """

    event_time: datetime

    TYPE: ClassVar[str]
    KEYS: ClassVar[Mapping[str, str]]

    def details(self) -> dict[str, Any]:
        """The event's details, under the keys the events API reads."""
        found: dict[str, Any] = {}
        for name, key in self.KEYS.items():
            value = getattr(self, name)
            if value is None or value == ():
                continue
            found[key] = list(value) if isinstance(value, tuple) else value
        return found

    def event_bodies(self) -> list[dict[str, Any]]:
        """The events to record, in order: bodies for ``passport.events.history.record_event``."""
        return [
            {"type": self.TYPE, "eventTime": event_time(self.event_time), self.TYPE: self.details()}
        ]

    @classmethod
    def pointers(cls) -> dict[str, str]:
        """Each field -> the JSON pointer under which the event parser reports a problem with it."""
        return {"event_time": "/eventTime"} | {
            name: f"/{cls.TYPE}/{key}" for name, key in cls.KEYS.items()
        }

    @classmethod
    def field_for(cls, pointer: str) -> str | None:
        """The field a problem at ``pointer`` is about; None when it is about no single field."""
        for name, start in cls.pointers().items():
            if pointer == start or pointer.startswith(start + "/"):
                return name
        return None


@dataclass(frozen=True)
class RepairDetails(EventDetails):
    """A repair attempt with its outcome, and the part its repairer installed, if any.

    ``outcome`` is fixed, repairable or end_of_life; ``spare_parts`` none, manufacturer or
    third_party; ``category`` an ORDS product category; ``barrier`` (end_of_life only) and
    ``next_steps`` (repairable only) ORDS's words; ``fault_type`` the Open Repair Alliance
    fault type the volunteer chose (``repairs.faults`` suggests one). A part with a passport of
    its own (``part_passport``) is linked by a second event, a part replacement: the repair
    event has no place for it.
    """

    outcome: str
    problem: str
    category: str
    spare_parts: str
    parts: tuple[str, ...] = ()
    barrier: str | None = None
    next_steps: str | None = None
    part_passport: str | None = None
    fault_type: str | None = None

    TYPE: ClassVar[str] = "repair"
    KEYS: ClassVar[Mapping[str, str]] = {
        "outcome": "outcome",
        "problem": "problem",
        "category": "category",
        "fault_type": "faultType",
        "spare_parts": "spareParts",
        "parts": "partsReplaced",
        "barrier": "barrier",
        "next_steps": "nextSteps",
    }
    PART_REPLACEMENT: ClassVar[str] = "part_replacement"

    def event_bodies(self) -> list[dict[str, Any]]:
        bodies = super().event_bodies()
        if self.part_passport:
            description = ", ".join(self.parts)[:PART_DESCRIPTION_MAX]
            installed = {"description": description, "passport": self.part_passport}
            bodies.append(
                {
                    "type": self.PART_REPLACEMENT,
                    "eventTime": event_time(self.event_time),
                    self.PART_REPLACEMENT: {"installed": installed},
                }
            )
        return bodies

    @classmethod
    def pointers(cls) -> dict[str, str]:
        return super().pointers() | {"part_passport": f"/{cls.PART_REPLACEMENT}"}


@dataclass(frozen=True)
class ResaleDetails(EventDetails):
    """An item sold again: how (``channel``), in what ``condition`` (New, Used, Refurbished,
    Damaged), graded how, and its battery's remaining capacity in percent."""

    condition: str
    channel: str
    grade: str | None = None
    battery_health: float | None = None

    TYPE: ClassVar[str] = "resale"
    KEYS: ClassVar[Mapping[str, str]] = {
        "condition": "condition",
        "channel": "channel",
        "grade": "grade",
        "battery_health": "batteryHealth",
    }


@dataclass(frozen=True)
class RefurbishmentDetails(EventDetails):
    """An item checked, restored and graded for another life, and what was done."""

    condition: str
    grade: str | None = None
    battery_health: float | None = None
    description: str | None = None

    TYPE: ClassVar[str] = "refurbishment"
    KEYS: ClassVar[Mapping[str, str]] = {
        "condition": "condition",
        "grade": "grade",
        "battery_health": "batteryHealth",
        "description": "description",
    }


def record(
    session: Session, settings: Settings, org: Organisation, passport_id: str, details: EventDetails
) -> list[Event]:
    """Record the events the details become, in order; the caller commits.

    Raises what ``passport.events.history.record_event`` raises (InvalidDocument, Conflict,
    Forbidden); the caller then rolls back, so that none of them is recorded.
    """
    return [
        history.record_event(session, settings, org, passport_id, body)
        for body in details.event_bodies()
    ]
