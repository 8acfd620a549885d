"""A passport's versions: reading them, writing version n+1, withdrawing the passport.

Every version stays readable; a new one is a new row and a new log entry, never an edit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.access import require
from passport.config import Settings
from passport.errors import Conflict, FieldError, InvalidDocument, NotFound
from passport.ledger import log, sequencer
from passport.models import MAX_ROW_NUMBER, Organisation, Passport, PassportVersion, utcnow
from passport.passports.issuing import prepare, search_text
from passport.passports.lookup import get_passport, refuse_moved
from passport.signing.registry import issuer_did


def get_version(
    session: Session, passport: Passport, version: int | None = None
) -> PassportVersion:
    """One version of a passport (its current one by default); NotFound if it has none such."""
    number = passport.current_version if version is None else version
    row = (
        None
        if not 0 < number <= MAX_ROW_NUMBER
        else session.scalars(
            select(PassportVersion).where(
                PassportVersion.passport_pk == passport.pk, PassportVersion.version == number
            )
        ).first()
    )
    if row is None:
        raise NotFound(
            f"Passport {passport.public_id} has no version {number}; "
            f"its versions are 1 to {passport.current_version}."
        )
    return row


def is_battery(session: Session, passport: Passport) -> bool:
    """Whether the passport, or the model passport it inherits from, carries a ``battery``
    (a battery passport under the Battery Regulation)."""
    if "battery" in get_version(session, passport).document:
        return True
    model = passport.model
    return model is not None and "battery" in get_version(session, model).document


def list_versions(session: Session, passport: Passport) -> list[PassportVersion]:
    """Every version of a passport, oldest first."""
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
    """Store version n+1 with this document and status, and log it."""
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
    require(org, "passport.revise", passport)
    refuse_moved(session, passport.pk, passport.status, "a new version")
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
    passport.search_text = search_text(prepared.document, prepared.identity.link)
    return _new_version(session, settings, passport, org, prepared.document, passport.status)


def withdraw_passport(
    session: Session, org: Organisation, public_id: str, *, settings: Settings
) -> PassportVersion:
    """Mark a passport withdrawn with a new version; every earlier version stays readable."""
    passport = get_passport(session, public_id)
    require(org, "passport.withdraw", passport)
    refuse_moved(session, passport.pk, passport.status, "withdrawing it")
    if passport.status == "withdrawn":
        raise Conflict(f"Passport {public_id} is already withdrawn.")
    current = get_version(session, passport)
    return _new_version(session, settings, passport, org, current.document, "withdrawn")
