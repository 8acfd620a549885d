"""The tables of moved passports (issue 14, point 5): a passport that left this registry for
another (``passport_moves``) and one that came here from another (``passport_arrivals``).

Kept beside ``passport.models`` (as ``passport.mirrors.tables`` is) and registered on the same
``Base.metadata``: ``migrations/env.py`` and ``kreislauf backup`` import this module. Each row is
what a log leaf commits to (``dpp.moved``, ``dpp.moved-in``: :mod:`passport.ledger.moves`), so
``kreislauf verify`` derives those leaves from it again. Neither is ever updated or deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from passport.db import Base
from passport.models import JsonType, UtcDateTime, utcnow

MOVED = "moved"
"""A moved passport's status (``Passport.status``): its history stays here, read-only."""


class PassportMove(Base):
    """A passport that moved to another registry: where to (its base URL and the passport's
    URI there), when and by whom. A passport moves once."""

    __tablename__ = "passport_moves"

    passport_pk: Mapped[int] = mapped_column(
        ForeignKey("passports.pk"), primary_key=True, autoincrement=False
    )
    to_url: Mapped[str] = mapped_column(String(600))
    new_uri: Mapped[str] = mapped_column(String(600))
    actor_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"))
    moved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PassportArrival(Base):
    """A passport issued here from another registry's history: the link back that its
    ``dpp.moved-in`` leaf commits (``link``: the old passport's URI and API address, the old
    log's origin and key, its checkpoint verbatim, the old ``dpp.moved`` leaf's index and hash)
    and the old registry's proof bundle as it was handed over (RFC 8785 JSON text), whose
    SHA-256 the leaf commits too."""

    __tablename__ = "passport_arrivals"

    passport_pk: Mapped[int] = mapped_column(
        ForeignKey("passports.pk"), primary_key=True, autoincrement=False
    )
    link: Mapped[dict[str, Any]] = mapped_column(JsonType)
    previous_bundle: Mapped[str] = mapped_column(Text)
    actor_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"))
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def move_of(session: Session, passport_pk: int) -> PassportMove | None:
    """Where a passport moved to (None: it did not)."""
    return session.get(PassportMove, passport_pk)


def arrival_of(session: Session, passport_pk: int) -> PassportArrival | None:
    """Where a passport came from (None: it was issued here)."""
    return session.scalars(
        select(PassportArrival).where(PassportArrival.passport_pk == passport_pk)
    ).first()


__all__ = ["MOVED", "PassportArrival", "PassportMove", "arrival_of", "move_of"]
