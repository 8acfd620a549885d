"""``kreislauf verify``: every stored checkpoint against the leaves and the log key.

Each checkpoint's size and root must be the tree the stored leaves make at that size (roots come
from the complete subtrees, so thousands of checkpoints cost O(log n) each), its note must be
signed by the log key (when the caller passes the verifier) and its signed text must name the
stored origin, size and root. Cosignature lines in a note are checked by ``verify_note`` when
their verifier is passed; this registry stores no witness cosignatures of its own checkpoints
(witnesses return them to whoever asked), so normally there is none to check.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from passport.ledger import merkle
from passport.ledger.note import Checkpoint, NoteError, Verifier, parse_note, verify_note
from passport.models import LogCheckpoint

Add = Callable[[int | None, str, str, str], None]


def root_at(nodes: dict[tuple[int, int], bytes], size: int) -> bytes:
    """The root of the first ``size`` leaves, from the complete subtrees recomputed."""
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.root_from_subtrees([nodes[k] for k in merkle.complete_subtrees(size)])


def check_all(
    session: Session,
    add: Add,
    nodes: dict[tuple[int, int], bytes],
    size: int,
    origin: str,
    verifiers: list[Verifier],
) -> None:
    try:
        stored = list(session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.size)))
    except (StatementError, ValueError, TypeError) as exc:
        session.rollback()
        add(None, "log.checkpoint", "", f"cannot be read: {type(exc).__name__}")
        return
    for row in stored:
        try:
            _check_one(add, row, nodes, size, origin, verifiers)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            add(None, "log.checkpoint", f"size {row.size}", f"malformed: {type(exc).__name__}")


def _check_one(
    add: Add,
    row: LogCheckpoint,
    nodes: dict[tuple[int, int], bytes],
    size: int,
    origin: str,
    verifiers: list[Verifier],
) -> None:
    where = (None, "log.checkpoint", f"size {row.size}")
    root = bytes(row.root)
    if not 0 <= row.size <= size or root_at(nodes, row.size) != root:
        add(*where, "checkpoint root does not match the leaves")
    try:
        text = verify_note(row.note, verifiers)[0] if verifiers else parse_note(row.note)[0]
        body = Checkpoint.parse(text)
    except NoteError as exc:
        add(*where, f"checkpoint signature does not verify: {exc}")
        return
    if (body.origin, body.size, body.root_hash) != (origin, row.size, root):
        add(*where, "signed checkpoint text does not match the stored one")
