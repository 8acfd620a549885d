"""Appending many leaves at once (a batch of passports): the sequencer's append, written with
bulk statements instead of one ORM object per entry.

The leaves, their hashes, the nodes they complete, the new head and its signed checkpoint are
exactly those :func:`passport.ledger.sequencer.append_many` makes (same lock, same order, same
bytes; tests/passport/ledger/test_bulk.py compares the two); only the way they are stored
differs: one ``INSERT`` per chunk of rows (``executemany``), or ``COPY`` on PostgreSQL, and no
``LogEntry`` objects in the session. The caller's transaction holds it all, as for every append.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from passport.config import Settings
from passport.ledger import checkpoints, log, seals, sequencer
from passport.models import LogEntry, LogHead, LogNode

Item = sequencer.Item


def append_bulk(session: Session, settings: Settings, items: Sequence[Item]) -> int:
    """Append ``items`` in order under the log lock, sign the new head once; return the index
    of the first leaf (the others follow it without gaps)."""
    if not items:
        return log.head(session)[0]
    entries, nodes, (size, root) = sequencer.leaves(session, log.origin(settings.base_url), items)
    first = size - len(items)
    write_rows(session, LogEntry.__table__, entries)
    write_rows(session, LogNode.__table__, nodes)
    session.execute(update(LogHead).where(LogHead.id == log.HEAD_ID).values(size=size, root=root))
    checkpoints.seal(session, settings, head=(size, root))
    seals.seal_actors(
        session,
        checkpoints.signer(settings).private_key,
        [seals.public_id_of(i.actor_did) for i in items],
        first,  # sealed before its first entry: verify checks that
    )
    return first


def write_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table`` in the session's transaction,
    through the driver: ``COPY`` on PostgreSQL, ``executemany`` of one ``INSERT`` on SQLite.

    Values go through the columns' own bind processors (JSON, UTC times), so what is stored is
    what an ORM or Core insert stores; SQLAlchemy's per-row parameter bookkeeping, most of a
    Core ``executemany``'s time, is skipped."""
    if not rows:
        return
    columns = list(rows[0])
    dialect = session.get_bind().dialect
    values = _bound(
        rows, columns, [table.c[name].type.dialect_impl(dialect) for name in columns], dialect
    )
    raw: Any = session.connection().connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    try:
        if dialect.name == "postgresql":
            sql = f'COPY "{table.name}" ({names}) FROM STDIN'
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            raw.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)
    except dialect.loaded_dbapi.IntegrityError as exc:  # as SQLAlchemy would raise it
        raise IntegrityError(f"bulk insert into {table.name}", None, exc) from exc


def _bound(
    rows: list[dict[str, Any]], columns: list[str], types: list[Any], dialect: Any
) -> Iterator[Sequence[Any]]:
    """Each row's values in ``columns`` order, through the bind processors of the columns that
    have one; a batch's one timestamp is converted once, not once per row."""
    get = itemgetter(*columns)
    converting = []
    for i, column_type in enumerate(types):
        process = column_type.bind_processor(dialect)
        if process is not None:
            if _python_type(column_type) is datetime:
                process = lru_cache(maxsize=16)(process)
            converting.append((i, process))
    for row in rows:
        got = get(row)
        value = list(got) if len(columns) > 1 else [got]
        for i, process in converting:
            if value[i] is not None:
                value[i] = process(value[i])
        yield value


def _python_type(column_type: Any) -> type | None:
    try:
        return column_type.python_type  # type: ignore[no-any-return]
    except NotImplementedError:
        return None


def new_keys(session: Session, table: Any, n: int) -> list[int]:
    """``n`` primary keys for new rows of ``table`` (an integer ``pk``), taken in the
    caller's write transaction: the sequence's next values on PostgreSQL; on SQLite, whose
    writer holds the database's one write lock, the rowids it would give (max + 1 on)."""
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'pk')) "
                    "FROM generate_series(1, :n)"
                ),
                {"table": table.name, "n": n},
            )
        )
    last = session.scalar(select(func.max(table.c.pk))) or 0
    return list(range(last + 1, last + 1 + n))
