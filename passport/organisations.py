"""Organisations: registering one (manufacturer, repairer, ...) and issuing its API keys."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy.orm import Session

from passport.access import KEY_PREFIX_LEN, hash_key, new_api_key
from passport.config import Settings
from passport.errors import Conflict, FieldError, InvalidDocument, KeyMissing
from passport.models import ApiKey, Gs1Prefix, Organisation, utcnow
from passport.roles import ROLES


def create_organisation(
    session: Session,
    name: str,
    role: str,
    gs1_prefixes: Sequence[str] = (),
    *,
    settings: Settings | None = None,
) -> tuple[Organisation, str]:
    """Register an organisation and return it with its first API key (shown once).

    With ``settings`` (the registry's log key) the organisation and its key are sealed at once;
    without, the sequencer seals them when the organisation first acts in the log.
    """
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
    if settings is not None:
        session.flush()
        try:
            seal_organisation(session, settings, org)
        except KeyMissing:
            pass  # no log key yet (before init-db): sealed at startup or when it first acts
    return org, key


def issue_api_key(session: Session, org: Organisation, settings: Settings | None = None) -> str:
    """A new API key for the organisation; only its hash is stored, so it is shown once.

    Pass ``settings`` to seal it at once (:func:`seal_api_key`); ``kreislauf verify`` reports
    an unsealed key of a sealed organisation until the organisation next writes to the log."""
    key = new_api_key()
    row = ApiKey(
        organisation=org, prefix=key[:KEY_PREFIX_LEN], key_hash=hash_key(key), created_at=utcnow()
    )
    session.add(row)
    session.flush()
    if settings is not None:
        seal_api_key(session, settings, row)
    return key


def seal_organisation(session: Session, settings: Settings, org: Organisation) -> None:
    """Seal (sign with the log key) the organisation and its unsealed keys; see
    :mod:`passport.ledger.seals`. Call after registering one (done by
    :func:`create_organisation` when given settings); an organisation already sealed is left
    as it is."""
    from passport.ledger import log, seals
    from passport.signing.keys import load_key

    private_key = load_key(settings, "log").private_key
    seals.seal_actors(session, private_key, [org.public_id], log.head(session)[0])


def seal_api_key(session: Session, settings: Settings, key: ApiKey) -> None:
    """The hook for whoever creates API keys: seal the new key (its hash and owner)."""
    from passport.ledger import seals
    from passport.signing.keys import load_key

    session.flush()
    seals.seal_key(session, load_key(settings, "log").private_key, key)
