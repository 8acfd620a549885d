"""Hot statements compiled once per database, run on the session's connection.

An SQLAlchemy statement costs more to build, key and compile than a small indexed statement
costs SQLite to run: an event append's log statements spent most of their time in that work.
:func:`run` compiles a Core statement once per dialect (``functools.cache`` on the statement
object, so statements are module constants) and hands its SQL to the session's connection with
``exec_driver_sql``: the connection's events still see it (the query-plan test EXPLAINs it),
and a driver error is raised as SQLAlchemy's (``IntegrityError``, …). Bind parameters go
through their types' bind processors (``UtcDateTime``); result rows come back as the driver
returns them (ints, text, bytes), so use it for statements that read such columns, or
:func:`first`, which hands each column to its type's result processor (a datetime, JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import CursorResult, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement

# What a statement answers: its rows, of any width.
Result = CursorResult[*tuple[Any, ...]]


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
) -> Result:
    """Run ``statement`` with ``values`` (a mapping, or a list of them for an executemany) in
    the session's transaction."""
    compiled = _compiled(session.get_bind().dialect, statement)
    rows = [values] if isinstance(values, Mapping) else values
    params = [_params(compiled, row) for row in rows]
    connection = session.connection()
    if isinstance(values, Mapping):
        return connection.exec_driver_sql(compiled.sql, params[0])
    return connection.exec_driver_sql(compiled.sql, params)


def run_sql(session: Session, sql: str, params: tuple[Any, ...]) -> Result:
    """Run SQL written for the driver (its paramstyle) in the session's transaction, as
    :func:`run` runs a compiled statement."""
    return session.connection().exec_driver_sql(sql, params)


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
