"""Use cases of open repair data: import ORDS files, and list every repair the registry knows.

Like ``passport.passports``: functions take the Session first, never commit, and raise domain
errors (``passport.errors``). The edge commits once (and, on SQLite, should call
``passport.db.begin_write`` before an import so the write lock is taken up front).
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from sqlalchemy import Table, and_, insert, select
from sqlalchemy.orm import Session

from passport.errors import FieldError, InvalidDocument
from passport.models import Event, Organisation, Passport, PassportVersion, utcnow
from repairs import impact, ords
from repairs.models import RepairRecord

__all__ = [
    "MAX_REPORTED",
    "MONTHS_SHOWN",
    "GroupTally",
    "ImpactReport",
    "ImportReport",
    "impact_report",
    "import_ords",
    "repair_rows",
    "resolve_category",
]

# Errors and duplicate ids listed in a report or an InvalidDocument; the rest are counted.
MAX_REPORTED = 1000
# Rows per INSERT: large enough that the per-statement cost vanishes, small enough that the
# chunk's duplicate check (an IN list) stays well under SQLite's 32,766 parameters.
CHUNK = 2000
# The widest UTC offsets (-12:00 ... +14:00): a local date can start 14 h before its UTC day.
_EARLIEST_OFFSET = timedelta(hours=14)
_LATEST_OFFSET = timedelta(hours=12)

# Event outcome (schemas/event.schema.json, repair) -> ORDS repair_status.
_STATUSES = {"fixed": ords.FIXED, "repairable": ords.REPAIRABLE, "end_of_life": ords.END_OF_LIFE}
MISC = "Misc"
# An impact series spanning more months than this is added up by year: two years of monthly
# bars still fit a phone's width, ten years of them would be slivers.
MONTHS_SHOWN = 24


@dataclass
class ImportReport:
    """What an ORDS import did.

    ``read`` counts records (the header excluded); ``imported + duplicates + skipped ==
    read``. ``duplicates`` are records whose ORDS id is already stored: they are left as
    they are, which makes importing the same file twice harmless. ``skipped`` are invalid
    records left out with ``skip_invalid``; ``errors`` lists the first ``MAX_REPORTED``
    problems of those (``error_count`` counts them all; a record can have several).
    """

    read: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[ords.RowError] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)


def _pointer(error: ords.RowError) -> str:
    return f"/line/{error.line}" + (f"/{error.column}" if error.column else "")


def _field_errors(errors: Iterable[ords.RowError]) -> list[FieldError]:
    return [FieldError(_pointer(e), e.reason) for e in errors]


def import_ords(
    session: Session,
    stream: BinaryIO,
    *,
    skip_invalid: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import an ORDS v0.3 CSV file (binary stream), all or nothing.

    Every record is validated and every problem collected. If there is any and
    ``skip_invalid`` is false, ``InvalidDocument`` lists them (pointer
    ``/line/{n}/{column}``; the first ``MAX_REPORTED``, the detail gives the count) and
    nothing is stored. With ``skip_invalid`` the valid records are stored and the invalid
    ones reported. A wrong header is always an error. Records whose id is already stored
    are skipped as duplicates.

    ``progress(n)`` is called with the number of records just read (1 per record, header
    excluded), so a progress bar's ``update`` can be passed as it is.

    One pass over the stream (so stdin works): valid rows are inserted in chunks under a
    savepoint while reading, and the savepoint is rolled back when an error turns up --
    "nothing stored" holds without keeping the file in memory or reading it twice.
    """
    report = ImportReport()
    now = utcnow()
    pending: list[ords.OrdsRow] = []
    storing = True
    last_bad_line = 0

    with session.begin_nested():
        for item in ords.read_ords(stream):
            if isinstance(item, ords.RowError):
                if item.fatal:
                    raise InvalidDocument(
                        "This is not an ORDS v0.3 CSV file; nothing was imported.",
                        _field_errors([item]),
                    )
                report.error_count += 1
                if len(report.errors) < MAX_REPORTED:
                    report.errors.append(item)
                if item.line != last_bad_line:  # a record's errors come one after another
                    last_bad_line = item.line
                    report.read += 1
                    report.skipped += 1
                    if progress is not None:
                        progress(1)
                if not skip_invalid:
                    # Keep reading to report every error, but stop writing: it is all undone.
                    storing = False
                    pending.clear()
                continue
            report.read += 1
            if progress is not None:
                progress(1)
            if storing:
                pending.append(item)
                if len(pending) >= CHUNK:
                    _store(session, pending, report, now)
                    pending.clear()
        if storing:
            _store(session, pending, report, now)
        if report.error_count and not skip_invalid:
            listed = (
                f" (the first {MAX_REPORTED} are listed)"
                if report.error_count > MAX_REPORTED
                else ""
            )
            raise InvalidDocument(
                f"{report.error_count} problem{'s' * (report.error_count != 1)} in "
                f"{report.skipped} of {report.read} records{listed}; nothing was imported.",
                _field_errors(report.errors),
            )
    return report


def _store(session: Session, rows: list[ords.OrdsRow], report: ImportReport, now: datetime) -> None:
    if not rows:
        return
    stored = set(
        session.scalars(
            select(RepairRecord.ords_id).where(RepairRecord.ords_id.in_([r.id for r in rows]))
        )
    )
    new = [r for r in rows if r.id not in stored]
    for row in rows:
        if row.id in stored and len(report.duplicate_ids) < MAX_REPORTED:
            report.duplicate_ids.append(row.id)
    report.duplicates += len(rows) - len(new)
    if new:
        # Core executemany: one multi-row INSERT per batch, no ORM objects, no identity map.
        session.execute(insert(cast(Table, RepairRecord.__table__)), [_values(r, now) for r in new])
        report.imported += len(new)


def _values(row: ords.OrdsRow, now: datetime) -> dict[str, Any]:
    return {
        "ords_id": row.id,
        "data_provider": row.data_provider,
        "country": row.country,
        "partner_product_category": row.partner_product_category,
        "product_category": row.product_category,
        "product_category_id": row.product_category_id,
        "brand": row.brand,
        "year_of_manufacture": row.year_of_manufacture,
        "product_age": row.product_age,
        "repair_status": row.repair_status,
        "repair_barrier_if_end_of_life": row.repair_barrier_if_end_of_life or None,
        "group_identifier": row.group_identifier,
        "event_date": row.event_date,
        "problem": row.problem,
        "source": "import",
        "imported_at": now,
    }


# --- reading ---------------------------------------------------------------------------------


def resolve_category(category: str) -> int:
    """An ORDS category given by name (any letter case) or id, as its id; else InvalidDocument."""
    text = category.strip()
    if text.isascii() and text.isdigit() and int(text) in ords.categories():
        return int(text)
    number = ords.category_id(text)
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
) -> Iterator[ords.OrdsRow]:
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


def _order(row: ords.OrdsRow) -> tuple[date, str]:
    return (row.event_date, row.id)


def _imported_rows(
    session: Session,
    since: date | None,
    until: date | None,
    category_id: int | None,
    group: str | None,
) -> Iterator[ords.OrdsRow]:
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
        ords.OrdsRow(
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
) -> Iterator[ords.OrdsRow]:
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
    provider = _provider(base_url)
    for event, passport, document in session.execute(query):
        row = registry_row(event, passport, document, data_provider=provider, country=country)
        if since is not None and row.event_date < since:
            continue
        if until is not None and row.event_date > until:
            continue
        if category_id is not None and row.product_category_id != category_id:
            continue
        yield row


@dataclass(frozen=True)
class GroupTally:
    """One repair group (an ORDS ``group_identifier``) in an impact report."""

    name: str
    repairs: int
    fixed: int
    known: int  # fixed, repairable or end of life: the fix rate's denominator

    @property
    def fix_rate(self) -> float | None:
        """Fixed of known outcomes, as ``repairs.impact`` counts it; None without any."""
        return self.fixed / self.known if self.known else None


@dataclass(frozen=True)
class ImpactReport:
    """What the impact pages show: a summary over time, and the groups' counts."""

    summary: impact.Summary  # by month, or by year (``summary.by``) over a long span
    groups: tuple[GroupTally, ...]  # most repairs first, then by name


def impact_report(
    session: Session,
    *,
    since: date | None,
    until: date | None,
    group: str | None,
    base_url: str,
    months: int = MONTHS_SHOWN,
) -> ImpactReport:
    """Summarise every repair the registry knows (``repair_rows``) in one pass over them.

    The series is by month, or by year when it spans more than ``months`` months (decided
    after the pass, by adding the months up: the rows are read once). Each group is counted
    on the way; ``group`` narrows everything to one group.
    """
    counts: dict[str, list[int]] = {}  # name -> [repairs, fixed, known]

    def counted(rows: Iterable[ords.OrdsRow]) -> Iterator[ords.OrdsRow]:
        for row in rows:
            tally = counts.get(row.group_identifier)
            if tally is None:
                tally = counts[row.group_identifier] = [0, 0, 0]
            tally[0] += 1
            if row.repair_status == ords.FIXED:
                tally[1] += 1
            if row.repair_status in (ords.FIXED, ords.REPAIRABLE, ords.END_OF_LIFE):
                tally[2] += 1
            yield row

    rows = repair_rows(
        session, since=since, until=until, category=None, group=group, base_url=base_url
    )
    found = impact.summary(counted(rows), by="month")
    if len(found.series) > months:
        found = dataclasses.replace(found, series=impact.yearly(found.series), by="year")
    groups = sorted(
        (GroupTally(name, *tally) for name, tally in counts.items()),
        key=lambda g: (-g.repairs, g.name),
    )
    return ImpactReport(summary=found, groups=tuple(groups))


def _provider(base_url: str) -> str:
    host = urlsplit(base_url).netloc
    return f"Kreislauf ({host})" if host else "Kreislauf"


def _local(moment: datetime, offset: str) -> datetime:
    sign = -1 if offset.startswith("-") else 1
    zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    return moment.astimezone(zone)


def registry_row(
    event: Event,
    passport: Passport,
    document: dict[str, Any],
    *,
    data_provider: str,
    country: str = "",
) -> ords.OrdsRow:
    """A repair event of this registry as an ORDS v0.3 row.

    - id ``kreislauf_{event pk}``; data_provider "Kreislauf (registry host)";
    - product_category: the event's ``category`` when it names an ORDS category (any
      letter case), else Misc; partner_product_category: the category as the repairer
      typed it, else Misc;
    - brand: the passport's ``product.producedByParty.name``, else the brand a repairer
      gave a community passport, else the issuing organisation (the manufacturer), as UNTP
      has no brand field ("Unknown" for a community passport without one);
    - year_of_manufacture: the year of ``product.productionDate`` or a community passport's
      year of manufacture; product_age: event year minus that year;
    - repair_status from the outcome; the barrier when it is one of the six ORDS barriers
      (any spelling). A free-text barrier cannot go in that column; it is kept by
      appending it to problem as "[barrier: …]";
    - group_identifier: the recording organisation; event_date: the event's local date.
    """
    details = event.details or {}
    product = document.get("product", {}) if isinstance(document, dict) else {}
    typed = str(details.get("category") or "").strip()
    number = ords.category_id(typed) if typed else None
    if number is None:
        number = ords.category_id(MISC)
    assert number is not None
    when = _local(event.event_time, event.time_offset)

    # A community passport (registered by a repairer) carries brand and year of manufacture
    # as characteristics; a manufacturer's passport has a production date.
    traits = product.get("characteristics")
    traits = traits if isinstance(traits, dict) else {}
    year: int | None = None
    produced = product.get("productionDate")
    if isinstance(produced, str) and produced[:4].isascii() and produced[:4].isdigit():
        year = int(produced[:4])
    elif isinstance(traits.get("yearOfManufacture"), int):
        year = traits["yearOfManufacture"]
    age = float(when.year - year) if year is not None and year <= when.year else None

    status = _STATUSES.get(str(details.get("outcome")), ords.UNKNOWN)
    problem = str(details.get("problem") or "")
    given = str(details.get("barrier") or "").strip()
    barrier = ords.normalise_barrier(given) if status == ords.END_OF_LIFE else ""
    if given and not barrier:
        problem = f"{problem} [barrier: {given}]".strip()
        barrier = ""

    party = product.get("producedByParty")
    brand = party.get("name") if isinstance(party, dict) else traits.get("brand")
    if not isinstance(brand, str) or not brand.strip():
        brand = "Unknown" if passport.community else None
    if not isinstance(brand, str) or not brand.strip():
        brand = passport.issuer.name if passport.issuer is not None else "Unknown"

    return ords.OrdsRow(
        id=f"kreislauf_{event.pk}",
        data_provider=data_provider,
        country=country,
        partner_product_category=typed or MISC,
        product_category=ords.categories()[number],
        product_category_id=number,
        brand=brand,
        year_of_manufacture=year,
        product_age=age,
        repair_status=status,
        repair_barrier_if_end_of_life=barrier or "",
        group_identifier=event.recorder.name,
        event_date=when.date(),
        problem=problem,
    )
