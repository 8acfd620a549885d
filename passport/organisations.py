"""Organisations: registering one (manufacturer, repairer, ...) and issuing its API keys."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy.orm import Session

from passport.access import KEY_PREFIX_LEN, hash_key, new_api_key
from passport.errors import Conflict, FieldError, InvalidDocument
from passport.models import ApiKey, Gs1Prefix, Organisation
from passport.roles import ROLES


def create_organisation(
    session: Session, name: str, role: str, gs1_prefixes: Sequence[str] = ()
) -> tuple[Organisation, str]:
    """Register an organisation and return it with its first API key (shown once)."""
    name = name.strip()
    if not name:
        raise InvalidDocument("The organisation needs a name.", [FieldError("/name", "required")])
    if role not in ROLES:
        raise InvalidDocument(
            f"Unknown role '{role}'.", [FieldError("/role", f"must be one of: {', '.join(ROLES)}")]
        )
    errors = []
    for i, prefix in enumerate(gs1_prefixes):
        if not (prefix.isdigit() and 4 <= len(prefix) <= 12):
            errors.append(FieldError(f"/gs1Prefixes/{i}", "a GS1 company prefix is 4 to 12 digits"))
        elif session.get(Gs1Prefix, prefix) is not None:
            raise Conflict(f"GS1 company prefix {prefix} already belongs to another organisation.")
    if errors:
        raise InvalidDocument("Invalid GS1 company prefix.", errors)
    org = Organisation(public_id="org_" + secrets.token_hex(6), name=name, role=role)
    org.gs1_prefixes = [Gs1Prefix(prefix=p) for p in dict.fromkeys(gs1_prefixes)]
    session.add(org)
    key = issue_api_key(session, org)
    return org, key


def issue_api_key(session: Session, org: Organisation) -> str:
    """A new API key for the organisation; only its hash is stored, so it is shown once."""
    key = new_api_key()
    session.add(ApiKey(organisation=org, prefix=key[:KEY_PREFIX_LEN], key_hash=hash_key(key)))
    session.flush()
    return key
