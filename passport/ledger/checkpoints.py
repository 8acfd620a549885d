"""Signed checkpoints (C2SP tlog-checkpoint) and offline receipts (C2SP tlog-proof).

A checkpoint is the log's head — origin, size, root — as a signed note, signed by the ``log``
key under the log's origin as key name. Every signed checkpoint is kept (witnesses and
auditors need old sizes for consistency proofs).

Signing is a write, and only writes sign: the sequencer seals every head it makes
(:func:`seal`, in the transaction that appends), so the newest stored checkpoint always covers
every entry, and :func:`newest`, :func:`covering` and :func:`receipt` only read. There is no
refresh interval any more (an earlier design signed lazily on reads, at most every 2 s): a
write transaction signs once, however many leaves it appends (a batch is one checkpoint).

A database written before sealing was part of appending may hold entries beyond its newest
checkpoint; it answers with the newest checkpoint it has (a 404 for a receipt it cannot cover)
until ``kreislauf init-db`` or ``kreislauf run`` seals the head at startup, or the next write
to the log does. Functions here flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from passport import compiled_sql
from passport.config import Settings
from passport.errors import NotFound
from passport.ledger import log, merkle, note
from passport.models import LogCheckpoint, utcnow

if TYPE_CHECKING:  # cryptography loads with the first key used: reads sign nothing (memory)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from passport.signing.keys import load_key

PROOF_HEADER = "c2sp.org/tlog-proof@v1"


def signer(settings: Settings) -> note.Signer:
    """The log key as a signed-note signer named after the log's origin."""
    return _signer(log.origin(settings.base_url), load_key(settings, "log").private_key)


@lru_cache(maxsize=16)
def _signer(origin: str, private_key: Ed25519PrivateKey) -> note.Signer:
    """One signer per origin and key (``load_key`` hands out one key object per key file
    version): every append signs, and a signer's key ID costs a public-key derivation."""
    return note.Signer(origin, private_key)


def verifier(settings: Settings) -> note.Verifier:
    """The public half of :func:`signer`: what clients use to check checkpoints."""
    return note.Verifier(log.origin(settings.base_url), load_key(settings, "log").public_key)


def seal(
    session: Session,
    settings: Settings,
    *,
    head: tuple[int, bytes] | None = None,
    by: note.Signer | None = None,
) -> None:
    """Sign the log's current head and store it (kept as it is if that size is signed already).

    A write: called by the sequencer after every append (which passes the ``head`` it has just
    written, sparing a read, and the signer ``by``), and once at startup by the command line
    for a log written before that (see the module docstring).
    """
    size, root = head if head is not None else log.head(session)
    body = note.Checkpoint(log.origin(settings.base_url), size, root).format()
    signed = note.sign_note(body, by or signer(settings))
    values = {"size": size, "root": root, "note": signed, "created_at": utcnow()}
    dialect = session.get_bind().dialect.name
    # A size is signed once: a startup seal of a head already signed, or racing another
    # startup's seal, stores nothing (Ed25519 is deterministic: the notes are the same).
    compiled_sql.run(session, _STORE[dialect == "postgresql"], values)


# The checkpoint's INSERT … ON CONFLICT DO NOTHING, for SQLite and PostgreSQL, built once.
_STORE = {
    postgres: insert(cast(Table, LogCheckpoint.__table__))
    .values({c: bindparam(c) for c in ("size", "root", "note", "created_at")})
    .on_conflict_do_nothing()
    for postgres, insert in ((False, sqlite_insert), (True, pg_insert))
}


def newest(session: Session) -> LogCheckpoint | None:
    """The stored checkpoint of the largest size (None before the log was first sealed)."""
    return session.scalars(
        select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1)
    ).first()


def newest_size(session: Session) -> int | None:
    """The size of the newest stored checkpoint (its primary key: one index lookup)."""
    return session.scalar(select(func.max(LogCheckpoint.size)))


def covering(session: Session, index: int) -> LogCheckpoint:
    """The newest checkpoint, which covers leaf ``index``; reads only.

    Raises :class:`log.LogRangeError` if the log has no such leaf, and :class:`NotFound` if
    no checkpoint covers it yet (a log written before appending sealed; see above).
    """
    size = log.head(session)[0]
    if not 0 <= index < size:
        raise log.LogRangeError(f"leaf index {index} is not in the log (size {size})")
    current = newest(session)
    if current is None or current.size <= index:
        raise NotFound(
            f"No signed checkpoint covers leaf {index} yet; the next write to the log signs "
            "one, as does `kreislauf init-db`."
        )
    return current


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


def receipt(session: Session, index: int) -> str:
    """The tlog-proof for leaf ``index``: its leaf as ``extra``, its inclusion proof and the
    newest signed checkpoint, which covers it. Reads only."""
    checkpoint = covering(session, index)
    entry = log.entry(session, index)
    assert entry is not None
    hashes = log.inclusion(session, index, checkpoint.size)
    return format_proof(TlogProof(index, hashes, checkpoint.note, bytes(entry.leaf)))
