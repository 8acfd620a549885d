"""The one session accessor, with one rule for when a request writes.

Every handler, API or page, reaches the database through :func:`session`. The rule: a request
with an unsafe method (POST, PUT, PATCH, DELETE) opens its transaction as a writer (BEGIN
IMMEDIATE on SQLite, so concurrent writers queue instead of failing half-way); a safe request
(GET, HEAD, OPTIONS) reads, and its session refuses to commit (a ``RuntimeError`` naming the
request), so a read can never write by accident. A write whose validation is long (a batch)
may read and validate first and take the write lock only for its inserts
(:func:`validate_first`, :func:`writing`), so other writers are not held up by it. The
session is closed at the end of the request (``web.app``), which rolls back anything not
committed: a failed request writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from passport.config import Settings
from passport.db import begin_write
from passport.views_cache.store import ViewStore

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Registry:
    """What the edges share: settings and the database (``app.extensions["kreislauf"]``)."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    # Built passport views, served again while their read key stands (edge.views).
    views: ViewStore = field(default_factory=lambda: ViewStore(32 * 2**20))


def registry() -> Registry:
    return current_app.extensions["kreislauf"]  # type: ignore[no-any-return]


def settings() -> Settings:
    return registry().settings


def session() -> Session:
    """The request's session; unsafe methods open it as a writer, safe ones may not commit.

    Closed at teardown.
    """
    if "db" not in g:
        db = registry().session_factory()
        if request.method not in UNSAFE_METHODS:
            event.listen(db, "before_commit", _ReadOnly(f"{request.method} {request.path}"))
        elif g.get("validate_first"):
            event.listen(db, "before_flush", _NOT_YET)
        else:
            begin_write(db)
        g.db = db
    return g.db  # type: ignore[no-any-return]


def validate_first() -> None:
    """Call before the request's first :func:`session`: the unsafe request reads (who calls,
    what exists) in an ordinary transaction, validates, and takes the write lock only at
    :func:`writing`, so a long validation never holds it; a write before that is a bug."""
    g.validate_first = True


def writing() -> Session:
    """The request's session as a writer from here on (after :func:`validate_first`): the
    reading transaction ends, having written nothing, and the write transaction begins (BEGIN
    IMMEDIATE on SQLite). What was loaded is read again, inside it, when next used."""
    db = session()
    if g.pop("validate_first", False):
        event.remove(db, "before_flush", _NOT_YET)
        db.rollback()
        begin_write(db)
    return db


def _not_yet(_session: Any, _context: Any, _instances: Any) -> None:
    raise RuntimeError(
        f"{request.method} {request.path} wrote before writing(): after validate_first(), "
        "writes wait for edge.request.writing()"
    )


_NOT_YET = _not_yet


def one_read() -> Session | Engine:
    """Where one self-contained read statement runs: the request's session if it has one,
    else a pooled connection of its own (a single statement is its own snapshot; the stored
    views' read key is one, so a hit on them opens no session and no transaction)."""
    return g.db if "db" in g else registry().engine


@dataclass(frozen=True)
class _ReadOnly:
    """The guard on a safe request's session: any commit is a bug in the handler."""

    request: str

    def __call__(self, _session: Any) -> None:
        raise RuntimeError(
            f"{self.request} tried to commit: a safe request (GET, HEAD, OPTIONS) only reads; "
            "writes belong to POST, PUT, PATCH or DELETE handlers"
        )


def close_session() -> None:
    """End the request's session (teardown): anything not committed is rolled back."""
    db: Session | None = g.pop("db", None)
    if db is not None:
        db.close()
