"""Seals: the registry's signature over the facts about an organisation and an API key that
pages and documents serve but no log leaf digests (tamper-evidence for ``kreislauf verify``).

A leaf names its actor by DID (``did:web:…:orgs:<public_id>``), so the log commits to *which*
organisation acted, not to what it is called or what it may do. The seal closes that gap without
adding leaves (and so without moving any index, root or proof): it is an Ed25519 signature by
the log key over the RFC 8785 canonical JSON of

* an organisation: ``{"kind": "kreislauf.organisation/v1", "id", "name", "role",
  "gs1Prefixes", "createdAt"}``, stored in ``organisations.seal``;
* an API key: ``{"kind": "kreislauf.api-key/v1", "prefix", "keyHash", "organisation",
  "createdAt"}`` (``organisation`` is its owner's public id), stored in ``api_keys.seal``.

The signed message also holds ``sealedAt`` (the log size when sealed) and ``backfill``; the
stored seal is ``<sealedAt>.<n|b>.<base64 signature>``. Verify requires an organisation's
(non-backfill) seal to predate its first log entry, so NULLing a seal and waiting for the
sequencer to seal the changed row again does not pass.

Whoever can change the database but not the log key cannot rename an organisation, change
its role or prefixes, or hand a key to another organisation without ``kreislauf verify``
noticing. The sequencer seals every organisation that acts in the log for the first time (and
its keys) in the appending transaction; a key made later is sealed by
:func:`passport.organisations.seal_api_key`, and ``kreislauf verify`` reports an unsealed key of
a sealed organisation. Since migration 0013 a key's seal also
covers its revocation (``kreislauf.api-key/v2``, ``revokedAt``): revoking re-seals the key
(:func:`reseal_key`), so a key un-revoked in the database no longer matches its seal (a v1 seal,
made before 0013, still verifies: it says nothing about revocation).

Grants (who may read an issuer's restricted values) are sealed twice: each row
(``{"kind": "kreislauf.grant/v1", "id", "issuer", "grantee", "passport", "createdAt"}``, in
``grants.seal``) and each issuer's set of grant ids (``kreislauf.grants/v1``, in
``registry_seals`` as ``grants/<issuer id>``), re-sealed by every grant and revocation
(:func:`seal_grants`): a row changed, added or removed in the database no longer matches.

A passport's public id (its API handle) is committed by its first leaf since 0013 (see
:func:`passport.ledger.log.committed`); the ids of passports logged before are sealed as one set
(``kreislauf.passport-ids/v1``, ``registry_seals`` row ``passport-ids``) at the first startup
after the migration: one signature, whatever the number of passports.

Known limits: the backfill at the first startup after migration 0012 (0013) seals whatever the
rows say then; an organisation that has never acted can be changed until it is sealed. A seal
proves what the registry signed, not that it is the newest thing it signed: putting back a
row's older value *together with its older seal* (a key's seal from before its revocation, an
issuer's grants seal from before a revocation) is a rollback no seal can show. The registry
re-seals an issuer's set of grants as it finds it at the issuer's next grant or revocation, so
a grant deleted in the database is found until then (a grant added there stays unsealed: only
the grant just made is sealed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from passport.ledger import log
from passport.models import ApiKey, Grant, Gs1Prefix, Organisation, Passport, RegistrySeal
from passport.signing.jose import canonical_json

if TYPE_CHECKING:  # cryptography loads with the first seal made or checked (memory)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

DOMAIN = b"kreislauf-seal/v1\n"
GRANTS = "grants/"  # + the issuer's public id: registry_seals row of its set of grants
PASSPORT_IDS = "passport-ids"  # registry_seals row of the ids logged before leaves had them


def organisation_facts(org: Organisation, prefixes: Iterable[str]) -> dict[str, Any]:
    return {
        "kind": "kreislauf.organisation/v1",
        "id": org.public_id,
        "name": org.name,
        "role": org.role,
        "gs1Prefixes": sorted(prefixes),
        "createdAt": log.format_time(org.created_at),
    }


def key_facts(key: ApiKey, owner_public_id: str) -> dict[str, Any]:
    """What a key's seal signs since migration 0013: its revocation included."""
    facts = legacy_key_facts(key, owner_public_id)
    facts["kind"] = "kreislauf.api-key/v2"
    facts["revokedAt"] = None if key.revoked_at is None else log.format_time(key.revoked_at)
    return facts


def legacy_key_facts(key: ApiKey, owner_public_id: str) -> dict[str, Any]:
    """What a key's seal signed before migration 0013 (not its revocation)."""
    return {
        "kind": "kreislauf.api-key/v1",
        "prefix": key.prefix,
        "keyHash": key.key_hash,
        "organisation": owner_public_id,
        "createdAt": log.format_time(key.created_at),
    }


def grant_facts(
    grant: Grant, issuer_id: str, grantee_id: str, passport_id: str | None
) -> dict[str, Any]:
    return {
        "kind": "kreislauf.grant/v1",
        "id": grant.public_id,
        "issuer": issuer_id,
        "grantee": grantee_id,
        "passport": passport_id,
        "createdAt": log.format_time(grant.created_at),
    }


def grants_facts(issuer_id: str, grant_ids: Iterable[str]) -> dict[str, Any]:
    """An issuer's set of grants: the SHA-256 of its sorted grant ids."""
    ids = sorted(grant_ids)
    return {
        "kind": "kreislauf.grants/v1",
        "issuer": issuer_id,
        "count": len(ids),
        "sha256": hashlib.sha256(canonical_json(ids)).hexdigest(),
    }


def ids_facts(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Passports' (URI, public id) pairs as one set: their count and SHA-256."""
    rows = sorted([uri, public_id] for uri, public_id in pairs)
    return {
        "kind": "kreislauf.passport-ids/v1",
        "count": len(rows),
        "sha256": hashlib.sha256(canonical_json(rows)).hexdigest(),
    }


@dataclass(frozen=True)
class Seal:
    """A stored seal: ``<sealedAt>.<n|b>.<base64 signature>``. ``sealed_at`` is the log size
    when it was made; ``backfill`` marks a seal made at the first startup after migration 0012
    for what existed (and may have acted) before seals did."""

    sealed_at: int
    backfill: bool
    signature: bytes

    @classmethod
    def parse(cls, text: str) -> Seal:
        size, mode, b64 = text.split(".")
        if not size.isdigit() or mode not in ("n", "b"):
            raise ValueError("not <size>.<n|b>.<signature>")
        return cls(int(size), mode == "b", base64.b64decode(b64, validate=True))


def _message(facts: dict[str, Any], sealed_at: int, backfill: bool) -> bytes:
    return DOMAIN + canonical_json({**facts, "sealedAt": sealed_at, "backfill": backfill})


def sign(
    private_key: Ed25519PrivateKey, facts: dict[str, Any], sealed_at: int, backfill: bool = False
) -> str:
    signature = private_key.sign(_message(facts, sealed_at, backfill))
    mode = "b" if backfill else "n"
    return f"{sealed_at}.{mode}.{base64.b64encode(signature).decode('ascii')}"


def check(
    public_keys: Sequence[Ed25519PublicKey],
    facts: dict[str, Any],
    seal: str | None,
    first_act: int | None = None,
) -> str | None:
    """None if ``seal`` is a signature over ``facts`` by one of the log keys (the current one
    and any retired ones) made before the organisation first acted (log index ``first_act``)
    or as a backfill; else what is wrong."""
    if seal is None:
        return "has no seal"
    try:
        parsed = Seal.parse(seal)
    except (binascii.Error, ValueError, TypeError):
        return "has a malformed seal (not <size>.<n|b>.<base64 signature>)"
    message = _message(facts, parsed.sealed_at, parsed.backfill)
    from cryptography.exceptions import InvalidSignature

    for public_key in public_keys:
        try:
            public_key.verify(parsed.signature, message)
        except InvalidSignature:
            continue
        if first_act is not None and not parsed.backfill and parsed.sealed_at > first_act:
            return (
                f"was sealed at log size {parsed.sealed_at}, after it first acted (log index "
                f"{first_act}): the seal was made again"
            )
        return None
    return "does not match its seal (changed since the registry sealed it)"


def public_id_of(actor_did: str) -> str:
    """The organisation's public id in its DID (``…:orgs:<public_id>``)."""
    return actor_did.rsplit(":", 1)[-1]


def seal_actors(
    session: Session,
    private_key: Ed25519PrivateKey,
    public_ids: Iterable[str],
    size: int,
    *,
    backfill: bool = False,
) -> None:
    """Seal those of these organisations not sealed yet, with their unsealed keys, at log
    ``size`` (the sequencer passes the size before its entries). An organisation sealed once is
    never sealed again here: a key made later is sealed by whoever makes it."""
    ids = sorted(set(public_ids) - _sealed_in(session))
    if not ids:
        return
    orgs = list(
        session.scalars(
            select(Organisation).where(Organisation.public_id.in_(ids), Organisation.seal.is_(None))
        )
    )
    if not orgs:
        return
    pks = [o.pk for o in orgs]
    prefixes: dict[int, list[str]] = {pk: [] for pk in pks}
    for prefix, pk in session.execute(
        select(Gs1Prefix.prefix, Gs1Prefix.organisation_pk).where(
            Gs1Prefix.organisation_pk.in_(pks)
        )
    ):
        prefixes[pk].append(prefix)
    for org in orgs:
        org.seal = sign(private_key, organisation_facts(org, prefixes[org.pk]), size, backfill)
    by_pk = {o.pk: o for o in orgs}
    for key in session.scalars(
        select(ApiKey).where(ApiKey.organisation_pk.in_(pks), ApiKey.seal.is_(None))
    ):
        owner = by_pk[key.organisation_pk].public_id
        key.seal = sign(private_key, key_facts(key, owner), size, backfill)


def _sealed_in(session: Session) -> set[str]:
    """The public ids of the organisations this session holds with a seal: sealed in the
    database too (a seal is written once and never removed; a rolled-back one expires with its
    transaction), so an append by an organisation it has loaded asks nothing more."""
    sealed: set[str] = set()
    for obj in session.identity_map.values():
        if isinstance(obj, Organisation) and "seal" in obj.__dict__ and obj.__dict__["seal"]:
            sealed.add(obj.__dict__["public_id"])
    return sealed


def seal_key(session: Session, private_key: Ed25519PrivateKey, key: ApiKey) -> None:
    """Seal one new API key (its hash and owner) at the log's current size."""
    if key.seal is None:
        owner = key.organisation.public_id
        key.seal = sign(private_key, key_facts(key, owner), log.head(session)[0])


def seal_all(session: Session, private_key: Ed25519PrivateKey) -> None:
    """At startup: the backfill of migration 0013 (:func:`_backfill_0013`); and if no
    organisation is sealed yet (a database from before migration 0012), seal every
    organisation and key as a backfill. Once anything is sealed this does nothing, so NULLing a
    seal and restarting does not get a changed row sealed again."""
    _backfill_0013(session, private_key)
    if session.scalar(select(Organisation.pk).where(Organisation.seal.is_not(None)).limit(1)):
        return
    ids = list(session.scalars(select(Organisation.public_id)))
    seal_actors(session, private_key, ids, log.head(session)[0], backfill=True)


def reseal_key(session: Session, private_key: Ed25519PrivateKey, key: ApiKey) -> None:
    """Seal a sealed key again after it changed (its revocation), at the log's current size.
    An unsealed key is left to whoever seals its organisation (with its revocation then)."""
    if key.seal is not None:
        owner = key.organisation.public_id
        key.seal = sign(private_key, key_facts(key, owner), log.head(session)[0])


def seal_grants(
    session: Session,
    private_key: Ed25519PrivateKey,
    issuer_pk: int,
    new: Grant | None = None,
    *,
    backfill: bool = False,
) -> None:
    """Seal the ``new`` grant (or, as a backfill, every unsealed one of the issuer) and the
    issuer's set of grants as it now stands; call after every grant and revocation. A grant
    someone else left unsealed stays so (verify reports it). The issuer's row is locked first,
    so two of its grants made at once cannot each seal a set without the other (the lock is
    taken after the insert, and each statement then reads what committed before it)."""
    issuer_id = session.scalars(
        select(Organisation.public_id).where(Organisation.pk == issuer_pk).with_for_update()
    ).one()
    size = log.head(session)[0]
    session.flush()
    ids = []
    for grant in session.scalars(select(Grant).where(Grant.issuer_pk == issuer_pk)):
        ids.append(grant.public_id)
        if grant.seal is None and (backfill or grant is new):
            passport = grant.passport.public_id if grant.passport is not None else None
            facts = grant_facts(grant, issuer_id, grant.grantee.public_id, passport)
            grant.seal = sign(private_key, facts, size, backfill)
    name = GRANTS + issuer_id
    value = sign(private_key, grants_facts(issuer_id, ids), size, backfill)
    row = session.get(RegistrySeal, name)
    if row is None:
        session.add(RegistrySeal(name=name, seal=value))
    else:
        row.seal = value
    session.flush()


def _backfill_0013(session: Session, private_key: Ed25519PrivateKey) -> None:
    """At the first startup after migration 0013: seal the public ids of every passport logged
    so far (their first leaves do not commit them) unless a ``passport-ids`` seal exists, and
    every grant and issuer's set of grants unless a grant is sealed already. An empty registry
    gets no row (a restore's target stays empty): whatever it logs later commits its ids."""
    if session.get(RegistrySeal, PASSPORT_IDS) is None:
        pairs = [(u, i) for u, i in session.execute(select(Passport.uri, Passport.public_id))]
        if pairs:
            value = sign(private_key, ids_facts(pairs), log.head(session)[0], backfill=True)
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            # Workers starting at once sign the same message (Ed25519 is deterministic).
            row = {"name": PASSPORT_IDS, "seal": value}
            session.execute(insert(RegistrySeal).values(**row).on_conflict_do_nothing())
    if session.scalar(select(Grant.pk).where(Grant.seal.is_not(None)).limit(1)) is None:
        for issuer_pk in sorted(set(session.scalars(select(Grant.issuer_pk)))):
            seal_grants(session, private_key, issuer_pk, backfill=True)
    session.flush()
