"""Slowing down guessing: failed sign-ins and transfer-code claims, counted in the database.

Counted in the database, not in memory, so that every worker of a registry sees the same
counts and a restart forgets nothing.

The policy: within any 15 minutes, 5 failures for one subject (a login name, or the item a
transfer code is claimed for) or 20 from one client address lock that subject or address out
until the oldest of those failures is 15 minutes old. While locked out nothing is checked at
all (not even a right password), so guessing gains nothing; the answer says how many minutes
to wait. The address limit is higher because a repair café's volunteers share one address.
A successful attempt clears its subject's failures, never the address's: otherwise one valid
account would let its owner keep guessing at others from the same address.

Only SHA-256 digests of the subject and address are stored, and rows are deleted once they
are older than the window. (A digest of an IPv4 address can be reversed by trying them all:
the short retention is what keeps this data minimal, not the hash.)
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from passport.errors import TooManyAttempts
from passport.models import FailedAttempt

WINDOW = timedelta(minutes=15)
PER_SUBJECT = 5
PER_ADDRESS = 20


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def check(session: Session, kind: str, subject: str, address: str, now: datetime) -> None:
    """Raise TooManyAttempts when the subject or the address is locked out right now."""
    since = now - WINDOW
    # Forget what no longer counts: the table holds at most 15 minutes of failures.
    session.execute(delete(FailedAttempt).where(FailedAttempt.created_at < since))
    for column, value, limit in (
        (FailedAttempt.subject, _digest(kind, subject), PER_SUBJECT),
        (FailedAttempt.address, _digest("address", address), PER_ADDRESS),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(FailedAttempt.created_at)).where(
                FailedAttempt.kind == kind, column == value, FailedAttempt.created_at >= since
            )
        ).one()
        if count >= limit and oldest is not None:
            wait = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
            minutes = math.ceil(wait / 60)
            raise TooManyAttempts(
                f"Too many failed attempts. Try again in {minutes} minute"
                + ("s." if minutes != 1 else "."),
                retry_after=wait,
            )


def record_failure(session: Session, kind: str, subject: str, address: str, now: datetime) -> None:
    session.add(
        FailedAttempt(
            kind=kind,
            subject=_digest(kind, subject),
            address=_digest("address", address),
            created_at=now,
        )
    )
    session.flush()


def clear(session: Session, kind: str, subject: str) -> None:
    """Forget a subject's failures after it succeeded (the address's stay: see the module)."""
    session.execute(
        delete(FailedAttempt).where(
            FailedAttempt.kind == kind, FailedAttempt.subject == _digest(kind, subject)
        )
    )
