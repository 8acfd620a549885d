"""Recording a read of restricted data: the one write a safe request makes, in its own short
transaction beside the request's read-only session (whose guard stays in place)."""

from __future__ import annotations

from edge.request import registry
from passport.credentials.reading import Reading
from passport.db import begin_write
from passport.disclosure.access_log import record_read
from passport.disclosure.tiers import Tier
from passport.disclosure.views import events_show_restricted
from passport.models import Event, Organisation, Passport


def note_read(reader: Organisation | None, passport: Passport, seen: Reading, way: str) -> None:
    """Record the read in the access log if ``reader`` was shown anything restricted."""
    note_view(reader, passport.pk, seen.tier, shows_restricted(seen), way)


def shows_restricted(seen: Reading) -> bool:
    """Whether the reading shows anything restricted to its tier."""
    return any(seen.tier.sees(r.tier) for r in seen.restrictions)


def note_view(
    reader: Organisation | None, passport_pk: int, tier: Tier, shows: bool, way: str
) -> None:
    """Record a read of passport ``passport_pk`` (also one served from the stored views) if
    ``reader`` was shown anything restricted."""
    if reader is not None and shows:
        _record(reader, passport_pk, tier, way)


def note_events_read(
    reader: Organisation | None, passport: Passport, tier: Tier, rows: list[Event], way: str
) -> None:
    """Record the read of a passport's events if ``reader`` was shown their measurements."""
    if reader is not None and events_show_restricted((e.details for e in rows), tier):
        _record(reader, passport.pk, tier, way)


def _record(reader: Organisation, passport_pk: int, tier: Tier, way: str) -> None:
    with registry().session_factory() as db:
        begin_write(db)
        organisation = db.get(Organisation, reader.pk)
        found = db.get(Passport, passport_pk)
        assert organisation is not None and found is not None
        record_read(db, organisation, found, tier, way)
        db.commit()
