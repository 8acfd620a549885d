"""The one way into the log: append leaves and sign the new head, in the caller's transaction.

:func:`append_many` (and :func:`append`) is the *one* sequencer: it locks the single
``log_head`` row, so indices are gap-free from 0 on SQLite and PostgreSQL alike, and it runs in
the caller's transaction, so a request that fails leaves no leaf behind. Before it returns it
signs a checkpoint of the new head (:func:`passport.ledger.checkpoints.seal`), so every unit of
work that writes to the log commits its entries together with a signed checkpoint that covers
them: reading the log never has to sign (or write) anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from passport import compiled_sql
from passport.config import Settings
from passport.ledger import checkpoints, log, merkle, seals
from passport.models import LogEntry, LogHead, LogNode


@dataclass(frozen=True)
class Item:
    """One entry to append: the caller's facts; the log adds seq, prev and the index."""

    kind: str
    subject: str
    actor_did: str
    content: Any
    time: datetime


def append(
    session: Session,
    settings: Settings,
    *,
    kind: str,
    subject: str,
    actor_did: str,
    content: Any,
    time: datetime,
) -> LogEntry:
    """Append one leaf in the caller's transaction, sign the new head, return the entry."""
    return append_many(session, settings, [Item(kind, subject, actor_did, content, time)])[0]


def append_many(session: Session, settings: Settings, items: Sequence[Item]) -> list[LogEntry]:
    """Append leaves in order, taking the log lock once (a batch of passports), and sign the
    new head once.

    Raises :class:`passport.errors.KeyMissing` without the log key (nothing is then stored:
    the caller's transaction is rolled back).
    """
    if not items:
        return []
    entries, head = _sequence(session, log.origin(settings.base_url), items)
    signer = checkpoints.signer(settings)
    checkpoints.seal(session, settings, head=head, by=signer)
    # The acting organisations' names, roles and keys, which no leaf digests (seals module).
    seals.seal_actors(
        session,
        signer.private_key,
        [seals.public_id_of(i.actor_did) for i in items],
        entries[0].index,  # sealed before its first entry: verify checks that
    )
    return entries


def _sequence(
    session: Session, origin: str, items: Sequence[Item]
) -> tuple[list[LogEntry], tuple[int, bytes]]:
    """Store the leaves and the nodes they complete; return them and the new head."""
    rows, nodes, head = leaves(session, origin, items)
    for start in range(0, len(rows), log.CHUNK):
        compiled_sql.run(session, _INSERT_ENTRY, rows[start : start + log.CHUNK])
    for start in range(0, len(nodes), log.CHUNK):
        compiled_sql.run(session, _INSERT_NODE, nodes[start : start + log.CHUNK])
    compiled_sql.run(session, _SET_HEAD, {"size": head[0], "root": head[1]})
    # The entries as stored (not added to the session: nothing reads them back through it).
    return [LogEntry(**row) for row in rows], head


def leaves(
    session: Session, origin: str, items: Sequence[Item]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], tuple[int, bytes]]:
    """Under the log lock (taken here): the rows of ``items``' log entries and of the Merkle
    nodes they complete, and the new head; the caller stores them (one by one or in bulk)."""
    size = _lock_head(session)
    last = _last_entries(session, list(dict.fromkeys(i.subject for i in items)))
    frontier = _frontier(session, size)
    entries: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for item in items:
        prev = last.get(item.subject)
        seq = 0 if prev is None else prev[0] + 1
        leaf = log.leaf_bytes(
            origin,
            kind=item.kind,
            subject=item.subject,
            seq=seq,
            prev=None if prev is None else (prev[1], prev[2]),
            time=item.time,
            actor=item.actor_did,
            content_digest=log.content_sha256(item.content),
        )
        h = merkle.leaf_hash(leaf)
        entries.append(
            {
                "index": size,
                "subject": item.subject,
                "kind": item.kind,
                "subject_seq": seq,
                "leaf": leaf,
                "leaf_hash": h,
            }
        )
        for level, index, node in _push(frontier, size, h):
            nodes.append({"level": level, "index": index, "hash": node})
        last[item.subject] = (seq, size, h)
        size += 1
    return entries, nodes, (size, merkle.root_from_subtrees([h for _, _, h in frontier]))


def _push(
    frontier: list[tuple[int, int, bytes]], index: int, h: bytes
) -> list[tuple[int, int, bytes]]:
    """Add leaf ``index`` to the frontier (the complete subtrees); return the new nodes."""
    current = (0, index, h)
    made = [current]
    while frontier and frontier[-1][0] == current[0]:
        level, left_index, left = frontier.pop()
        current = (level + 1, left_index >> 1, merkle.node_hash(left, current[2]))
        made.append(current)
    frontier.append(current)
    return made


# The sequencer's statements, built once and compiled once per database (passport.compiled_sql):
# building, keying and compiling them per append cost more than running them.
_HEAD, _ENTRIES, _NODES = (cast(Table, Model.__table__) for Model in (LogHead, LogEntry, LogNode))
_TOUCH_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == bindparam("id"))
    .values(size=_HEAD.c.size)
    .returning(_HEAD.c.size)
)
_LOCK_HEAD = select(_HEAD.c.size).where(_HEAD.c.id == bindparam("id")).with_for_update()
_SET_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == log.HEAD_ID)
    .values(size=bindparam("size"), root=bindparam("root"))
)
_INSERT_ENTRY = insert(_ENTRIES).values({c.name: bindparam(c.name) for c in _ENTRIES.columns})
_INSERT_NODE = insert(_NODES).values({c.name: bindparam(c.name) for c in _NODES.columns})
_NEWEST_ENTRY = (
    select(_ENTRIES.c.subject, _ENTRIES.c.subject_seq, _ENTRIES.c["index"], _ENTRIES.c.leaf_hash)
    .where(_ENTRIES.c.subject == bindparam("subject"))
    .order_by(_ENTRIES.c.subject_seq.desc())
    .limit(1)
)


def _lock_head(session: Session) -> int:
    """Take the log's write lock and return its size (creating the head row if need be)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        size = compiled_sql.run(session, _LOCK_HEAD, {"id": log.HEAD_ID}).scalar()
        if size is None:
            session.execute(
                pg_insert(LogHead)
                .values(id=log.HEAD_ID, size=0, root=merkle.EMPTY_ROOT)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            size = compiled_sql.run(session, _LOCK_HEAD, {"id": log.HEAD_ID}).scalar()
    else:
        # A write statement first, so that even a transaction opened with a plain BEGIN holds
        # SQLite's write lock before it reads the size (begin_write makes this a no-op): one
        # statement that writes the size as it is and returns it, once the head row exists.
        size = compiled_sql.run(session, _TOUCH_HEAD, {"id": log.HEAD_ID}).scalar()
        if size is None:
            session.execute(
                sqlite_insert(LogHead)
                .values(id=log.HEAD_ID, size=0, root=merkle.EMPTY_ROOT)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            size = session.scalar(select(LogHead.size).where(LogHead.id == log.HEAD_ID))
    assert size is not None
    return int(size)


def _last_entries(session: Session, subjects: list[str]) -> dict[str, tuple[int, int, bytes]]:
    """subject -> (seq, index, leaf hash) of its newest entry, for subjects that have one.

    One subject (an event, a new version) is one descending step of the unique index on
    ``(subject, subject_seq)``; many (a batch) find each subject's newest number in that
    index and read only those entries, never a subject's older ones.
    """
    columns = (LogEntry.subject, LogEntry.subject_seq, LogEntry.index, LogEntry.leaf_hash)
    found: dict[str, tuple[int, int, bytes]] = {}
    if len(subjects) == 1:
        newest_one: list[Any] = list(
            compiled_sql.run(session, _NEWEST_ENTRY, {"subject": subjects[0]})
        )
        for subject, seq, index, h in newest_one:
            found[subject] = (seq, index, bytes(h))
        return found
    for start in range(0, len(subjects), log.CHUNK):
        chunk = subjects[start : start + log.CHUNK]
        newest = (
            select(LogEntry.subject, func.max(LogEntry.subject_seq).label("seq"))
            .where(LogEntry.subject.in_(chunk))
            .group_by(LogEntry.subject)
            .subquery()
        )
        rows = session.execute(
            select(*columns).join(
                newest,
                and_(LogEntry.subject == newest.c.subject, LogEntry.subject_seq == newest.c.seq),
            )
        )
        for subject, seq, index, h in rows:
            found[subject] = (seq, index, bytes(h))
    return found


def _frontier(session: Session, size: int) -> list[tuple[int, int, bytes]]:
    keys = merkle.complete_subtrees(size)
    hashes = log.nodes(session, keys)
    return [(level, index, hashes[(level, index)]) for level, index in keys]
