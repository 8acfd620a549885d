"""Served facts that are not in a leaf, checked against what is (``kreislauf verify``).

A passport row caches what its versions and events say: ``status`` and ``current_version``
(its newest version), ``life_status`` (derived from its events, corrections included),
identifiers, name and search text (from its newest document), issuer and times (from its
first and newest versions), model and batch (the passports of its GTIN and lot). Each must equal
what it is derived from again here. Organisations, API keys (their revocation included) and
grants carry a seal (:mod:`passport.ledger.seals`) that must verify with the log key, and so do
each issuer's set of grants and the public ids of passports logged before their first leaf
committed them (migration 0013).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from passport.disclosure.annotations import schema_restrictions
from passport.disclosure.marking import stored_marks
from passport.errors import KreislaufError
from passport.events.status import derive_status
from passport.gs1.digital_link import DigitalLink
from passport.gs1.identity import community_key, identify, identity_key
from passport.ledger import moves, seals
from passport.ledger.verify import Report, rows
from passport.models import (
    ApiKey,
    Event,
    Grant,
    Gs1Prefix,
    Organisation,
    Passport,
    PassportVersion,
    RegistrySeal,
)
from passport.moves.tables import MOVED
from passport.passports.issuing import search_text
from passport.routes import Routes

if TYPE_CHECKING:  # cryptography loads with the first key used (memory)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, KreislaufError)


def check_passports(session: Session, report: Report, base_url: str) -> None:
    ctx = report.data
    # The parents issuing links (passport.passports.issuing._parents), whichever came first.
    models = {p.gtin: p.pk for p in ctx.passports if p.granularity == "model" and p.cpv is None}
    batches = {(p.gtin, p.lot): p.pk for p in ctx.passports if p.granularity == "batch"}
    for p in ctx.passports:
        versions: list[PassportVersion] = ctx.versions.get(p.pk, [])
        if not versions:
            continue  # reported by verify_log
        add = _adder(report, p)
        try:
            expected = _expected(base_url, p, versions, ctx.events.get(p.pk, []))
            expected["model_pk"] = (
                models.get(expected["gtin"]) if p.granularity != "model" else None
            )
            expected["batch_pk"] = (
                batches.get((expected["gtin"], expected["lot"]))
                if p.granularity == "item"
                else None
            )
        except _MALFORMED as exc:
            add(f"its newest document or events are malformed: {type(exc).__name__}: {exc}")
            continue
        if (p.pk, moves.MOVED) in ctx.moves:  # the dpp.moved leaf, checked with the log's
            expected["status"] = MOVED
        for column, value in expected.items():
            if getattr(p, column) != value:
                add(f"{column} is {getattr(p, column)!r}, but its log says {value!r}")


def _adder(report: Report, p: Passport) -> Callable[[str], None]:
    subject = str(p.uri)
    return lambda message: report.add(None, "passport", subject, message)


def _expected(
    base_url: str, p: Passport, versions: list[PassportVersion], events: list[Event]
) -> dict[str, Any]:
    first, last = versions[0], versions[-1]
    history = [(e.type, e.details, e.corrects.seq if e.corrects else None) for e in events]
    expected: dict[str, Any] = {
        "status": last.status,
        "current_version": last.version,
        "life_status": derive_status(history),
        "issuer_pk": first.author_pk,
        "created_at": first.created_at,
        "updated_at": last.created_at,
    }
    subject, _ = stored_marks(last.document)
    product = subject["product"]
    expected["name"] = product["name"]
    if p.community:
        key = str(p.uri).rsplit("/", 1)[-1]
        expected |= {
            "uri": Routes(base_url).community(key),
            "identity_key": community_key(key),
            "granularity": "item",
            "search_text": " ".join(
                (product["name"], product["productCategory"][0]["name"], key)
            ).lower(),
            **dict.fromkeys(("gtin", "cpv", "lot", "serial", "gmn"), None),
        }
        return expected
    expected |= _identity(base_url, p, subject)
    expected["search_text"] = _search_text(last.document, subject, expected)
    return expected


def _identity(base_url: str, p: Passport, subject: dict[str, Any]) -> dict[str, Any]:
    """The identifiers the committed document gives. Fast path: the row's identifiers rebuild
    the committed URI (the leaves' subject) at the document's level; else the document is
    parsed again (GS1 parsing is most of verify's time at 10,000 passports)."""
    row = {c: getattr(p, c) for c in ("gtin", "cpv", "lot", "serial", "gmn")}
    granularity = subject["granularityLevel"]
    try:
        link = DigitalLink(**row)
        fast = {"uri": link.uri(base_url), "identity_key": identity_key(link, granularity)}
    except (ValueError, KreislaufError):
        fast = {}
    if fast == {"uri": p.uri, "identity_key": p.identity_key}:
        return fast | row | {"granularity": granularity}
    identity = identify(subject)
    link = identity.link
    return {
        "uri": link.uri(base_url),
        "identity_key": identity.key,
        "granularity": identity.granularity,
        "gtin": link.gtin,
        "cpv": link.cpv,
        "lot": link.lot,
        "serial": link.serial,
        "gmn": link.gmn,
    }


_SEARCHED = (["product", "name"], ["product", "description"])


@cache
def _schema_hides_search_text() -> bool:
    return any(_touches(r.steps) for r in schema_restrictions())


def _touches(steps: list[str]) -> bool:
    return any(
        all(a == b or "*" in (a, b) for a, b in zip(steps, field, strict=False))
        for field in _SEARCHED
    )


def _search_text(document: dict[str, Any], subject: dict[str, Any], ids: dict[str, Any]) -> str:
    """``issuing.search_text``, without redacting when no restriction touches what it reads."""
    _, marks = stored_marks(document)
    if _schema_hides_search_text() or any(_touches(m.steps) for m in marks):
        link = DigitalLink(**{c: ids[c] for c in ("gtin", "cpv", "lot", "serial", "gmn")})
        return search_text(document, link)
    product = subject["product"]
    parts = [product.get("name", ""), product.get("description", "")]
    parts += [v for v in (ids["gtin"], ids["gmn"], ids["lot"], ids["serial"]) if v]
    return " ".join(parts).lower()


def check_seals(session: Session, report: Report, public_keys: Sequence[Ed25519PublicKey]) -> None:
    """Every organisation that acted in the log, and every other sealed one, matches its seal;
    every key of a sealed organisation matches its own."""
    ctx = report.data
    acted: dict[int, int] = ctx.first_act
    prefixes: dict[int, list[str]] = defaultdict(list)
    for prefix in rows(session, report, Gs1Prefix, Gs1Prefix.prefix):
        prefixes[prefix.organisation_pk].append(prefix.prefix)
    orgs: dict[int, Organisation] = ctx.orgs
    for org in orgs.values():
        if org.seal is None and org.pk not in acted:
            continue
        try:
            facts = seals.organisation_facts(org, prefixes[org.pk])
            problem = seals.check(public_keys, facts, org.seal, acted.get(org.pk))
        except _MALFORMED as exc:
            problem = f"is malformed: {type(exc).__name__}"
        if problem:
            report.add(None, "organisation", str(org.public_id), problem)
    for key in rows(session, report, ApiKey, ApiKey.pk):
        owner = orgs.get(key.organisation_pk)
        if owner is None:
            report.add(None, "api_key", str(key.prefix), "belongs to no organisation")
            continue
        if key.seal is None and owner.seal is None:
            continue
        try:
            problem = seals.check(public_keys, seals.key_facts(key, owner.public_id), key.seal)
            legacy = seals.legacy_key_facts(key, owner.public_id)
            if problem and seals.check(public_keys, legacy, key.seal) is None:
                problem = None  # sealed before 0013, which said nothing about revocation
        except _MALFORMED as exc:
            problem = f"is malformed: {type(exc).__name__}"
        if problem:
            report.add(None, "api_key", str(key.prefix), problem)


def check_grants(session: Session, report: Report, public_keys: Sequence[Ed25519PublicKey]) -> None:
    """Every grant matches its seal, and every issuer's set of grants the seal of that set
    (``grants/<issuer id>`` in registry_seals): a grant changed, added or removed is found."""
    orgs: dict[int, Organisation] = report.data.orgs
    ids = dict(report.data.public_ids)
    heads = {
        r.name.removeprefix(seals.GRANTS): r.seal
        for r in rows(session, report, RegistrySeal, RegistrySeal.name)
        if r.name.startswith(seals.GRANTS)
    }
    held: dict[str, list[str]] = {issuer: [] for issuer in heads}
    for grant in rows(session, report, Grant, Grant.pk):
        try:
            issuer = orgs[grant.issuer_pk].public_id
            passport = None if grant.passport_pk is None else ids[grant.passport_pk]
            facts = seals.grant_facts(grant, issuer, orgs[grant.grantee_pk].public_id, passport)
            held.setdefault(issuer, []).append(grant.public_id)
            problem = seals.check(public_keys, facts, grant.seal)
        except _MALFORMED as exc:
            problem = f"is malformed or names no organisation or passport: {type(exc).__name__}"
        if problem:
            report.add(None, "grant", str(grant.public_id), problem)
    for issuer, grant_ids in held.items():
        problem = seals.check(public_keys, seals.grants_facts(issuer, grant_ids), heads.get(issuer))
        if problem:
            what = "the set of grants (one was added, removed or renamed)"
            report.add(None, "grants", issuer, f"{what} {problem}")


def check_passport_ids(
    session: Session, report: Report, public_keys: Sequence[Ed25519PublicKey]
) -> None:
    """A passport's public id is committed by its first leaf (since 0013), or, for passports
    logged before, by the ``passport-ids`` seal over every passport logged before it was made."""
    ctx = report.data
    issued: dict[int, tuple[int, bool]] = ctx.issued
    unbound = [pk for pk, (_, bound) in issued.items() if not bound]
    if not unbound:
        return
    row = session.get(RegistrySeal, seals.PASSPORT_IDS)
    try:
        size = seals.Seal.parse(row.seal).sealed_at if row is not None else 0
    except _MALFORMED:
        size = 0
    missing = [pk for pk in unbound if issued[pk][0] >= size]
    for pk in missing:
        message = "its public id is committed by neither its first leaf nor a seal"
        report.add(None, "passport", str(ctx.uris[pk]), message)
    if missing and row is None:
        report.notes.append(
            "the public ids (and grants) of a registry from before migration 0013 are sealed "
            "at its first `kreislauf init-db` or `run` after the upgrade"
        )
    if row is not None:
        pairs = [(ctx.uris[pk], ctx.public_ids[pk]) for pk, (i, _) in issued.items() if i < size]
        problem = seals.check(public_keys, seals.ids_facts(pairs), row.seal)
        if problem:
            what = "the public ids of the passports logged before migration 0013"
            report.add(None, "passports", seals.PASSPORT_IDS, f"{what} {problem}")


__all__ = ["check_grants", "check_passport_ids", "check_passports", "check_seals"]
