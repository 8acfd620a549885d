"""Reading a stored passport as a credential: one version, with what it inherits and links to,
and (batteries) the latest measurements its history holds, as the reader's tier may see it.

This is the one place every way out (API, resolver, Turtle, VC-JWT, pages) reads a passport
through: the subject is redacted here, by the restrictions declared on the schema
(``x-kreislauf-access``) and those its issuer marked, before the credential is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from passport.credentials import as_sent, status_list
from passport.credentials.document import build_credential
from passport.credentials.inheritance import inherit
from passport.credentials.measured import measured_section
from passport.credentials.recalls import recalls_section, standing_recalls
from passport.credentials.untp07 import V061, to_v07
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
    # What a UNTP 0.7.0 body said that the 0.6.1 shape cannot, as this reader may see it.
    as_sent: dict[str, Any] = field(default_factory=dict)

    @property
    def varies(self) -> bool:
        """Whether another reader could see another view (then caches must keep it private)."""
        return bool(self.restrictions)


# The credential's section of a battery's latest measurements, and the tier it needs.
MEASUREMENTS = Restriction("/latestMeasurements", Tier.LEGITIMATE_INTEREST)


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
    subject, sent = as_sent.split(subject)
    inherited: list[str] = []
    if passport.model_pk is not None:
        model = session.get(Passport, passport.model_pk)
        assert model is not None
        model_subject, model_marked = stored_marks(get_version(session, model).document)
        model_subject, model_sent = as_sent.split(model_subject)
        sent = as_sent.inherit(sent, model_sent, subject)
        subject, inherited = inherit(subject, model_subject)
        marked += [m for m in model_marked if _property(m) in inherited]
    restrictions = tuple(r for r in (*schema_restrictions(), *marked) if present(subject, r.steps))
    measured: dict[str, Any] | None = measured_section(session, base_url, passport)
    if measured:
        # Every dynamic battery attribute is for persons with a legitimate interest (the
        # BatteryPass access list; passport.events.sensors.RESTRICTED).
        restrictions += (MEASUREMENTS,)
    hidden = tuple(hidden_from(tier, restrictions))
    sent = as_sent.visible(sent, (r.steps for r in hidden), subject)
    subject = redact(subject, tier, hidden) if hidden else subject
    if MEASUREMENTS in hidden:
        measured = None
    batch = session.get(Passport, passport.batch_pk) if passport.batch_pk else None
    recalls = recalls_section(standing_recalls(session, passport), tier)
    document = build_credential(
        base_url=base_url,
        recalls=recalls,
        lineage=_lineage(session, passport),
        latest_measurements=measured,
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
    return Reading(document, tier, restrictions, hidden, sent)


def in_version(seen: Reading, base_url: str, untp: str, passport: Passport) -> Reading:
    """The reading as UNTP ``untp`` serves it (0.6.1 is how it is built and stored): mapped
    after redaction, so a version sees no more than its reader's tier. A 0.7.0 credential
    carries its revocation status (``passport.credentials.status_list``)."""
    if untp == V061:
        return seen
    credential = to_v07(seen.credential, Routes(base_url).kreislauf_context_v2)
    credential["credentialSubject"] = as_sent.served(credential["credentialSubject"], seen.as_sent)
    credential["credentialStatus"] = status_list.entry(base_url, passport.pk)
    return replace(seen, credential=credential)


def _property(mark: Restriction) -> str:
    """The inheritable property a model passport's mark lies in (``product.<name>`` or a name)."""
    steps = mark.steps
    return f"product.{steps[1]}" if steps[0] == "product" and len(steps) > 1 else steps[0]


# event type -> (the term on the new passport, the term on the original)
_LINKS = {
    "remanufacture": ("remanufacturedFrom", "remanufacturedInto"),
    "repurpose": ("repurposedFrom", "repurposedInto"),
}


_CORRECTION = aliased(Event)  # built once: making an alias costs more than the query

# The standing remanufacture and repurpose events naming a passport, or named by it: columns
# only (an Event entity would join its recorder and related passport for nothing), built once
# (building and keying a statement cost more than running it). Correlated, so each candidate
# is one probe of ix_events_corrects_pk (an uncorrelated NOT IN would read every correction).
_STANDING_LINKS = (
    select(Event.type, Event.passport_pk, Event.related_pk)
    .where(Event.type.in_(_LINKS), Event.related_pk.is_not(None))
    .where(~exists().where(_CORRECTION.corrects_pk == Event.pk))
    .order_by(Event.pk)
)
_NAMING = _STANDING_LINKS.where(Event.related_pk == bindparam("pk"))
_NAMED = _STANDING_LINKS.where(Event.passport_pk == bindparam("pk"))
_URI = select(Passport.uri).where(Passport.pk == bindparam("pk"))


def _lineage(session: Session, passport: Passport) -> dict[str, str]:
    """Links between an original and the product remanufactured or repurposed from it.

    From the standing remanufacture and repurpose events: the new passport names its original,
    the original names the new one (the first standing event of each type wins).
    """
    links: dict[str, str] = {}
    for type_, original, _ in session.execute(_NAMING, {"pk": passport.pk}):
        uri = session.scalar(_URI, {"pk": original})
        if uri is not None:
            links.setdefault(_LINKS[type_][0], uri)
    for type_, _, related in session.execute(_NAMED, {"pk": passport.pk}):
        uri = session.scalar(_URI, {"pk": related})
        if uri is not None:
            links.setdefault(_LINKS[type_][1], uri)
    return links
