"""Fixtures: every database test runs on SQLite and on PostgreSQL, each on a fresh database."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from edge.request import Registry
from passport import organisations
from passport.config import Settings
from passport.db import make_engine, make_session_factory, upgrade_database
from passport.models import Base
from passport.signing.keys import ensure_keys
from web.app import create_app

BASE_URL = "https://registry.example.org"
POSTGRES_URL = os.environ.get(
    "KREISLAUF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database, migrated once, dropped at the end.

    PostgreSQL is not optional: without it the suite fails rather than silently testing
    SQLite only. Set KREISLAUF_TEST_SKIP_POSTGRES=1 to skip knowingly (never in CI).
    """
    if os.environ.get("KREISLAUF_TEST_SKIP_POSTGRES") == "1" and not os.environ.get("CI"):
        pytest.skip("PostgreSQL skipped on request (KREISLAUF_TEST_SKIP_POSTGRES=1)")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"kreislauf_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A throw-away database need not wait for its WAL to reach the disk at each commit
            # (only a crash of the server itself could lose a commit); the suite's thousands
            # of commits get cheaper, and nothing a test checks depends on the server's fsync.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means the same thing
        pytest.fail(
            f"PostgreSQL is required for the test suite and is not reachable at "
            f"{make_url(POSTGRES_URL).render_as_string(hide_password=True)}: {exc}"
        )
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    yield url
    _stop_emptying(url)
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    return fresh_database(request, tmp_path)


def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database of the fixture's parameter (sqlite or postgresql)."""
    if request.param == "sqlite":
        path = tmp_path / "kreislauf.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    empty_postgres(url)
    return url


def empty_postgres(url: str) -> None:
    """Delete every row and restart every id sequence, in one round trip.

    DELETE rather than TRUNCATE: on tables this small it is several times faster (TRUNCATE
    makes new files for each table), and it runs before every PostgreSQL test. The sequences
    restart with ``setval`` for the same reason: ``ALTER SEQUENCE ... RESTART`` gives each
    sequence a new file, which the server syncs to disk at commit (about 2 ms a sequence,
    30 ms a test), where ``setval`` writes in place. The connection stays open for the next
    test (one per database and worker; it sits idle in between).
    """
    conn, statement = _EMPTYING.get(url, (None, b""))
    if conn is None or conn.closed:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = psycopg.connect(conninfo, autocommit=True)
        # The sequences of the tables' serial and identity columns (what TRUNCATE ...
        # RESTART IDENTITY would reset), each back to its first value.
        sequences = conn.execute(
            "SELECT s.relname, q.seqstart FROM pg_class s"
            " JOIN pg_sequence q ON q.seqrelid = s.oid"
            " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.relkind = 'S' AND t.relname = ANY(%s)",
            ([t.name for t in Base.metadata.sorted_tables],),
        ).fetchall()
        restart = ", ".join(f"setval('\"{name}\"', {start}, false)" for name, start in sequences)
        # Several statements in one simple query: one implicit transaction, one round trip.
        statement = "".join(
            [f'DELETE FROM "{t.name}";' for t in reversed(Base.metadata.sorted_tables)]
            + ([f"SELECT {restart};"] if restart else [])
        ).encode()  # built here, several statements: no parameters
        _EMPTYING[url] = (conn, statement)
    conn.execute(statement)


def _stop_emptying(url: str) -> None:
    conn, _ = _EMPTYING.pop(url, (None, b""))
    if conn is not None:
        conn.close()


_EMPTYING: dict[str, tuple[psycopg.Connection[Any], bytes]] = {}


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m selection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test's PostgreSQL run ``postgres``: ``-m postgres`` selects those runs, and
    ``-m "not postgres"`` everything else (the SQLite runs and the tests without a database)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    ensure_keys(tmp_path)  # what `kreislauf init-db` does; the app never writes keys itself
    # Tests write fast with one key: the per-key write limit (api.limits) must not be what
    # they meet (tests/api/test_rate_limits.py sets its own).
    return Settings(
        database_url=database_url,
        base_url=BASE_URL,
        data_dir=tmp_path,
        testing=True,
        write_rate="1000000/minute",
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """The engine of this test's database, which the app and the session share.

    Each engine compiles every statement it runs once and keeps it (SQLAlchemy's compiled
    cache is the engine's): a new engine per test compiled the same few hundred statements in
    every test, a fifth of an API test's time. The PostgreSQL database is the same for every
    test of a worker, so its engine is kept with its pool of connections (the pool rolls each
    one back when it is returned; opening a connection costs about 5 ms, and closing them all
    after each test cost about 30 s of processor time in a full run); SQLite's database is a
    new file each time, so is its engine (disposed of after the test), and the
    engines share their compiled statements (``_CompiledCache``). A test that adds a listener
    to the engine removes it (as they all do, in ``finally`` or a fixture).
    """
    url = settings.database_url
    found = _ENGINES.get(url)
    if found is None:
        found = make_engine(url)
        found.update_execution_options(compiled_cache=_COMPILED)
        if not url.startswith("sqlite"):
            _ENGINES[url] = found
    yield found
    if url.startswith("sqlite"):
        found.dispose()


class _CompiledCache(dict[tuple[Any, ...], Any]):
    """SQLAlchemy's compiled statements, shared by the tests' engines of one kind of database.

    SQLAlchemy keys a compiled statement by the engine's dialect object, so each new SQLite
    engine (one per test) compiled every statement again; in production one engine per process
    compiles each statement once. The engines made here are configured alike (``make_engine``),
    so their dialects compile alike: the key holds the dialect's class instead.
    """

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        return super().get((type(key[0]), *key[1:]), default)

    def __setitem__(self, key: tuple[Any, ...], value: Any) -> None:
        super().__setitem__((type(key[0]), *key[1:]), value)


_ENGINES: dict[str, Engine] = {}
_COMPILED = _CompiledCache()


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Flask:
    """The registry's app on this test's database.

    Building an app costs about a tenth of a second (URL rules, the OpenAPI description), so
    each worker builds one per backend and kind of settings and points it at each test's own
    database and key folder: what a request reads comes from ``app.extensions["kreislauf"]``.
    """
    shape = (
        settings.database_url.split(":", 1)[0],
        replace(settings, database_url="", data_dir=Path()),
    )
    app = _APPS.get(shape)
    if app is None:
        app = _APPS[shape] = create_app(settings)
        app.extensions["kreislauf"].engine.dispose()  # the app's own: the test's is shared
    app.extensions["kreislauf"] = Registry(settings, engine, make_session_factory(engine))
    return app


_APPS: dict[tuple[str, Settings], Flask] = {}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(settings: Settings, engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as s:
        s.info["settings"] = settings
        yield s


def settings_of(session: Session) -> Settings:
    """The settings of the test registry that the ``session`` fixture opened: what the use
    cases that write to the log need (they sign its checkpoint with the registry's key)."""
    return session.info["settings"]  # type: ignore[no-any-return]


class Org:
    """An organisation created for a test, with its API key and auth header."""

    def __init__(self, org_id: str, key: str, name: str) -> None:
        self.id = org_id
        self.key = key
        self.name = name
        self.headers = {"Authorization": f"Bearer {key}"}


@pytest.fixture
def make_org(session: Session) -> Any:
    def make(
        name: str = "Acme Kettles GmbH", role: str = "manufacturer", prefixes: tuple[str, ...] = ()
    ) -> Org:
        org, key = organisations.create_organisation(session, name, role, prefixes)
        session.commit()
        return Org(org.public_id, key, name)

    return make


@pytest.fixture
def maker(make_org: Any) -> Org:
    """A manufacturer holding GS1 company prefix 9520123 (the GS1 example GTINs' prefix)."""
    return make_org("Acme Kettles GmbH", "manufacturer", ("9520123",))  # type: ignore[no-any-return]
