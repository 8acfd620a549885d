"""Reading a stored passport as a credential: one version, with what it inherits and links to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.credentials.document import build_credential
from passport.credentials.inheritance import inherit
from passport.models import Event, Passport
from passport.passports.versions import get_version
from passport.routes import Routes
from passport.signing.registry import issuer_did


def credential(
    session: Session, base_url: str, passport: Passport, version: int | None = None
) -> dict[str, Any]:
    """The passport as a W3C VC 2.0 UNTP DigitalProductPassport, with what it inherits.

    Its id is the version's address (``Routes.version``), so every version is its own
    credential and names the one before it.
    """
    routes = Routes(base_url)
    row = get_version(session, passport, version)
    subject: dict[str, Any] = row.document
    inherited: list[str] = []
    if passport.model_pk is not None:
        model = session.get(Passport, passport.model_pk)
        assert model is not None
        subject, inherited = inherit(row.document, get_version(session, model).document)
    batch = session.get(Passport, passport.batch_pk) if passport.batch_pk else None
    return build_credential(
        base_url=base_url,
        remanufactured_from=_remanufactured_from(session, passport),
        subject=subject,
        credential_id=routes.version(passport.public_id, row.version),
        canonical_uri=passport.uri,
        issuer_id=issuer_did(base_url, passport.issuer),
        issuer_name=passport.issuer.name,
        valid_from=row.created_at,
        status=row.status,
        version=row.version,
        previous_version=(
            routes.version(passport.public_id, row.version - 1) if row.version > 1 else None
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
