"""The mirrored tree's right edge: its complete subtrees, enough to take leaves one at a time
and give the root after each, in O(log n) space (what ``log_nodes`` does for the own log)."""

from __future__ import annotations

from collections.abc import Iterable

from passport.ledger import merkle

Frontier = list[tuple[int, bytes]]  # (level, hash) of each complete subtree, left to right


def load(stored: list[str]) -> Frontier:
    """The frontier as ``MirrorOrigin.frontier`` keeps it: ``"level:hex"`` strings."""
    frontier: Frontier = []
    for item in stored:
        level, digest = item.split(":", 1)
        frontier.append((int(level), bytes.fromhex(digest)))
    return frontier


def dump(frontier: Frontier) -> list[str]:
    return [f"{level}:{digest.hex()}" for level, digest in frontier]


def push(frontier: Frontier, leaves: Iterable[bytes]) -> Frontier:
    """The frontier after appending ``leaves`` (their bytes; each is hashed as RFC 9162 does)."""
    result = list(frontier)
    for leaf in leaves:
        current = (0, merkle.leaf_hash(leaf))
        while result and result[-1][0] == current[0]:
            level, left = result.pop()
            current = (level + 1, merkle.node_hash(left, current[1]))
        result.append(current)
    return result


def root(frontier: Frontier) -> bytes:
    return merkle.root_from_subtrees([digest for _, digest in frontier])
