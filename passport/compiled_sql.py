"""Hot statements compiled once per database, run on the session's connection.

An SQLAlchemy statement costs more to build, key and compile than a small indexed statement
costs SQLite to run: an event append's log statements spent most of their time in that work.
:func:`run` compiles a Core statement once per dialect (``functools.cache`` on the statement
object, so statements are module constants) and hands its SQL to the session's connection
(``exec_driver_sql``: the connection's events still see it, the query-plan test EXPLAINs it),
or, when nothing listens to the connection's statements (no ``before_cursor_execute`` or other
statement listener, no echo), straight to a cursor of the driver's connection, sparing
SQLAlchemy's execution context and result object (about 50 µs a statement, more than SQLite
takes to run it); a driver error is raised as SQLAlchemy's (``IntegrityError``, …) either way.
Bind parameters go through their types' bind processors (``UtcDateTime``); result rows come back
as the driver returns them (ints, text, bytes), so use it for statements that read such columns,
or :func:`first`, which hands each column to its type's result processor (a datetime, JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect
from sqlalchemy.exc import DBAPIError, NoResultFound
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement


@cache
def _compiled(dialect: Dialect, statement: ClauseElement) -> _Compiled:
    """The statement's SQL for this database, the order of its parameters if positional, the
    values it carries itself (a literal in a WHERE, a LIMIT) and the parameters' bind
    processors (those that have one)."""
    compiled: Any = statement.compile(dialect=dialect)
    order = tuple(compiled.positiontup or ()) if dialect.positional else None
    processors = dict(compiled._bind_processors)  # the types' processors, by parameter name
    carried = {k: v for k, v in compiled.construct_params(_check=False).items() if v is not None}
    results = tuple(
        column[3]._cached_result_processor(dialect, None) for column in compiled._result_columns
    )
    return _Compiled(str(compiled), order, carried, processors, results)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None
    carried: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]
    results: tuple[Callable[[Any], Any] | None, ...]  # by result column, None: as it comes


def run(
    session: Session,
    statement: ClauseElement,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> CursorResult[Any] | Rows:
    """Run ``statement`` with ``values`` (a mapping, or a list of them for an executemany) in
    the session's transaction."""
    compiled = _compiled(session.get_bind().dialect, statement)
    rows = [values] if isinstance(values, Mapping) else values
    params = [_params(compiled, row) for row in rows]
    connection = session.connection()
    if _watched(connection):
        if isinstance(values, Mapping):
            return connection.exec_driver_sql(compiled.sql, params[0])
        return connection.exec_driver_sql(compiled.sql, params)
    return _on_driver(connection, compiled.sql, params, isinstance(values, Mapping))


def run_sql(session: Session, sql: str, params: tuple[Any, ...]) -> CursorResult[Any] | Rows:
    """Run SQL written for the driver (its paramstyle) in the session's transaction, as
    :func:`run` runs a compiled statement."""
    connection = session.connection()
    if _watched(connection):
        return connection.exec_driver_sql(sql, params)
    return _on_driver(connection, sql, [params], True)


def _watched(connection: Connection) -> bool:
    """Whether anything sees a statement run on ``connection`` (then it goes through
    SQLAlchemy's execution): statement listeners, the dialect's execution events, echo."""
    dispatch = connection.dispatch
    return bool(
        dispatch.before_cursor_execute
        or dispatch.after_cursor_execute
        or dispatch.before_execute
        or dispatch.after_execute
        or connection.dialect._has_events
        or connection._echo
    )


class Rows:
    """A driver cursor's rows, read as :class:`CursorResult` is where this module's callers
    read them: iterated, or ``first``, ``scalar``, ``scalar_one``. Closes the cursor when read."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        rows = self._cursor.fetchall() if self._cursor.description is not None else []
        self._cursor.close()
        return iter(rows)

    def first(self) -> tuple[Any, ...] | None:
        row = self._cursor.fetchone() if self._cursor.description is not None else None
        self._cursor.close()
        return None if row is None else tuple(row)

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        row = self.first()
        if row is None:
            raise NoResultFound("No row was found when one was required")
        return row[0]


def _on_driver(connection: Connection, sql: str, params: list[Any], one: bool) -> Rows:
    dialect = connection.dialect
    dbapi_connection: Any = connection.connection
    cursor = dbapi_connection.cursor()
    try:
        if one:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)
    except dialect.loaded_dbapi.Error as error:
        cursor.close()
        if dialect.is_disconnect(error, dbapi_connection, cursor):
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, params[0] if one else params, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    if cursor.description is None:  # no rows to read: done with it now
        cursor.close()
    return Rows(cursor)


def first(
    session: Session, statement: ClauseElement, values: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """The first row ``statement`` returns (None if none), each column through its type's result
    processor, as the ORM would give it (a ``UtcDateTime`` as an aware datetime)."""
    row = run(session, statement, values).first()
    if row is None:
        return None
    results = _compiled(session.get_bind().dialect, statement).results
    return tuple(v if p is None or v is None else p(v) for p, v in zip(results, row, strict=True))


def _params(compiled: _Compiled, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
    values = {**compiled.carried, **row} if compiled.carried else dict(row)
    for name, process in compiled.processors.items():
        if name in values:
            values[name] = process(values[name])
    if compiled.order is not None:
        return tuple(values[name] for name in compiled.order)
    return values
