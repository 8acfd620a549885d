"""A connection of its own for the read key's one statement, kept per worker thread.

A read key is one SELECT, its own snapshot, so it needs no session and no transaction; checking
a connection out of the pool and back in (with its rollback) cost more than the statement. Each
thread keeps one driver connection in autocommit, opened through the engine (so it is set up as
every other: SQLite's pragmas), reopened after a fork or when it fails.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

_held: WeakKeyDictionary[Engine, threading.local] = WeakKeyDictionary()
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


def _local(engine: Engine) -> threading.local:
    with _lock:
        local = _held.get(engine)
        if local is None:
            local = _held[engine] = threading.local()
        return local


def _connection(engine: Engine) -> Any:
    local = _local(engine)
    if getattr(local, "pid", None) != os.getpid() or local.connection is None:
        pooled = engine.raw_connection()
        pooled.detach()  # ours now: the pool opens another for its sessions
        driver: Any = pooled.dbapi_connection
        if hasattr(driver, "autocommit"):  # psycopg; SQLite's is already (isolation_level None)
            driver.rollback()  # the pool's pre-ping may have begun a transaction
            driver.autocommit = True
        local.connection, local.pid = driver, os.getpid()
    return local.connection


def _forget(engine: Engine) -> None:
    local = _local(engine)
    connection, local.connection = getattr(local, "connection", None), None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - it failed already; a new one is opened
            pass
