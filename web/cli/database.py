"""How a command reaches the registry's database: one session per command, one-line failures.

A command opens ``command_session``: it finds the database (without creating an empty SQLite
file), checks that it holds a registry, and ends the command with one line, not a driver's
traceback, when it does not or when a domain error is raised. SQLAlchemy and the database
layer are imported when a command runs, never when the command line starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from passport.config import Settings
from passport.errors import KreislaufError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

__all__ = ["command_session", "safe_url", "upgrade_schema"]


def _fail(error: KreislaufError) -> NoReturn:
    message = error.detail
    for field_error in getattr(error, "errors", []):
        message += f"\n  {field_error.pointer or '/'}: {field_error.message}"
    raise click.ClickException(message)


def _unreachable(settings: Settings, exc: Exception) -> NoReturn:
    """End the command with one line naming the database, not a driver's traceback."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    raise click.ClickException(
        f"Cannot open the registry database {safe_url(settings.database_url)}: {reason}"
    )


def upgrade_schema(settings: Settings) -> None:
    """Create or upgrade the schema (what ``init-db`` does); one line if the database is out
    of reach."""
    from sqlalchemy.exc import SQLAlchemyError

    from passport.db import upgrade_database

    try:
        upgrade_database(settings.database_url)
    except SQLAlchemyError as exc:
        _unreachable(settings, exc)


def _engine(settings: Settings) -> Engine:
    """The registry's engine, once it is known to hold a registry.

    A missing SQLite file is not created (SQLite would make an empty one): a new user who runs
    a command before ``init-db`` is told so in one line instead of getting a traceback.
    """
    from sqlalchemy import inspect, make_url
    from sqlalchemy.exc import SQLAlchemyError

    from passport.db import make_engine

    url = make_url(settings.database_url)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not file.startswith("file:") and not Path(file).exists():
        raise click.ClickException(
            f"No registry database at {file}: run `kreislauf init-db` first "
            "(or set KREISLAUF_DATA_DIR or KREISLAUF_DATABASE_URL to where it is)."
        )
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            migrated = inspect(conn).has_table("alembic_version")
    except SQLAlchemyError as exc:
        engine.dispose()
        _unreachable(settings, exc)
    if not migrated:
        engine.dispose()
        raise click.ClickException(
            f"The database {safe_url(settings.database_url)} holds no registry: "
            "run `kreislauf init-db` first."
        )
    return engine


@contextmanager
def command_session(
    settings: Settings, *, write: bool = True, migrate: bool = False
) -> Iterator[Session]:
    """One unit of work for a command: a session whose domain errors end the command.

    ``migrate`` first creates or upgrades the schema; without it a missing or empty database
    ends the command with a one-line error. ``write`` opens the session as the writer. The
    command commits; anything not committed is rolled back, and the engine is disposed.
    """
    from passport.db import begin_write, make_session_factory

    if migrate:
        upgrade_schema(settings)
    engine = _engine(settings)
    try:
        with make_session_factory(engine)() as session:
            if write:
                begin_write(session)
            try:
                yield session
            except KreislaufError as exc:
                _fail(exc)
    finally:
        engine.dispose()


def safe_url(url: str) -> str:
    """A database URL as a command may print it: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def seal_log(settings: Settings) -> None:
    """Sign the log's head if no checkpoint covers it yet: every write signs one, but a
    database written by an older version may hold entries beyond its newest checkpoint."""
    from passport.ledger import checkpoints, seals

    with command_session(settings) as session:
        checkpoints.seal(session, settings)
        # Organisations and keys made before seals existed (migration 0012), or never sealed.
        seals.seal_all(session, checkpoints.signer(settings).private_key)
        session.commit()
