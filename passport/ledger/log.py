"""The registry's transparency log, stored in the registry's own database (tamper-evidence §1-§3):
what a leaf holds, and the stored tree's roots and proofs.

Leaves are added by :mod:`passport.ledger.sequencer` alone, which also signs the new head. A
leaf is the RFC 8785 canonical JSON of a small entry holding *digests only* (no document, no
event details, no personal data). After each leaf the hashes of the subtrees it completes are
stored in ``log_nodes`` (level 0 = leaf hashes), so a root or a proof needs O(log n) node reads.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport import compiled_sql
from passport.ledger import merkle
from passport.models import Event, LogEntry, LogHead, PassportVersion
from passport.routes import Routes
from passport.signing.jose import canonical_json

HEAD_ID = 1
MEDIA_TYPE = "application/json"
CHUNK = 500  # keys per IN (...) query


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
    return hashlib.sha256(content_bytes(content)).hexdigest()


def content_bytes(content: Any) -> bytes:
    """The exact bytes :func:`content_sha256` digests (UTF-8 JSON text, either form)."""
    try:
        return canonical_json(content)
    except ValueError:
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
            "ascii"
        )


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds: what both databases store, so it re-derives exactly."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; the log records UTC only")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def version_kind(version: int, status: str) -> str:
    if version == 1:
        return "dpp.issued"
    return "dpp.withdrawn" if status == "withdrawn" else "dpp.version"


def version_content(row: PassportVersion, passport_id: str | None = None) -> dict[str, Any]:
    """What a version's leaf digests: the stored document with the version's random salt (and,
    for a first version, the passport's public id: pass ``passport_id``).

    The document holds restricted values (a measured state of health, an issuer-marked recipe) a
    guesser could otherwise try against the public digest; the salt is stored with the version and
    served only in a proof bundle, with the whole document, to a reader who may see all of it
    (``passport.audit.bundle``), so nobody else can re-derive the digest. Versions logged before
    the salt existed committed the bare document.
    """
    first = passport_id if row.version == 1 else None
    return committed(row.document, row.content_salt, first)


def committed(
    document: dict[str, Any], salt: str | None, passport_id: str | None = None
) -> dict[str, Any]:
    """A version's document as its leaf digests it, salted (``None``: before salts existed).

    A passport's first version also commits its public id (the API handle in a credential's
    id and links, which no other leaf holds), since migration 0013; first versions logged
    before did not (their ids are sealed as a set: ``passport.ledger.seals``)."""
    if salt is None:
        return document
    content: dict[str, Any] = {"salt": salt, "document": document}
    if passport_id is not None:
        content["passport"] = passport_id
    return content


def new_salt() -> str:
    """128 random bits for a new commitment (``PassportVersion.content_salt``, and
    ``Event.content_salt`` of a measured event)."""
    return secrets.token_urlsafe(16)


def event_content(
    event: Event, corrects_seq: int | None, related_uri: str | None
) -> dict[str, Any]:
    """What an event's leaf digests: every stored field that says what happened.

    An event carrying battery measurements (restricted, and guessable: a state of health is one of
    a few thousand numbers) is digested with its random salt, as a version is; the salt is served
    only with the measurements (EPCIS ``sensorMetadata``, a proof bundle), so only a reader who may
    see them can re-derive the digest. Other events, and events logged before salts existed, commit
    their fields bare.
    """
    fields = {
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
    salt = event.content_salt
    return fields if salt is None else {"salt": salt, "event": fields}


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


def nodes(session: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of the subtrees ``(level, index)``; all of them must be there.

    The keys are asked for level by level, ``(level = L AND index IN (…)) OR …``: each term is
    a primary-key lookup on SQLite and PostgreSQL alike, so an append or a proof reads its
    O(log n) nodes in O(log n) time. (A row-value ``(level, index) IN (…)`` reads the same
    rows, but SQLite plans it as a scan of the whole table.)
    """
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(wanted), CHUNK):
        by_level: dict[int, list[int]] = {}
        for level, index in wanted[start : start + CHUNK]:
            by_level.setdefault(level, []).append(index)
        # Written as the driver's SQL: building the same statement from SQLAlchemy expressions
        # (or compiling it as text) cost more than the query (a proof asks for up to
        # 2·log2(n) keys on as many levels; an append for its log2(n) frontier).
        connection = session.connection()
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        terms: list[str] = []
        params: list[int] = []
        for level, indices in sorted(by_level.items()):
            terms.append(f'(level = {mark} AND "index" IN ({", ".join([mark] * len(indices))}))')
            params += [level, *indices]
        sql = f'SELECT level, "index", hash FROM log_nodes WHERE {" OR ".join(terms)}'
        for row in compiled_sql.run_sql(session, sql, tuple(params)):
            found[(int(row[0]), int(row[1]))] = bytes(row[2])
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
    found = nodes(session, [k for r in ranges for k in _range_keys(r)])
    return [merkle.root_from_subtrees([found[k] for k in _range_keys(r)]) for r in ranges]


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


def last_index(session: Session, subject: str) -> int | None:
    """The log index of the newest entry of the passport with URI ``subject`` (None if none)."""
    return session.scalar(
        select(LogEntry.index)
        .where(LogEntry.subject == subject)
        .order_by(LogEntry.subject_seq.desc())
        .limit(1)
    )


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
