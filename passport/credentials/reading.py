"""Reading a stored passport as a credential: one version, with what it inherits and links to,
and (batteries) the latest measurements its history holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.credentials.document import build_credential
from passport.credentials.inheritance import inherit
from passport.credentials.measured import measured_section
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
        lineage=_lineage(session, passport),
        latest_measurements=measured_section(session, base_url, passport),
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


# event type -> (the term on the new passport, the term on the original)
_LINKS = {
    "remanufacture": ("remanufacturedFrom", "remanufacturedInto"),
    "repurpose": ("repurposedFrom", "repurposedInto"),
}


def _lineage(session: Session, passport: Passport) -> dict[str, str]:
    """Links between an original and the product remanufactured or repurposed from it.

    From the standing remanufacture and repurpose events: the new passport names its original,
    the original names the new one (the first standing event of each type wins).
    """
    corrected = select(Event.corrects_pk).where(Event.corrects_pk.is_not(None))
    standing = (
        select(Event)
        .where(Event.type.in_(_LINKS), Event.related_pk.is_not(None))
        .where(Event.pk.not_in(corrected))
        .order_by(Event.pk)
    )
    links: dict[str, str] = {}
    for event in session.scalars(standing.where(Event.related_pk == passport.pk)):
        original = session.get(Passport, event.passport_pk)
        if original is not None:
            links.setdefault(_LINKS[event.type][0], original.uri)
    for event in session.scalars(standing.where(Event.passport_pk == passport.pk)):
        if event.related is not None:
            links.setdefault(_LINKS[event.type][1], event.related.uri)
    return links
