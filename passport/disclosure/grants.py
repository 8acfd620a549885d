"""Grants: an issuer gives a named organisation legitimate interest in its passports.

A grant covers all the issuer's passports or one of them; only the issuer sees and revokes
its grants. The use cases never commit.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.errors import Conflict, FieldError, InvalidDocument, NotFound
from passport.models import Grant, Organisation, Passport


def grant(
    session: Session, issuer: Organisation, organisation_id: str, passport_id: str | None = None
) -> Grant:
    """Grant ``organisation_id`` legitimate interest in the issuer's passports (or one)."""
    grantee = session.scalars(
        select(Organisation).where(Organisation.public_id == organisation_id)
    ).first()
    if grantee is None:
        problem = FieldError("/organisation", f"no organisation {organisation_id}")
        raise InvalidDocument("The grant names an unknown organisation.", [problem])
    if grantee.pk == issuer.pk:
        problem = FieldError("/organisation", "is the issuer itself, which sees everything")
        raise InvalidDocument("An issuer needs no grant on its own passports.", [problem])
    passport = None
    if passport_id is not None:
        passport = session.scalars(
            select(Passport).where(Passport.public_id == passport_id)
        ).first()
        if passport is None or passport.issuer_pk != issuer.pk:
            problem = FieldError("/passport", f"no passport {passport_id} of this issuer")
            raise InvalidDocument("The grant names a passport the issuer did not issue.", [problem])
    existing = session.scalars(
        select(Grant).where(
            Grant.issuer_pk == issuer.pk,
            Grant.grantee_pk == grantee.pk,
            Grant.passport_pk.is_(None) if passport is None else Grant.passport_pk == passport.pk,
        )
    ).first()
    if existing is not None:
        raise Conflict(f"{grantee.public_id} already holds this grant ({existing.public_id}).")
    row = Grant(
        public_id="grant_" + secrets.token_hex(8),
        issuer_pk=issuer.pk,
        grantee=grantee,
        grantee_pk=grantee.pk,
        passport=passport,
        passport_pk=passport.pk if passport is not None else None,
    )
    session.add(row)
    session.flush()
    return row


def list_grants(session: Session, issuer: Organisation) -> list[Grant]:
    """The issuer's grants, oldest first."""
    return list(
        session.scalars(select(Grant).where(Grant.issuer_pk == issuer.pk).order_by(Grant.pk))
    )


def revoke(session: Session, issuer: Organisation, grant_id: str) -> None:
    """Revoke one of the issuer's grants (another issuer's grant is not found)."""
    row = session.scalars(
        select(Grant).where(Grant.public_id == grant_id, Grant.issuer_pk == issuer.pk)
    ).first()
    if row is None:
        raise NotFound(f"No grant {grant_id} of this organisation.")
    session.delete(row)
    session.flush()
