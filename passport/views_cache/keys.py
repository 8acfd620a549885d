"""The read key of a passport's views: one indexed statement that finds the passport and reads
the version counters of everything its views depend on (docs/CACHING.md).

Passport versions and events are append-only, so a counter that stands still means what it
counts has not changed: the passport's current version (a new version, a withdrawal), its model's
and batch's (what it inherits), the last event of each of the three (appends, corrections,
recalls), and the last event of every passport whose remanufacture or repurpose names it (its
lineage, and the corrections of those events). The public ids tie the key to one registry's
rows: the same numbers in another database are another key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session

from passport.errors import NotFound
from passport.models import Event, LogCheckpoint, Passport
from passport.views_cache import connection
from passport.views_cache.code import code_version

# Raise it when a view changes shape without any file the code digest reads changing.
REVISION = "1"


@dataclass(frozen=True)
class Found:
    """A passport, as much of it as serving a stored view needs, and its read key."""

    pk: int
    public_id: str
    uri: str
    identity_key: str
    issuer_pk: int
    current_version: int
    parts: tuple[object, ...]  # the counters, in the order of _COUNTERS
    status: str = "active"  # "moved": its resolver paths, page and API address redirect

    def digest(self, base_url: str, *slot: object) -> str:
        """The strong ETag of one view: the read key, the registry's address and code, and
        the slot (which view: format, version, tier, language ...)."""
        text = repr((REVISION, code_version(), base_url, self.public_id, self.parts, slot))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


_p = Passport.__table__.alias("p")
_m = Passport.__table__.alias("m")
_b = Passport.__table__.alias("b")


def _last_event(passport_pk: ColumnElement[int | None]) -> ColumnElement[int | None]:
    e = Event.__table__.alias()
    return select(func.max(e.c.seq)).where(e.c.passport_pk == passport_pk).scalar_subquery()


def _lineage() -> ColumnElement[int | None]:
    """The newest event of any passport whose event names this one (a remanufacture, a
    repurpose, an installed part): its corrections change what this passport links to."""
    named = Event.__table__.alias()
    e = Event.__table__.alias()
    originals = select(named.c.passport_pk).where(named.c.related_pk == _p.c.pk).correlate(_p)
    return select(func.max(e.c.pk)).where(e.c.passport_pk.in_(originals)).scalar_subquery()


_COUNTERS = (
    _p.c.current_version,
    _m.c.public_id,
    _m.c.current_version,
    _b.c.public_id,
    _b.c.current_version,
    _last_event(_p.c.pk),
    _last_event(_p.c.model_pk),
    _last_event(_p.c.batch_pk),
    _lineage(),
    _p.c.status,  # last: a move changes no counter above, but every view of it
)
_FOUND = select(
    _p.c.pk, _p.c.public_id, _p.c.uri, _p.c.identity_key, _p.c.issuer_pk, *_COUNTERS
).select_from(_p.outerjoin(_m, _m.c.pk == _p.c.model_pk).outerjoin(_b, _b.c.pk == _p.c.batch_pk))
# A resolver lookup has at most four candidate keys (item, batch, model, model without CPV);
# unused places repeat the last, so that there is one statement to compile.
CANDIDATES = 4
_BY = {
    "id": _FOUND.where(_p.c.public_id == bindparam("id")),
    "pk": _FOUND.where(_p.c.pk == bindparam("pk")),
    # The newest signed checkpoint (its size is the key of log_checkpoints): the page's
    # footer line, filled into a kept page as it is served.
    "checkpoint": select(func.max(LogCheckpoint.size)),
    "identity": _FOUND.where(
        _p.c.identity_key.in_([bindparam(f"k{n}") for n in range(CANDIDATES)])
    ),
}


@cache
def _compiled(dialect: Dialect, by: str) -> tuple[str, tuple[str, ...] | None]:
    """The statement's SQL for this database, compiled once (no per-request compile or
    cache-key work), and the order of its parameters if they are positional."""
    compiled = _BY[by].compile(dialect=dialect)
    order = tuple(compiled.positiontup or ()) if dialect.positional else None
    return str(compiled), order


def _found(row: Sequence[object]) -> Found:
    pk, public_id, uri, identity_key, issuer_pk, current = row[:6]
    assert isinstance(pk, int) and isinstance(issuer_pk, int) and isinstance(current, int)
    return Found(
        pk,
        str(public_id),
        str(uri),
        str(identity_key),
        issuer_pk,
        current,
        tuple(row[5:]),
        str(row[-1]),
    )


def newest_checkpoint(source: Session | Engine) -> int | None:
    """The size of the newest signed log checkpoint (None before the first)."""
    size = _rows(source, "checkpoint", {})[0][0]
    return int(size) if size is not None else None


def _run(source: Session | Engine, by: str, values: dict[str, object]) -> list[Found]:
    return [_found(row) for row in _rows(source, by, values)]


def _rows(source: Session | Engine, by: str, values: dict[str, object]) -> list[Any]:
    """Run a lookup in the session's transaction, or alone on this thread's own connection
    (one statement is its own snapshot): no session, no BEGIN, no ORM on a hit."""
    dialect = source.get_bind().dialect if isinstance(source, Session) else source.dialect
    sql, order = _compiled(dialect, by)
    params = tuple(values[name] for name in order) if order is not None else values
    if isinstance(source, Session):
        return list(source.connection().exec_driver_sql(sql, params))
    return connection.run(source, sql, params)


def by_id(session: Session | Engine, public_id: str) -> Found:
    """The passport with this public id and its read key; NotFound if there is none."""
    found = _run(session, "id", {"id": public_id})
    if not found:
        raise NotFound(f"No passport with id '{public_id}'.")
    return found[0]


def by_pk(session: Session | Engine, pk: int) -> Found | None:
    """The passport with this row number and its read key (None if it is gone)."""
    found = _run(session, "pk", {"pk": pk})
    return found[0] if found else None


def by_identity(
    session: Session | Engine, candidates: Sequence[str], shown: str
) -> tuple[Found, bool]:
    """The first of ``candidates`` (identity keys, most exact first) that has a passport, and
    whether it was the first: ``passport.passports.lookup.resolve`` in one statement."""
    assert 1 <= len(candidates) <= CANDIDATES
    padded = [*candidates, *[candidates[-1]] * (CANDIDATES - len(candidates))]
    rows = {
        f.identity_key: f
        for f in _run(session, "identity", {f"k{n}": k for n, k in enumerate(padded)})
    }
    for rank, key in enumerate(candidates):
        if key in rows:
            return rows[key], rank == 0
    raise NotFound(f"No passport is registered for {shown}.")
