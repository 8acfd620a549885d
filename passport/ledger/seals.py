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
a sealed organisation. Revocation is not sealed (a revoked key is refused whatever its seal
says). Known limits: the backfill at the first startup after migration 0012 seals whatever the
rows say then; an organisation that has never acted can be changed until it is sealed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.ledger import log
from passport.models import ApiKey, Gs1Prefix, Organisation
from passport.signing.jose import canonical_json

DOMAIN = b"kreislauf-seal/v1\n"


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
    return {
        "kind": "kreislauf.api-key/v1",
        "prefix": key.prefix,
        "keyHash": key.key_hash,
        "organisation": owner_public_id,
        "createdAt": log.format_time(key.created_at),
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
    ids = sorted(set(public_ids))
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


def seal_key(session: Session, private_key: Ed25519PrivateKey, key: ApiKey) -> None:
    """Seal one new API key (its hash and owner) at the log's current size."""
    if key.seal is None:
        owner = key.organisation.public_id
        key.seal = sign(private_key, key_facts(key, owner), log.head(session)[0])


def seal_all(session: Session, private_key: Ed25519PrivateKey) -> None:
    """At startup: if nothing is sealed yet (a database from before migration 0012), seal every
    organisation and key as a backfill. Once anything is sealed this does nothing, so NULLing a
    seal and restarting does not get a changed row sealed again."""
    if session.scalar(select(Organisation.pk).where(Organisation.seal.is_not(None)).limit(1)):
        return
    ids = list(session.scalars(select(Organisation.public_id)))
    seal_actors(session, private_key, ids, log.head(session)[0], backfill=True)
