"""Use cases of a passport's history: record lifecycle events, correct them, read them.

Events are append-only. A correction is a new event; the corrected one stays, and the
product's life status is always derived from the whole history, so a correction undoes
its effect without rewriting anything. Events are numbered 1, 2, 3, ... per passport, without
gaps, and each recorded event is appended to the transparency log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from passport import compiled_sql
from passport.config import Settings
from passport.errors import Conflict, FieldError, Forbidden, InvalidDocument, NotFound
from passport.events import epcis, status
from passport.events.catalogue import EVENT_TYPES, disposition_for
from passport.events.parsing import NewEvent, parse_event
from passport.events.rules import check_allowed
from passport.ledger import log, sequencer
from passport.models import (
    MAX_ROW_NUMBER,
    Event,
    Organisation,
    Passport,
    PassportVersion,
    utcnow,
)
from passport.passports.lookup import refuse_moved
from passport.passports.versions import get_version, is_battery
from passport.signing.registry import issuer_did


def list_events(session: Session, passport: Passport | int) -> list[Event]:
    """Every event of a passport (or of its pk), corrections included, in the order they were
    recorded."""
    pk = passport if isinstance(passport, int) else passport.pk
    return list(session.scalars(select(Event).where(Event.passport_pk == pk).order_by(Event.seq)))


def commissioned_at(session: Session, passport: Passport, history: list[Event]) -> datetime:
    """When the product's life began: its commissioning event, else its production date.

    Passports are often issued after the fact (an old kettle registered at a repair café), so
    the passport's own creation time is only the last resort.
    """
    for event in history:
        if event.type == "commissioning" and not _is_corrected(event, history):
            return event.event_time
    return _produced_at(session, passport)


@dataclass(frozen=True)
class _Target:
    """What an append reads of its passport, in one statement (:data:`_TARGET`)."""

    pk: int
    uri: str
    issuer_pk: int
    life_status: str
    last_seq: int  # 0: no event yet
    commissioned_at: datetime
    status: str  # "moved": the passport's history is kept at another registry now


def _target(session: Session, public_id: str) -> _Target:
    """The passport an event is appended to, its row locked first (PostgreSQL: :data:`_LOCK`;
    SQLite writers are serialised by BEGIN IMMEDIATE), with its newest event's number and its
    commissioning time (:func:`commissioned_at` without the history): columns only. NotFound if
    there is no such passport."""
    session.flush()  # what the ORM's queries did first (autoflush); nothing when clean
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        compiled_sql.first(session, _LOCK, {"public_id": public_id})
    row = compiled_sql.first(session, _TARGET[postgres], {"public_id": public_id})
    if row is None:
        raise NotFound(f"No passport with id '{public_id}'.")
    pk, uri, issuer_pk, life_status, last_seq, commissioning, version_pk, produced, state = row
    if commissioning is None:
        if version_pk is None:  # no current version: NotFound, as get_version says it
            get_version(session, session.get_one(Passport, pk))
        commissioning = _production_day(produced)
    return _Target(pk, uri, issuer_pk, life_status, last_seq or 0, commissioning, state)


# Built once and compiled once per database (passport.compiled_sql): an append's statements cost
# more to build than to run. The passport with its commissioning time, its newest event's number
# and its current version's production date (taken from the document by the database: the
# document itself is not read), in one statement.
_PASSPORTS, _EVENTS, _VERSIONS = (
    cast(Table, Model.__table__) for Model in (Passport, Event, PassportVersion)
)
_COMMISSIONING, _CORRECTION_ROW = _EVENTS.alias("commissioning"), _EVENTS.alias("correction")
_JSONB_DOCUMENT = type_coerce(_VERSIONS.c.document, JSONB)
_PRODUCED = {  # the current version's product.productionDate when it is a JSON string
    False: case(
        (
            func.json_type(_VERSIONS.c.document, "$.product.productionDate") == "text",
            func.json_extract(_VERSIONS.c.document, "$.product.productionDate"),
        )
    ),
    True: case(
        (
            func.jsonb_typeof(_JSONB_DOCUMENT["product"]["productionDate"]) == "string",
            _JSONB_DOCUMENT["product"]["productionDate"].astext,
        )
    ),
}
_TARGET = {
    postgres: select(
        _PASSPORTS.c.pk,
        _PASSPORTS.c.uri,
        _PASSPORTS.c.issuer_pk,
        _PASSPORTS.c.life_status,
        select(func.max(_EVENTS.c.seq))
        .where(_EVENTS.c.passport_pk == _PASSPORTS.c.pk)
        .scalar_subquery(),
        # the first commissioning event that no correction names
        select(_COMMISSIONING.c.event_time)
        .where(
            _COMMISSIONING.c.passport_pk == _PASSPORTS.c.pk,
            _COMMISSIONING.c.type == "commissioning",
            ~exists().where(_CORRECTION_ROW.c.corrects_pk == _COMMISSIONING.c.pk),
        )
        .order_by(_COMMISSIONING.c.seq)
        .limit(1)
        .scalar_subquery(),
        _VERSIONS.c.pk,
        produced,
        _PASSPORTS.c.status,
    )
    .select_from(
        _PASSPORTS.outerjoin(
            _VERSIONS,
            and_(
                _VERSIONS.c.passport_pk == _PASSPORTS.c.pk,
                _VERSIONS.c.version == _PASSPORTS.c.current_version,
            ),
        )
    )
    .where(_PASSPORTS.c.public_id == bindparam("public_id"))
    for postgres, produced in _PRODUCED.items()
}
# PostgreSQL: the passport's row locked by a statement of its own, before _TARGET reads. Under
# READ COMMITTED a statement that waited for the lock still computes its subqueries (the newest
# event's number) from the snapshot it began with, so a locking _TARGET could number an event
# as its concurrent predecessor did; the next statement sees what that one committed.
_LOCK = select(_PASSPORTS.c.pk).where(_PASSPORTS.c.public_id == bindparam("public_id"))
_LOCK = _LOCK.with_for_update()
_INSERT_EVENT = (
    insert(_EVENTS)
    .values({c.name: bindparam(c.name) for c in _EVENTS.columns if c.name != "pk"})
    .returning(_EVENTS.c.pk)
)
_SET_LIFE_STATUS = (
    update(_PASSPORTS)
    .where(_PASSPORTS.c.pk == bindparam("passport_pk"))
    .values(life_status=bindparam("new_status"))
)


def _produced_at(session: Session, passport: Passport) -> datetime:
    return _production_day(
        get_version(session, passport).document.get("product", {}).get("productionDate")
    )


def _production_day(produced: Any) -> datetime:
    """The earliest moment of a production date (``YYYY-MM-DD…``), else 1970."""
    if isinstance(produced, str):
        try:
            day = datetime.fromisoformat(produced[:10]).date()
            # Any time zone on that day counts: the earliest is 14 hours ahead of UTC.
            return datetime.combine(day, time.min, tzinfo=UTC) - timedelta(hours=14)
        except ValueError:
            pass
    return datetime(1970, 1, 1, tzinfo=UTC)  # nothing known: no lower bound


def _is_corrected(event: Event, history: list[Event]) -> bool:
    return any(e.corrects_pk == event.pk for e in history)


def prepare_event(body: Any, now: datetime | None = None) -> NewEvent:
    """Validate an event request body (``InvalidDocument`` listing every problem), with no
    database: what a request does before it takes the write lock (:func:`store_event`)."""
    return parse_event(body, now=now or utcnow())


def record_event(
    session: Session,
    settings: Settings,
    org: Organisation,
    passport_public_id: str,
    body: Any,
    now: datetime | None = None,
) -> Event:
    """Append one event (or a correction) to a passport's history: :func:`prepare_event`
    and :func:`store_event` in one (a request validates before it writes, and stores after)."""
    now = now or utcnow()
    target = _target(session, passport_public_id)  # a 404 before a 422
    return _store(session, settings, org, target, prepare_event(body, now), now)


def store_event(
    session: Session,
    settings: Settings,
    org: Organisation,
    passport_public_id: str,
    new: NewEvent,
    now: datetime | None = None,
) -> Event:
    """Append one validated event (:func:`prepare_event`) to a passport's history.

    An append reads what it checks against, not the passport's history: its commissioning
    time, the corrected event (a correction) and the stored life status, which the new event
    moves on (a correction, which may undo any earlier event, derives it from the whole
    history). The work that needs no database (parsing the event, its EPCIS hash, its leaf)
    is done apart from the statements, so a writer holds its locks for little more than
    its inserts. ``now`` (the time it is recorded) defaults to the time of the call.
    """
    # The passport's row is locked as it is read, so two writers cannot take the same
    # sequence number (PostgreSQL; SQLite writers are already serialised by BEGIN IMMEDIATE).
    target = _target(session, passport_public_id)
    return _store(session, settings, org, target, new, now or utcnow())


def _store(
    session: Session,
    settings: Settings,
    org: Organisation,
    passport: _Target,
    new: NewEvent,
    now: datetime,
) -> Event:
    """:func:`store_event` on the passport, its row locked.

    Its statements are compiled once (passport.compiled_sql) and the event row is inserted
    without the ORM's unit of work; the returned :class:`Event` is put in the session as if it
    had been read (a query that reads the row returns it).
    """
    base_url = settings.base_url
    refuse_moved(session, passport.pk, passport.status, "a new event")
    _check_battery_health(session, passport.pk, new)
    check_allowed(
        new,
        role=org.role,
        is_issuer=passport.issuer_pk == org.pk,
        life_status=passport.life_status,
        commissioned_at=passport.commissioned_at,
    )

    corrected: Event | None = None
    if new.corrects is not None:
        corrected = _corrected(session, org, passport.pk, new.corrects)

    related = _related_passport(session, new)
    recorded_at = now.astimezone(UTC).replace(microsecond=now.microsecond // 1000 * 1000)
    salt = log.new_salt() if new.details.get("measurements") else None
    actor = issuer_did(base_url, org)
    rendered = epcis.epcis_event(
        event_type=new.type,
        event_time=new.event_time,
        offset=new.offset,
        epc=passport.uri,
        details=new.details,
        recorder=actor,
        recorded_at=recorded_at,
        corrects_event=_epcis(base_url, passport.uri, corrected) if corrected else None,
        related=related.uri if related else None,
        salt=salt,
    )
    kind = EVENT_TYPES[new.type]
    row: dict[str, Any] = {
        "passport_pk": passport.pk,
        "seq": passport.last_seq + 1,
        "type": new.type,
        "biz_step": kind.biz_step,
        "disposition": disposition_for(new.type, new.details),
        "event_time": new.event_time,
        "time_offset": new.offset,
        "recorded_at": recorded_at,
        "recorder_pk": org.pk,
        "details": new.details,
        "corrects_pk": corrected.pk if corrected else None,
        "related_pk": related.pk if related else None,
        "event_id": rendered["eventID"],
        "content_salt": salt,
    }
    pk = compiled_sql.run(session, _INSERT_EVENT, row).scalar_one()
    # The row as stored, with its relations, in the session as if it had been read (no flush).
    event = Event(pk=pk, **row, recorder=org, corrects=corrected, related=related)
    make_transient_to_detached(event)
    session.add(event)
    sequencer.append(
        session,
        settings,
        kind=f"dpp.event.{new.type}",
        subject=passport.uri,
        actor_did=actor,
        content=log.event_content(
            event, corrected.seq if corrected else None, related.uri if related else None
        ),
        time=recorded_at,
    )
    if corrected is None:
        # A new event stands (only a correction declares another wrong), so the status is
        # the one it brings about, or the stored one (derived so far) if it brings none.
        after = status.status_for(new.type, new.details)
        life_status = passport.life_status if after is None else after
    else:
        life_status = status.derive_status(_summary(list_events(session, passport.pk)))
    if passport.life_status != life_status:
        values = {"passport_pk": passport.pk, "new_status": life_status}
        compiled_sql.run(session, _SET_LIFE_STATUS, values)
        # A Passport of this row in the session reads the new status when next asked.
        held = session.identity_map.get(identity_key(Passport, passport.pk))
        if held is not None:
            session.expire(held, ["life_status"])
    return event


def _corrected(session: Session, org: Organisation, passport_pk: int, seq: int) -> Event:
    """The event a correction by ``org`` declares wrong; refused unless ``org`` may."""
    corrected = session.scalars(
        select(Event).where(Event.passport_pk == passport_pk, Event.seq == seq)
    ).first()
    pointer = "/correction/corrects"
    if corrected is None:
        raise InvalidDocument(
            "There is no such event to correct.",
            [FieldError(pointer, f"this passport has no event {seq}")],
        )
    if corrected.type == "correction":
        raise InvalidDocument(
            "A correction cannot be corrected.",
            [FieldError(pointer, "record the right event instead")],
        )
    if corrected.recorder_pk != org.pk:
        raise Forbidden(
            f"Event {corrected.seq} was recorded by {corrected.recorder.name}; "
            "only the organisation that recorded an event can correct it."
        )
    if session.scalar(select(Event.pk).where(Event.corrects_pk == corrected.pk).limit(1)):
        raise Conflict(f"Event {corrected.seq} has already been corrected.")
    return corrected


def _check_battery_health(session: Session, passport_pk: int, new: NewEvent) -> None:
    """A battery passport's state of health is a restricted measurement, never the public
    ``batteryHealth`` a refurbisher or seller of other products may state."""
    if "batteryHealth" in new.details and is_battery(
        session, session.get_one(Passport, passport_pk)
    ):
        raise InvalidDocument(
            "The event has 1 problem",
            [
                FieldError(
                    f"/{new.type}/batteryHealth",
                    "a battery passport takes the state of health as "
                    "'measurements.stateOfHealth', for persons with a legitimate interest "
                    "(Battery Regulation Annex XIII), not as the public 'batteryHealth'",
                )
            ],
        )


def _summary(history: list[Event]) -> list[tuple[str, dict[str, Any], int | None]]:
    return [(e.type, e.details, e.corrects.seq if e.corrects else None) for e in history]


def ownership_changes(history: list[Event]) -> int:
    """How many times the product changed hands: the sales and resales that stand."""
    return status.ownership_changes(_summary(history))


def _related_passport(session: Session, new: NewEvent) -> Passport | None:
    """The part's or the remanufactured product's passport, when this registry holds it."""
    details = new.details
    candidates = [details.get("newPassport")]
    for side in ("installed", "removed"):
        if isinstance(details.get(side), dict):
            candidates.append(details[side].get("passport"))
    for uri in candidates:
        if isinstance(uri, str):
            found = session.scalars(select(Passport).where(Passport.uri == uri)).first()
            if found is not None:
                return found
    return None


def _epcis(base_url: str, uri: str, event: Event) -> dict[str, Any]:
    """An event of the passport with URI ``uri`` as EPCIS 2.0, rebuilt from what is stored (the
    hash comes out the same)."""
    corrected = _epcis(base_url, uri, event.corrects) if event.corrects else None
    return epcis.epcis_event(
        event_type=event.type,
        event_time=event.event_time,
        offset=event.time_offset,
        epc=uri,
        details=event.details,
        recorder=issuer_did(base_url, event.recorder),
        recorded_at=event.recorded_at,
        corrects_event=corrected,
        related=event.related.uri if event.related else None,
        salt=event.content_salt,
    )


def epcis_document(
    base_url: str, passport: Passport, history: list[Event], *, document_url: str
) -> dict[str, Any]:
    """The passport's whole history as an EPCIS 2.0 document, identified by ``document_url``."""
    return epcis.epcis_document(
        [_epcis(base_url, passport.uri, e) for e in history],
        document_id=document_url,
        created=utcnow(),
    )


def get_event(session: Session, passport: Passport, seq: int) -> Event:
    """Event ``seq`` of a passport's history; NotFound when it has none of that number."""
    event = (
        None
        if not 0 < seq <= MAX_ROW_NUMBER
        else session.scalars(
            select(Event).where(Event.passport_pk == passport.pk, Event.seq == seq)
        ).first()
    )
    if event is None:
        raise NotFound(f"Passport {passport.public_id} has no event {seq}.")
    return event
