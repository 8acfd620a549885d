"""Whether this process may take traffic: the database answers, its schema is at the newest
migration, and the signing keys load. What ``/readyz`` reports (``/healthz`` asks nothing).

Each check answers "ok" or a short reason fit for a public answer: no path, no URL, no key.
"""

from __future__ import annotations

import logging
from functools import cache

from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from passport.config import Settings
from passport.db import alembic_config
from passport.errors import KeyMissing
from passport.signing.keys import ROLES, load_key

__all__ = ["check", "newest_revision"]

logger = logging.getLogger("kreislauf.readiness")


@cache
def newest_revision() -> str:
    """The head revision of the migrations this code ships (read once per process)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return ",".join(sorted(heads))


def check(session: Session, settings: Settings) -> dict[str, str]:
    """The readiness checks, each "ok" or why not; reads only."""
    checks = {"database": "ok", "migrations": "ok", "keys": "ok"}
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        logger.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        checks["database"] = checks["migrations"] = "unreachable"
    else:
        checks["migrations"] = _migrations(session)
    for role in ROLES:
        try:
            load_key(settings, role)
        except KeyMissing as exc:
            logger.warning("readiness: %s", exc.detail)
            checks["keys"] = f"the {role} signing key is missing or unusable"
    return checks


def _migrations(session: Session) -> str:
    if not inspect(session.connection()).has_table("alembic_version"):
        return "no registry schema: run `kreislauf init-db`"
    rows = session.execute(text("SELECT version_num FROM alembic_version")).scalars()
    current = ",".join(sorted(str(r) for r in rows))
    if current != newest_revision():
        return "not at the newest migration: run `kreislauf init-db`"
    return "ok"
