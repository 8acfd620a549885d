"""Signed checkpoints (C2SP tlog-checkpoint) and offline receipts (C2SP tlog-proof).

A checkpoint is the log's head — origin, size, root — as a signed note, signed by the ``log``
key under the log's origin as key name. Every signed checkpoint is kept (witnesses and
auditors need old sizes for consistency proofs). Signing is lazy: :func:`latest_checkpoint`
signs a new one when the log has grown and the newest is older than :data:`REFRESH`, so
checkpoints are refreshed every few seconds while there are new entries and cost nothing when
the log is idle. Functions here flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from passport.config import Settings
from passport.ledger import log, merkle, note
from passport.models import LogCheckpoint, utcnow
from passport.signing.keys import load_key

REFRESH = timedelta(seconds=2)
PROOF_HEADER = "c2sp.org/tlog-proof@v1"


def signer(settings: Settings) -> note.Signer:
    """The log key as a signed-note signer named after the log's origin."""
    return note.Signer(log.origin(settings.base_url), load_key(settings, "log").private_key)


def verifier(settings: Settings) -> note.Verifier:
    """The public half of :func:`signer`: what clients use to check checkpoints."""
    return note.Verifier(log.origin(settings.base_url), load_key(settings, "log").public_key)


def sign_checkpoint(session: Session, settings: Settings) -> LogCheckpoint:
    """Sign the log's current head and store it; an existing checkpoint of that size is reused."""
    size, root = log.head(session)
    existing = session.get(LogCheckpoint, size)
    if existing is not None:
        return existing
    body = note.Checkpoint(log.origin(settings.base_url), size, root).format()
    signed = note.sign_note(body, signer(settings))
    values = {"size": size, "root": root, "note": signed, "created_at": utcnow()}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Two readers may sign the same size at once; Ed25519 is deterministic, so either row will do.
    session.execute(insert(LogCheckpoint).values(**values).on_conflict_do_nothing())
    row = session.get(LogCheckpoint, size)
    assert row is not None
    return row


def newest(session: Session) -> LogCheckpoint | None:
    """The stored checkpoint of the largest size, without signing anything."""
    return session.scalars(
        select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1)
    ).first()


def latest_checkpoint(
    session: Session, settings: Settings, now: datetime | None = None
) -> LogCheckpoint:
    """The newest checkpoint, signing a fresh one if the log grew and the newest is stale."""
    current = newest(session)
    if current is None:
        return sign_checkpoint(session, settings)
    size = log.head(session)[0]
    moment = now or utcnow()
    if size > current.size and moment - current.created_at >= REFRESH:
        return sign_checkpoint(session, settings)
    return current


def covering(session: Session, settings: Settings, index: int) -> LogCheckpoint:
    """A checkpoint that covers leaf ``index`` (signed now if none does yet).

    Raises :class:`log.LogRangeError` if the log has no such leaf.
    """
    size = log.head(session)[0]
    if not 0 <= index < size:
        raise log.LogRangeError(f"leaf index {index} is not in the log (size {size})")
    current = latest_checkpoint(session, settings)
    if current.size > index:
        return current
    return sign_checkpoint(session, settings)


# --- receipts: c2sp.org/tlog-proof@v1 ----------------------------------------------------------


@dataclass(frozen=True)
class TlogProof:
    """A parsed tlog-proof: leaf index, inclusion proof, signed checkpoint, optional extra."""

    index: int
    hashes: list[bytes]
    checkpoint: str
    extra: bytes | None = None


def format_proof(proof: TlogProof) -> str:
    lines = [PROOF_HEADER]
    if proof.extra is not None:
        lines.append("extra " + note.b64encode(proof.extra))
    lines.append(f"index {proof.index}")
    lines += [note.b64encode(h) for h in proof.hashes]
    return "\n".join(lines) + "\n\n" + proof.checkpoint


def parse_proof(text: str) -> TlogProof:
    """Parse a tlog-proof (signatures are not checked here; see :func:`verify_proof`)."""
    head, sep, checkpoint = text.partition("\n\n")
    if not sep or not checkpoint:
        raise note.NoteError("tlog-proof has no blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != PROOF_HEADER:
        raise note.NoteError(f"tlog-proof does not start with {PROOF_HEADER}")
    lines = lines[1:]
    extra = None
    if lines and lines[0].startswith("extra "):
        extra = note.b64decode(lines.pop(0)[len("extra ") :], "tlog-proof extra")
    if not lines or not lines[0].startswith("index "):
        raise note.NoteError("tlog-proof has no index line")
    index_text = lines.pop(0)[len("index ") :]
    if not index_text.isdigit() or index_text != str(int(index_text)):
        raise note.NoteError("tlog-proof index is not a decimal without leading zeros")
    if len(lines) > merkle.MAX_PROOF_HASHES:
        raise note.NoteError("tlog-proof has too many hashes")
    hashes = [note.b64decode(line, "tlog-proof hash") for line in lines]
    return TlogProof(int(index_text), hashes, checkpoint, extra)


def verify_proof(
    text: str, leaf_hash: bytes, verifiers: list[note.Verifier]
) -> tuple[TlogProof, note.Checkpoint]:
    """Check a tlog-proof end to end: checkpoint signature, then inclusion of ``leaf_hash``."""
    proof = parse_proof(text)
    body, _ = note.verify_note(proof.checkpoint, verifiers)
    checkpoint = note.Checkpoint.parse(body)
    merkle.verify_inclusion(
        proof.index, checkpoint.size, leaf_hash, proof.hashes, checkpoint.root_hash
    )
    return proof, checkpoint


def receipt(session: Session, settings: Settings, index: int) -> str:
    """The tlog-proof for leaf ``index``: its leaf as ``extra``, its inclusion proof and a
    signed checkpoint that covers it."""
    checkpoint = covering(session, settings, index)
    entry = log.entry(session, index)
    assert entry is not None
    hashes = log.inclusion(session, index, checkpoint.size)
    return format_proof(TlogProof(index, hashes, checkpoint.note, bytes(entry.leaf)))
