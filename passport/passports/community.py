"""Community passports: products without a GS1 number, registered by a repairer.

The registry mints the identifier, a URI under its own base URL (``Routes.community``); the
repairer's organisation issues the passport, which says everywhere that it was registered by
a repairer, not issued by the manufacturer.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport import documents
from passport.access import require
from passport.config import Settings
from passport.errors import FieldError, InvalidDocument, InvalidIdentifier, NotFound
from passport.gs1.identity import community_key
from passport.ledger import log, sequencer
from passport.models import Organisation, Passport, PassportVersion, utcnow
from passport.routes import COMMUNITY, Routes
from passport.signing.registry import issuer_did

# The key in a community passport's URI: 16 characters of lower-case base 32 (80 random bits).
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
    require(org, "passport.community")
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
    uri = Routes(_check_base_url(base_url)).community(key)
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
        identity_key=community_key(key),
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
    version = PassportVersion(
        passport_pk=passport.pk,
        version=1,
        status="active",
        document=document,
        author_pk=org.pk,
        created_at=now,
    )
    session.add(version)
    session.flush()
    sequencer.append(
        session,
        settings,
        kind="dpp.issued",
        subject=uri,
        actor_did=issuer_did(base_url, org),
        content=log.version_content(version, passport.public_id),
        time=now,
    )
    return passport


def _check_base_url(base_url: str) -> str:
    # The rule passport.gs1 applies to GS1 URIs: http(s), no query, no fragment.
    if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", base_url, flags=re.IGNORECASE):
        raise InvalidIdentifier(f"base URL {base_url!r} must be an http:// or https:// URL")
    return base_url.removesuffix("/")


def resolve_community(session: Session, key: str) -> Passport:
    """The community passport with this key (the last segment of its URI)."""
    if not COMMUNITY_KEY.fullmatch(key):
        raise InvalidIdentifier(
            f"'{key}' is not a community passport identifier: 16 characters a-z and 2-7"
        )
    passport = session.scalars(
        select(Passport).where(Passport.identity_key == community_key(key))
    ).first()
    if passport is None:
        raise NotFound(f"No passport is registered for {COMMUNITY}{key}.")
    return passport
