"""The origin's resolver paths at its mirror: ``/mirror/{host}/01/…`` (GS1 Digital Link, parsed
as the origin's resolver parses it) and ``/mirror/{host}/c/{key}`` lead to the mirror's copy of
the passport, so that a QR code's path still finds the passport when the origin is gone (the
mirror's address before it: the QR code itself names the origin).

The mirror knows each mirrored passport by the URI its leaves name (its subject) and by the
origin's API id its documents were fetched under (``passport.mirrors.documents``). A path
finds the most specific passport held, as the origin's resolver does: the item, its batch,
its model. What it answers is built from mirrored data only: a linkset whose links are the
mirror's copies (the credential, the events), or the way to the copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport import links
from passport.errors import InvalidDigitalLink, InvalidIdentifier, NoSuchLink, NotFound
from passport.gs1.digital_link import DigitalLink, parse_digital_link_path
from passport.mirrors.origins import by_host
from passport.mirrors.tables import MirrorDocument, MirrorOrigin
from passport.routes import COMMUNITY, LOG, Routes

JSON_LD = "application/ld+json"
# What ?linkType= may ask for, besides the linkset: the GS1 types of the mirror's two copies.
DPP, EVENTS = "gs1:dpp", "gs1:traceability"


@dataclass(frozen=True)
class Resolved:
    """A mirrored passport found by one of its origin's resolver paths."""

    host: str
    origin: str  # the origin's URL, for Kreislauf-Mirror-Of
    synced_at: datetime | None
    subject: str  # the passport's URI at the origin: the linkset's anchor
    passport_id: str  # the origin's API id, also the mirror's
    copies: tuple[links.Link, ...]  # the mirror's copies, the credential first (the default)
    item_description: str | None = None

    def linkset(self) -> dict[str, Any]:
        """The RFC 9264 linkset of the mirror's copies (GS1's linkset schema validates it)."""
        return links.linkset(
            self.subject, self.copies, default_rel=DPP, item_description=self.item_description
        )

    def chosen(self, link_type: str | None) -> links.Link:
        """The link ``?linkType=`` asks for (none: the credential); NoSuchLink if none is."""
        wanted = DPP if link_type is None else links.parse_link_type(link_type)
        for link in self.copies:
            if link.rel == wanted:
                return link
        raise NoSuchLink(
            f"the mirror of {self.host} has no link of type {link_type} for {self.subject}; "
            f"its types are {DPP}, {EVENTS} and linkset"
        )


def resolve(session: Session, host: str, path: str, mirror_base: str) -> Resolved:
    """The passport of ``origin``'s resolver path ``path`` (raw, as requested: ``/01/…`` with
    its query, or ``/c/{key}``) among those the mirror holds documents of; a GS1 path that
    breaks GS1 syntax is InvalidDigitalLink, one that finds nothing NotFound."""
    origin = by_host(session, host)
    wanted = _subjects(origin, _paths(path))
    rows = session.execute(
        select(MirrorDocument.subject, MirrorDocument.passport_id).where(
            MirrorDocument.origin_pk == origin.pk,
            MirrorDocument.kind == "version",
            MirrorDocument.number == 1,  # every passport held has its first version
            MirrorDocument.subject.in_(wanted),
        )
    ).all()
    held = dict(rows)
    subject = next((s for s in wanted if s in held), None)
    if subject is None:
        raise NotFound(f"the mirror of {host} holds no passport at {path.split('?')[0]}")
    pid = held[subject]
    at = Routes(Routes(mirror_base).mirrored(origin.host))
    copies = (
        links.Link(DPP, at.passport(pid), "Digital product passport (mirror's copy)", JSON_LD),
        links.Link(EVENTS, at.events(pid), "Lifecycle events (mirror's copy)", "application/json"),
    )
    return Resolved(
        origin.host,
        origin.url,
        origin.synced_at,
        subject,
        pid,
        copies,
        _description(session, origin, pid),
    )


def _paths(path: str) -> list[str]:
    """The canonical paths a resolver path may be held under, most specific first: the path
    itself, then (GS1) the item's, the batch's and the model's, as the origin's resolver
    falls back (``passport.gs1.identity.candidate_keys``)."""
    if path.startswith(COMMUNITY):
        return [urlsplit(path).path.rstrip("/")]
    try:
        link = parse_digital_link_path(path, allow_trailing_slash=True)
        found = [link.path()]
        if link.gmn is None:
            if link.serial is not None:
                found.append(DigitalLink(gtin=link.gtin, serial=link.serial).path())
            if link.lot is not None:
                found.append(DigitalLink(gtin=link.gtin, lot=link.lot).path())
            found.append(DigitalLink(gtin=link.gtin, cpv=link.cpv).path())
            found.append(DigitalLink(gtin=link.gtin).path())
    except InvalidIdentifier as exc:
        raise InvalidDigitalLink(exc.detail) from None
    return list(dict.fromkeys(found))


def _subjects(origin: MirrorOrigin, paths: list[str]) -> list[str]:
    """The URIs the origin may have minted for ``paths``: under the public host its log is
    named after (which may differ from the address mirrored) and the mirrored URL's path."""
    public = origin.log_origin.removesuffix(LOG) + urlsplit(origin.url).path
    return [f"{scheme}://{public}{p}" for p in paths for scheme in ("https", "http")]


def _description(session: Session, origin: MirrorOrigin, pid: str) -> str | None:
    """The ``itemDescription`` of the newest credential held (its product's name, batch and
    serial), as the origin's linkset has it."""
    body = session.scalar(
        select(MirrorDocument.body)
        .where(
            MirrorDocument.origin_pk == origin.pk,
            MirrorDocument.passport_id == pid,
            MirrorDocument.kind == "version",
        )
        .order_by(MirrorDocument.number.desc())
        .limit(1)
    )
    try:
        subject = json.loads(bytes(body or b"{}")).get("credentialSubject")
    except (ValueError, AttributeError):
        return None
    return links.describe_item(subject) if isinstance(subject, dict) else None
