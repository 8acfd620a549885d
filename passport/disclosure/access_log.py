"""Who read what: every read of restricted passport data, recorded by organisation (never by
person) with the time, the tier and the way out; shown to the passport's issuer and to
authorities only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.disclosure.tiers import Tier
from passport.errors import Forbidden, NotAuthenticated
from passport.models import AccessRead, Organisation, Passport

WAYS = (
    "api-jsonld",
    "api-turtle",
    "api-vc-jwt",
    "api-vc-sd-jwt",
    "resolver",
    "resolver-vc-jwt",
    "resolver-vc-sd-jwt",
    "page",
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


def access_log(
    session: Session, reader: Organisation | None, passport: Passport
) -> list[AccessRead]:
    """The reads of ``passport``'s restricted data, oldest first: for its issuer and
    authorities only."""
    if reader is None:
        raise NotAuthenticated("The access log needs an API key: 'Authorization: Bearer <key>'.")
    if reader.pk != passport.issuer_pk and reader.role != "authority":
        raise Forbidden("Only the passport's issuer and authorities may read its access log.")
    return list(
        session.scalars(
            select(AccessRead).where(AccessRead.passport_pk == passport.pk).order_by(AccessRead.pk)
        )
    )


def as_dict(row: AccessRead) -> dict[str, Any]:
    """One read as the API shows it."""
    return {
        "organisation": {"id": row.organisation.public_id, "name": row.organisation.name},
        "role": row.organisation.role,
        "tier": row.tier,
        "way": row.way,
        "readAt": row.read_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
