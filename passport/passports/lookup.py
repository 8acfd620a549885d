"""Finding a passport: by its id, many by their ids, or by a scanned GS1 Digital Link."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.errors import NotFound, PassportMoved
from passport.gs1.digital_link import DigitalLink
from passport.gs1.identity import candidate_keys
from passport.models import Event, Passport
from passport.moves.tables import MOVED, move_of


def get_passport(session: Session, public_id: str, *, lock: bool = False) -> Passport:
    """The passport with this id; NotFound if there is none. ``lock`` locks its row until the
    transaction ends (PostgreSQL; SQLite writers are already serialised by BEGIN IMMEDIATE)."""
    stmt = select(Passport).where(Passport.public_id == public_id)
    passport = session.scalars(stmt.with_for_update(of=Passport) if lock else stmt).first()
    if passport is None:
        raise NotFound(f"No passport with id '{public_id}'.")
    return passport


def get_passports(session: Session, public_ids: Sequence[str]) -> dict[str, Passport]:
    """The passports with these ids, by id, in a few queries; unknown ids are left out."""
    found: dict[str, Passport] = {}
    unique = list(dict.fromkeys(public_ids))
    # Chunks keep each IN list far below SQLite's and PostgreSQL's parameter limits.
    for start in range(0, len(unique), 1000):
        chunk = unique[start : start + 1000]
        for passport in session.scalars(select(Passport).where(Passport.public_id.in_(chunk))):
            found[passport.public_id] = passport
    return found


def resolve(session: Session, link: DigitalLink) -> tuple[Passport, bool]:
    """The passport for a scanned identifier, or the nearest one above it.

    An item without a passport of its own resolves to its batch's passport, then to its
    model's; the flag says whether the match was exact. NotFound when nothing matches.
    """
    candidates = candidate_keys(link)
    rows = {
        p.identity_key: p
        for p in session.scalars(select(Passport).where(Passport.identity_key.in_(candidates)))
    }
    for rank, key in enumerate(candidates):
        if key in rows:
            return rows[key], rank == 0
    raise NotFound(f"No passport is registered for {link.path()}.")


# How far back "the organisation's recent items" reach: its newest events and passports.
RECENT = 500


def items_with_serial(
    session: Session, serial: str, organisation_pk: int | None, *, limit: int = 10
) -> list[Passport]:
    """Item passports with this serial number, as a volunteer types it from a label.

    The organisation's recent items first (those it recorded an event on or registered,
    newest first, ``RECENT`` of each: ``ix_events_recorder_pk`` and ``ix_passports_issuer_pk``);
    only when none of them has the serial, every item of the registry with it, newest first
    (``ix_passports_serial``: the serial without its GTIN, so the rows read are the passports
    with that serial, not the registry). tests/passport/test_query_plans.py keeps both indexes.
    """
    if not serial or len(serial) > 20:
        return []
    item = (Passport.serial == serial, Passport.granularity == "item")
    if organisation_pk is not None:
        recorded = select(Event.passport_pk).where(Event.recorder_pk == organisation_pk)
        issued = select(Passport.pk).where(Passport.issuer_pk == organisation_pk)
        near = set(session.scalars(recorded.order_by(Event.pk.desc()).limit(RECENT)))
        near |= set(session.scalars(issued.order_by(Passport.pk.desc()).limit(RECENT)))
        own = select(Passport).where(Passport.pk.in_(sorted(near)), *item)
        found = list(session.scalars(own.order_by(Passport.pk.desc()).limit(limit)))
        if found:
            return found
    anywhere = select(Passport).where(*item).order_by(Passport.pk.desc()).limit(limit)
    return list(session.scalars(anywhere))


def refuse_moved(session: Session, passport_pk: int, status: str, what: str) -> None:
    """Raise :class:`PassportMoved` if the passport moved to another registry: ``what`` (a new
    version, an event ...) belongs there now; its history stays here, read-only."""
    if status != MOVED:
        return
    move = move_of(session, passport_pk)
    where, uri = (move.to_url, move.new_uri) if move else ("another registry", "")
    raise PassportMoved(
        f"The passport moved to {where}"
        + (f" on {move.moved_at:%Y-%m-%d}" if move else "")
        + f"; {what} belongs to its new registry ({uri}). Its history stays here, read-only."
    )
