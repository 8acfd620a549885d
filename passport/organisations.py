"""Organisations: registering one (manufacturer, repairer, ...) and the life of its API keys.

An organisation may hold several API keys at once (so that it can rotate them: make a new one,
move its machines over, revoke the old one). A key is shown once, when it is made; only its
SHA-256 and its first 12 characters (the prefix, which names it in lists) are stored. A revoked
key is kept, with the time it was revoked, and refused on every operation.

Revoking through the API (the organisation acting on itself) may revoke any of its own keys,
the one it is calling with included, but never its last active key: that would lock it out
with no way back in but the operator. The operator's command line (``kreislauf keys revoke``)
may revoke any key, the last one included (a leaked key must stop working at once); the
operator then makes a new one with ``kreislauf keys create``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport import language_tags
from passport.access import KEY_PREFIX_LEN, hash_key, new_api_key, require
from passport.config import Settings
from passport.errors import Conflict, FieldError, InvalidDocument, KeyMissing, NotFound
from passport.models import ApiKey, Grant, Gs1Prefix, Organisation, utcnow
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


def set_operator_id(org: Organisation, operator_id: str | None) -> None:
    """Set (or, with None, clear) the organisation's unique operator identifier, sent with its
    passports' registrations to the EU DPP registry (e.g. an EORI number, ``EORI:DE1234…``)."""
    if operator_id is not None:
        operator_id = operator_id.strip()
        if not (0 < len(operator_id) <= 100) or any(c.isspace() for c in operator_id):
            raise InvalidDocument(
                "Invalid operator identifier.",
                [FieldError("/operatorId", "1 to 100 characters, no spaces")],
            )
    org.operator_id = operator_id


def set_language(org: Organisation, language: str | None) -> None:
    """Set (or, with None, clear) the language of the texts of the passports the organisation
    issues: a BCP 47 tag, stored in canonical case and copied into each passport it issues
    without ``inLanguage`` (passports already issued keep theirs)."""
    if language is not None:
        if not language_tags.well_formed(language.strip()):
            raise InvalidDocument(
                "Invalid language.", [FieldError("/language", language_tags.RULE)]
            )
        language = language_tags.canonical_case(language.strip())
    org.language = language


def issue_api_key(session: Session, org: Organisation, settings: Settings | None = None) -> str:
    """A new API key for the organisation; only its hash is stored, so it is shown once.

    Pass ``settings`` to seal it at once (:func:`seal_api_key`); ``kreislauf verify`` reports
    an unsealed key of a sealed organisation until the organisation next writes to the log.
    The registry's own organisation gets none: nothing acts in its name (passport.permissions).
    """
    require(org, "key.manage")
    key = new_api_key()
    row = ApiKey(
        organisation=org, prefix=key[:KEY_PREFIX_LEN], key_hash=hash_key(key), created_at=utcnow()
    )
    session.add(row)
    session.flush()
    if settings is not None:
        try:
            seal_api_key(session, settings, row)
        except KeyMissing:
            pass  # no log key yet (before init-db): sealed when the organisation next acts
    return key


def list_keys(session: Session, org: Organisation) -> list[ApiKey]:
    """The organisation's keys, active and revoked, oldest first (prefixes, never secrets)."""
    return list(
        session.scalars(select(ApiKey).where(ApiKey.organisation_pk == org.pk).order_by(ApiKey.pk))
    )


def key_as_dict(key: ApiKey) -> dict[str, str | None]:
    """What may be shown of a key: its prefix and dates, never its hash."""
    return {
        "prefix": key.prefix,
        "created": key.created_at.isoformat(),
        "revoked": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def revoke_key(
    session: Session,
    prefix: str,
    org: Organisation | None = None,
    now: datetime | None = None,
    *,
    settings: Settings | None = None,
) -> ApiKey:
    """Revoke the active key with this prefix: of ``org`` (the API), or of any organisation
    (``org`` None: the operator's command line, which may also revoke a last key). With
    ``settings`` the key's seal is made again over its revocation (``kreislauf verify`` then
    finds a key un-revoked in the database); every way in passes them.

    NotFound when no active key of the organisation has the prefix (another organisation's
    key is not found either: the answer must not tell that it exists); Conflict when the
    prefix is ambiguous or the organisation would be left without an active key.
    """
    query = select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    if org is not None:
        require(org, "key.manage")
        # Lock the organisation first, so that two requests revoking its last two keys at
        # once cannot both count two active keys (SQLite's writers queue anyway).
        session.execute(select(Organisation.pk).where(Organisation.pk == org.pk).with_for_update())
        query = query.where(ApiKey.organisation_pk == org.pk)
    rows = list(session.scalars(query))
    if not rows:
        raise NotFound(f"No active API key with prefix '{prefix}'.")
    if len(rows) > 1:
        raise Conflict(f"More than one active API key has prefix '{prefix}'.")
    key = rows[0]
    if org is not None and _active_keys(session, org) <= 1:
        raise Conflict(
            f"API key '{prefix}' is the organisation's last active key: create a new key "
            "first, then revoke this one."
        )
    key.revoked_at = now or utcnow()
    session.flush()
    if settings is not None:
        from passport.ledger import seals
        from passport.signing.keys import load_key

        try:
            seals.reseal_key(session, load_key(settings, "log").private_key, key)
        except KeyMissing:
            pass  # revoked all the same; verify reports the seal that does not say so
    return key


def _active_keys(session: Session, org: Organisation) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                ApiKey.organisation_pk == org.pk, ApiKey.revoked_at.is_(None)
            )
        )
        or 0
    )


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


def seal_grants(
    session: Session, settings: Settings, issuer: Organisation, new: Grant | None = None
) -> None:
    """The hook for whoever grants or revokes (``passport.disclosure.grants``): seal the
    ``new`` grant and the issuer's set of grants as it now stands, before the commit."""
    from passport.ledger import seals
    from passport.signing.keys import load_key

    seals.seal_grants(session, load_key(settings, "log").private_key, issuer.pk, new)
