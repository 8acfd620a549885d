"""Who is calling and whether it may: API keys, and the checks that read the one table of
``passport.permissions``."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.errors import Forbidden, NotAuthenticated
from passport.models import ApiKey, Organisation, Passport
from passport.permissions import may, roles_for

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
    if not may("key.manage", row.organisation.role):
        # The registry's own organisation never acts through a key (passport.permissions).
        raise NotAuthenticated("The API key is unknown or revoked.")
    return row.organisation


def require(org: Organisation, action: str, passport: Passport | None = None) -> None:
    """Raise Forbidden unless ``org`` may take ``action`` (on ``passport``, when the action is
    on a product) by the table of ``passport.permissions``."""
    is_issuer = passport is not None and passport.issuer_pk == org.pk
    if may(action, org.role, is_issuer=is_issuer):
        return
    if passport is not None and not roles_for(action):
        # Only the issuing organisation changes its passports.
        raise Forbidden(
            f"Passport {passport.public_id} was issued by another organisation; "
            "only its issuer may change it."
        )
    raise Forbidden(
        f"Organisation role '{org.role}' may not do this; it needs one of: "
        f"{', '.join(roles_for(action)) or 'none'}."
    )
