"""Witnesses' cosignatures on this registry's checkpoints, asked for under its witness policy.

The registry's C2SP tlog-policy (``KREISLAUF_WITNESS_POLICY``) names the witnesses it asks,
each with its key and submission prefix. :func:`collect` sends each one the newest checkpoint
with a consistency proof from the size that witness last cosigned (C2SP tlog-witness
``add-checkpoint``; a ``409`` says the witness's size, and the request is made again from it),
and keeps only cosignature lines that verify with the policy's key for that witness.
:func:`store` writes them beside the checkpoint; the log serves each checkpoint with its
cosignatures, proof bundles prefer a cosigned checkpoint, and the passport page counts the
independent registries that have seen a history (:func:`seen_by`).

The network is the caller's (``post``, ``proof``): this module never holds a transaction open
while a witness answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport.ledger import client, note
from passport.ledger.policy import Policy, PolicyError, Witness, parse
from passport.models import LogCheckpoint, LogCosignature

SIZE_TYPE = "text/x.tlog.size"
# post(url, body) -> (HTTP status, content type, body); proof(old, new) -> consistency hashes
Post = Callable[[str, bytes], tuple[int, str, bytes]]
Proof = Callable[[int, int], list[bytes]]


def load(path: Path) -> Policy:
    """The policy in the file at ``path`` (read again when the file changes)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise PolicyError(f"cannot read the witness policy {path}: {exc}") from None
    return _load(path, stamp)


@lru_cache(maxsize=4)
def _load(path: Path, _stamp: int) -> Policy:
    return parse(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Outcome:
    """What one witness answered: its cosignature line, or why there is none."""

    witness: str
    line: str | None
    message: str


def collect(
    policy: Policy, checkpoint: str, sizes: dict[str, int], proof: Proof, post: Post
) -> list[Outcome]:
    """Ask every witness of ``policy`` that has a URL to cosign ``checkpoint`` (the log's
    signed note); ``sizes`` holds the size each last cosigned (0 if none)."""
    size = note.Checkpoint.parse(note.parse_note(checkpoint)[0]).size
    outcomes = []
    for witness in policy.witnesses.values():
        if witness.url is None:
            outcomes.append(Outcome(witness.name, None, "no URL in the policy: not asked"))
            continue
        try:
            outcomes.append(_ask(policy, witness, checkpoint, size, sizes, proof, post))
        except (OSError, ValueError) as exc:  # the network, a NoteError, a bad answer
            outcomes.append(Outcome(witness.name, None, f"not cosigned: {exc}"))
    return outcomes


def _ask(
    policy: Policy,
    witness: Witness,
    checkpoint: str,
    size: int,
    sizes: dict[str, int],
    proof: Proof,
    post: Post,
) -> Outcome:
    url = f"{witness.url.rstrip('/')}/add-checkpoint" if witness.url else ""
    old = min(sizes.get(witness.name, 0), size)
    for attempt in range(2):
        hashes = proof(old, size) if 0 < old < size else []
        request = client.add_checkpoint_body(old, hashes, checkpoint).encode()
        status, media_type, body = post(url, request)
        if status == 409 and media_type.startswith(SIZE_TYPE) and attempt == 0:
            told = body.decode("ascii", "replace").strip()
            if not told.isdigit() or int(told) > size:
                return Outcome(witness.name, None, f"refused: it has seen size {told}")
            old = int(told)
            continue
        if status != 200:
            text = body.decode("utf-8", "replace").strip()[:200]
            return Outcome(witness.name, None, f"refused ({status}): {text}")
        return _cosignature(policy, witness, checkpoint, body.decode("utf-8"))
    return Outcome(witness.name, None, "refused twice: its size keeps changing")


def _cosignature(policy: Policy, witness: Witness, checkpoint: str, answer: str) -> Outcome:
    """The one line of ``answer`` that is ``witness``'s valid cosignature on ``checkpoint``."""
    for line in answer.splitlines(keepends=True):
        if not line.endswith("\n"):
            line += "\n"
        try:
            if witness.name in policy.cosigners(checkpoint + line):
                return Outcome(witness.name, line, "cosigned")
        except note.NoteError:
            continue
    return Outcome(witness.name, None, "answered no cosignature that verifies with its key")


def timestamp(line: str) -> datetime:
    """The time a cosignature/v1 line says it was made."""
    _, signatures = note.parse_note("x\n\n" + line)
    return datetime.fromtimestamp(int.from_bytes(signatures[0].signature[:8], "big"), UTC)


def store(session: Session, size: int, outcomes: Sequence[Outcome]) -> int:
    """Keep the cosignatures of ``outcomes`` on the checkpoint of ``size``; how many were new."""
    new = 0
    for outcome in outcomes:
        if outcome.line is None:
            continue
        _, signatures = note.parse_note("x\n\n" + outcome.line)
        sig = signatures[0]
        if session.get(LogCosignature, (sig.name, sig.key_id, size)) is None:
            session.add(
                LogCosignature(
                    key_name=sig.name,
                    key_id=sig.key_id,
                    size=size,
                    line=outcome.line,
                    signed_at=timestamp(outcome.line),
                )
            )
            new += 1
    session.flush()
    return new


def sizes(session: Session, policy: Policy) -> dict[str, int]:
    """The largest of this log's sizes each witness of ``policy`` has cosigned (0 if none)."""
    found = {name: 0 for name in policy.witnesses}
    for name, key_id, size in heads(session):
        witness = policy.witness_named(name, key_id)
        if witness is not None:
            found[witness.name] = size
    return found


def heads(session: Session) -> list[tuple[str, bytes, int]]:
    """Per witness key (name, key ID), the largest checkpoint size it cosigned."""
    c = LogCosignature
    rows = session.execute(
        select(c.key_name, c.key_id, func.max(c.size)).group_by(c.key_name, c.key_id)
    )
    return [(name, bytes(key_id), int(size)) for name, key_id, size in rows]


def seen_by(policy: Policy, witness_heads: Sequence[tuple[str, bytes, int]], index: int) -> int:
    """How many of the policy's witnesses have cosigned a checkpoint holding log entry
    ``index`` (a witness that cosigned a larger tree checked that it extends what it saw)."""
    names = set()
    for name, key_id, size in witness_heads:
        witness = policy.witness_named(name, key_id)
        if witness is not None and size > index:
            names.add(witness.name)
    return len(names)


def lines(session: Session, size: int) -> str:
    """The cosignature lines kept for the checkpoint of ``size``, in a stable order."""
    c = LogCosignature
    rows = session.scalars(select(c.line).where(c.size == size).order_by(c.key_name, c.key_id))
    return "".join(rows)


def with_cosignatures(session: Session, row: LogCheckpoint) -> str:
    """The checkpoint's signed note with the witnesses' cosignature lines after the log's."""
    return row.note + lines(session, row.size)


def best_covering(session: Session, size: int, recent: int = 16) -> LogCheckpoint | None:
    """Of the ``recent`` newest cosigned checkpoints of at least ``size``, the one with the most
    witnesses (the newest of those); None if no checkpoint of that size has a cosignature."""
    c = LogCosignature
    newest = (
        select(c.size).where(c.size >= size).group_by(c.size).order_by(c.size.desc()).limit(recent)
    )
    witnesses = func.count().label("witnesses")
    best = session.execute(
        select(c.size, witnesses)
        .where(c.size.in_(newest.scalar_subquery()))
        .group_by(c.size)
        .order_by(witnesses.desc(), c.size.desc())
        .limit(1)
    ).first()
    return session.get(LogCheckpoint, best[0]) if best is not None else None
