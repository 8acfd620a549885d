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

The seal is base64 of the 64-byte signature. Whoever can change the database but not the log key
cannot rename an organisation, change its role or prefixes, or hand a key to another
organisation without ``kreislauf verify`` noticing. The sequencer seals every organisation that
acts in the log (and its keys) in the appending transaction, if not sealed yet; a key made later
is sealed by :func:`passport.organisations.seal_api_key`. Revocation is not sealed (a revoked
key is refused whatever its seal says).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
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


def sign(private_key: Ed25519PrivateKey, facts: dict[str, Any]) -> str:
    return base64.b64encode(private_key.sign(DOMAIN + canonical_json(facts))).decode("ascii")


def check(
    public_keys: Sequence[Ed25519PublicKey], facts: dict[str, Any], seal: str | None
) -> str | None:
    """None if ``seal`` is a signature over ``facts`` by one of the log keys (the current one
    and any retired ones); else what is wrong."""
    if seal is None:
        return "has no seal"
    try:
        signature = base64.b64decode(seal, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return "has a seal that is not base64"
    message = DOMAIN + canonical_json(facts)
    for public_key in public_keys:
        try:
            public_key.verify(signature, message)
        except InvalidSignature:
            continue
        return None
    return "does not match its seal (changed since the registry sealed it)"


def public_id_of(actor_did: str) -> str:
    """The organisation's public id in its DID (``…:orgs:<public_id>``)."""
    return actor_did.rsplit(":", 1)[-1]


def seal_actors(
    session: Session, private_key: Ed25519PrivateKey, public_ids: Iterable[str]
) -> None:
    """Seal these organisations and their keys where not sealed yet (one query each)."""
    ids = sorted(set(public_ids))
    orgs = list(session.scalars(select(Organisation).where(Organisation.public_id.in_(ids))))
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
        if org.seal is None:
            org.seal = sign(private_key, organisation_facts(org, prefixes[org.pk]))
    by_pk = {o.pk: o for o in orgs}
    for key in session.scalars(
        select(ApiKey).where(ApiKey.organisation_pk.in_(pks), ApiKey.seal.is_(None))
    ):
        key.seal = sign(private_key, key_facts(key, by_pk[key.organisation_pk].public_id))


def seal_all(session: Session, private_key: Ed25519PrivateKey) -> None:
    """Seal every organisation and key not sealed yet (at startup, after migration 0012)."""
    unsealed = session.scalars(select(Organisation.public_id).where(Organisation.seal.is_(None)))
    keyless = session.scalars(
        select(Organisation.public_id)
        .join(ApiKey, ApiKey.organisation_pk == Organisation.pk)
        .where(ApiKey.seal.is_(None))
    )
    seal_actors(session, private_key, [*unsealed, *keyless])
