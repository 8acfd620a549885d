"""Issuing passports: validate and identify a document, then store version 1, alone or in bulk.

A batch is all or nothing. A model or batch passport adopts the passports issued before it
for the same product (its children), and every new passport is linked to its parents.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from passport import documents, language_tags
from passport.access import require
from passport.config import Settings
from passport.disclosure import marking
from passport.disclosure.annotations import schema_restrictions
from passport.disclosure.marking import stored_marks
from passport.disclosure.redaction import Restriction
from passport.disclosure.tiers import Tier
from passport.disclosure.views import stored_view
from passport.errors import Conflict, FieldError, InvalidDocument
from passport.euregistry import queue as euregistry_queue
from passport.gs1.digital_link import DigitalLink
from passport.gs1.identity import Identity, identify
from passport.ledger import bulk, log
from passport.models import PARENTS_WHERE, Organisation, Passport, PassportVersion, utcnow
from passport.signing.registry import issuer_did


@dataclass(frozen=True)
class Prepared:
    """A document checked and identified, ready to store: its identity, URI and stored form."""

    identity: Identity
    uri: str
    document: dict[str, Any]


def prepare(base_url: str, issuer: Organisation, body: Any) -> Prepared:
    """Validate a document (and the properties its issuer marks restricted), without touching
    the database."""
    subject, marks = marking.split(body)
    documents.validate_subject(subject)
    restricted = marking.check(subject, marks)
    identity = identify(subject)
    _check_prefix(issuer, identity.link)
    uri = identity.link.uri(base_url)
    doc = _normalised(subject, identity, uri, issuer.language)
    return Prepared(identity, uri, marking.attach(doc, restricted))


def _check_prefix(issuer: Organisation, link: DigitalLink) -> None:
    prefixes = issuer.prefixes
    if not prefixes:
        return
    value: str | None
    if link.gtin is not None:
        # The company prefix follows the indicator digit of a GTIN-14.
        owned, value, where = any(link.gtin[1:].startswith(p) for p in prefixes), link.gtin, "GTIN"
    else:
        owned, value, where = any(str(link.gmn).startswith(p) for p in prefixes), link.gmn, "GMN"
    if not owned:
        raise InvalidDocument(
            f"The {where} is not under the issuer's GS1 company prefixes.",
            [
                FieldError(
                    "/product/registeredId",
                    f"{where} {value} does not belong to GS1 company prefix(es) "
                    f"{', '.join(prefixes)} of {issuer.name}",
                )
            ],
        )


def _normalised(
    subject: dict[str, Any], identity: Identity, uri: str, language: str | None = None
) -> dict[str, Any]:
    """The document as stored: the registry's canonical URI and normalised identifiers, and
    the language of its texts in canonical case (else ``language``, its issuer's default)."""
    # Copy only what changes: the rest is shared with the request body, which is discarded.
    doc = dict(subject)
    if "inLanguage" in doc:
        doc["inLanguage"] = language_tags.canonical_case(doc["inLanguage"])
    elif language is not None:
        # Copied in, so that the log commits to it and a later change of the default changes
        # no passport already issued.
        doc["inLanguage"] = language
    product = doc["product"] = dict(subject["product"])
    product["id"] = uri
    link = identity.link
    product["registeredId"] = link.gtin or link.gmn
    if link.lot is not None:
        product["batchNumber"] = link.lot
    if link.serial is not None:
        product["serialNumber"] = link.serial
    if "idScheme" not in product:
        ai = "01" if link.gtin else "8013"
        name = "Global Trade Item Number (GTIN)" if link.gtin else "Global Model Number (GMN)"
        product["idScheme"] = {
            "type": ["IdentifierScheme"],
            "id": f"https://id.gs1.org/{ai}/",
            "name": name,
        }
    return doc


def search_text(doc: dict[str, Any], link: DigitalLink) -> str:
    """What free-text search matches: name, description and identifiers, lower-cased; only
    what the public may read, so that a search never reveals a restricted value."""
    subject, marks = stored_marks(doc)
    if _schema_may_hide_text() or (marks and _may_hide_text(tuple(marks))):
        product = stored_view(doc, Tier.PUBLIC)["product"]
    else:  # nothing restricted could remove them: the public view of both is as stored
        product = subject["product"]
    parts = [product.get("name", ""), product.get("description", "")]
    parts += [v for v in (link.gtin, link.gmn, link.lot, link.serial) if v]
    return " ".join(parts).lower()


_TEXT_PATHS = (("product", "name"), ("product", "description"))


@cache
def _schema_may_hide_text() -> bool:
    return _may_hide_text(schema_restrictions())


@lru_cache(maxsize=1024)  # the schema's, and the few sets of marks issuers use
def _may_hide_text(restrictions: tuple[Restriction, ...]) -> bool:
    """Whether any of ``restrictions`` hidden from the public could remove the product's name
    or description (a restriction on them or on what holds them; ``*`` matches anything).
    Building the public view of every document was a sixth of a batch's time."""
    for r in restrictions:
        if Tier.PUBLIC.sees(r.tier):
            continue
        steps = r.steps
        for path in _TEXT_PATHS:
            if len(steps) <= len(path) and all(
                s in (p, "*") for s, p in zip(steps, path, strict=False)
            ):
                return True
    return False


def issue_passport(
    session: Session, settings: Settings, issuer: Organisation, subject: Any
) -> Passport:
    """Issue one passport (version 1) for a manufacturer."""
    return issue_passports(session, settings, issuer, [subject], batch=False)[0]


def issue_passports(
    session: Session,
    settings: Settings,
    issuer: Organisation,
    subjects: Sequence[Any],
    *,
    batch: bool = True,
) -> list[Passport]:
    """Issue many passports, all or nothing; errors name the item's index in a batch."""
    prepared = prepare_all(settings.base_url, issuer, subjects, batch=batch)
    return store(session, settings, issuer, prepared, batch=batch)


def prepare_all(
    base_url: str, issuer: Organisation, subjects: Sequence[Any], *, batch: bool = True
) -> list[Prepared]:
    """Check who issues and validate every document, without touching the database (so a
    batch can be validated before its request takes the write lock); errors name the item's
    index in a batch, and two items of one product are a conflict."""
    # A remanufacturer places what it remanufactured or repurposed on the market under its own
    # name, with a new passport (Battery Regulation Art. 77(6)).
    require(issuer, "passport.issue")
    prepared: list[Prepared] = []
    errors: list[FieldError] = []
    for i, subject in enumerate(subjects):
        try:
            prepared.append(prepare(base_url, issuer, subject))
        except InvalidDocument as exc:
            if not batch:
                raise
            errors += [FieldError(f"/{i}{e.pointer}", e.message) for e in exc.errors]
    if errors:
        bad = sorted({int(e.pointer.split("/")[1]) for e in errors})
        raise InvalidDocument(
            f"{len(bad)} of {len(subjects)} passports are invalid (items {_ranges(bad)}); "
            "nothing was stored.",
            errors,
        )

    seen: dict[str, int] = {}
    for i, p in enumerate(prepared):
        if p.identity.key in seen:
            raise Conflict(
                f"Items {seen[p.identity.key]} and {i} of the batch identify the same product "
                f"({p.uri}); nothing was stored."
            )
        seen[p.identity.key] = i
    return prepared


def store(
    session: Session,
    settings: Settings,
    issuer: Organisation,
    prepared: Sequence[Prepared],
    *,
    batch: bool = True,
) -> list[Passport]:
    """Store passports ``prepare_all`` made, as version 1 each, with their log leaves; a
    product that has a passport already is a conflict (nothing is stored)."""
    base_url = settings.base_url
    seen = {p.identity.key: i for i, p in enumerate(prepared)}
    existing = _existing_keys(session, list(seen))
    if existing:
        where = f" (item {seen[existing[0]]} of the batch)" if batch else ""
        raise Conflict(
            f"A passport already exists for {existing[0]}{where}; use PUT on it to write a new "
            "version." + (" Nothing of the batch was stored." if batch else "")
        )

    now = utcnow()
    models, batches = _parents(session, prepared)
    rows = []
    for p in prepared:
        link = p.identity.link
        rows.append(
            {
                "public_id": secrets.token_hex(8),
                "uri": p.uri,
                "identity_key": p.identity.key,
                "granularity": p.identity.granularity,
                "gtin": link.gtin,
                "cpv": link.cpv,
                "lot": link.lot,
                "serial": link.serial,
                "gmn": link.gmn,
                "issuer_pk": issuer.pk,
                "model_pk": models.get(link.gtin) if p.identity.granularity != "model" else None,
                "batch_pk": (
                    batches.get((link.gtin, link.lot)) if p.identity.granularity == "item" else None
                ),
                "community": False,
                "status": "active",
                "life_status": "active",
                "current_version": 1,
                "name": p.document["product"]["name"],
                "search_text": search_text(p.document, link),
                "created_at": now,
                "updated_at": now,
            }
        )
    for row, pk in zip(rows, bulk.new_keys(session, Passport.__table__, len(rows)), strict=True):
        row["pk"] = pk
    try:
        # Through the driver (executemany, COPY on PostgreSQL), the keys taken beforehand: the
        # batch endpoint's cost is then validation, not bookkeeping.
        bulk.write_rows(session, Passport.__table__, rows)
    except IntegrityError as exc:
        # Another request issued the same product between our check and our insert.
        raise Conflict(
            "A passport for one of these products was issued concurrently; nothing was stored."
        ) from exc
    passports = _load(session, [row["pk"] for row in rows])
    salts = [log.new_salt() for _ in passports]
    bulk.write_rows(
        session,
        PassportVersion.__table__,
        [
            {
                "passport_pk": passport.pk,
                "version": 1,
                "status": "active",
                "document": p.document,
                "author_pk": issuer.pk,
                "created_at": now,
                "content_salt": salt,
            }
            for passport, p, salt in zip(passports, prepared, salts, strict=True)
        ],
    )
    _adopt_children(session, passports)
    if settings.eu_registry_auto:  # queued in this transaction; `kreislauf register-eu` sends
        euregistry_queue.enqueue(session, passports)
    actor = issuer_did(base_url, issuer)
    bulk.append_bulk(
        session,
        settings,
        [
            bulk.Item(
                "dpp.issued",
                passport.uri,
                actor,
                log.committed(p.document, s, passport.public_id),
                now,
            )
            for passport, p, s in zip(passports, prepared, salts, strict=True)
        ],
    )
    return passports


def _load(session: Session, pks: list[int]) -> list[Passport]:
    """The passports just inserted, in the order of ``pks``."""
    found: dict[int, Passport] = {}
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        found.update(
            (p.pk, p) for p in session.scalars(select(Passport).where(Passport.pk.in_(chunk)))
        )
    return [found[pk] for pk in pks]


def _ranges(indices: list[int]) -> str:
    shown = ", ".join(str(i) for i in indices[:10])
    return shown + (f" and {len(indices) - 10} more" if len(indices) > 10 else "")


def _existing_keys(session: Session, keys: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(keys), 500):  # stay under every backend's bound-parameter limit
        chunk = keys[start : start + 500]
        found += session.scalars(
            select(Passport.identity_key).where(Passport.identity_key.in_(chunk))
        )
    return found


# The model and batch passports, named as the partial index ix_passports_parents names them
# (literally: with bound values the planner could not use it, and would read every item).
PARENTS = text(PARENTS_WHERE)

# Keys are as stored: a GMN passport has no GTIN and a model none of a lot, so lookups may be None.
ModelsByGtin = dict[str | None, int]
BatchesByLot = dict[tuple[str | None, str | None], int]


def _parents(session: Session, prepared: Sequence[Prepared]) -> tuple[ModelsByGtin, BatchesByLot]:
    """Model passports by GTIN and batch passports by (GTIN, lot) for a set of documents."""
    gtins = sorted({p.identity.link.gtin for p in prepared if p.identity.link.gtin})
    models: ModelsByGtin = {}
    batches: BatchesByLot = {}
    for start in range(0, len(gtins), 500):
        rows = session.execute(
            select(Passport.pk, Passport.gtin, Passport.lot, Passport.granularity, Passport.cpv)
            .where(Passport.gtin.in_(gtins[start : start + 500]))
            .where(PARENTS)
        )
        for pk, gtin, lot, granularity, cpv in rows:
            if granularity == "model" and cpv is None:
                models[gtin] = pk
            elif granularity == "batch":
                batches[(gtin, lot)] = pk
    return models, batches


def _adopt_children(session: Session, new: list[Passport]) -> None:
    """Link passports issued before their model or batch passport to the new parent."""
    for p in new:
        if p.granularity == "model" and p.gtin and p.cpv is None:
            session.execute(
                update(Passport)
                .where(Passport.gtin == p.gtin, Passport.model_pk.is_(None), Passport.pk != p.pk)
                .where(Passport.granularity.in_(("batch", "item")))
                .values(model_pk=p.pk)
            )
        elif p.granularity == "batch":
            session.execute(
                update(Passport)
                .where(Passport.gtin == p.gtin, Passport.lot == p.lot)
                .where(Passport.granularity == "item", Passport.batch_pk.is_(None))
                .values(batch_pk=p.pk)
            )
