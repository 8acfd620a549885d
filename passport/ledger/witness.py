"""This registry as a witness of other logs (C2SP tlog-witness ``add-checkpoint``).

A witness knows the logs it witnesses (origin, verifier key) and the newest checkpoint of each
that it has cosigned. It cosigns a new checkpoint only if the log's key signed it and a
consistency proof shows the new tree extends the one it saw last, so two witnesses never cosign
a fork. The compare-and-store of the latest size is a single conditional UPDATE, so concurrent
requests cannot both advance from the same old size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from passport.errors import (
    WitnessLogUnknown,
    WitnessProofRefused,
    WitnessRequestMalformed,
    WitnessSignatureRefused,
    WitnessSizeMismatch,
)
from passport.ledger import merkle, note
from passport.models import WitnessedLog, utcnow

MAX_BODY = 64 * 1024


def witnessed(session: Session, origin: str) -> WitnessedLog | None:
    """The log ``origin`` as this registry witnesses it, or None if it does not."""
    return session.get(WitnessedLog, origin)


def add_log(session: Session, origin: str, vkey: str) -> WitnessedLog:
    """Start witnessing the log ``origin`` whose checkpoints ``vkey`` signs (from size 0)."""
    verifier = note.Verifier.from_vkey(vkey)
    if verifier.alg != note.ALG_ED25519:
        raise note.NoteError("a log's vkey must be an Ed25519 (type 0x01) key")
    if verifier.name != origin:
        raise note.NoteError(f"the vkey is named {verifier.name!r}, not the origin {origin!r}")
    row = session.get(WitnessedLog, origin)
    if row is None:
        row = WitnessedLog(origin=origin, vkey=vkey, size=0, root=merkle.EMPTY_ROOT)
        session.add(row)
    else:
        row.vkey = vkey
    session.flush()
    return row


@dataclass(frozen=True)
class Request:
    old: int
    proof: list[bytes]
    checkpoint: str


def parse_request(body: str) -> Request:
    """``old <size>``, the consistency proof (a base64 hash a line), a blank line, the note."""
    head, sep, checkpoint = body.partition("\n\n")
    if not sep or not checkpoint:
        raise WitnessRequestMalformed("the body has no blank line before the checkpoint")
    lines = head.split("\n")
    first = lines.pop(0)
    number = first[len("old ") :]
    if not first.startswith("old ") or not number.isdigit() or not number.isascii():
        raise WitnessRequestMalformed("the body does not start with 'old <size>'")
    if number != str(int(number)) or int(number) >= 1 << 64:
        raise WitnessRequestMalformed("the old size is not a uint64 without leading zeros")
    if len(lines) > merkle.MAX_PROOF_HASHES:
        raise WitnessRequestMalformed(f"the proof has more than {merkle.MAX_PROOF_HASHES} hashes")
    try:
        proof = [note.b64decode(line, "proof hash") for line in lines]
    except note.NoteError as exc:
        raise WitnessRequestMalformed(str(exc)) from None
    if any(len(h) != merkle.HASH_SIZE for h in proof):
        raise WitnessRequestMalformed(f"proof hashes must be {merkle.HASH_SIZE} bytes")
    return Request(int(number), proof, checkpoint)


def add_checkpoint(
    session: Session, cosigner: note.Signer | None, body: str, now: datetime | None = None
) -> str:
    """Check a C2SP add-checkpoint request and return the cosignature line(s).

    ``cosigner`` is an Ed25519 signer (the registry's key and name); the cosignature/v1
    timestamp is ``now``. Raises a :class:`~passport.errors.WitnessError` whose class says why
    it refuses. Flushes; the caller commits.
    """
    request = parse_request(body)
    try:
        text, _ = note.parse_note(request.checkpoint)
        checkpoint = note.Checkpoint.parse(text)
    except note.NoteError as exc:
        raise WitnessRequestMalformed(f"the checkpoint is malformed: {exc}") from None
    row = session.get(WitnessedLog, checkpoint.origin)
    if row is None:
        raise WitnessLogUnknown(f"this witness does not know the log {checkpoint.origin!r}")
    try:
        note.verify_note(request.checkpoint, [note.Verifier.from_vkey(row.vkey)])
    except note.NoteError as exc:
        raise WitnessSignatureRefused(
            f"the checkpoint is not signed by the log's key: {exc}"
        ) from None
    if request.old > checkpoint.size:
        raise WitnessRequestMalformed(f"old size {request.old} is beyond the checkpoint's size")
    stored_size, stored_root = int(row.size), bytes(row.root)
    if request.old != stored_size:
        raise WitnessSizeMismatch(f"this witness has size {stored_size}", stored_size)
    if request.old == 0:
        if request.proof:
            raise WitnessProofRefused("a request from old size 0 takes no consistency proof")
    elif request.old == checkpoint.size:
        # C2SP tlog-witness: same size, so the roots must be identical; a different root is
        # a fork of the log at that size, answered with 409 like any other disagreement.
        if request.proof:
            raise WitnessProofRefused("a request at the witnessed size takes no consistency proof")
        if checkpoint.root_hash != stored_root:
            raise WitnessSizeMismatch(
                f"this witness has size {stored_size} with a different root", stored_size
            )
    else:
        try:
            merkle.verify_consistency(
                request.old, checkpoint.size, request.proof, stored_root, checkpoint.root_hash
            )
        except merkle.ProofError as exc:
            raise WitnessProofRefused(f"the consistency proof does not verify: {exc}") from None
    # Compare and store in one statement: a concurrent request that moved the size first wins.
    move = (
        update(WitnessedLog)
        .where(
            WitnessedLog.origin == checkpoint.origin,
            WitnessedLog.size == stored_size,
            WitnessedLog.root == stored_root,
        )
        .values(size=checkpoint.size, root=checkpoint.root_hash)
        .execution_options(synchronize_session=False)
    )
    done = cast(CursorResult[Any], session.execute(move))  # an UPDATE's result has a rowcount
    if done.rowcount != 1:
        session.expire(row)
        current = session.get(WitnessedLog, checkpoint.origin)
        size = int(current.size) if current is not None else 0
        raise WitnessSizeMismatch(f"this witness has size {size}", size)
    session.expire(row)
    if cosigner is None:
        return ""
    moment = now or utcnow()
    signer = note.Signer(
        cosigner.name,
        cosigner.private_key,
        note.ALG_COSIGNATURE_V1,
        timestamp=int(moment.timestamp()),
    )
    data = text.encode("utf-8")
    return note.Signature(signer.name, signer.key_id, signer.sign(data)).line()
