"""What the pages say of a passport that moved: the old registry redirects its page to the
new one; the new one says where it came from and links the earlier history."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Response, redirect, url_for
from sqlalchemy.orm import Session

from edge.request import session
from passport.models import Passport
from passport.moves import arriving, moving
from web.html import long_date


@dataclass(frozen=True)
class Arrived:
    """Where a passport came from, for its page and its proof page."""

    host: str
    date: str
    history: str  # the earlier history's proof bundle, kept here (moved away: the new URI)


def arrived(db: Session, passport: Passport) -> Arrived | None:
    """Where the passport moved here from (None: it was issued here)."""
    came = arriving.arrival(db, passport)
    if came is None:
        return None
    host = urlsplit(str(came.link.get("uri", ""))).netloc
    history = url_for("moves.PreviousHistory", passport_id=passport.public_id)
    return Arrived(host, long_date(came.arrived_at.date()), history)


def departed(db: Session, passport: Passport) -> Arrived | None:
    """Where the passport moved to (None: it did not): its new host, the date, its new URI."""
    move = moving.new_home(db, passport.pk)
    if move is None:
        return None
    return Arrived(urlsplit(move.to_url).netloc, long_date(move.moved_at.date()), move.new_uri)


def moved_away(passport_pk: int) -> Response:
    """A moved passport's page: 308 to its resolver URI at the new registry."""
    move = moving.new_home(session(), passport_pk)
    assert move is not None  # its status says it moved
    response = redirect(move.new_uri, code=308)
    response.headers["Link"] = f'<{move.new_uri}>; rel="canonical"'
    return response
