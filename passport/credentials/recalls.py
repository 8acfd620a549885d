"""The recalls in force for a product: those recorded on its own passport and those recorded on
its batch's and its model's, which reach every item of the batch or model (a recall is
recorded once, on the level it concerns). Served as the credential's ``recalls`` section and
shown on the item's page; a recall declared wrong by a correction is not in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.disclosure.tiers import Tier
from passport.disclosure.views import event_details_view
from passport.models import Event, Passport


@dataclass(frozen=True)
class StandingRecall:
    """A recall in force and the passport it was recorded on (this one, its batch, its model)."""

    recorded_on: Passport
    event: Event


def standing_recalls(session: Session, passport: Passport) -> list[StandingRecall]:
    """The recalls in force for ``passport``, newest first: its own, its batch's, its model's."""
    owners = {passport.pk: passport}
    for parent in (passport.batch, passport.model):
        if parent is not None:
            owners[parent.pk] = parent
    rows = session.scalars(
        select(Event)
        .where(Event.passport_pk.in_(list(owners)), Event.type.in_(("recall", "correction")))
        .order_by(Event.pk.desc())
    )
    wrong: set[int] = set()
    found = []
    for event in rows:  # newest first: a correction declared wrong corrects nothing
        if event.pk in wrong:
            continue
        if event.type == "correction" and event.corrects_pk is not None:
            wrong.add(event.corrects_pk)
        elif event.type == "recall":
            found.append(StandingRecall(owners[event.passport_pk], event))
    return found


def recalls_section(found: list[StandingRecall], tier: Tier) -> list[dict[str, Any]]:
    """``recalls``: each recall in force with the passport it was recorded on and its event."""
    section = []
    for recall in found:
        details = event_details_view(recall.event.details, tier) or {}
        entry: dict[str, Any] = {
            key: details[key] for key in ("reason", "severity", "url") if details.get(key)
        }
        entry["eventTime"] = recall.event.event_time.isoformat().replace("+00:00", "Z")
        entry["eventID"] = recall.event.event_id
        entry["recordedOn"] = recall.recorded_on.uri
        section.append(entry)
    return section
