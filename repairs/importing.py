"""Importing open repair data: an ORDS v0.3 CSV file into the registry, all or nothing.

Like the other use cases, ``import_ords`` takes the Session first, never commits, and raises
domain errors (``passport.errors``). The edge commits once (and, on SQLite, should call
``passport.db.begin_write`` before an import so the write lock is taken up front).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from passport.errors import FieldError, InvalidDocument
from passport.models import utcnow
from repairs.models import RepairRecord
from repairs.ords.reader import read_ords
from repairs.ords.records import OrdsRow, RowError

__all__ = ["MAX_REPORTED", "ImportReport", "import_ords"]

# Errors and duplicate ids listed in a report or an InvalidDocument; the rest are counted.
MAX_REPORTED = 1000
# Rows per INSERT: large enough that the per-statement cost vanishes, small enough that the
# chunk's duplicate check (an IN list) stays well under SQLite's 32,766 parameters.
CHUNK = 2000


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
    errors: list[RowError] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)


def _pointer(error: RowError) -> str:
    return f"/line/{error.line}" + (f"/{error.column}" if error.column else "")


def _field_errors(errors: Iterable[RowError]) -> list[FieldError]:
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
    pending: list[OrdsRow] = []
    storing = True
    last_bad_line = 0

    with session.begin_nested():
        for item in read_ords(stream):
            if isinstance(item, RowError):
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


def _store(session: Session, rows: list[OrdsRow], report: ImportReport, now: datetime) -> None:
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


def _values(row: OrdsRow, now: datetime) -> dict[str, Any]:
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
