"""Grants: an issuer gives a named organisation legitimate interest in its passports.

A grant covers all the issuer's passports or one of them; only the issuer sees and revokes
its grants. The use cases never commit.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.errors import Conflict, FieldError, Forbidden, InvalidDocument, NotFound
from passport.models import Grant, Organisation, Passport
from passport.permissions import may

BODY = ("organisation", "passport")


def _may_grant(issuer: Organisation) -> None:
    """Only organisations grant access to their passports (the rule ``grant.manage``)."""
    if not may("grant.manage", issuer.role):
        raise Forbidden(f"Organisation role '{issuer.role}' gives no grants.")


def grant(
    session: Session, issuer: Organisation, organisation_id: str, passport_id: str | None = None
) -> Grant:
    """Grant ``organisation_id`` legitimate interest in the issuer's passports (or one)."""
    _may_grant(issuer)
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


def grant_request(session: Session, issuer: Organisation, body: Any) -> Grant:
    """A grant from a request body ``{"organisation": id, "passport": id (optional)}``."""
    if not isinstance(body, dict):
        raise InvalidDocument("Send a JSON object.", [FieldError("", "must be an object")])
    errors = [FieldError(f"/{k}", "is not a property of a grant") for k in body if k not in BODY]
    organisation, passport = body.get("organisation"), body.get("passport")
    if not isinstance(organisation, str) or not organisation:
        errors.append(FieldError("/organisation", "is required: the organisation's id"))
    if passport is not None and not isinstance(passport, str):
        errors.append(FieldError("/passport", "must be a passport id (or left out for all)"))
    if errors:
        raise InvalidDocument("The grant is invalid.", errors)
    return grant(session, issuer, str(organisation), passport)


def as_dict(row: Grant) -> dict[str, Any]:
    """A grant as the API shows it."""
    return {
        "id": row.public_id,
        "organisation": {"id": row.grantee.public_id, "name": row.grantee.name},
        "passport": row.passport.public_id if row.passport is not None else None,
        "scope": "passport" if row.passport is not None else "all",
        "tier": "legitimate-interest",
        "createdAt": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def list_grants(session: Session, issuer: Organisation) -> list[Grant]:
    """The issuer's grants, oldest first."""
    _may_grant(issuer)
    return list(
        session.scalars(select(Grant).where(Grant.issuer_pk == issuer.pk).order_by(Grant.pk))
    )


def revoke(session: Session, issuer: Organisation, grant_id: str) -> None:
    """Revoke one of the issuer's grants (another issuer's grant is not found)."""
    _may_grant(issuer)
    row = session.scalars(
        select(Grant).where(Grant.public_id == grant_id, Grant.issuer_pk == issuer.pk)
    ).first()
    if row is None:
        raise NotFound(f"No grant {grant_id} of this organisation.")
    session.delete(row)
    session.flush()
