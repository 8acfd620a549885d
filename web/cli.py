"""The ``kreislauf`` command: a thin edge over the services."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from passport import services
from passport.access import ROLES
from passport.config import Settings
from passport.db import begin_write, make_engine, make_session_factory, upgrade_database
from passport.errors import KreislaufError


def _fail(error: KreislaufError) -> None:
    message = error.detail
    for field_error in getattr(error, "errors", []):
        message += f"\n  {field_error.pointer or '/'}: {field_error.message}"
    raise click.ClickException(message)


@click.group(help="Kreislauf — an open registry for digital product passports.")
@click.version_option(package_name="kreislauf")
def cli() -> None:
    pass


@cli.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    settings = Settings.from_env()
    upgrade_database(settings.database_url)
    click.echo(f"Database is at the newest schema: {_safe_url(settings.database_url)}")


@cli.command("create-org")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the organisation does.")
@click.option("--gs1-prefix", "prefixes", multiple=True, help="A GS1 company prefix (repeatable).")
def create_org(name: str, role: str, prefixes: tuple[str, ...]) -> None:
    """Register an organisation and print its id and API key (shown only once)."""
    settings = Settings.from_env()
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            begin_write(session)
            try:
                org, key = services.create_organisation(session, name, role, prefixes)
            except KreislaufError as exc:
                _fail(exc)
            session.commit()
    finally:
        engine.dispose()
    click.echo(json.dumps({"org_id": org.public_id, "api_key": key}))


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def run(host: str, port: int, workers: int) -> None:
    """Serve the registry with gunicorn (a production WSGI server)."""
    settings = Settings.from_env()
    upgrade_database(settings.database_url)
    serve(settings, host, port, workers)


@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo database here (default: a new temporary directory).",
)
@click.option("--no-serve", is_flag=True, help="Seed the demo registry and exit.")
def demo(host: str, port: int, data_dir: Path | None, no_serve: bool) -> None:
    """Create a fresh registry with demo manufacturers and products, and serve it."""
    from web.demo import seed

    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="kreislauf-demo-"))
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
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        begin_write(session)
        report = seed(session, settings.base_url)
        session.commit()
    engine.dispose()
    click.echo(f"Demo registry in {data_dir}")
    click.echo(f"  Front page:      {settings.base_url}/")
    click.echo(f"  API docs:        {settings.base_url}/api/docs")
    click.echo(f"  OpenAPI:         {settings.base_url}/api/openapi.json")
    for line in report:
        click.echo(f"  {line}")
    if not no_serve:
        serve(settings, host, port, workers=1)


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
