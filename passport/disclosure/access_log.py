"""Who read what: every read of restricted passport data, recorded by organisation (never by
person) with the time, the tier and the way out; shown to the passport's issuer and to
authorities only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from passport.disclosure.tiers import Tier
from passport.errors import Forbidden, NotAuthenticated
from passport.models import AccessRead, Organisation, Passport
from passport.permissions import may

WAYS = (
    "api-jsonld",
    "api-turtle",
    "api-vc-jwt",
    "api-vc-sd-jwt",
    "api-events",
    "api-epcis",
    "api-dte",
    "resolver",
    "resolver-vc-jwt",
    "resolver-vc-sd-jwt",
    "page",
    "api-en18222",
    "api-proof-bundle",
)


def record_read(
    session: Session, organisation: Organisation, passport: Passport, tier: Tier, way: str
) -> None:
    """Note that ``organisation`` read restricted data of ``passport`` (the caller commits)."""
    if way not in WAYS:
        raise ValueError(f"unknown way out {way!r}")
    session.add(
        AccessRead(
            passport_pk=passport.pk, organisation_pk=organisation.pk, tier=tier.value, way=way
        )
    )


PAGE = 100  # reads per page, unless the reader asks for up to MAX_PAGE
MAX_PAGE = 1000


@dataclass(frozen=True)
class Page:
    """One page of an access log, oldest first; ``after`` is the cursor of the next page
    (``None``: this is the last)."""

    reads: list[AccessRead]
    after: int | None


def access_log(
    session: Session,
    reader: Organisation | None,
    passport: Passport,
    *,
    after: int = 0,
    limit: int = PAGE,
) -> Page:
    """The reads of ``passport``'s restricted data after cursor ``after``, oldest first, at
    most ``limit`` of them: for its issuer and authorities only."""
    if reader is None:
        raise NotAuthenticated("The access log needs an API key: 'Authorization: Bearer <key>'.")
    if not may("access-log.read", reader.role, is_issuer=reader.pk == passport.issuer_pk):
        raise Forbidden("Only the passport's issuer and authorities may read its access log.")
    rows = list(
        session.scalars(
            select(AccessRead)
            .where(AccessRead.passport_pk == passport.pk, AccessRead.pk > after)
            .order_by(AccessRead.pk)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    return Page(rows[:limit], rows[limit - 1].pk if more else None)


def prune(session: Session, older_than: datetime) -> int:
    """Delete the reads made before ``older_than`` (retention; the caller commits); how many."""
    result = session.execute(delete(AccessRead).where(AccessRead.read_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)


def as_dict(row: AccessRead) -> dict[str, Any]:
    """One read as the API shows it."""
    return {
        "organisation": {"id": row.organisation.public_id, "name": row.organisation.name},
        "role": row.organisation.role,
        "tier": row.tier,
        "way": row.way,
        "readAt": row.read_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
