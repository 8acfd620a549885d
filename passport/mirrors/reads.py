"""What a mirror serves of an origin under ``/mirror/{host}/``: its checkpoint as the origin
signed it, its passports' credentials and events as the origin served them, and the evidence
of any inconsistent history. Read-only; an unknown origin, passport or version is NotFound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport.config import Settings
from passport.errors import NotFound
from passport.mirrors import cosigning
from passport.mirrors.origins import by_host
from passport.mirrors.tables import MirrorDocument, MirrorEvidence, MirrorOrigin


@dataclass(frozen=True)
class Served:
    """A body to serve as it is, with the origin it mirrors and the time of the last sync."""

    body: bytes
    media_type: str
    origin: str
    synced_at: datetime | None


def checkpoint(session: Session, host: str) -> Served:
    """The origin's checkpoint byte for byte, with the mirror's cosignature line appended (a
    signed note may carry signatures its reader does not know: the origin's still verifies)."""
    origin = by_host(session, host)
    if origin.note is None:
        raise NotFound(f"the mirror of {host} holds no checkpoint yet")
    body = (origin.note + (origin.cosignature or "")).encode("utf-8")
    return Served(body, "text/plain; charset=utf-8", origin.url, _at(origin))


def version(
    session: Session, host: str, passport_id: str, number: int | None, *, signed: bool = False
) -> Served:
    """A passport's credential: ``number``, or the newest version the mirror holds; as JSON-LD
    or (``signed``) as the VC-JWT the origin signed."""
    origin = by_host(session, host)
    kind = "jwt" if signed else "version"
    where = (
        MirrorDocument.origin_pk == origin.pk,
        MirrorDocument.passport_id == passport_id,
        MirrorDocument.kind == kind,
    )
    if number is None:
        number = session.scalar(select(func.max(MirrorDocument.number)).where(*where))
    key = (origin.pk, passport_id, kind, number)
    found = None if number is None else session.get(MirrorDocument, key)
    if found is None:
        raise NotFound(f"the mirror of {host} holds no passport {passport_id!r} of that version")
    return Served(bytes(found.body), found.media_type, origin.url, _at(origin))


def events(session: Session, host: str, passport_id: str) -> Served:
    origin = by_host(session, host)
    found = session.scalar(
        select(MirrorDocument).where(
            MirrorDocument.origin_pk == origin.pk,
            MirrorDocument.passport_id == passport_id,
            MirrorDocument.kind == "events",
        )
    )
    if found is None:
        raise NotFound(f"the mirror of {host} holds no passport {passport_id!r}")
    return Served(bytes(found.body), found.media_type, origin.url, _at(origin))


def did_document(session: Session, host: str, path: str) -> Served:
    """A DID document of the origin (``/.well-known/did.json``, ``/orgs/{id}/did.json``) as
    it was when it last verified a mirrored credential."""
    origin = by_host(session, host)
    found = session.get(MirrorDocument, (origin.pk, path, "did", 0))
    if found is None:
        raise NotFound(f"the mirror of {host} holds no DID document at {path}")
    return Served(bytes(found.body), "application/json", origin.url, _at(origin))


def evidence(session: Session, host: str, settings: Settings) -> dict[str, Any]:
    """The origin, the key its checkpoints verify with, the key of this mirror's cosignatures
    and what they mean, and each pair of checkpoints the origin signed that cannot both be
    true, verbatim."""
    origin = by_host(session, host)
    mirror = cosigning.verifier(settings)
    return {
        "origin": origin.url,
        "log": origin.log_origin,
        "vkey": origin.vkey,
        "mirror": {"name": mirror.name, "vkey": mirror.vkey, "cosignature": cosigning.MEANING},
        "evidence": [
            {
                "foundAt": row.found_at.isoformat(),
                "reason": row.reason,
                "held": row.held,
                "offered": row.offered,
                "consistencyProof": row.proof,
            }
            for row in evidence_of(session, origin)
        ],
    }


def evidence_of(session: Session, origin: MirrorOrigin) -> list[MirrorEvidence]:
    return list(
        session.scalars(
            select(MirrorEvidence)
            .where(MirrorEvidence.origin_pk == origin.pk)
            .order_by(MirrorEvidence.pk)
        )
    )


def passports(session: Session, origin: MirrorOrigin) -> int:
    """How many passports of ``origin`` the mirror holds documents of."""
    stmt = select(func.count(func.distinct(MirrorDocument.passport_id))).where(
        MirrorDocument.origin_pk == origin.pk, MirrorDocument.kind != "did"
    )
    return int(session.scalar(stmt) or 0)


def _at(origin: MirrorOrigin) -> datetime | None:
    return origin.synced_at
