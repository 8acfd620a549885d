"""The bulk append (passport.ledger.bulk) stores exactly what the sequencer stores: the same
leaves, leaf hashes, nodes, head and signed checkpoint, byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from passport.db import begin_write
from passport.ledger import bulk, log, merkle, sequencer
from passport.models import LogCheckpoint, LogEntry, LogNode
from tests.conftest import settings_of

T = datetime(2026, 1, 1, 12, 30, 15, 123456, tzinfo=UTC)
ACTOR = "did:web:registry.example.org:orgs:x"


def _items(start: int, n: int) -> list[sequencer.Item]:
    return [
        sequencer.Item(
            "dpp.event.test",
            f"https://id.example/{i % 4}",  # a subject's later leaves chain to its earlier ones
            ACTOR,
            {"i": i, "x": 0.5, "name": "Kessel é"},
            T,
        )
        for i in range(start, start + n)
    ]


def _stored(session: Any) -> tuple[list[Any], list[Any], Any, list[Any]]:
    entries = session.execute(
        select(
            LogEntry.index,
            LogEntry.subject,
            LogEntry.kind,
            LogEntry.subject_seq,
            LogEntry.leaf,
            LogEntry.leaf_hash,
        ).order_by(LogEntry.index)
    )
    nodes = session.execute(
        select(LogNode.level, LogNode.index, LogNode.hash).order_by(LogNode.level, LogNode.index)
    )
    notes = session.scalars(select(LogCheckpoint.note).order_by(LogCheckpoint.size))
    return (
        [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in entries],
        [(a, b, bytes(h)) for a, b, h in nodes],
        log.head(session),
        list(notes),
    )


def test_bulk_append_stores_what_the_sequencer_stores(session):
    settings = settings_of(session)
    begin_write(session)
    sequencer.append_many(session, settings, _items(0, 5))  # a log that is not empty
    session.commit()

    begin_write(session)
    sequencer.append_many(session, settings, _items(5, 23))
    by_sequencer = _stored(session)
    session.rollback()

    begin_write(session)
    assert bulk.append_bulk(session, settings, _items(5, 23)) == 5
    by_bulk = _stored(session)
    session.commit()

    assert by_bulk == by_sequencer
    entries, _, head, _ = by_bulk
    assert head == (28, merkle.root([e[5] for e in entries]))
    assert [e[3] for e in entries[:8]] == [0, 0, 0, 0, 1, 1, 1, 1]
