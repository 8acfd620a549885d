"""Slowing down guessing: failed sign-ins and transfer-code claims, counted in the database.

Counted in the database, not in memory, so that every worker of a registry sees the same
counts and a restart forgets nothing.

The policy, within any 15 minutes (``LIMITS``), counted per kind of attempt:

* sign-ins: 5 failures for one login from one address lock that login at that address; 20 for
  one login from all addresses together lock it everywhere (guessing spread over many
  addresses); 200 from one address, at any logins, lock that address. A repair café's
  volunteers share one address (its router): one volunteer's typos, or someone guessing at one
  login, lock only that login there, and a colleague with the right password still gets in.
  Spraying guesses at many logins from one address is still stopped, at 200.
* transfer-code claims: 5 failures for one item lock the item from anywhere (a code is 80
  random bits: a guesser gets nothing, so the item is locked rather than the guesser); 20 from
  one address lock that address's claims.

A lock lasts until the oldest of the failures that make it is 15 minutes old. While locked
out nothing is checked at all (not even a right password), so guessing gains nothing; the
answer says how many minutes to wait. A successful attempt clears its subject's failures,
never the address's others: otherwise one valid account would let its owner keep guessing at
others from the same address.

Only SHA-256 digests of the subject and address are stored, and rows are deleted once they
are older than the window. (A digest of an IPv4 address can be reversed by trying them all:
the short retention is what keeps this data minimal, not the hash.)
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from passport.errors import TooManyAttempts
from passport.models import FailedAttempt

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Limits:
    """Failures within the window that lock: one subject at one address (None: not counted
    apart), one subject from anywhere, one address at any subjects."""

    subject_at_address: int | None
    subject: int
    address: int


LIMITS = {
    "sign_in": Limits(subject_at_address=5, subject=20, address=200),
    "claim": Limits(subject_at_address=None, subject=5, address=20),
}


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def check(session: Session, kind: str, subject: str, address: str, now: datetime) -> None:
    """Raise TooManyAttempts when the subject or the address is locked out right now."""
    since = now - WINDOW
    # Forget what no longer counts: the table holds at most 15 minutes of failures.
    session.execute(delete(FailedAttempt).where(FailedAttempt.created_at < since))
    limits = LIMITS[kind]
    by_subject = FailedAttempt.subject == _digest(kind, subject)
    by_address = FailedAttempt.address == _digest("address", address)
    counted = [(by_subject, limits.subject), (by_address, limits.address)]
    if limits.subject_at_address is not None:
        counted.insert(0, (by_subject & by_address, limits.subject_at_address))
    for where, limit in counted:
        count, oldest = session.execute(
            select(func.count(), func.min(FailedAttempt.created_at)).where(
                FailedAttempt.kind == kind, where, FailedAttempt.created_at >= since
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
