"""Use cases for passports. Each takes the Session first, never commits, raises domain errors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from passport import documents
from passport.access import ROLES, hash_key, new_api_key, require_issuer, require_role
from passport.config import Settings
from passport.credentials import did_web
from passport.errors import (
    Conflict,
    FieldError,
    IdempotencyKeyReused,
    InvalidDocument,
    InvalidIdentifier,
    NotFound,
)
from passport.identifiers import (
    DigitalLink,
    looks_like_digital_link,
    normalise_gtin,
    parse_digital_link,
    validate_ai_value,
    validate_gmn,
)
from passport.ledger import log, sequencer
from passport.models import (
    ApiKey,
    Event,
    Gs1Prefix,
    IdempotencyRecord,
    Organisation,
    Passport,
    PassportVersion,
    utcnow,
)

# --- organisations -------------------------------------------------------------------------


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
    key = new_api_key()
    session.add(ApiKey(organisation=org, prefix=key[:12], key_hash=hash_key(key)))
    session.flush()
    return key


# --- identity of a passport document ------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    link: DigitalLink
    granularity: str

    @property
    def key(self) -> str:
        """What makes the product unique at its level; two passports never share it."""
        link = self.link
        if link.gmn:
            return f"8013/{link.gmn}"
        if self.granularity == "item":
            return f"01/{link.gtin}/21/{link.serial}"
        if self.granularity == "batch":
            return f"01/{link.gtin}/10/{link.lot}"
        return f"01/{link.gtin}" + (f"/22/{link.cpv}" if link.cpv else "")


def identify(subject: dict[str, Any]) -> Identity:
    """Derive GTIN / GMN, lot and serial from the document; they must agree where given twice.

    Call only on a schema-valid subject. Raises InvalidDocument listing every disagreement.
    """
    product = subject["product"]
    errors: list[FieldError] = []
    from_uri: DigitalLink | None = None
    if "id" in product:
        if looks_like_digital_link(product["id"]):
            try:
                from_uri = parse_digital_link(product["id"])
            except InvalidIdentifier as exc:
                errors.append(FieldError("/product/id", exc.detail))
        elif "registeredId" not in product:
            errors.append(
                FieldError(
                    "/product/id",
                    "not a GS1 Digital Link URI (…/01/{gtin} or …/8013/{gmn}) and no "
                    "product.registeredId given: the registry needs a GTIN or a GMN",
                )
            )

    gtin = gmn = None
    if "registeredId" in product:
        reg = str(product["registeredId"]).strip()
        try:
            if reg.isdigit():
                gtin = normalise_gtin(reg)
            else:
                gmn = validate_gmn(reg)
        except InvalidIdentifier as exc:
            errors.append(FieldError("/product/registeredId", exc.detail))
    lot = _qualifier(product, "batchNumber", "10", errors)
    serial = _qualifier(product, "serialNumber", "21", errors)

    def agree(field: str, pointer: str, given: str | None, in_uri: str | None) -> str | None:
        if given is not None and in_uri is not None and given != in_uri:
            errors.append(
                FieldError(
                    pointer,
                    f"'{given}' does not agree with the {field} '{in_uri}' in /product/id",
                )
            )
        return in_uri if in_uri is not None else given

    def part(name: str) -> str | None:
        return getattr(from_uri, name) if from_uri is not None else None

    gtin = agree("GTIN", "/product/registeredId", gtin, part("gtin"))
    gmn = agree("GMN", "/product/registeredId", gmn, part("gmn"))
    lot = agree("batch number (AI 10)", "/product/batchNumber", lot, part("lot"))
    serial = agree("serial number (AI 21)", "/product/serialNumber", serial, part("serial"))
    if errors:
        raise InvalidDocument("The product's identifiers are invalid.", errors)
    if gtin is None and gmn is None:
        raise InvalidDocument(
            "The product has no GS1 identifier.",
            [
                FieldError(
                    "/product/registeredId",
                    "a GTIN (or a GMN for a model) is required: give product.registeredId "
                    "or a GS1 Digital Link URI in product.id",
                )
            ],
        )
    if gtin is not None and gmn is not None:
        raise InvalidDocument(
            "A product has either a GTIN or a GMN, not both.",
            [FieldError("/product/registeredId", "give a GTIN or a GMN, not both")],
        )

    level = subject["granularityLevel"]
    rule = {
        "item": (serial is not None, "an item passport needs product.serialNumber (AI 21)"),
        "batch": (
            lot is not None and serial is None,
            "a batch passport needs product.batchNumber (AI 10) and no serial number",
        ),
        "model": (
            lot is None and serial is None,
            "a model passport has no batch or serial number",
        ),
    }[level]
    if gmn is not None and level != "model":
        rule = (False, "a GMN (AI 8013) identifies a model: granularityLevel must be 'model'")
    if not rule[0]:
        raise InvalidDocument(
            "Granularity does not fit the identifiers.", [FieldError("/granularityLevel", rule[1])]
        )
    cpv = part("cpv")
    parts = {"gtin": gtin, "cpv": cpv, "lot": lot, "serial": serial, "gmn": gmn}
    if from_uri is not None and all(getattr(from_uri, k) == v for k, v in parts.items()):
        link = from_uri  # already validated by the parser; building it again costs as much
    else:
        link = DigitalLink(gtin=gtin, cpv=cpv, lot=lot, serial=serial, gmn=gmn)
    return Identity(link=link, granularity=level)


def _qualifier(
    product: dict[str, Any], field: str, ai: str, errors: list[FieldError]
) -> str | None:
    if field not in product:
        return None
    try:
        return validate_ai_value(ai, str(product[field]))
    except InvalidIdentifier as exc:
        errors.append(FieldError(f"/product/{field}", exc.detail))
        return None


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


def _normalised(subject: dict[str, Any], identity: Identity, uri: str) -> dict[str, Any]:
    """The document as stored: the registry's canonical URI and normalised identifiers."""
    # Copy only what changes: the rest is shared with the request body, which is discarded.
    doc = dict(subject)
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


def _search_text(doc: dict[str, Any], link: DigitalLink) -> str:
    product = doc["product"]
    parts = [product.get("name", ""), product.get("description", "")]
    parts += [v for v in (link.gtin, link.gmn, link.lot, link.serial) if v]
    return " ".join(parts).lower()


# --- issuing and versions ------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    identity: Identity
    uri: str
    document: dict[str, Any]


def prepare(base_url: str, issuer: Organisation, subject: Any) -> Prepared:
    """Validate a document fully, without touching the database."""
    documents.validate_subject(subject)
    identity = identify(subject)
    _check_prefix(issuer, identity.link)
    uri = identity.link.uri(base_url)
    return Prepared(identity, uri, _normalised(subject, identity, uri))


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
    base_url = settings.base_url
    require_role(issuer, "manufacturer")
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
                "status": "active",
                "current_version": 1,
                "name": p.document["product"]["name"],
                "search_text": _search_text(p.document, link),
                "created_at": now,
                "updated_at": now,
            }
        )
    try:
        # One multi-row INSERT ... RETURNING per chunk instead of a unit-of-work flush per
        # object: the batch endpoint's cost is then validation, not bookkeeping.
        passports = list(
            session.scalars(
                insert(Passport).returning(Passport, sort_by_parameter_order=True), rows
            )
        )
    except IntegrityError as exc:
        # Another request issued the same product between our check and our insert.
        raise Conflict(
            "A passport for one of these products was issued concurrently; nothing was stored."
        ) from exc
    session.execute(
        insert(PassportVersion),
        [
            {
                "passport_pk": passport.pk,
                "version": 1,
                "status": "active",
                "document": p.document,
                "author_pk": issuer.pk,
                "created_at": now,
            }
            for passport, p in zip(passports, prepared, strict=True)
        ],
    )
    _adopt_children(session, passports)
    actor = issuer_did(base_url, issuer)
    sequencer.append_many(
        session,
        settings,
        [
            sequencer.Item("dpp.issued", passport.uri, actor, p.document, now)
            for passport, p in zip(passports, prepared, strict=True)
        ],
    )
    return passports


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


# Keys are as stored: a GMN passport has no GTIN and a model none of a lot, so lookups may be None.
ModelsByGtin = dict[str | None, int]
BatchesByLot = dict[tuple[str | None, str | None], int]


def _parents(session: Session, prepared: list[Prepared]) -> tuple[ModelsByGtin, BatchesByLot]:
    """Model passports by GTIN and batch passports by (GTIN, lot) for a set of documents."""
    gtins = sorted({p.identity.link.gtin for p in prepared if p.identity.link.gtin})
    models: ModelsByGtin = {}
    batches: BatchesByLot = {}
    for start in range(0, len(gtins), 500):
        rows = session.execute(
            select(Passport.pk, Passport.gtin, Passport.lot, Passport.granularity, Passport.cpv)
            .where(Passport.gtin.in_(gtins[start : start + 500]))
            .where(Passport.granularity.in_(("model", "batch")))
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


def get_passport(session: Session, public_id: str) -> Passport:
    passport = session.scalars(select(Passport).where(Passport.public_id == public_id)).first()
    if passport is None:
        raise NotFound(f"No passport with id '{public_id}'.")
    return passport


def get_passports(session: Session, public_ids: Sequence[str]) -> dict[str, Passport]:
    """The passports with these ids, by id, in a few queries; unknown ids are left out."""
    found: dict[str, Passport] = {}
    unique = list(dict.fromkeys(public_ids))
    # Chunks keep each IN list far below SQLite's and PostgreSQL's parameter limits.
    for start in range(0, len(unique), 1000):
        chunk = unique[start : start + 1000]
        for passport in session.scalars(select(Passport).where(Passport.public_id.in_(chunk))):
            found[passport.public_id] = passport
    return found


def get_version(
    session: Session, passport: Passport, version: int | None = None
) -> PassportVersion:
    number = passport.current_version if version is None else version
    row = session.scalars(
        select(PassportVersion).where(
            PassportVersion.passport_pk == passport.pk, PassportVersion.version == number
        )
    ).first()
    if row is None:
        raise NotFound(
            f"Passport {passport.public_id} has no version {number}; "
            f"its versions are 1 to {passport.current_version}."
        )
    return row


def list_versions(session: Session, passport: Passport) -> list[PassportVersion]:
    return list(
        session.scalars(
            select(PassportVersion)
            .where(PassportVersion.passport_pk == passport.pk)
            .order_by(PassportVersion.version)
        )
    )


def _new_version(
    session: Session,
    settings: Settings,
    passport: Passport,
    author: Organisation,
    document: dict[str, Any],
    status: str,
) -> PassportVersion:
    passport.current_version += 1
    passport.status = status
    passport.updated_at = utcnow()
    version = PassportVersion(
        passport_pk=passport.pk,
        version=passport.current_version,
        status=status,
        document=document,
        author_pk=author.pk,
        created_at=passport.updated_at,
    )
    session.add(version)
    session.flush()
    sequencer.append(
        session,
        settings,
        kind=log.version_kind(version.version, status),
        subject=passport.uri,
        actor_did=issuer_did(settings.base_url, author),
        content=log.version_content(version),
        time=version.created_at,
    )
    return version


def update_passport(
    session: Session, settings: Settings, org: Organisation, public_id: str, subject: Any
) -> PassportVersion:
    """Write version n+1 of a passport; the identifiers cannot change."""
    passport = get_passport(session, public_id)
    require_issuer(org, passport)
    if passport.status == "withdrawn":
        raise Conflict(
            f"Passport {public_id} is withdrawn; a withdrawn passport gets no new versions."
        )
    prepared = prepare(settings.base_url, org, subject)
    if prepared.identity.key != passport.identity_key or prepared.uri != passport.uri:
        raise InvalidDocument(
            "A new version must describe the same product.",
            [
                FieldError(
                    "/product",
                    f"identifies {prepared.uri} ({prepared.identity.granularity}), but this "
                    f"passport is for {passport.uri} ({passport.granularity}); issue a new "
                    "passport for a different product",
                )
            ],
        )
    passport.name = prepared.document["product"]["name"]
    passport.search_text = _search_text(prepared.document, prepared.identity.link)
    return _new_version(session, settings, passport, org, prepared.document, passport.status)


def withdraw_passport(
    session: Session, org: Organisation, public_id: str, *, settings: Settings
) -> PassportVersion:
    """Mark a passport withdrawn with a new version; every earlier version stays readable."""
    passport = get_passport(session, public_id)
    require_issuer(org, passport)
    if passport.status == "withdrawn":
        raise Conflict(f"Passport {public_id} is already withdrawn.")
    current = get_version(session, passport)
    return _new_version(session, settings, passport, org, current.document, "withdrawn")


# --- community passports -------------------------------------------------------------------

# Products without a GS1 number get a URI under the registry's own base URL: /c/ plus 16
# characters of lower-case base 32 (80 random bits). GS1 Digital Link paths start with a
# numeric application identifier (/01/, /8013/, ...), so no GS1 path can ever look like one.
COMMUNITY_PATH = "/c/"
COMMUNITY_KEY = re.compile(r"[a-z2-7]{16}")
ORDS_SCHEME = "https://openrepair.org/open-data/open-standard/"
ORDS_SCHEME_NAME = "Open Repair Data Standard (ORDS) v0.3 product category"
EARLIEST_YEAR = 1900


def _community_key() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def issue_community_passport(
    session: Session,
    settings: Settings,
    org: Organisation,
    *,
    category: str,
    brand: str | None,
    model: str | None,
    year: int | None,
    category_id: int | None = None,
    now: datetime | None = None,
) -> Passport:
    """Register an item that has no passport and no GS1 number, for a repairer.

    The registry mints the identifier; the repairer's organisation issues the passport, which
    says everywhere that it was registered by a repairer, not issued by the manufacturer.
    ``category`` is an ORDS product category (``category_id`` its number, when known).
    """
    require_role(org, "repairer", "refurbisher")
    now = now or utcnow()
    category, brand, model = category.strip(), (brand or "").strip(), (model or "").strip()
    errors = []
    if not category:
        errors.append(FieldError("/category", "a product category is required"))
    elif len(category) > 100:
        errors.append(FieldError("/category", "must be at most 100 characters long"))
    for pointer, value in (("/brand", brand), ("/model", model)):
        if len(value) > 200:
            errors.append(FieldError(pointer, "must be at most 200 characters long"))
    if year is not None and not EARLIEST_YEAR <= year <= now.year:
        errors.append(FieldError("/year", f"must be between {EARLIEST_YEAR} and {now.year}"))
    if errors:
        raise InvalidDocument("The product cannot be registered.", errors)

    key = _community_key()
    base_url = settings.base_url
    uri = _check_base_url(base_url) + COMMUNITY_PATH + key
    classification: dict[str, Any] = {
        "type": ["Classification"],
        "id": f"{ORDS_SCHEME}#product_category={quote(category)}",
        "name": category,
        "schemeID": ORDS_SCHEME,
        "schemeName": ORDS_SCHEME_NAME,
    }
    if category_id is not None:
        classification["code"] = str(category_id)
    characteristics: dict[str, Any] = {"type": ["Characteristics"]}
    if brand:
        characteristics["brand"] = brand
    if model:
        characteristics["model"] = model
    if year is not None:
        characteristics["yearOfManufacture"] = year
    name = " ".join(part for part in (brand, model) if part) or category
    product: dict[str, Any] = {
        "type": ["Product"],
        "id": uri,
        "name": name,
        "productCategory": [classification],
    }
    if len(characteristics) > 1:
        product["characteristics"] = characteristics
    document = {"type": ["ProductPassport"], "granularityLevel": "item", "product": product}
    documents.validate_subject(document)  # the same schema as every passport

    passport = Passport(
        public_id=secrets.token_hex(8),
        uri=uri,
        identity_key=f"c/{key}",
        granularity="item",
        community=True,
        issuer_pk=org.pk,
        status="active",
        current_version=1,
        name=name,
        search_text=" ".join((name, category, key)).lower(),
        created_at=now,
        updated_at=now,
    )
    session.add(passport)
    session.flush()
    session.add(
        PassportVersion(
            passport_pk=passport.pk,
            version=1,
            status="active",
            document=document,
            author_pk=org.pk,
            created_at=now,
        )
    )
    session.flush()
    sequencer.append(
        session,
        settings,
        kind="dpp.issued",
        subject=uri,
        actor_did=issuer_did(base_url, org),
        content=document,
        time=now,
    )
    return passport


def _check_base_url(base_url: str) -> str:
    # The rule passport.identifiers applies to GS1 URIs: http(s), no query, no fragment.
    if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", base_url, flags=re.IGNORECASE):
        raise InvalidIdentifier(f"base URL {base_url!r} must be an http:// or https:// URL")
    return base_url.removesuffix("/")


def resolve_community(session: Session, key: str) -> Passport:
    """The community passport with this key (the last segment of its URI)."""
    if not COMMUNITY_KEY.fullmatch(key):
        raise InvalidIdentifier(
            f"'{key}' is not a community passport identifier: 16 characters a-z and 2-7"
        )
    passport = session.scalars(select(Passport).where(Passport.identity_key == f"c/{key}")).first()
    if passport is None:
        raise NotFound(f"No passport is registered for {COMMUNITY_PATH}{key}.")
    return passport


# --- reading as a credential ---------------------------------------------------------------


def issuer_did(base_url: str, org: Organisation) -> str:
    """did:web of an organisation under this registry: the registry's DID plus ``:orgs:<id>``.

    Its document is served at ``<base_url>/orgs/<id>/did.json`` (passport.signing). A base URL
    did:web cannot express (plain http off loopback) keeps the host-only form, unresolvable.
    """
    try:
        return did_web(f"{base_url}/orgs/{org.public_id}", allow_loopback_http=True)
    except ValueError:
        host = urlsplit(base_url).netloc.replace(":", "%3A")
        return f"did:web:{host}:orgs:{org.public_id}"


def credential_id(base_url: str, passport: Passport, version: int) -> str:
    return f"{base_url}/api/v1/passports/{passport.public_id}?version={version}"


def credential(
    session: Session, base_url: str, passport: Passport, version: int | None = None
) -> dict[str, Any]:
    """The passport as a W3C VC 2.0 UNTP DigitalProductPassport, with what it inherits."""
    row = get_version(session, passport, version)
    subject: dict[str, Any] = row.document
    inherited: list[str] = []
    if passport.model_pk is not None:
        model = session.get(Passport, passport.model_pk)
        assert model is not None
        subject, inherited = documents.inherit(row.document, get_version(session, model).document)
    batch = session.get(Passport, passport.batch_pk) if passport.batch_pk else None
    return documents.build_credential(
        base_url=base_url,
        remanufactured_from=_remanufactured_from(session, passport),
        subject=subject,
        credential_id=credential_id(base_url, passport, row.version),
        canonical_uri=passport.uri,
        issuer_id=issuer_did(base_url, passport.issuer),
        issuer_name=passport.issuer.name,
        valid_from=row.created_at,
        status=row.status,
        version=row.version,
        previous_version=(
            credential_id(base_url, passport, row.version - 1) if row.version > 1 else None
        ),
        model_passport=passport.model.uri if passport.model is not None else None,
        batch_passport=batch.uri if batch is not None else None,
        inherited=inherited,
        registered_by=issuer_did(base_url, passport.issuer) if passport.community else None,
    )


def _remanufactured_from(session: Session, passport: Passport) -> str | None:
    """The original product's URI when a remanufacture event names this passport."""
    corrected = select(Event.corrects_pk).where(Event.corrects_pk.is_not(None))
    original = session.scalars(
        select(Passport.uri)
        .join(Event, Event.passport_pk == Passport.pk)
        .where(Event.related_pk == passport.pk, Event.type == "remanufacture")
        .where(Event.pk.not_in(corrected))
        .order_by(Event.pk)
    ).first()
    return original


# --- search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Passport]
    next_cursor: str | None


def _encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"p{pk}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("p"):
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidDocument(
            "Invalid cursor.",
            [FieldError("/cursor", "not a cursor this registry returned; start without one")],
        ) from exc


def search(
    session: Session,
    *,
    gtin: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    q: str | None = None,
    issuer: str | None = None,
    granularity: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Find passports by identifiers, free text and issuer, oldest first, a page at a time."""
    stmt = select(Passport).order_by(Passport.pk).limit(limit + 1)
    if gtin:
        try:
            stmt = stmt.where(Passport.gtin == normalise_gtin(gtin))
        except InvalidIdentifier as exc:
            raise InvalidDocument(exc.detail, [FieldError("/gtin", exc.detail)]) from exc
    if lot:
        stmt = stmt.where(Passport.lot == lot)
    if serial:
        stmt = stmt.where(Passport.serial == serial)
    if granularity:
        stmt = stmt.where(Passport.granularity == granularity)
    if issuer:
        stmt = stmt.join(Organisation, Passport.issuer_pk == Organisation.pk).where(
            Organisation.public_id == issuer
        )
    if q:
        for word in q.lower().split()[:8]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Passport.search_text.like(f"%{escaped}%", escape="\\"))
    if cursor:
        stmt = stmt.where(Passport.pk > _decode_cursor(cursor))
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, _encode_cursor(rows[-1].pk) if more and rows else None)


# --- idempotency ---------------------------------------------------------------------------


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def find_idempotent(
    session: Session, org: Organisation, key: str, fingerprint: str
) -> IdempotencyRecord | None:
    """The stored answer for a repeated Idempotency-Key, or None the first time."""
    record = session.get(IdempotencyRecord, (org.pk, key))
    if record is not None and record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            f"Idempotency-Key '{key}' was already used with a different request body; "
            "use a new key for a new request."
        )
    return record


def remember_idempotent(
    session: Session, org: Organisation, key: str, fingerprint: str, status: int, response: Any
) -> None:
    session.add(
        IdempotencyRecord(
            organisation_pk=org.pk,
            key=key,
            request_hash=fingerprint,
            status_code=status,
            response=response,
            created_at=utcnow(),
        )
    )
    session.flush()


def passport_summary(base_url: str, passport: Passport) -> dict[str, Any]:
    """The short form used in lists and write responses."""
    return {
        "id": passport.public_id,
        "uri": passport.uri,
        "version": passport.current_version,
        "granularity": passport.granularity,
        "status": passport.status,
        "name": passport.name,
        "issuer": passport.issuer.public_id if passport.issuer else None,
        "gtin": passport.gtin,
        "lot": passport.lot,
        "serial": passport.serial,
        "gmn": passport.gmn,
        "href": f"{base_url}/api/v1/passports/{passport.public_id}",
    }


def version_summary(base_url: str, passport: Passport, row: PassportVersion) -> dict[str, Any]:
    return {
        "version": row.version,
        "status": row.status,
        "createdAt": _rfc3339(row.created_at),
        "href": credential_id(base_url, passport, row.version),
    }


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- resolving a Digital Link ----------------------------------------------------------------


def resolve(session: Session, link: DigitalLink) -> tuple[Passport, bool]:
    """The passport for a scanned identifier, or the nearest one above it.

    An item without a passport of its own resolves to its batch's passport, then to its
    model's; the flag says whether the match was exact. NotFound when nothing matches.
    """
    candidates = []
    if link.gmn is not None:
        candidates.append(f"8013/{link.gmn}")
    else:
        if link.serial is not None:
            candidates.append(f"01/{link.gtin}/21/{link.serial}")
        if link.lot is not None:
            candidates.append(f"01/{link.gtin}/10/{link.lot}")
        if link.cpv is not None:
            candidates.append(f"01/{link.gtin}/22/{link.cpv}")
        candidates.append(f"01/{link.gtin}")
    rows = {
        p.identity_key: p
        for p in session.scalars(select(Passport).where(Passport.identity_key.in_(candidates)))
    }
    for rank, key in enumerate(candidates):
        if key in rows:
            return rows[key], rank == 0
    raise NotFound(f"No passport is registered for {link.path()}.")
