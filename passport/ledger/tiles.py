"""Reads of the stored log for the C2SP tlog-tiles and proof endpoints: a leaf's index by its
hash, one level's node hashes and a run of leaves, each in index order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.models import LogEntry, LogNode


def leaf_index(session: Session, leaf_hash: bytes) -> int | None:
    """The first index whose leaf hashes to ``leaf_hash``, or None if the log has no such leaf."""
    return session.scalar(
        select(LogEntry.index).where(LogEntry.leaf_hash == leaf_hash).order_by(LogEntry.index)
    )


def node_hashes(session: Session, level: int, first: int, width: int) -> Sequence[bytes]:
    """The stored hashes at tree ``level`` for indices ``first`` … ``first + width - 1``."""
    return session.scalars(
        select(LogNode.hash)
        .where(LogNode.level == level, LogNode.index.between(first, first + width - 1))
        .order_by(LogNode.index)
    ).all()


def leaves(session: Session, first: int, width: int) -> Sequence[bytes]:
    """The leaves ``first`` … ``first + width - 1`` (the exact bytes that were hashed)."""
    return session.scalars(
        select(LogEntry.leaf)
        .where(LogEntry.index.between(first, first + width - 1))
        .order_by(LogEntry.index)
    ).all()
