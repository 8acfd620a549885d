"""Idempotent writes: a repeated Idempotency-Key gets the stored answer, never a second write.

One way for every write that takes a key (batches, events): :func:`once`. It first *claims*
the key inside the request's transaction, with an insert that does nothing if the key is
already there. A concurrent request with the same key therefore waits on that insert until
the first one commits (then it finds the stored answer and replays it) or rolls back (then its
insert claims the key and it does the work itself). The wait is bounded: after
:data:`WAIT_SECONDS` the request is refused with :class:`IdempotencyKeyBusy` (409, retry
later), never left hanging. On SQLite, writers are serialised by BEGIN IMMEDIATE, so the claim
never waits: the second request starts after the first has committed and finds its answer.

A failed write (a domain error, a crash) rolls its claim back with everything else: the key is
not burnt, and a retry does the work again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from passport.errors import IdempotencyKeyBusy, IdempotencyKeyReused
from passport.models import IdempotencyRecord, Organisation, utcnow

# How long a repeated request waits for the first one with its key before a 409.
WAIT_SECONDS = 60.0
# PostgreSQL's SQLSTATE when lock_timeout ends a wait: the first request is still at work.
LOCK_NOT_AVAILABLE = "55P03"
# The status of a claim whose answer is not written yet; never visible outside its transaction.
CLAIMED = 0


@dataclass(frozen=True)
class Answer:
    """What a write answered: status, JSON body and Location (if any); ``replayed`` when it is
    the stored answer to an earlier request with the same key."""

    status: int
    body: Any
    location: str | None = None
    replayed: bool = False


def request_fingerprint(body: Any, target: str | None = None) -> str:
    """The SHA-256 of the request body's sorted JSON (after ``target``, e.g. the request's path,
    when given): what a repeated key must match."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    prefix = f"{target} " if target else ""
    return hashlib.sha256((prefix + canonical).encode()).hexdigest()


def once(
    session: Session,
    org: Organisation,
    key: str | None,
    fingerprint: str,
    write: Callable[[], Answer],
    wait_seconds: float | None = None,
) -> Answer:
    """Answer a write at most once per key: without a key, ``write()``; with a new key,
    ``write()`` and its answer stored in the same transaction; with a known key and the same
    fingerprint, the stored answer (replayed), waiting for a concurrent first request."""
    if key is None:
        return write()
    wait = WAIT_SECONDS if wait_seconds is None else wait_seconds
    stored = claim(session, org, key, fingerprint, wait)
    if stored is not None:
        return Answer(stored.status_code, stored.response, stored.location, replayed=True)
    answer = write()
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.organisation_pk == org.pk, IdempotencyRecord.key == key)
        .values(status_code=answer.status, response=answer.body, location=answer.location)
    )
    return answer


def claim(
    session: Session, org: Organisation, key: str, fingerprint: str, wait_seconds: float
) -> IdempotencyRecord | None:
    """Claim ``key`` for this transaction (None), or return the stored answer of the request
    that claimed it first, after waiting at most ``wait_seconds`` for it to commit."""
    values = {
        "organisation_pk": org.pk,
        "key": key,
        "request_hash": fingerprint,
        "status_code": CLAIMED,
        "response": {},
        "created_at": utcnow(),
    }
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = (pg_insert if postgres else sqlite_insert)(IdempotencyRecord).values(**values)
    try:
        if postgres:
            previous = _bound_lock_wait(session, f"{max(1, int(wait_seconds * 1000))}ms")
        claimed = session.execute(
            insert.on_conflict_do_nothing().returning(IdempotencyRecord.key)
        ).first()
        if postgres:
            _bound_lock_wait(session, previous)
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise IdempotencyKeyBusy(
            f"A request with Idempotency-Key '{key}' is still being answered; "
            "retry later to get its answer."
        ) from exc
    if claimed is not None:
        return None
    record = session.scalars(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.organisation_pk == org.pk, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    ).one()
    return _same_request(record, key, fingerprint)


def _same_request(record: IdempotencyRecord, key: str, fingerprint: str) -> IdempotencyRecord:
    """The stored record, if it answered the same request; IdempotencyKeyReused if not."""
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            f"Idempotency-Key '{key}' was already used with a different request body; "
            "use a new key for a new request."
        )
    return record


def _bound_lock_wait(session: Session, timeout: str) -> str:
    """Set this transaction's PostgreSQL ``lock_timeout``; return the one it replaces."""
    previous = session.scalar(text("SELECT current_setting('lock_timeout')"))
    session.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": timeout})
    return str(previous)
