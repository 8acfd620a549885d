"""Setting up and serving a registry: ``init-db``, ``run`` and ``demo``.

``run`` and ``demo`` serve the app with gunicorn (a production WSGI server); ``demo`` first
seeds a fresh registry, in a temporary directory unless told where, that is removed when the
demo stops (on Ctrl-C and SIGTERM too).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from passport.config import Settings
from web.cli.database import command_session, safe_url, seal_log, upgrade_schema

__all__ = ["demo", "init_db", "run", "serve"]


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema and create missing signing keys."""
    from passport.signing.keys import ensure_keys

    settings = Settings.from_env()
    upgrade_schema(settings)
    click.echo(f"Database is at the newest schema: {safe_url(settings.database_url)}")
    ensure_keys(settings.data_dir)
    click.echo(f"Signing keys (never overwritten) are in {settings.data_dir / 'keys'}")
    seal_log(settings)


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def run(host: str, port: int, workers: int) -> None:
    """Serve the registry with gunicorn (a production WSGI server)."""
    settings = Settings.from_env()
    _in_child(_prepare, settings)  # gunicorn's master stays small: it only forks the workers
    serve(settings, host, port, workers)


def _prepare(settings: Settings) -> None:
    """Migrate the schema, create missing signing keys and sign the log's head."""
    from passport.signing.keys import ensure_keys

    upgrade_schema(settings)
    ensure_keys(settings.data_dir)
    seal_log(settings)


def _in_child(work: Callable[[Settings], None], settings: Settings) -> None:
    """Run ``work`` in a forked child and wait for it: what it imports and allocates
    (Alembic, the models, cryptography: some 50 MiB) leaves with the child, and never reaches
    gunicorn's master or, through it, every worker. A click error in the child ends the
    command here, as it would have in-process (its message and status); anything else is
    the child's traceback on standard error and status 1."""
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the parent checks what the child reports
        os.close(read_end)
        status = 0
        try:
            work(settings)
        except click.ClickException as error:
            os.write(write_end, f"{error.exit_code}\n{error.format_message()}".encode())
            status = 1
        except BaseException:
            import traceback

            traceback.print_exc()
            status = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reported:
        message = reported.read().decode()
    status = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
    if message:
        code, _, text = message.partition("\n")
        error = click.ClickException(text)
        error.exit_code = int(code)
        raise error
    if status != 0:
        sys.exit(1)


@click.command("demo")
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
    from passport.signing.keys import ensure_keys
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
        with command_session(settings, migrate=True) as session:
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


def _periodic_jobs(settings: Settings) -> list[tuple[tuple[str, ...], int]]:
    """The commands the server runs by itself, with their intervals (none by default)."""
    from web.cli.periodic import COSIGN, MIRROR_SYNC

    jobs = []
    if settings.mirror_sync_seconds > 0:
        jobs.append((MIRROR_SYNC, settings.mirror_sync_seconds))
    if settings.cosign_seconds > 0 and settings.witness_policy is not None:
        jobs.append((COSIGN, settings.cosign_seconds))
    return jobs


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve the app for ``settings`` with gunicorn until it is stopped."""
    from gunicorn.app.base import BaseApplication

    from edge.log_format import LOG_CONFIG  # no Flask: the master never imports the app

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            # JSON lines on standard error; the app logs each request itself, with its id and
            # never a header, body, query or client address (edge.logs): no secrets, no
            # personal data. gunicorn's access log (client address, query) stays off.
            self.cfg.set("logconfig_dict", LOG_CONFIG)
            self.cfg.set("accesslog", None)
            # SIGTERM: stop accepting, let requests in flight finish for up to 30 s.
            self.cfg.set("graceful_timeout", 30)
            # No preload_app: each worker builds the app after the fork and the master never
            # imports it (about 28 MiB, as gunicorn's bare master). Preloading would share the
            # app's pages between the workers (lower PSS) but add them all to the master's
            # RSS, and the registry's memory target is judged on RSS (docs/PERFORMANCE.md).
            if _periodic_jobs(settings):
                self.cfg.set("when_ready", _start_periodic)
                self.cfg.set("on_exit", _stop_periodic)

        def load(self) -> Any:
            from web.app import create_app  # in each worker, after the fork

            return create_app(settings)

    def _start_periodic(_server: Any) -> None:
        """KREISLAUF_MIRROR_SYNC_SECONDS, KREISLAUF_COSIGN_SECONDS: each command from a
        scheduler process of its own (web.cli.periodic), on the registry of ``settings``."""
        from web.cli.periodic import start_periodic

        env = {
            "KREISLAUF_DATABASE_URL": settings.database_url,
            "KREISLAUF_DATA_DIR": str(settings.data_dir),
            "KREISLAUF_BASE_URL": settings.base_url,
        }
        if settings.witness_policy is not None:
            env["KREISLAUF_WITNESS_POLICY"] = str(settings.witness_policy)
        for job, seconds in _periodic_jobs(settings):
            scheduler.append(start_periodic(job, seconds, env))

    def _stop_periodic(_server: Any) -> None:
        from web.cli.periodic import stop_scheduler

        for process in scheduler:
            stop_scheduler(process)

    scheduler: list[Any] = []
    Server().run()
