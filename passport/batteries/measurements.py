"""A battery's latest measurements: each dynamic attribute's newest value, when and by whom.

Operators record measurements with lifecycle events (``passport.events.sensors``); nothing
edits the passport. The latest value of an attribute is the one of the standing event with the
latest event time (the later recorded on a tie): an event that a correction declares wrong
hides its measurements, and the value before it shows again.

``batteryStatus`` (BatteryPass 1.2, Annex XIII 4(c)) also follows the battery's life: a
``repurpose`` event makes it ``Repurposed``, a ``remanufacture`` ``Remanufactured``, and a
collection, recycling or destruction ``Waste``. That rule applies to batteries only: passports
with a ``battery`` object (their own or their model's) or with a measurement in their history.

Access: every value here is restricted to persons with a legitimate interest
(``battery-passport-attribute-access-levels.csv``; ``passport.events.sensors.RESTRICTED``
names them). The tier rule redacts them where the credential is built; this module reads all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from passport.events.sensors import ATTRIBUTES, value_and_unit
from passport.events.times import local_text
from passport.models import Event, Organisation, Passport
from passport.passports.versions import is_battery

# The battery status an event type implies (BatteryPass batteryStatus).
IMPLIED_STATUS = {
    "repurpose": "Repurposed",
    "remanufacture": "Remanufactured",
    "collection": "Waste",
    "recycling": "Waste",
    "destruction": "Waste",
}


@dataclass(frozen=True)
class Measured:
    """The latest value of one attribute, with the event that carried it."""

    attribute: str
    value: Any  # a number, an integer or (batteryStatus) a word
    unit: str | None  # "%", "Ah", "min", ...; None for counts and the status
    measured_at: datetime  # the event's time, UTC
    offset: str  # the recorder's UTC offset, "+01:00"
    organisation: Organisation  # who measured it: an organisation, never a person
    event_seq: int
    event_id: str
    implied_by: str | None = None  # the event type a status follows from, not a measurement

    @property
    def local_time(self) -> str:
        """When it was measured, RFC 3339 in the recorder's offset."""
        return local_text(self.measured_at, self.offset)


def _standing(session: Session, passport: Passport) -> list[Event]:
    """The passport's events that no correction declares wrong, latest last."""
    history = list(
        session.scalars(select(Event).where(Event.passport_pk == passport.pk).order_by(Event.seq))
    )
    corrected = {e.corrects_pk for e in history if e.corrects_pk is not None}
    standing = [e for e in history if e.type != "correction" and e.pk not in corrected]
    return sorted(standing, key=lambda e: (e.event_time, e.seq))


def _measurements(event: Event) -> dict[str, Any]:
    found = event.details.get("measurements")
    return found if isinstance(found, dict) else {}


# What tells whether a history can hold a measurement at all: columns only, built once (an Event
# entity would join its recorder and related passport, for the many histories without any).
_KINDS = select(Event.type, Event.details).where(Event.passport_pk == bindparam("pk"))


def _may_measure(session: Session, passport: Passport) -> bool:
    """Whether any event (standing or not) carries a measurement or implies a battery status."""
    return any(
        type_ in IMPLIED_STATUS or (isinstance(details, dict) and details.get("measurements"))
        for type_, details in session.execute(_KINDS, {"pk": passport.pk})
    )


def latest_measurements(session: Session, passport: Passport) -> dict[str, Measured]:
    """Each measured attribute's latest value, in the order of ``ATTRIBUTES``; {} if none."""
    latest: dict[str, Measured] = {}
    if not _may_measure(session, passport):
        return latest  # nothing measured, nothing implied: no need to read the events whole
    events = _standing(session, passport)
    if not any(_measurements(e) or e.type in IMPLIED_STATUS for e in events):
        return latest  # nothing measured, nothing implied: no need to read the document
    battery = any(_measurements(e) for e in events) or is_battery(session, passport)
    for event in events:
        found = dict(_measurements(event))
        implied = IMPLIED_STATUS.get(event.type) if battery else None
        if implied is not None and "batteryStatus" not in found:
            found["batteryStatus"] = implied
        for name, sent in found.items():
            if name not in ATTRIBUTES:
                continue  # stored before an attribute was withdrawn: not ours to show
            value, unit = value_and_unit(name, sent)
            latest[name] = Measured(
                attribute=name,
                value=value,
                unit=unit,
                measured_at=event.event_time,
                offset=event.time_offset,
                organisation=event.recorder,
                event_seq=event.seq,
                event_id=event.event_id,
                implied_by=None if name in _measurements(event) else event.type,
            )
    return {name: latest[name] for name in ATTRIBUTES if name in latest}
