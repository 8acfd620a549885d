"""Moving a passport out (issue 14, point 5): its issuer changes registry.

The passport's status becomes ``moved`` and a ``dpp.moved`` leaf, naming the new registry and
the passport's URI there, is appended in the same transaction (checkpoint signed). Its history
stays here and stays served and verifiable (events, receipts, the log, the proof bundle); its
resolver paths, page and API address redirect (308) to the new registry; every write on it is
refused (:func:`passport.passports.lookup.refuse_moved`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from passport.access import require
from passport.config import Settings
from passport.errors import Conflict, FieldError, InvalidDocument
from passport.gs1.digital_link import DigitalLink
from passport.ledger import moves, sequencer
from passport.models import Organisation, Passport, utcnow
from passport.moves.tables import MOVED, PassportMove, move_of
from passport.passports.lookup import get_passport, refuse_moved
from passport.routes import Routes
from passport.signing.registry import issuer_did

MAX_URL = 300


def destination(base_url: str, body: Any) -> str:
    """The ``to`` of a move request: another registry's base URL, http(s), normalised (no
    trailing slash). ``InvalidDocument`` naming the field and the rule otherwise."""
    if not isinstance(body, dict) or set(body) != {"to"}:
        raise InvalidDocument(
            "A move names the new registry and nothing else.",
            [FieldError("", 'must be an object with one member, "to"')],
        )
    to = body["to"]
    rule = "must be the new registry's base URL: http(s)://host[:port][/path], no query"
    if not isinstance(to, str) or len(to) > MAX_URL or any(c.isspace() for c in to):
        raise InvalidDocument("The new registry's address is not a URL.", [FieldError("/to", rule)])
    try:
        parts = urlsplit(to)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if not (
        port_ok
        and parts.scheme in ("http", "https")
        and parts.hostname
        and not (parts.query or parts.fragment or parts.username or parts.password)
    ):
        raise InvalidDocument("The new registry's address is not a URL.", [FieldError("/to", rule)])
    to = to.rstrip("/")
    if urlsplit(to).netloc.lower() == urlsplit(base_url).netloc.lower():
        raise InvalidDocument(
            "A passport moves to another registry.",
            [FieldError("/to", f"names this registry ({base_url}); name the new one")],
        )
    return to


def new_uri(passport: Passport, to: str) -> str:
    """The passport's URI at the new registry: the same Digital Link path on its host."""
    link = DigitalLink(
        gtin=passport.gtin,
        cpv=passport.cpv,
        lot=passport.lot,
        serial=passport.serial,
        gmn=passport.gmn,
    )
    return link.uri(to)


def move_passport(
    session: Session, settings: Settings, org: Organisation, public_id: str, body: Any
) -> PassportMove:
    """Record that the passport moved to the registry ``body["to"]`` names, for its issuer."""
    to = destination(settings.base_url, body)
    passport = get_passport(session, public_id, lock=True)
    require(org, "passport.move", passport)
    refuse_moved(session, passport.pk, passport.status, "moving it again")
    if passport.status == "withdrawn":
        raise Conflict(f"Passport {public_id} is withdrawn; a withdrawn passport does not move.")
    if passport.community:
        raise Conflict(
            f"Passport {public_id} is a community passport, whose URI this registry minted "
            f"({passport.uri}); another registry cannot issue it under the same path yet."
        )
    now = utcnow()
    move = PassportMove(
        passport_pk=passport.pk,
        to_url=to,
        new_uri=new_uri(passport, to),
        actor_pk=org.pk,
        moved_at=now,
    )
    session.add(move)
    passport.status = MOVED
    session.flush()
    sequencer.append(
        session,
        settings,
        kind=moves.MOVED,
        subject=passport.uri,
        actor_did=issuer_did(settings.base_url, org),
        content=moves.moved_content(move.to_url, move.new_uri, now),
        time=now,
    )
    return move


def new_home(session: Session, passport_pk: int) -> PassportMove | None:
    """The move of a passport (its new URI is where its page and API address redirect)."""
    return move_of(session, passport_pk)


def history_url(base_url: str, public_id: str) -> str:
    """The old history's proof bundle, which stays here."""
    return Routes(base_url).passport(public_id) + "/proof-bundle"
