"""Reads of the stored log for tiles and proofs, without HTTP: a leaf's index by its hash, a
level's node hashes and a run of leaves, in index order.

Every test runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.ledger import log, merkle, sequencer, tiles
from passport.models import LogEntry
from tests.conftest import settings_of

T = datetime(2026, 1, 1, tzinfo=UTC)


def _append(session: Session, n: int) -> list[bytes]:
    """Append ``n`` leaves in one write; their exact bytes, in index order."""
    items = [
        sequencer.Item("dpp.event.test", f"https://id.example/{i}", "did:web:x", {"i": i}, T)
        for i in range(n)
    ]
    sequencer.append_many(session, settings_of(session), items)
    session.commit()
    return [bytes(leaf) for leaf in session.scalars(select(LogEntry.leaf).order_by(LogEntry.index))]


def test_a_run_of_leaves_in_index_order(session: Session) -> None:
    leaves = _append(session, 6)
    assert list(tiles.leaves(session, 0, 6)) == leaves
    assert list(tiles.leaves(session, 2, 3)) == leaves[2:5]
    assert list(tiles.leaves(session, 4, 256)) == leaves[4:]  # a partial tile: what there is
    assert list(tiles.leaves(session, 6, 1)) == []


def test_a_leaf_is_found_by_its_hash(session: Session) -> None:
    leaves = _append(session, 5)
    for index, leaf in enumerate(leaves):
        assert tiles.leaf_index(session, merkle.leaf_hash(leaf)) == index
    assert tiles.leaf_index(session, merkle.leaf_hash(b"never logged")) is None
    assert tiles.leaf_index(session, leaves[0]) is None  # the hash, not the bytes


def test_node_hashes_of_a_level_are_the_subtree_roots(session: Session) -> None:
    leaves = _append(session, 11)
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    assert list(tiles.node_hashes(session, 0, 0, 11)) == hashes
    assert list(tiles.node_hashes(session, 0, 3, 2)) == hashes[3:5]
    # Level 1 holds the five complete pairs, level 3 the one complete run of eight.
    assert list(tiles.node_hashes(session, 1, 0, 256)) == [
        merkle.root(hashes[i : i + 2]) for i in range(0, 10, 2)
    ]
    assert list(tiles.node_hashes(session, 3, 0, 256)) == [merkle.root(hashes[:8])]
    assert list(tiles.node_hashes(session, 4, 0, 256)) == []
    assert log.head(session) == (11, merkle.root(hashes))
