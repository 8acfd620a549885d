"""Backups from the command line: ``backup FILE`` and ``restore FILE`` (passport.backup).

``backup`` reads the whole registry in one read transaction while it keeps serving;
``restore`` loads a backup into an empty database (created and migrated if need be) in one
transaction: a refused file loads nothing. Signing keys are not in the file: they are backed
up as files (docs/OPERATIONS.md).
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from passport.config import Settings
from web.cli.database import safe_url, upgrade_schema

if TYPE_CHECKING:
    from sqlalchemy import MetaData

__all__ = ["backup_command", "restore_command"]


def _metadata() -> MetaData:
    import passport.mirrors.tables  # noqa: F401 - the mirror_* tables, as migrations/env.py
    import passport.moves.tables  # noqa: F401 - the passport_moves/arrivals tables, likewise
    import repairs.models  # noqa: F401 - registers repair_records, as migrations/env.py does
    from passport.models import Base

    return Base.metadata


def _progress(length: int, label: str) -> Any:
    # Drawn at most ~200 times: redrawing at every row would cost more than the row.
    step = max(1, length // 200)
    return click.progressbar(length=length, label=label, file=sys.stderr, update_min_steps=step)


def _has_schema(settings: Settings) -> bool:
    """Whether the database exists and holds a registry's schema (of whatever revision)."""
    from sqlalchemy import inspect, make_url
    from sqlalchemy.exc import SQLAlchemyError

    from passport.db import make_engine

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return False
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("alembic_version")
    except SQLAlchemyError:
        return False  # upgrade_schema names the database that is out of reach
    finally:
        engine.dispose()


@contextmanager
def _writing(path: Path) -> Iterator[IO[str]]:
    """The backup file, owner-only (it holds restricted passport data, as the database does);
    gzip-compressed when its name ends in .gz."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw:
        if path.name.removesuffix(".partial").endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as packed:
                with io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as out:
                    yield out
        else:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as out:
                yield out


@contextmanager
def _reading(raw: IO[bytes], path: Path) -> Iterator[IO[str]]:
    """The lines of a backup file (gzip-compressed when its name ends in .gz): split at "\n"
    only, as written (a U+2028 inside a JSON string is not a line break)."""
    source: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if path.name.endswith(".gz") else raw
    text = io.TextIOWrapper(source, encoding="utf-8", newline="\n")
    try:
        yield text
    finally:
        text.detach()  # the caller closes the file itself
        if source is not raw:
            source.close()


def _follow(raw: IO[bytes], bar: Any) -> Any:
    """A progress callback that moves the bar by the bytes read from the file so far,
    compressed or not."""
    done = [0]

    def update(_n: int) -> None:
        position = raw.tell()
        bar.update(position - done[0])
        done[0] = position

    return update


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write the whole registry to FILE as JSON lines, consistently, while it keeps serving
    (gzip-compressed if FILE ends in .gz).

    Left out: people's accounts, API-key and transfer-code hashes, the sign-in throttle
    (docs/OPERATIONS.md says why). The signing keys are backed up separately.
    """
    from passport import backup
    from passport.models import utcnow
    from web.cli.database import command_session

    settings = Settings.from_env()
    metadata = _metadata()
    partial = file.with_name(file.name + ".partial")
    with command_session(settings, write=False) as session:
        dialect = session.get_bind().dialect.name
        conn = session.connection(execution_options=backup.snapshot_options(dialect))
        total = sum(backup.count_rows(conn, metadata).values())
        try:
            with _writing(partial) as out, _progress(total, "Backing up") as bar:
                summary = backup.write_backup(conn, metadata, out, utcnow(), bar.update)
        except backup.BackupError as exc:
            partial.unlink(missing_ok=True)
            raise click.ClickException(str(exc)) from None
        except BaseException:  # Ctrl-C, a lost connection: no half file is left behind
            partial.unlink(missing_ok=True)
            raise
    partial.replace(file)  # a backup is there whole or not at all
    click.echo(f"Backed up {summary.total} rows of {len(summary.rows)} tables to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Load a backup FILE into an empty database (SQLite or PostgreSQL), in one transaction.

    Refuses a changed or cut-off file, naming its line, and a database that holds data. Run
    `kreislauf verify` afterwards; then issue new API keys and accounts (docs/OPERATIONS.md).
    """
    from passport import backup
    from passport.ledger import log
    from web.cli.database import command_session

    settings = Settings.from_env()
    if not _has_schema(settings):
        upgrade_schema(settings)  # an empty database gets the schema (a registry's is kept)
    metadata = _metadata()
    with command_session(settings) as session:
        conn = session.connection()
        try:
            with (
                file.open("rb") as raw,
                _reading(raw, file) as lines,
                _progress(file.stat().st_size, "Restoring") as bar,
            ):
                summary = backup.read_backup(conn, metadata, lines, _follow(raw, bar))
        except backup.BackupError as exc:
            session.rollback()
            raise click.ClickException(f"{file}: {exc}; nothing was restored") from None
        except (UnicodeDecodeError, OSError, EOFError) as exc:  # gzip's errors are OSErrors
            session.rollback()
            raise click.ClickException(f"{file}: unreadable ({exc}); nothing restored") from None
        session.commit()
        size, root = log.head(session)
    click.echo(
        f"Restored {summary.total} rows into {safe_url(settings.database_url)}: "
        f"log size {size}, root {root.hex()}."
    )
    click.echo("Next: `kreislauf verify`, then new API keys and accounts (docs/OPERATIONS.md).")
