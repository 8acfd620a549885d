"""Who a reader is to a passport: the tier an organisation (or nobody) reads it with.

The issuing organisation is the issuer; role ``authority`` is an authority; repairers,
refurbishers, remanufacturers and recyclers, and any organisation the issuer granted
legitimate interest (on all its passports or on this one), have legitimate interest; anyone
else, signed in or not, reads the public view. Organisations, never people.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from passport.disclosure.tiers import Tier
from passport.models import Grant, Organisation
from passport.permissions import roles_for

# The roles of each tier, from the one table (passport.permissions).
AUTHORITY_ROLES = frozenset(roles_for("read.authority"))
LEGITIMATE_INTEREST_ROLES = frozenset(roles_for("read.legitimate-interest")) - AUTHORITY_ROLES


class Owned(Protocol):
    """A passport as far as its readers' tiers go (a ``Passport``, or a stored view's key)."""

    @property
    def pk(self) -> int: ...

    @property
    def issuer_pk(self) -> int: ...


def tier_of(session: Session, reader: Organisation | None, passport: Owned) -> Tier:
    """The tier ``reader`` reads ``passport`` with (``None`` is an anonymous reader)."""
    if reader is None:
        return Tier.PUBLIC
    if reader.pk == passport.issuer_pk:
        return Tier.ISSUER
    if reader.role in AUTHORITY_ROLES:
        return Tier.AUTHORITY
    if reader.role in LEGITIMATE_INTEREST_ROLES or granted(session, reader, passport):
        return Tier.LEGITIMATE_INTEREST
    return Tier.PUBLIC


def granted(session: Session, reader: Organisation, passport: Owned) -> bool:
    """Whether the passport's issuer granted ``reader`` legitimate interest in it."""
    found = session.scalars(
        select(Grant.pk)
        .where(Grant.issuer_pk == passport.issuer_pk, Grant.grantee_pk == reader.pk)
        .where(or_(Grant.passport_pk.is_(None), Grant.passport_pk == passport.pk))
        .limit(1)
    ).first()
    return found is not None
