"""Recording a read of restricted data: the one write a safe request makes, in its own short
transaction beside the request's read-only session (whose guard stays in place)."""

from __future__ import annotations

from edge.request import registry
from passport.credentials.reading import Reading
from passport.db import begin_write
from passport.disclosure.access_log import record_read
from passport.models import Organisation, Passport


def note_read(reader: Organisation | None, passport: Passport, seen: Reading, way: str) -> None:
    """Record the read in the access log if ``reader`` was shown anything restricted."""
    if reader is None or not any(seen.tier.sees(r.tier) for r in seen.restrictions):
        return
    with registry().session_factory() as db:
        begin_write(db)
        organisation = db.get(Organisation, reader.pk)
        found = db.get(Passport, passport.pk)
        assert organisation is not None and found is not None
        record_read(db, organisation, found, seen.tier, way)
        db.commit()
