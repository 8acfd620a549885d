"""The registry's transparency log, stored in the registry's own database (tamper-evidence §1-§3).

:func:`append_many` (and :func:`append`) is the *one* sequencer: it locks the single
``log_head`` row, so indices are gap-free from 0 on SQLite and PostgreSQL alike, and it runs in
the caller's transaction, so a request that fails leaves no leaf behind.

A leaf is the RFC 8785 canonical JSON of a small entry holding *digests only* (no document, no
event details, no personal data). After each leaf the hashes of the subtrees it completes are
stored in ``log_nodes`` (level 0 = leaf hashes), so a root or a proof needs O(log n) node reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from passport.ledger import merkle
from passport.models import Event, LogEntry, LogHead, LogNode, PassportVersion
from passport.routes import Routes
from passport.signing.jose import canonical_json

HEAD_ID = 1
MEDIA_TYPE = "application/json"
_CHUNK = 500


class LogRangeError(ValueError):
    """A requested tree size or leaf index is outside the log as it stands."""


# --- leaves ----------------------------------------------------------------------------------


def origin(base_url: str) -> str:
    """The log's name and checkpoint origin: the registry's host plus ``/log/v1``."""
    return Routes(base_url).log_origin


def content_sha256(content: Any) -> str:
    """Hex SHA-256 of the canonical JSON of ``content`` (a stored document or event).

    JCS cannot represent integers beyond 2**53 or lone surrogates; such (rare) content is
    hashed in a fixed ``json.dumps`` form instead, so issuing never fails because of it and the
    digest can still be re-derived.
    """
    try:
        data = canonical_json(content)
    except ValueError:
        data = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
            "ascii"
        )
    return hashlib.sha256(data).hexdigest()


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds: what both databases store, so it re-derives exactly."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; the log records UTC only")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def version_kind(version: int, status: str) -> str:
    if version == 1:
        return "dpp.issued"
    return "dpp.withdrawn" if status == "withdrawn" else "dpp.version"


def version_content(row: PassportVersion) -> dict[str, Any]:
    """What a version's leaf digests: the stored document."""
    return row.document


def event_content(
    event: Event, corrects_seq: int | None, related_uri: str | None
) -> dict[str, Any]:
    """What an event's leaf digests: every stored field that says what happened."""
    return {
        "seq": event.seq,
        "type": event.type,
        "eventID": event.event_id,
        "bizStep": event.biz_step,
        "disposition": event.disposition,
        "eventTime": format_time(event.event_time),
        "timeOffset": event.time_offset,
        "recordedAt": format_time(event.recorded_at),
        "details": event.details,
        "corrects": corrects_seq,
        "related": related_uri,
    }


def leaf_bytes(
    log: str,
    *,
    kind: str,
    subject: str,
    seq: int,
    prev: tuple[int, bytes] | None,
    time: datetime,
    actor: str,
    content_digest: str,
) -> bytes:
    """The leaf ``d`` of tamper-evidence §1. ``prev`` is (index, leaf hash) of the subject's
    previous entry; ``leaf_sha256`` is that entry's RFC 9162 leaf hash, in hex."""
    entry = {
        "v": 1,
        "log": log,
        "kind": kind,
        "subject": subject,
        "seq": seq,
        "prev": None if prev is None else {"index": prev[0], "leaf_sha256": prev[1].hex()},
        "time": format_time(time),
        "actor": actor,
        "content": {"mediaType": MEDIA_TYPE, "sha256": content_digest},
    }
    return canonical_json(entry)


# --- appending -------------------------------------------------------------------------------


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
    base_url: str,
    *,
    kind: str,
    subject: str,
    actor_did: str,
    content: Any,
    time: datetime,
) -> LogEntry:
    """Append one leaf in the caller's transaction and return its entry."""
    return append_many(session, base_url, [Item(kind, subject, actor_did, content, time)])[0]


def append_many(session: Session, base_url: str, items: Sequence[Item]) -> list[LogEntry]:
    """Append leaves in order, taking the log lock once (a batch of passports)."""
    if not items:
        return []
    log = origin(base_url)
    size = _lock_head(session)
    last = _last_entries(session, list(dict.fromkeys(i.subject for i in items)))
    frontier = _frontier(session, size)
    entries: list[LogEntry] = []
    nodes: list[dict[str, Any]] = []
    for item in items:
        prev = last.get(item.subject)
        seq = 0 if prev is None else prev[0] + 1
        leaf = leaf_bytes(
            log,
            kind=item.kind,
            subject=item.subject,
            seq=seq,
            prev=None if prev is None else (prev[1], prev[2]),
            time=item.time,
            actor=item.actor_did,
            content_digest=content_sha256(item.content),
        )
        h = merkle.leaf_hash(leaf)
        entries.append(
            LogEntry(
                index=size,
                subject=item.subject,
                kind=item.kind,
                subject_seq=seq,
                leaf=leaf,
                leaf_hash=h,
            )
        )
        for level, index, node in _push(frontier, size, h):
            nodes.append({"level": level, "index": index, "hash": node})
        last[item.subject] = (seq, size, h)
        size += 1
    session.add_all(entries)
    session.flush()
    for start in range(0, len(nodes), _CHUNK):
        session.execute(insert(LogNode), nodes[start : start + _CHUNK])
    root = merkle.root_from_subtrees([h for _, _, h in frontier])
    session.execute(update(LogHead).where(LogHead.id == HEAD_ID).values(size=size, root=root))
    return entries


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


def _lock_head(session: Session) -> int:
    """Take the log's write lock and return its size (creating the head row if need be)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = select(LogHead.size).where(LogHead.id == HEAD_ID).with_for_update()
        size = session.scalar(stmt)
        if size is None:
            session.execute(
                pg_insert(LogHead)
                .values(id=HEAD_ID, size=0, root=merkle.EMPTY_ROOT)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            size = session.scalar(stmt)
    else:
        # A write statement first, so that even a transaction opened with a plain BEGIN holds
        # SQLite's write lock before it reads the size (begin_write makes this a no-op).
        session.execute(
            sqlite_insert(LogHead)
            .values(id=HEAD_ID, size=0, root=merkle.EMPTY_ROOT)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        size = session.scalar(select(LogHead.size).where(LogHead.id == HEAD_ID))
    assert size is not None
    return int(size)


def _last_entries(session: Session, subjects: list[str]) -> dict[str, tuple[int, int, bytes]]:
    """subject -> (seq, index, leaf hash) of its newest entry, for subjects that have one."""
    found: dict[str, tuple[int, int, bytes]] = {}
    for start in range(0, len(subjects), _CHUNK):
        chunk = subjects[start : start + _CHUNK]
        rows = session.execute(
            select(LogEntry.subject, LogEntry.subject_seq, LogEntry.index, LogEntry.leaf_hash)
            .where(LogEntry.subject.in_(chunk))
            .order_by(LogEntry.subject_seq)
        )
        for subject, seq, index, h in rows:
            found[subject] = (seq, index, bytes(h))
    return found


def _frontier(session: Session, size: int) -> list[tuple[int, int, bytes]]:
    keys = merkle.complete_subtrees(size)
    hashes = _nodes(session, keys)
    return [(level, index, hashes[(level, index)]) for level, index in keys]


def _nodes(session: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(
            select(LogNode.level, LogNode.index, LogNode.hash).where(
                tuple_(LogNode.level, LogNode.index).in_(chunk)
            )
        )
        for level, index, h in rows:
            found[(level, index)] = bytes(h)
    missing = [k for k in wanted if k not in found]
    if missing:
        raise RuntimeError(f"the log's node table lacks complete subtrees {missing[:5]}")
    return found


# --- reading: roots and proofs from stored nodes -----------------------------------------------


def head(session: Session) -> tuple[int, bytes]:
    """The log's current size and root hash."""
    row = session.execute(select(LogHead.size, LogHead.root).where(LogHead.id == HEAD_ID)).first()
    return (0, merkle.EMPTY_ROOT) if row is None else (int(row[0]), bytes(row[1]))


def _check_size(session: Session, size: int) -> None:
    current = head(session)[0]
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= current:
        raise LogRangeError(f"tree size {size!r} is not between 0 and the log's size {current}")


Range = tuple[int, int]  # (first leaf, number of leaves), first aligned to the range's span


def _range_keys(r: Range) -> list[tuple[int, int]]:
    start, n = r
    return [(level, (start >> level) + index) for level, index in merkle.complete_subtrees(n)]


def _hash_ranges(session: Session, ranges: list[Range]) -> list[bytes]:
    nodes = _nodes(session, [k for r in ranges for k in _range_keys(r)])
    return [merkle.root_from_subtrees([nodes[k] for k in _range_keys(r)]) for r in ranges]


def _path_ranges(m: int, start: int, n: int) -> list[Range]:
    if n == 1:
        return []
    k = merkle._split(n)
    if m < k:
        return _path_ranges(m, start, k) + [(start + k, n - k)]
    return _path_ranges(m - k, start + k, n - k) + [(start, k)]


def _subproof_ranges(m: int, start: int, n: int, whole: bool) -> list[Range]:
    if m == n:
        return [] if whole else [(start, n)]
    k = merkle._split(n)
    if m <= k:
        return _subproof_ranges(m, start, k, whole) + [(start + k, n - k)]
    return _subproof_ranges(m - k, start + k, n - k, False) + [(start, k)]


def tree_root(session: Session, size: int) -> bytes:
    """MTH of the first ``size`` leaves."""
    _check_size(session, size)
    return _hash_ranges(session, [(0, size)])[0] if size else merkle.EMPTY_ROOT


def inclusion(session: Session, index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size``."""
    _check_size(session, size)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise LogRangeError(f"leaf index {index!r} is not below tree size {size}")
    return _hash_ranges(session, _path_ranges(index, 0, size))


def consistency(session: Session, size1: int, size2: int) -> list[bytes]:
    """RFC 9162 consistency proof from the tree of ``size1`` to the tree of ``size2``."""
    _check_size(session, size2)
    if isinstance(size1, bool) or not isinstance(size1, int) or not 0 < size1 <= size2:
        raise LogRangeError(f"need 0 < first <= second, got first={size1!r}, second={size2}")
    return _hash_ranges(session, _subproof_ranges(size1, 0, size2, True))


def entry(session: Session, index: int) -> LogEntry | None:
    return session.get(LogEntry, index)


def event_entry(session: Session, subject: str, event: Event) -> LogEntry | None:
    """The log entry recording ``event`` of the passport with URI ``subject``.

    Found by its content digest among the subject's ``dpp.event.<type>`` entries, so it is the
    entry whose leaf commits to exactly this event's stored fields.
    """
    digest = content_sha256(
        event_content(
            event,
            event.corrects.seq if event.corrects else None,
            event.related.uri if event.related else None,
        )
    )
    rows = session.scalars(
        select(LogEntry)
        .where(LogEntry.subject == subject, LogEntry.kind == f"dpp.event.{event.type}")
        .order_by(LogEntry.subject_seq)
    )
    for row in rows:
        if json.loads(bytes(row.leaf))["content"]["sha256"] == digest:
            return row
    return None
