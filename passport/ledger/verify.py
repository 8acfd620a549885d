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

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.ledger import log, merkle
from passport.ledger.note import NoteError, Verifier, verify_note
from passport.models import (
    Event,
    LogCheckpoint,
    LogEntry,
    LogNode,
    Organisation,
    Passport,
    PassportVersion,
)
from passport.signing.registry import issuer_did


@dataclass(frozen=True)
class Problem:
    index: int | None
    kind: str
    subject: str
    message: str

    def __str__(self) -> str:
        where = f"log index {self.index}" if self.index is not None else "not in the log"
        return f"{where} ({self.kind}, {self.subject}): {self.message}"


@dataclass
class Report:
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    problems: list[Problem] = field(default_factory=list)

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


def verify_log(session: Session, base_url: str, verifiers: Iterable[Verifier] = ()) -> Report:
    """Check the whole log; ``verifiers`` (the log's public key) also check the checkpoint."""
    report = Report()
    origin = log.origin(base_url)
    orgs = {o.pk: o for o in session.scalars(select(Organisation))}
    uris = {pk: uri for pk, uri in session.execute(select(Passport.pk, Passport.uri))}
    by_uri = {uri: pk for pk, uri in uris.items()}
    versions: dict[int, list[PassportVersion]] = defaultdict(list)
    for v in session.scalars(select(PassportVersion).order_by(PassportVersion.version)):
        versions[v.passport_pk].append(v)
    events: dict[int, list[Event]] = defaultdict(list)
    for e in session.scalars(select(Event).order_by(Event.seq)):
        events[e.passport_pk].append(e)
    used_versions: dict[int, int] = defaultdict(int)
    used_events: dict[int, int] = defaultdict(int)
    last: dict[str, tuple[int, int, bytes]] = {}

    hashes: list[bytes] = []
    for entry in session.scalars(select(LogEntry).order_by(LogEntry.index)):
        where = (entry.index, entry.kind, entry.subject)
        if entry.index != len(hashes):
            report.add(*where, f"index is out of sequence: expected {len(hashes)}")
        leaf = bytes(entry.leaf)
        h = merkle.leaf_hash(leaf)
        if bytes(entry.leaf_hash) != h:
            report.add(*where, "stored leaf hash is not the hash of the stored leaf")
        hashes.append(h)
        prev = last.get(entry.subject)
        seq = 0 if prev is None else prev[0] + 1
        last[entry.subject] = (seq, entry.index, h)
        if entry.subject_seq != seq:
            report.add(*where, f"subject sequence is {entry.subject_seq}, expected {seq}")
        pk = by_uri.get(entry.subject)
        if pk is None:
            report.add(*where, "no passport has this subject URI")
            continue
        if entry.kind.startswith("dpp.event."):
            n = used_events[pk]
            used_events[pk] += 1
            if n >= len(events[pk]):
                report.add(*where, "the passport has no stored event for this entry")
                continue
            event = events[pk][n]
            kind = f"dpp.event.{event.type}"
            content = log.event_content(
                event,
                event.corrects.seq if event.corrects else None,
                event.related.uri if event.related else None,
            )
            actor, time = orgs[event.recorder_pk], event.recorded_at
        else:
            n = used_versions[pk]
            used_versions[pk] += 1
            if n >= len(versions[pk]):
                report.add(*where, "the passport has no stored version for this entry")
                continue
            version = versions[pk][n]
            kind = log.version_kind(version.version, version.status)
            content = log.version_content(version)
            actor, time = orgs[version.author_pk], version.created_at
        if kind != entry.kind:
            report.add(*where, f"stored data says kind {kind}")
        expected = log.leaf_bytes(
            origin,
            kind=kind,
            subject=entry.subject,
            seq=seq,
            prev=None if prev is None else (prev[1], prev[2]),
            time=time,
            actor=issuer_did(base_url, actor),
            content_digest=log.content_sha256(content),
        )
        if expected != leaf:
            report.add(*where, _differences(leaf, expected))

    for pk, rows in versions.items():
        for v in rows[used_versions[pk] :]:
            kind = log.version_kind(v.version, v.status)
            report.add(None, kind, uris[pk], f"version {v.version} has no log entry")
    for pk, logged in events.items():
        for e in logged[used_events[pk] :]:
            report.add(None, f"dpp.event.{e.type}", uris[pk], f"event {e.seq} has no log entry")

    report.size = len(hashes)
    report.root = merkle.root(hashes)
    _check_nodes(session, report, hashes)
    size, root = log.head(session)
    if (size, root) != (report.size, report.root):
        report.add(None, "log.head", origin, f"head says size {size} with another root")
    _check_checkpoint(session, report, hashes, origin, list(verifiers))
    return report


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


def _check_nodes(session: Session, report: Report, hashes: list[bytes]) -> None:
    expected = _all_nodes(hashes)
    stored = {
        (level, index): bytes(h)
        for level, index, h in session.execute(select(LogNode.level, LogNode.index, LogNode.hash))
    }
    for key in sorted(set(expected) | set(stored)):
        if expected.get(key) != stored.get(key):
            state = "missing" if key not in stored else "wrong" if key in expected else "extra"
            report.add(None, "log.node", f"level {key[0]} index {key[1]}", f"stored node {state}")


def _check_checkpoint(
    session: Session,
    report: Report,
    hashes: list[bytes],
    origin: str,
    verifiers: list[Verifier],
) -> None:
    latest = session.scalars(
        select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1)
    ).first()
    if latest is None:
        return
    where = (None, "log.checkpoint", f"size {latest.size}")
    if latest.size > len(hashes) or merkle.root(hashes[: latest.size]) != bytes(latest.root):
        report.add(*where, "checkpoint root does not match the leaves")
    if verifiers:
        from passport.ledger.note import Checkpoint

        try:
            text, _ = verify_note(latest.note, verifiers)
            body = Checkpoint.parse(text)
        except NoteError as exc:
            report.add(*where, f"checkpoint signature does not verify: {exc}")
            return
        if (body.origin, body.size, body.root_hash) != (origin, latest.size, bytes(latest.root)):
            report.add(*where, "signed checkpoint text does not match the stored one")
