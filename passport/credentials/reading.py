"""Reading a stored passport as a credential: one version, with what it inherits and links to,
as the reader's tier may see it.

This is the one place every way out (API, resolver, Turtle, VC-JWT, pages) reads a passport
through: the subject is redacted here, by the restrictions declared on the schema
(``x-kreislauf-access``) and those its issuer marked, before the credential is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.credentials.document import build_credential
from passport.credentials.inheritance import inherit
from passport.disclosure.annotations import schema_restrictions
from passport.disclosure.marking import stored_marks
from passport.disclosure.redaction import Restriction, present, redact
from passport.disclosure.redaction import hidden as hidden_from
from passport.disclosure.tiers import Tier
from passport.models import Event, Passport
from passport.passports.versions import get_version
from passport.routes import Routes
from passport.signing.registry import issuer_did


@dataclass(frozen=True)
class Reading:
    """A credential as one tier sees it, and what was restricted and withheld from it."""

    credential: dict[str, Any]
    tier: Tier
    restrictions: tuple[Restriction, ...]
    withheld: tuple[Restriction, ...]

    @property
    def varies(self) -> bool:
        """Whether another reader could see another view (then caches must keep it private)."""
        return bool(self.restrictions)


def credential(
    session: Session, base_url: str, passport: Passport, version: int | None = None, *, tier: Tier
) -> dict[str, Any]:
    """The passport as a W3C VC 2.0 UNTP DigitalProductPassport, as ``tier`` may see it."""
    return read(session, base_url, passport, version, tier=tier).credential


def read(
    session: Session, base_url: str, passport: Passport, version: int | None = None, *, tier: Tier
) -> Reading:
    """The passport as a W3C VC 2.0 UNTP DigitalProductPassport, with what it inherits.

    Its id is the version's address (``Routes.version``), so every version is its own
    credential and names the one before it. What ``tier`` may not see is left out.
    """
    routes = Routes(base_url)
    row = get_version(session, passport, version)
    subject, marked = stored_marks(row.document)
    inherited: list[str] = []
    if passport.model_pk is not None:
        model = session.get(Passport, passport.model_pk)
        assert model is not None
        model_subject, model_marked = stored_marks(get_version(session, model).document)
        subject, inherited = inherit(subject, model_subject)
        marked += [m for m in model_marked if _property(m) in inherited]
    restrictions = tuple(r for r in (*schema_restrictions(), *marked) if present(subject, r.steps))
    hidden = tuple(hidden_from(tier, restrictions))
    subject = redact(subject, tier, hidden) if hidden else subject
    batch = session.get(Passport, passport.batch_pk) if passport.batch_pk else None
    document = build_credential(
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
    return Reading(document, tier, restrictions, hidden)


def _property(mark: Restriction) -> str:
    """The inheritable property a model passport's mark lies in (``product.<name>`` or a name)."""
    steps = mark.steps
    return f"product.{steps[1]}" if steps[0] == "product" and len(steps) > 1 else steps[0]


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
