"""The ``kreislauf`` command: a thin edge over the services.

Every command must start in well under half a second (``kreislauf --help`` on a busy machine):
this module imports only click and the light configuration; each command imports what it
uses (SQLAlchemy, the services, jsonschema, the app) when it runs. tests/web/test_cli.py checks.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from passport.config import Settings
from passport.errors import KreislaufError, WitnessError
from passport.roles import ROLES

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


def _fail(error: KreislaufError) -> NoReturn:
    message = error.detail
    for field_error in getattr(error, "errors", []):
        message += f"\n  {field_error.pointer or '/'}: {field_error.message}"
    raise click.ClickException(message)


def _unreachable(settings: Settings, exc: Exception) -> NoReturn:
    """End the command with one line naming the database, not a driver's traceback."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    raise click.ClickException(
        f"Cannot open the registry database {_safe_url(settings.database_url)}: {reason}"
    )


def _upgrade(settings: Settings) -> None:
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
            f"The database {_safe_url(settings.database_url)} holds no registry: "
            "run `kreislauf init-db` first."
        )
    return engine


@contextmanager
def _session(settings: Settings, *, write: bool = True, migrate: bool = False) -> Iterator[Session]:
    """One unit of work for a command: a session whose domain errors end the command.

    ``migrate`` first creates or upgrades the schema; without it a missing or empty database
    ends the command with a one-line error. ``write`` opens the session as the writer. The
    command commits; anything not committed is rolled back, and the engine is disposed.
    """
    from passport.db import begin_write, make_session_factory

    if migrate:
        _upgrade(settings)
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


def _seal(settings: Settings) -> None:
    """Sign the log's head if no checkpoint covers it yet: every write signs one, but a
    database written by an older version may hold entries beyond its newest checkpoint."""
    from passport.ledger import checkpoints

    with _session(settings) as session:
        checkpoints.seal(session, settings)
        session.commit()


@click.group(help="Kreislauf — an open registry for digital product passports.")
@click.version_option(package_name="kreislauf")
def cli() -> None:
    pass


@cli.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema and create missing signing keys."""
    from passport.keys import ensure_keys

    settings = Settings.from_env()
    _upgrade(settings)
    click.echo(f"Database is at the newest schema: {_safe_url(settings.database_url)}")
    ensure_keys(settings.data_dir)
    click.echo(f"Signing keys (never overwritten) are in {settings.data_dir / 'keys'}")
    _seal(settings)


@cli.command("create-org")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the organisation does.")
@click.option("--gs1-prefix", "prefixes", multiple=True, help="A GS1 company prefix (repeatable).")
def create_org(name: str, role: str, prefixes: tuple[str, ...]) -> None:
    """Register an organisation and print its id and API key (shown only once)."""
    from passport import services

    settings = Settings.from_env()
    with _session(settings, migrate=True) as session:
        org, key = services.create_organisation(session, name, role, prefixes)
        session.commit()
    click.echo(json.dumps({"org_id": org.public_id, "api_key": key}))


@cli.command("create-user")
@click.argument("org_id")
@click.argument("login")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of a prompt.",
)
def create_user(org_id: str, login: str, password_stdin: bool) -> None:
    """Let a person sign in to the web pages for an organisation (repair café, shop)."""
    from werkzeug.security import generate_password_hash

    from passport import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings.from_env()
    with _session(settings, migrate=True) as session:
        org = accounts.get_organisation(session, org_id)
        user = accounts.create_user(
            session, org, login, password, lambda p: generate_password_hash(p, method="scrypt")
        )
        session.commit()
    # The password is not echoed: it is the user's, and terminals keep scrollback.
    click.echo(json.dumps({"org_id": org.public_id, "login": user.login}))


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def run(host: str, port: int, workers: int) -> None:
    """Serve the registry with gunicorn (a production WSGI server)."""
    from passport.keys import ensure_keys

    settings = Settings.from_env()
    _upgrade(settings)
    ensure_keys(settings.data_dir)
    _seal(settings)
    serve(settings, host, port, workers)


@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo registry here (default: a temporary directory, removed at the end).",
)
@click.option("--no-serve", is_flag=True, help="Seed the demo registry and exit.")
def demo(host: str, port: int, data_dir: Path | None, no_serve: bool) -> None:
    """Create a fresh registry with demo manufacturers and products, and serve it.

    Without --data-dir the registry (its database and its private signing keys) lives in a new
    temporary directory that is removed when the demo stops, on Ctrl-C and SIGTERM too.
    """
    if data_dir is not None:
        _demo(host, port, data_dir, no_serve, temporary=False)
        return
    owner = os.getpid()
    data_dir = Path(tempfile.mkdtemp(prefix="kreislauf-demo-"))
    try:
        _demo(host, port, data_dir, no_serve, temporary=True)
    finally:
        # gunicorn's workers are forks of this process and leave through here as well: only
        # the process that made the directory removes it, after its workers have stopped.
        if os.getpid() == owner:
            shutil.rmtree(data_dir, ignore_errors=True)


def _demo(host: str, port: int, data_dir: Path, no_serve: bool, *, temporary: bool) -> None:
    from passport.keys import ensure_keys
    from web.demo import seed

    data_dir.mkdir(parents=True, exist_ok=True)
    db_file = data_dir / "kreislauf.db"
    if db_file.exists():
        db_file.unlink()
    base_url = os.environ.get("KREISLAUF_BASE_URL") or f"http://{host}:{port}"
    settings = replace(
        Settings.from_env(),
        database_url=f"sqlite:///{db_file}",
        base_url=base_url.rstrip("/"),
        data_dir=data_dir,
    )
    with _sigterm_exits():
        ensure_keys(settings.data_dir)
        with _session(settings, migrate=True) as session:
            report = seed(session, settings)
            session.commit()
    where = " (removed when the demo stops; --data-dir keeps one)" if temporary else ""
    click.echo(f"Demo registry in {data_dir}{where}")
    click.echo(f"  Front page:      {settings.base_url}/")
    click.echo(f"  API docs:        {settings.base_url}/api/docs")
    click.echo(f"  OpenAPI:         {settings.base_url}/api/openapi.json")
    for line in report:
        click.echo(f"  {line}")
    if not no_serve:
        serve(settings, host, port, workers=1)  # gunicorn turns SIGTERM into a clean exit


@contextmanager
def _sigterm_exits() -> Iterator[None]:
    """Let SIGTERM end the command as Ctrl-C does, through ``finally`` blocks (Python's default
    is to die on the spot); the previous handler is back afterwards."""
    import signal
    import threading

    def exit_(signum: int, _frame: Any) -> None:
        sys.exit(128 + signum)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (the command run from a thread)
        return
    previous = signal.signal(signal.SIGTERM, exit_)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@cli.command("import-ords")
@click.argument("file", type=click.File("rb"))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, report the rest.")
def import_ords_command(file: Any, skip_invalid: bool) -> None:
    """Import open repair data (ORDS v0.3 CSV); nothing is imported from a file with errors."""
    from tqdm import tqdm

    from repairs.services import import_ords

    settings = Settings.from_env()
    with (
        _session(settings, migrate=True) as session,
        tqdm(unit=" rows", desc="Importing", disable=None) as bar,
    ):
        report = import_ords(session, file, skip_invalid=skip_invalid, progress=bar.update)
        session.commit()
    click.echo(
        f"Imported {report.imported} of {report.read} rows; {report.duplicates} already present, "
        f"{report.skipped} skipped as invalid."
    )
    for error in report.errors[:50]:
        click.echo(f"  {error}", err=True)


@cli.command("verify")
def verify_command() -> None:
    """Audit the transparency log against the stored passports and events; exit 1 on a problem."""
    from passport.ledger.verify import verify_log

    settings = Settings.from_env()
    with _session(settings, write=False) as session:
        report = verify_log(session, settings.base_url)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    if not report.ok:
        raise click.ClickException(
            f"The log of {report.size} entries has {len(report.problems)} problem(s)."
        )
    click.echo(f"Log verified: {report.size} entries, root {report.root.hex()}.")


@cli.command("witness-add")
@click.argument("origin")
@click.argument("vkey")
def witness_add(origin: str, vkey: str) -> None:
    """Witness the log ORIGIN, whose checkpoints VKEY (a signed-note verifier key) signs."""
    from passport.ledger import note, witness

    settings = Settings.from_env()
    with _session(settings, migrate=True) as session:
        try:
            row = witness.add_log(session, origin, vkey)
        except note.NoteError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
        size = row.size
    click.echo(f"Witnessing {origin} (latest size {size}).")


@cli.command("witness")
@click.argument("url")
def witness_command(url: str) -> None:
    """Witness another Kreislauf registry at URL: cosign its newest checkpoint.

    Fetches URL/log/v1/checkpoint and a consistency proof from the size this registry last
    cosigned, checks both as the add-checkpoint endpoint does, stores the new size and prints
    the cosignature line. The log must have been added with ``witness-add``. Exit 1 on failure.
    """
    from passport.db import begin_write
    from passport.ledger import checkpoints, client, note, witness

    settings = Settings.from_env()
    with _session(settings, write=False, migrate=True) as session:
        try:
            checkpoint, origin = client.fetch_checkpoint(url)
            row = witness.witnessed(session, origin)
            if row is None:
                raise click.ClickException(
                    f"this registry does not witness {origin!r}; add it with "
                    f"`kreislauf witness-add {origin} VKEY` first"
                )
            old = int(row.size)
            session.rollback()  # no transaction held while fetching the proof
            body = client.witness_request(url, old, checkpoint)
            begin_write(session)
            line = witness.add_checkpoint(session, checkpoints.signer(settings), body)
            session.commit()
        except WitnessError as exc:
            session.rollback()
            raise click.ClickException(f"refused ({exc.kind}): {exc.detail}") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # OSError covers URLError/HTTPError; ValueError covers NoteError, ProofError.
            session.rollback()
            raise click.ClickException(f"cannot witness {url}: {exc}") from None
    size = note.Checkpoint.parse(note.parse_note(checkpoint)[0]).size
    click.echo(f"Cosigned {origin} at size {size} (was {old}).", err=True)
    click.echo(line, nl=False)


@cli.command("verify-history")
@click.argument("url")
def verify_history_command(url: str) -> None:
    """Check a passport's events against the registry's signed log, over HTTP.

    URL is the passport's API address <registry>/api/v1/passports/<id>, its page, or the
    address in its QR code (e.g. <registry>/01/<gtin>/21/<serial>). Exit 1 on a failure.
    """
    from passport.ledger import client

    try:
        result = client.verify_history(url)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        click.echo(f"FAIL {exc}")
        sys.exit(1)
    for ok, line in result.lines:
        click.echo(f"{'OK  ' if ok else 'FAIL'} {line}")
    if not result.ok:
        sys.exit(1)


@cli.command("export-ords")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First event date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last event date.")
@click.option("--category", help="ORDS product category, e.g. Kettle.")
@click.option("--group", help="Repair group (group_identifier).")
def export_ords_command(
    file: str, since: Any, until: Any, category: str | None, group: str | None
) -> None:
    """Export every repair the registry knows as ORDS v0.3 CSV ("-" for standard output)."""
    from tqdm import tqdm

    from repairs import ords
    from repairs.services import repair_rows

    settings = Settings.from_env()
    with _session(settings, write=False) as session:
        rows = repair_rows(
            session,
            since=since.date() if since else None,
            until=until.date() if until else None,
            category=category,
            group=group,
            base_url=settings.base_url,
            country=settings.country,
        )
        # newline="": the csv module writes its own line ends (multi-line problems stay intact)
        out = sys.stdout if file == "-" else open(file, "w", encoding="utf-8", newline="")  # noqa: SIM115
        try:
            count = ords.write_ords(
                tqdm(rows, unit=" rows", desc="Exporting", disable=None, file=sys.stderr), out
            )
        finally:
            if out is not sys.stdout:
                out.close()
    click.echo(f"Exported {count} rows.", err=True)


@cli.command("labels")
@click.argument("passport_ids", nargs=-1)
@click.option("--gtin", help="Every passport with this GTIN (e.g. a whole batch's items).")
@click.option("--lot", help="With --gtin: only this lot.")
@click.option(
    "--layout",
    default="a4-3x7",
    show_default=True,
    help="a4-3x7 (A4, 3 x 7 labels of 63.5 x 38.1 mm), single-62x29 or single-62x100.",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.pdf")
def labels_command(
    passport_ids: tuple[str, ...], gtin: str | None, lot: str | None, layout: str, out: str
) -> None:
    """Print-ready label sheets: a QR code and short text for each passport."""
    from urllib.parse import urlsplit

    from tqdm import tqdm

    from passport import services
    from passport.labels import LAYOUTS, label_for, label_sheet_pdf

    if layout not in LAYOUTS:
        raise click.BadParameter(f"choose one of {', '.join(LAYOUTS)}", param_hint="--layout")
    if lot and not gtin:
        raise click.UsageError("--lot narrows a --gtin selection: give the GTIN with --gtin too.")
    if not passport_ids and not gtin:
        raise click.UsageError("Name passports by id, or select them with --gtin.")
    settings = Settings.from_env()
    with _session(settings, write=False) as session:
        chosen = [services.get_passport(session, pid) for pid in passport_ids]
        found, cursor = 0, None
        while gtin:
            page = services.search(session, gtin=gtin, lot=lot, cursor=cursor, limit=200)
            chosen += page.items
            found += len(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        if gtin and not found:
            lot_part = f" and lot {lot!r}" if lot else ""
            raise click.ClickException(
                f"No passport has GTIN {gtin}{lot_part} in the registry at "
                f"{_safe_url(settings.database_url)}."
            )
        host = urlsplit(settings.base_url).netloc
        labels = [
            label_for(p, host) for p in tqdm(chosen, unit=" labels", desc="Preparing", disable=None)
        ]
    Path(out).write_bytes(label_sheet_pdf(labels, layout))
    per_page = LAYOUTS[layout].per_page
    click.echo(f"{len(labels)} labels on {-(-len(labels) // per_page)} pages: {out}")


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from web.app import create_app

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # Access logs name paths, never bodies or keys: no personal data in logs.
            self.cfg.set("access_log_format", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms')

        def load(self) -> Any:
            return create_app(settings)

    Server().run()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    cli(prog_name="kreislauf")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
