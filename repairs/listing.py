"""Every repair the registry knows, as ORDS v0.3 rows: imported records and logged repairs.

``repair_rows`` is what the ORDS export (command line and API) and the impact pages read: the
imported records streamed from the database, merged in order with the repairs logged here as
lifecycle events (mapped by ``repairs.registry_rows``). Like the other use cases, it takes
the Session first, never commits, and raises domain errors (``passport.errors``).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from passport.errors import FieldError, InvalidDocument
from passport.models import Event, Organisation, Passport, PassportVersion
from repairs.models import RepairRecord
from repairs.ords.records import OrdsRow, categories, category_id
from repairs.registry_rows import registry_provider, registry_row

__all__ = ["repair_rows", "resolve_category"]

# The widest UTC offsets an event may have (-14:00 ... +14:00, passport.events.parsing): a
# local date can start 14 h before its UTC day and end 14 h after it.
_EARLIEST_OFFSET = timedelta(hours=14)
_LATEST_OFFSET = timedelta(hours=14)


def resolve_category(category: str) -> int:
    """An ORDS category given by name (any letter case) or id, as its id; else InvalidDocument."""
    text = category.strip()
    if text.isascii() and text.isdigit() and int(text) in categories():
        return int(text)
    number = category_id(text)
    if number is None:
        raise InvalidDocument(
            f"'{category}' is not an ORDS v0.3 product category.",
            [
                FieldError(
                    "/category",
                    "one of the 40 ORDS categories by name or id, e.g. 'Kettle' or 14",
                )
            ],
        )
    return number


def repair_rows(
    session: Session,
    *,
    since: date | None,
    until: date | None,
    category: str | None,
    group: str | None,
    base_url: str,
    country: str = "",
) -> Iterator[OrdsRow]:
    """Every repair the registry knows, as ORDS v0.3 rows ordered by event_date, then id.

    Imported records, plus the repairs logged in this registry as lifecycle events (those
    no correction has declared wrong), mapped by ``registry_row``. ``since`` and ``until``
    are inclusive dates; ``category`` is an ORDS category (name or id); ``group`` is the
    exact ``group_identifier`` (for registry repairs: the recording organisation's name).

    ``country`` fills the ORDS country of registry repairs: the registry does not record
    where a repair happened (events name organisations, and organisations have no
    country), so the operator says it (ISO 3166-1 alpha-3) or it stays empty -- which ORDS,
    where country is required, and therefore ``read_ords`` reject.

    The category is checked now (InvalidDocument); rows are produced while iterated, which
    must happen while the session is open. Imported rows stream from the database;
    registry repairs are gathered in memory (they are few next to imported data sets).
    """
    category_id = resolve_category(category) if category else None
    imported = _imported_rows(session, since, until, category_id, group)
    registry = sorted(
        _registry_rows(session, since, until, category_id, group, base_url, country),
        key=_order,
    )
    return heapq.merge(imported, registry, key=_order)


def _order(row: OrdsRow) -> tuple[date, str]:
    return (row.event_date, row.id)


def _imported_rows(
    session: Session,
    since: date | None,
    until: date | None,
    category_id: int | None,
    group: str | None,
) -> Iterator[OrdsRow]:
    table = RepairRecord.__table__
    query = select(
        table.c.ords_id,
        table.c.data_provider,
        table.c.country,
        table.c.partner_product_category,
        table.c.product_category,
        table.c.product_category_id,
        table.c.brand,
        table.c.year_of_manufacture,
        table.c.product_age,
        table.c.repair_status,
        table.c.repair_barrier_if_end_of_life,
        table.c.group_identifier,
        table.c.event_date,
        table.c.problem,
    ).order_by(table.c.event_date, table.c.ords_id)
    if since is not None:
        query = query.where(table.c.event_date >= since)
    if until is not None:
        query = query.where(table.c.event_date <= until)
    if category_id is not None:
        query = query.where(table.c.product_category_id == category_id)
    if group is not None:
        query = query.where(table.c.group_identifier == group)
    # Streamed (a server-side cursor on PostgreSQL) so an export of 300,000 rows never sits
    # in memory at once.
    result = session.execute(query.execution_options(yield_per=2000))
    rows = (
        OrdsRow(
            id=r[0],
            data_provider=r[1],
            country=r[2],
            partner_product_category=r[3],
            product_category=r[4],
            product_category_id=r[5],
            brand=r[6],
            year_of_manufacture=r[7],
            product_age=r[8],
            repair_status=r[9],
            repair_barrier_if_end_of_life=r[10] or "",
            group_identifier=r[11],
            event_date=r[12],
            problem=r[13],
        )
        for r in result
    )
    # The database orders ids by its collation (PostgreSQL's may ignore "_"); merging needs
    # Python's order, so each day's rows -- a handful -- are re-sorted here.
    for _day, same_day in itertools.groupby(rows, key=lambda row: row.event_date):
        yield from sorted(same_day, key=lambda row: row.id)


def _registry_rows(
    session: Session,
    since: date | None,
    until: date | None,
    category_id: int | None,
    group: str | None,
    base_url: str,
    country: str,
) -> Iterator[OrdsRow]:
    corrected = select(Event.corrects_pk).where(Event.corrects_pk.is_not(None))
    query = (
        select(Event, Passport, PassportVersion.document)
        .join(Passport, Event.passport_pk == Passport.pk)
        .join(
            PassportVersion,
            and_(
                PassportVersion.passport_pk == Passport.pk,
                PassportVersion.version == Passport.current_version,
            ),
        )
        .where(Event.type == "repair", Event.pk.not_in(corrected))
    )
    # Stored times are UTC but ORDS dates are the local date of the event: widen the window
    # by the largest offsets here and compare exact local dates below.
    if since is not None:
        query = query.where(
            Event.event_time >= datetime.combine(since, time.min, UTC) - _EARLIEST_OFFSET
        )
    if until is not None:
        query = query.where(
            Event.event_time
            < datetime.combine(until + timedelta(days=1), time.min, UTC) + _LATEST_OFFSET
        )
    if group is not None:
        query = query.where(
            Event.recorder_pk.in_(select(Organisation.pk).where(Organisation.name == group))
        )
    provider = registry_provider(base_url)
    for event, passport, document in session.execute(query):
        row = registry_row(event, passport, document, data_provider=provider, country=country)
        if since is not None and row.event_date < since:
            continue
        if until is not None and row.event_date > until:
            continue
        if category_id is not None and row.product_category_id != category_id:
            continue
        yield row
