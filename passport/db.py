"""The one persistence layer: engine and session factory, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    pass


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite, turn on foreign keys, WAL and transactional DDL.

    Statement parameters stay out of SQLAlchemy's error messages and logs (a failed insert's
    message would otherwise carry its values, key hashes and names among them, into a log).
    """
    kwargs.setdefault("hide_parameters", True)
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("json_deserializer", _json_loads)
    return create_engine(database_url, pool_pre_ping=True, **kwargs)


_MAX_SAFE_INTEGER = 2**53 - 1


def _number(text: str) -> int | float:
    """A JSON integer from PostgreSQL. jsonb keeps numbers as ``numeric`` and writes an
    integral float as an integer (``-1.7976931348623157e+308``, which BatteryPass's samples
    use, comes back with 309 digits). The registry refuses integers beyond 2**53 on the way in
    (passport.documents), so such an integer was a float: it is read as that float (the
    nearest double to its digits is the float that was sent)."""
    value = int(text)
    return float(value) if abs(value) > _MAX_SAFE_INTEGER else value


def _json_loads(text: str | bytes) -> Any:
    """How PostgreSQL's json and jsonb values are read (see :func:`_number`)."""
    return json.loads(text, parse_int=_number)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling does not emit BEGIN before SELECTs, which breaks
    # SAVEPOINT-based test isolation and lets two writers interleave; SQLAlchemy's documented
    # recipe takes BEGIN over. BEGIN IMMEDIATE takes the write lock up front, so concurrent
    # workers queue instead of failing with "database is locked" half-way through a batch.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("kreislauf_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def begin_write(session: Session) -> None:
    """Open the session's transaction as a writer (BEGIN IMMEDIATE on SQLite, no-op elsewhere).

    Call before the first statement of a unit of work that writes; reads stay concurrent.
    """
    session.connection(execution_options={"kreislauf_write": True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def alembic_config(database_url: str) -> Any:
    """The Alembic configuration for this registry's migrations (no alembic.ini needed)."""
    from importlib.resources import files

    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("migrations")))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_database(database_url: str) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    if database_url.startswith("sqlite:///"):
        from pathlib import Path

        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")
