"""The EN 18222 operations over the passport's use cases (``passport.passports``) and the one
way a passport is read (``passport.credentials.reading``): nothing is stored twice, every write
is a new version, and a delete is a withdrawal.

``dppId`` is the passport's public id (``digitalProductPassportId``); ``productId`` is the
product's GS1 Digital Link URI (``uniqueProductIdentifier``, the passport's canonical URI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.access import require
from passport.config import Settings
from passport.credentials import reading, untp07
from passport.disclosure.tiers import Tier
from passport.en18222 import elements, revise, shapes
from passport.errors import FieldError, InvalidDocument, InvalidIdentifier, InvalidRequest, NotFound
from passport.gs1.digital_link import DigitalLink, parse_digital_link, parse_digital_link_path
from passport.gs1.identity import candidate_keys
from passport.models import Organisation, Passport
from passport.passports import issuing, lookup, versions
from passport.signing.registry import issuer_did

MAX_PRODUCT_IDS = 1000
PAGE = 100
WITHDRAWN_NOTE = (
    "Withdrawn, not erased: the passport is no longer in force (dppStatus 'inactive'), and "
    "every version stays readable, by id and by date, as the law and the log require."
)


@dataclass(frozen=True)
class Served:
    """A passport in an EN 18223 representation, and the reading it was made from."""

    body: dict[str, Any]
    seen: reading.Reading


def read(
    session: Session,
    base_url: str,
    passport: Passport,
    form: str,
    *,
    tier: Tier,
    version: int | None = None,
    untp: str = untp07.DEFAULT,
) -> Served:
    """ReadDPPById: the passport (a version of it) as ``tier`` may see it, in ``form``, its
    credential in UNTP ``untp`` (as ``/api/v1/passports/{id}`` serves it)."""
    seen = reading.read(session, base_url, passport, version, tier=tier)
    seen = reading.in_version(seen, base_url, untp, passport)
    row = versions.get_version(session, passport, version)
    head = shapes.envelope(
        dpp_id=passport.public_id,
        product_id=passport.uri,
        granularity=passport.granularity,
        status=row.status,
        updated=row.created_at,
        operator=issuer_did(base_url, passport.issuer),
    )
    return Served(shapes.shaped(head, seen.credential, form), seen)


def _link(product_id: str) -> DigitalLink:
    """A productId: a GS1 Digital Link URI (any host) or its path."""
    try:
        if "://" in product_id:
            return parse_digital_link(product_id)
        return parse_digital_link_path("/" + product_id.lstrip("/"))
    except InvalidIdentifier as error:
        raise InvalidRequest(f"productId: not a GS1 Digital Link URI ({error.detail})") from None


def by_product(session: Session, product_id: str) -> Passport:
    """ReadDPPByProductId: the passport of exactly this product (GS1 Digital Link URI, any
    host, or its path); an item without its own passport has none (404), whatever its model."""
    link = _link(product_id)
    passport, exact = lookup.resolve(session, link)
    if not exact:
        raise NotFound(f"No passport is registered for {link.path()} itself.")
    return passport


def version_at(session: Session, passport: Passport, date: str | None) -> int:
    """ReadDPPVersionByIdAndDate: the number of the version in force at ``date``."""
    when = _moment(date)
    rows = versions.list_versions(session, passport)
    valid = [r.version for r in rows if _utc(r.created_at) <= when]
    if not valid:
        raise NotFound(f"Passport {passport.public_id} did not exist yet at {date}.")
    return valid[-1]


def _moment(date: str | None) -> datetime:
    if not date:
        raise InvalidRequest("date: required, an ISO 8601 date-time in UTC (EN 18222 4.4).")
    try:
        moment = datetime.fromisoformat(date.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidRequest(f"date: '{date[:40]}' is not an ISO 8601 date-time.") from None
    if moment.tzinfo is None:
        raise InvalidRequest("date: give the time zone (e.g. '2026-06-08T15:30:00Z').")
    return moment.astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    """To the second, as ``lastUpdated`` says it: a version is in force from that second."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.replace(microsecond=0)


def dpp_ids(session: Session, body: Any, limit: int | None, cursor: str | None) -> dict[str, Any]:
    """ReadDPPIdsByProductIds: the DPP ids of the products that have a passport, a page at a
    time. The body is ``{"productIds": [...]}`` (the contract) or a bare array."""
    wanted = body.get("productIds") if isinstance(body, dict) else body
    # EN 18222 Table 15: a malformed request is a 400 (ClientErrorBadRequest), not a 422.
    if not isinstance(wanted, list) or not wanted or len(wanted) > MAX_PRODUCT_IDS:
        raise InvalidRequest(
            f"productIds: must be an array of 1 to {MAX_PRODUCT_IDS} product identifiers "
            '(GS1 Digital Link URIs), sent as {"productIds": [...]} (EN 18222 4.5).'
        )
    start, size = _offset(cursor), _size(limit)
    keys: list[str] = []
    for index, product_id in enumerate(wanted):
        if not isinstance(product_id, str):
            raise InvalidRequest(f"productIds/{index}: must be a string.")
        try:
            keys.append(candidate_keys(_link(product_id))[0])  # the product's own key
        except InvalidRequest as error:
            raise InvalidRequest(f"productIds/{index}: {error.detail}") from None
    found = [p.public_id for p in _by_keys(session, list(dict.fromkeys(keys)))]
    page: dict[str, Any] = {"dppIds": found[start : start + size]}
    if start + size < len(found):
        page["nextCursor"] = str(start + size)
    return page


def _by_keys(session: Session, keys: list[str]) -> list[Passport]:
    """The passports with these identity keys, in their order, in a few queries."""
    rows: dict[str, Passport] = {}
    for start in range(0, len(keys), 500):  # far below either database's parameter limit
        chunk = keys[start : start + 500]
        query = select(Passport).where(Passport.identity_key.in_(chunk))
        rows |= {p.identity_key: p for p in session.scalars(query)}
    return [rows[k] for k in keys if k in rows]


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 6:
        raise InvalidRequest("cursor: pass the nextCursor of the previous page unchanged.")
    return int(cursor)


def _size(limit: int | None) -> int:
    if limit is None:
        return PAGE
    if not 1 <= limit <= MAX_PRODUCT_IDS:
        raise InvalidRequest(f"limit: must be 1 to {MAX_PRODUCT_IDS}.")
    return limit


def subject_of(body: Any) -> Any:
    """The passport body inside a CreateDPP body: its ``credentialSubject`` (the shape
    ``POST /api/v1/passports`` takes); the envelope is the registry's to set."""
    if not isinstance(body, dict) or not isinstance(body.get("credentialSubject"), dict):
        raise InvalidDocument(
            "CreateDPP takes the passport as its credentialSubject; the registry sets the "
            "envelope (digitalProductPassportId, lastUpdated, ...).",
            [FieldError("/credentialSubject", "required, an object")],
        )
    return body["credentialSubject"]


def create(
    session: Session, settings: Settings, org: Organisation, body: Any, untp: str = untp07.DEFAULT
) -> Passport:
    """CreateDPP: issue a passport (as ``POST /api/v1/passports`` does) from a subject in UNTP
    ``untp`` (a 0.7.0 Product goes through ``untp07.incoming``). The envelope is the
    registry's to set; a ``uniqueProductIdentifier`` sent with it must name the same product."""
    require(org, "passport.issue")  # before the body is read: no 422 for who may not issue
    subject = subject_of(body)
    if untp != untp07.V061:
        subject = untp07.incoming({elements.SUBJECT: subject})
    passport = issuing.issue_passport(session, settings, org, subject)
    named = body.get("uniqueProductIdentifier")
    if named is not None and (
        not isinstance(named, str) or candidate_keys(_link(named))[0] != passport.identity_key
    ):
        raise InvalidDocument(
            "The envelope names another product than the passport.",
            [FieldError("/uniqueProductIdentifier", f"must name {passport.uri}, or be left out")],
        )
    return passport


def update(
    session: Session,
    settings: Settings,
    org: Organisation,
    passport: Passport,
    patch: Any,
    untp: str = untp07.DEFAULT,
) -> bool:
    """UpdateDPPById: apply ``patch`` (RFC 7396) to the served subject (UNTP ``untp``, as the
    issuer reads it) and store the result as version n+1; the earlier versions stay as they
    were. False (no new version) when nothing changes."""
    require(org, "passport.revise", passport)
    if not isinstance(patch, dict):
        raise InvalidDocument("Send a JSON object.", [FieldError("", "must be an object")])
    if isinstance(patch.get("elements"), list):
        patch = {k: v for k, v in patch.items() if k != "elements"} | shapes.collection(
            patch["elements"], "/elements"
        )
    served = _as_issuer(session, settings, passport, untp)
    _check_fixed(patch, served)
    changes = patch.get(elements.SUBJECT, {})
    if not isinstance(changes, dict):
        raise InvalidDocument(
            "credentialSubject: send an object.",
            [FieldError(f"/{elements.SUBJECT}", "must be an object (RFC 7396 merge patch)")],
        )
    before = served[elements.SUBJECT]
    return _write(session, settings, org, passport, before, merge(before, changes), untp)


def _as_issuer(session: Session, settings: Settings, passport: Passport, untp: str) -> Any:
    return read(
        session, settings.base_url, passport, "compressed", tier=Tier.ISSUER, untp=untp
    ).body


def _write(
    session: Session,
    settings: Settings,
    org: Organisation,
    passport: Passport,
    before: dict[str, Any],
    after: dict[str, Any],
    untp: str,
) -> bool:
    """Store the served subject ``after`` (was ``before``) as version n+1: the change, mapped
    in through ``untp07.incoming``, merged into the stored document (``passport.en18222.
    revise``). False when nothing changes."""
    if after == before:
        return False
    stored = versions.get_version(session, passport).document
    change = revise.change(before, after, untp)
    if untp == untp07.V061:
        change = revise.unsent(change, stored)
    else:
        issuer = reading.read(session, settings.base_url, passport, tier=Tier.ISSUER)
        again = revise.served_again(issuer.credential, issuer.as_sent, change)
        revise.check_kept(before, after, again, f"/{elements.SUBJECT}")
    document = merge(stored, change)
    if document == stored:
        return False
    versions.update_passport(session, settings, org, passport.public_id, document)
    return True


def _check_fixed(patch: dict[str, Any], served: dict[str, Any]) -> None:
    """Only the subject is the issuer's to change: the rest must be left out or echoed."""
    for key, value in patch.items():
        if key == elements.SUBJECT:
            continue
        if key == "dppStatus" and isinstance(value, str) and value.lower() == served[key]:
            continue
        if key in served and value == served[key]:
            continue
        rule = (
            "the registry sets it; withdraw the passport with DELETE"
            if key == "dppStatus"
            else "is set by the registry; change the passport in credentialSubject"
        )
        raise InvalidDocument(f"{key} cannot be changed.", [FieldError(f"/{key}", rule)])


merge = revise.merge


def element(
    session: Session,
    base_url: str,
    passport: Passport,
    path: str,
    *,
    tier: Tier,
    untp: str = untp07.DEFAULT,
) -> tuple[dict[str, Any], reading.Reading]:
    """ReadDataElement: the one element ``path`` selects in what ``tier`` may see (UNTP
    ``untp``)."""
    served = read(session, base_url, passport, "compressed", tier=tier, untp=untp)
    location, value = elements.select(path, served.body)
    return shapes.element(elements.name_of(location), value), served.seen


def update_element(
    session: Session,
    settings: Settings,
    org: Organisation,
    passport: Passport,
    path: str,
    body: Any,
    untp: str = untp07.DEFAULT,
) -> dict[str, Any]:
    """UpdateDataElement: replace the value of the one element ``path`` selects in the served
    passport (UNTP ``untp``) inside the subject, as version n+1. Returns the element as it is
    now served (to its issuer)."""
    require(org, "passport.revise", passport)
    value = shapes.value_of(body)
    served = _as_issuer(session, settings, passport, untp)
    location, _old = elements.select(path, served)
    after = elements.replace(served, location, value)[elements.SUBJECT]
    _write(session, settings, org, passport, served[elements.SUBJECT], after, untp)
    now = _as_issuer(session, settings, passport, untp)
    return shapes.element(elements.name_of(location), elements.at(now, location))


def withdraw(
    session: Session, settings: Settings, org: Organisation, passport: Passport
) -> dict[str, Any]:
    """DeleteDPPById: withdraw the passport (a new version); deleting it again changes nothing."""
    require(org, "passport.withdraw", passport)
    if passport.status != "withdrawn":
        versions.withdraw_passport(session, org, passport.public_id, settings=settings)
    return {
        "digitalProductPassportId": passport.public_id,
        "dppStatus": shapes.STATUS["withdrawn"],
        "withdrawn": True,
        "erased": False,
        "note": WITHDRAWN_NOTE,
    }
