"""A product's life status and ownership count, derived from its whole history.

Events are append-only. A ``correction`` declares an earlier event wrong; status and ownership
count are always derived from the events that stand, so a correction undoes the wrong event's
effect without rewriting anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from passport.events.catalogue import EVENT_TYPES

STATUSES = ("active", "in_use", "under_repair", "end_of_life", "recycled", "destroyed")
# After these only corrections can be recorded (passport.events.rules).
TERMINAL = frozenset({"recycled", "destroyed"})

# ORDS repair_status -> the product's status after the repair.
_REPAIR_STATUSES = {"fixed": "in_use", "repairable": "under_repair", "end_of_life": "end_of_life"}
_OWNERSHIP = frozenset({"sale", "resale"})

# (type, details, corrects): corrects is the seq of the event a correction declares wrong.
EventSummary = tuple[str, Mapping[str, Any], int | None]


def status_for(event_type: str, details: Mapping[str, Any]) -> str | None:
    """The product's life status after such an event; None when the event does not change it."""
    if event_type == "repair":
        return _REPAIR_STATUSES.get(str(details.get("outcome")))
    return EVENT_TYPES[event_type].status_after


def _standing(events: Sequence[EventSummary]) -> list[EventSummary]:
    """The events that stand: not declared wrong by a correction that itself stands.

    The i-th event (from 0) has seq i + 1: the history layer numbers events 1, 2, 3, ... per
    passport without gaps. Walking backwards settles a correction of a correction before
    the event it would otherwise undo.
    """
    wrong: set[int] = set()
    standing: list[EventSummary] = []
    for index in range(len(events) - 1, -1, -1):
        event_type, details, corrects = events[index]
        if index + 1 in wrong:
            continue
        if event_type == "correction" and corrects is not None:
            wrong.add(corrects)
        standing.append((event_type, details, corrects))
    standing.reverse()
    return standing


def derive_status(events: Sequence[EventSummary]) -> str:
    """The product's life status after ``events`` (in seq order, corrections included)."""
    status = "active"
    for event_type, details, _ in _standing(events):
        after = status_for(event_type, details)
        if after is not None:
            status = after
    return status


def ownership_changes(events: Sequence[EventSummary]) -> int:
    """How many times the product changed hands (sales and resales that stand). Never who."""
    return sum(1 for event_type, _, _ in _standing(events) if event_type in _OWNERSHIP)
