"""Audit the transparency log against the registry's own data (``kreislauf verify``).

Every leaf is derived again from what is stored (each passport version's document, each event's
fields) and compared byte for byte with the stored leaf; the tree is rebuilt from the leaves and
compared with the stored nodes, the head and the newest checkpoint. A changed byte anywhere shows
up as a problem naming the log index, kind and subject.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from passport.ledger import audit_checkpoints as checkpoints
from passport.ledger import log, merkle, moves
from passport.ledger.note import Verifier
from passport.models import (
    Event,
    LogEntry,
    LogNode,
    Organisation,
    Passport,
    PassportVersion,
)
from passport.moves.tables import PassportArrival, PassportMove
from passport.signing.registry import issuer_did


@dataclass(frozen=True)
class Problem:
    index: int | None
    kind: str
    subject: str
    message: str

    def __str__(self) -> str:
        if self.index is not None:
            return f"log index {self.index} ({self.kind}, {self.subject}): {self.message}"
        return f"{self.kind} {self.subject}: {self.message}"


@dataclass
class Report:
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    problems: list[Problem] = field(default_factory=list)
    # What the entries were checked against (passports, versions, events, organisations), for
    # the checks of served facts that build on the log's (passport.audit).
    data: Any = None
    # What could not be checked (no log key: signatures and seals), said but not a failure.
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, index: int | None, kind: str, subject: str, message: str) -> None:
        self.problems.append(Problem(index, kind, subject, message))


def _differences(stored: bytes, expected: bytes) -> str:
    try:
        a, b = json.loads(stored), json.loads(expected)
    except ValueError:
        return "the stored leaf is not JSON"
    fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    what = {"content": "the content digest (the stored document or event was changed)"}
    return "leaf differs from the stored data in " + ", ".join(what.get(f, f) for f in fields)


class _Context:
    """What the entries are checked against, loaded once."""

    def __init__(self, session: Session, report: Report, base_url: str) -> None:
        self.base_url = base_url
        self.origin = log.origin(base_url)
        self.orgs = {o.pk: o for o in rows(session, report, Organisation, Organisation.pk)}
        self.passports: list[Passport] = rows(session, report, Passport, Passport.pk)
        passports = self.passports
        self.uris = {p.pk: p.uri for p in passports}
        self.public_ids = {p.pk: p.public_id for p in passports}
        self.by_uri = {p.uri: p.pk for p in passports}
        self.versions: dict[int, list[PassportVersion]] = defaultdict(list)
        for v in rows(session, report, PassportVersion, PassportVersion.version):
            self.versions[v.passport_pk].append(v)
        self.events: dict[int, list[Event]] = defaultdict(list)
        for e in rows(session, report, Event, Event.seq):
            self.events[e.passport_pk].append(e)
        self.used_versions: dict[int, int] = defaultdict(int)
        self.used_events: dict[int, int] = defaultdict(int)
        self.last: dict[str, tuple[int, int, bytes]] = {}
        # organisation pk -> the log index of its first entry (its seal must be older)
        self.first_act: dict[int, int] = {}
        # passport pk -> (index of its dpp.issued entry, whether that leaf commits its public
        # id: not for passports logged before migration 0013, whose ids are sealed instead)
        self.issued: dict[int, tuple[int, bool]] = {}
        # passport pk -> its move away and its arrival (the dpp.moved, dpp.moved-in leaves)
        self.moves: dict[tuple[int, str], PassportMove | PassportArrival] = {
            **{(m.passport_pk, moves.MOVED): m for m in rows(session, report, PassportMove, _PK)},
            **{
                (a.passport_pk, moves.MOVED_IN): a
                for a in rows(session, report, PassportArrival, PassportArrival.passport_pk)
            },
        }
        self.used_moves: set[tuple[int, str]] = set()


_PK = PassportMove.passport_pk


def rows(session: Session, report: Report, model: Any, order: Any) -> list[Any]:
    """Every row of ``model``; a row that cannot be read (a document that is not JSON, a
    value of the wrong type) is reported by its primary key and left out, never raised."""
    try:
        return list(session.scalars(select(model).order_by(order)))
    except (StatementError, ValueError, TypeError, KeyError) as exc:
        first = exc
    session.rollback()
    table = model.__table__
    key = next(iter(table.primary_key.columns))
    found = []
    for pk in session.scalars(select(key).order_by(key)):
        try:
            found.append(session.get(model, pk))
        except (StatementError, ValueError, TypeError, KeyError) as exc:
            session.rollback()
            report.add(None, table.name, f"{key.name} {pk}", f"cannot be read: {_short(exc)}")
    if not found and not report.problems:
        report.add(None, table.name, "", f"cannot be read: {_short(first)}")
    return sorted(found, key=lambda r: getattr(r, order.key))


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]


def verify_log(session: Session, base_url: str, verifiers: Iterable[Verifier] = ()) -> Report:
    """Check the whole log; ``verifiers`` (the log's public key) also check every checkpoint's
    signature. Malformed stored data is a problem naming its entry or row, never an exception."""
    report = Report()
    ctx = _Context(session, report, base_url)
    hashes: list[bytes] = []
    for entry in rows(session, report, LogEntry, LogEntry.index):
        where = (entry.index, entry.kind, entry.subject)
        if entry.index != len(hashes):
            report.add(*where, f"index is out of sequence: expected {len(hashes)}")
        leaf = entry.leaf if isinstance(entry.leaf, bytes) else b""
        h = merkle.leaf_hash(leaf)
        hashes.append(h)
        try:
            _check_entry(ctx, report, entry, where, leaf, h)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            report.add(*where, f"stored data is malformed: {_short(exc)}")

    for pk, versions in ctx.versions.items():
        uri = ctx.uris.get(pk, f"passport pk {pk}")
        numbers = [v.version for v in versions]
        if numbers != list(range(1, len(numbers) + 1)):
            report.add(None, "dpp.version", uri, f"version numbers are {numbers}, not 1, 2, …")
        for v in versions[ctx.used_versions[pk] :]:
            report.add(None, "dpp.version", uri, f"version {v.version} has no log entry")
    for pk, logged in ctx.events.items():
        for e in logged[ctx.used_events[pk] :]:
            uri = ctx.uris.get(pk, f"passport pk {pk}")
            report.add(None, f"dpp.event.{e.type}", uri, f"event {e.seq} has no log entry")
    for pk, kind in set(ctx.moves) - ctx.used_moves:
        report.add(None, kind, ctx.uris.get(pk, f"passport pk {pk}"), "the move has no log entry")
    for pk, uri in ctx.uris.items():
        if not ctx.versions.get(pk):
            report.add(None, "dpp.issued", uri, "the passport has no stored version")

    report.size = len(hashes)
    report.root = merkle.root(hashes)
    nodes = _all_nodes(hashes)
    _check_nodes(session, report, nodes)
    try:
        size, root = log.head(session)
    except (StatementError, ValueError, TypeError) as exc:
        session.rollback()
        report.add(None, "log.head", ctx.origin, f"cannot be read: {_short(exc)}")
    else:
        if (size, root) != (report.size, report.root):
            report.add(None, "log.head", ctx.origin, f"head says size {size} with another root")
    report.data = ctx
    checkpoints.check_all(session, report.add, nodes, len(hashes), ctx.origin, list(verifiers))
    return report


def _check_entry(
    ctx: _Context,
    report: Report,
    entry: LogEntry,
    where: tuple[int, str, str],
    leaf: bytes,
    h: bytes,
) -> None:
    if bytes(entry.leaf_hash) != h:
        report.add(*where, "stored leaf hash is not the hash of the stored leaf")
    prev = ctx.last.get(entry.subject)
    seq = 0 if prev is None else prev[0] + 1
    ctx.last[entry.subject] = (seq, entry.index, h)
    if entry.subject_seq != seq:
        report.add(*where, f"subject sequence is {entry.subject_seq}, expected {seq}")
    pk = ctx.by_uri.get(entry.subject)
    if pk is None:
        report.add(*where, "no passport has this subject URI")
        return
    if entry.kind in moves.KINDS:
        fact = ctx.moves.get((pk, entry.kind))
        if fact is None or (pk, entry.kind) in ctx.used_moves:
            report.add(*where, "the passport has no stored move for this entry")
            return
        ctx.used_moves.add((pk, entry.kind))
        kind, (content, time), first = entry.kind, _move(fact), None
        actor = ctx.orgs[fact.actor_pk]
    elif entry.kind.startswith("dpp.event."):
        n = ctx.used_events[pk]
        ctx.used_events[pk] += 1
        if n >= len(ctx.events[pk]):
            report.add(*where, "the passport has no stored event for this entry")
            return
        event = ctx.events[pk][n]
        kind = f"dpp.event.{event.type}"
        content = log.event_content(
            event,
            event.corrects.seq if event.corrects else None,
            event.related.uri if event.related else None,
        )
        actor, time = ctx.orgs[event.recorder_pk], event.recorded_at
        first = None
    else:
        n = ctx.used_versions[pk]
        ctx.used_versions[pk] += 1
        if n >= len(ctx.versions[pk]):
            report.add(*where, "the passport has no stored version for this entry")
            return
        version = ctx.versions[pk][n]
        kind = log.version_kind(version.version, version.status)
        content = log.version_content(version, ctx.public_ids[pk])
        actor, time = ctx.orgs[version.author_pk], version.created_at
        first = version if version.version == 1 else None
    ctx.first_act.setdefault(actor.pk, entry.index)
    if kind != entry.kind:
        report.add(*where, f"stored data says kind {kind}")

    def expected(content: dict[str, Any]) -> bytes:
        return log.leaf_bytes(
            ctx.origin,
            kind=kind,
            subject=entry.subject,
            seq=seq,
            prev=None if prev is None else (prev[1], prev[2]),
            time=time,
            actor=issuer_did(ctx.base_url, actor),
            content_digest=log.content_sha256(content),
        )

    derived = expected(content)
    if first is not None:
        bound = first.content_salt is not None  # unsalted first versions (before 0009): never
        if bound and derived != leaf:
            bare = expected(log.version_content(first))
            if bare == leaf:  # logged before first leaves committed the public id (0013)
                derived, bound = bare, False
        ctx.issued[pk] = (entry.index, bound)
    if derived != leaf:
        report.add(*where, _differences(leaf, derived))


def _move(fact: PassportMove | PassportArrival) -> tuple[dict[str, Any], datetime]:
    """What a move's leaf digests, and when it was logged."""
    if isinstance(fact, PassportMove):
        return moves.moved_content(fact.to_url, fact.new_uri, fact.moved_at), fact.moved_at
    return moves.moved_in_content(fact.link, fact.previous_bundle), fact.arrived_at


def _all_nodes(hashes: list[bytes]) -> dict[tuple[int, int], bytes]:
    nodes: dict[tuple[int, int], bytes] = {}
    level_hashes = hashes
    level = 0
    while level_hashes:
        for i, h in enumerate(level_hashes):
            nodes[(level, i)] = h
        level_hashes = [
            merkle.node_hash(level_hashes[i], level_hashes[i + 1])
            for i in range(0, len(level_hashes) - 1, 2)
        ]
        level += 1
    return nodes


def _check_nodes(session: Session, report: Report, expected: dict[tuple[int, int], bytes]) -> None:
    try:
        stored = {
            (level, index): bytes(h)
            for level, index, h in session.execute(
                select(LogNode.level, LogNode.index, LogNode.hash)
            )
        }
    except (StatementError, ValueError, TypeError) as exc:
        session.rollback()
        report.add(None, "log.node", "", f"cannot be read: {_short(exc)}")
        return
    for key in sorted(set(expected) | set(stored)):
        if expected.get(key) != stored.get(key):
            state = "missing" if key not in stored else "wrong" if key in expected else "extra"
            report.add(None, "log.node", f"level {key[0]} index {key[1]}", f"stored node {state}")
