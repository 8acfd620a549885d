"""Idempotent writes: a repeated Idempotency-Key gets the stored answer, never a second write."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from passport.errors import IdempotencyKeyReused
from passport.models import IdempotencyRecord, Organisation, utcnow


def request_fingerprint(body: Any) -> str:
    """The SHA-256 of the request body's sorted JSON: what a repeated key must match."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def find_idempotent(
    session: Session, org: Organisation, key: str, fingerprint: str
) -> IdempotencyRecord | None:
    """The stored answer for a repeated Idempotency-Key, or None the first time."""
    record = session.get(IdempotencyRecord, (org.pk, key))
    if record is not None and record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            f"Idempotency-Key '{key}' was already used with a different request body; "
            "use a new key for a new request."
        )
    return record


def remember_idempotent(
    session: Session, org: Organisation, key: str, fingerprint: str, status: int, response: Any
) -> None:
    """Store the answer to a first request with this Idempotency-Key, for its repeats."""
    session.add(
        IdempotencyRecord(
            organisation_pk=org.pk,
            key=key,
            request_hash=fingerprint,
            status_code=status,
            response=response,
            created_at=utcnow(),
        )
    )
    session.flush()
