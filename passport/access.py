"""Who may do what: organisations, roles and API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.errors import Forbidden, NotAuthenticated
from passport.models import ApiKey, Organisation, Passport

KEY_PREFIX_LEN = 12


def hash_key(key: str) -> str:
    # API keys are 256-bit random secrets, so a fast hash is enough: there is nothing to
    # brute-force, and a slow KDF would cost every request a few hundred milliseconds.
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    return "kl_" + secrets.token_urlsafe(32)


def authenticate(session: Session, key: str | None) -> Organisation:
    """Return the organisation an API key belongs to, or raise NotAuthenticated."""
    if not key:
        raise NotAuthenticated("An API key is required: send 'Authorization: Bearer <key>'.")
    digest = hash_key(key)
    row = session.scalars(
        select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        raise NotAuthenticated("The API key is unknown or revoked.")
    return row.organisation


def require_role(org: Organisation, *roles: str) -> None:
    if org.role not in roles:
        raise Forbidden(
            f"Organisation role '{org.role}' may not do this; it needs one of: {', '.join(roles)}."
        )


def require_issuer(org: Organisation, passport: Passport) -> None:
    """Only the issuing organisation changes its passports."""
    if passport.issuer_pk != org.pk:
        raise Forbidden(
            f"Passport {passport.public_id} was issued by another organisation; "
            "only its issuer may change it."
        )
