"""A connection of its own for the read key's one statement, kept per worker thread.

A read key is one SELECT, its own snapshot, so it needs no session and no transaction; checking
a connection out of the pool and back in (with its rollback) cost more than the statement. Each
thread keeps one driver connection in autocommit, opened through the engine (so it is set up as
every other: SQLite's pragmas), reopened after a fork or when it fails, and closed with the
engine (``Engine.dispose``) or when the engine is gone.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, event


class _Held:
    """The connections opened for one engine: one per thread, all closed together."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.opened: list[Any] = []


_held: weakref.WeakKeyDictionary[Engine, _Held] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def run(engine: Engine, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[Any]:
    """The rows of ``sql`` (in the driver's own parameter style) on this thread's connection;
    on a failed connection, once more on a new one."""
    try:
        return _execute(_connection(engine), sql, params)
    except engine.dialect.loaded_dbapi.Error:
        _forget(engine)
        return _execute(_connection(engine), sql, params)


def _execute(connection: Any, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[Any]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _holder(engine: Engine) -> _Held:
    with _lock:
        held = _held.get(engine)
        if held is None:
            held = _held[engine] = _Held()
            event.listen(engine, "engine_disposed", lambda _engine: _reset(held))
            weakref.finalize(engine, _close, held.opened)
        return held


def _connection(engine: Engine) -> Any:
    held = _holder(engine)
    local = held.local
    if getattr(local, "pid", None) != os.getpid() or local.connection is None:
        pooled = engine.raw_connection()
        pooled.detach()  # ours now: the pool opens another for its sessions
        driver: Any = pooled.dbapi_connection
        if hasattr(driver, "autocommit"):  # psycopg; SQLite's is already (isolation_level None)
            driver.rollback()  # the pool's pre-ping may have begun a transaction
            driver.autocommit = True
        local.connection, local.pid = driver, os.getpid()
        with _lock:
            held.opened.append(driver)
    return local.connection


def _forget(engine: Engine) -> None:
    held = _holder(engine)
    connection, held.local.connection = getattr(held.local, "connection", None), None
    if connection is not None:
        with _lock:
            if connection in held.opened:
                held.opened.remove(connection)
        _close([connection])


def _reset(held: _Held) -> None:
    """The engine was disposed of: close its connections; each thread opens a new one."""
    held.local = threading.local()
    _close(held.opened)


def _close(opened: list[Any]) -> None:
    """Close every connection in ``opened`` (those of this process; a fork's are its parent's)."""
    with _lock:
        connections, opened[:] = list(opened), []
    for connection in connections:
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - closing is all that is left to do
            pass
