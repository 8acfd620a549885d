"""The one session accessor: unsafe methods write, safe methods read and may never commit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from edge.request import UNSAFE_METHODS, session
from passport import organisations
from passport.models import Organisation
from web.app import create_app

SAFE = ("GET", "HEAD", "OPTIONS")


def _writer(db: Any) -> bool:
    """Whether the session's transaction was opened as a writer (passport.db.begin_write)."""
    return bool(db.connection().get_execution_options().get("kreislauf_write"))


def test_the_methods_are_split_into_safe_and_unsafe():
    assert frozenset({"POST", "PUT", "PATCH", "DELETE"}) == UNSAFE_METHODS
    assert not UNSAFE_METHODS & set(SAFE)


@pytest.mark.parametrize("method", sorted(UNSAFE_METHODS))
def test_an_unsafe_request_opens_its_session_as_a_writer_and_commits(app, method):
    with app.test_request_context("/api/v1/passports", method=method):
        db = session()
        assert session() is db  # one session per request
        assert _writer(db)
        organisations.create_organisation(db, f"Org {method}", "repairer")
        db.commit()
    with app.test_request_context("/", method="GET"):
        names = session().scalars(select(Organisation.name)).all()
        assert f"Org {method}" in names


@pytest.mark.parametrize("method", SAFE)
def test_a_safe_request_reads_and_never_commits(app, method):
    with app.test_request_context("/log/v1/checkpoint", method=method):
        db = session()
        assert session() is db
        assert not _writer(db)
        db.scalars(select(Organisation)).all()  # reading is fine
        organisations.create_organisation(db, "Sneaky Writes Ltd", "repairer")
        with pytest.raises(RuntimeError, match=f"{method} /log/v1/checkpoint tried to commit"):
            db.commit()
    # The guard fired before anything was written; teardown rolled the session back.
    with app.test_request_context("/", method="GET"):
        assert session().scalars(select(Organisation.name)).all() == []


def test_even_an_empty_commit_of_a_safe_request_is_refused(app):
    with app.test_request_context("/", method="GET"), pytest.raises(RuntimeError, match="GET /"):
        session().commit()


def test_a_handler_that_commits_on_get_fails_instead_of_writing(settings):
    """The guard seen from outside: the request fails, and nothing is stored."""
    app = create_app(settings)  # its own: it adds a route, and the shared app has served

    @app.get("/test-only/commits-on-get")
    def commits_on_get() -> str:
        db = session()
        organisations.create_organisation(db, "Written On Get", "repairer")
        db.commit()
        return "written"

    app.testing = False  # answer as in production (a 500) instead of raising into the test
    try:
        response = app.test_client().get("/test-only/commits-on-get")
        assert response.status_code == 500
        with app.test_request_context("/", method="GET"):
            assert session().scalars(select(Organisation.name)).all() == []
    finally:
        app.extensions["kreislauf"].engine.dispose()
