"""This registry as a witness of another log, without HTTP: which logs it knows, what it
cosigns, and why it refuses the rest (C2SP tlog-witness ``add-checkpoint``).

Every test that stores witnessed logs runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from passport.errors import (
    WitnessLogUnknown,
    WitnessProofRefused,
    WitnessRequestMalformed,
    WitnessSignatureRefused,
    WitnessSizeMismatch,
)
from passport.ledger import merkle, note, witness
from passport.models import WitnessedLog

REMOTE = "remote.example/log/v1"
COSIGNER = note.Signer.from_seed("witness.example/w1", b"\x05" * 32)
NOW = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)


class RemoteLog:
    """A small log kept in memory and signed with its own key: the log being witnessed."""

    def __init__(self, seed: bytes = b"\x07" * 32) -> None:
        self.signer = note.Signer.from_seed(REMOTE, seed)
        self.leaves: list[bytes] = []

    def grow(self, n: int) -> RemoteLog:
        self.leaves += [merkle.leaf_hash(b"leaf %d" % len(self.leaves)) for _ in range(n)]
        return self

    def checkpoint(self, signer: note.Signer | None = None) -> str:
        body = note.Checkpoint(REMOTE, len(self.leaves), merkle.root(self.leaves)).format()
        return note.sign_note(body, signer or self.signer)

    def request(self, old: int, proof: list[bytes] | None = None, cp: str | None = None) -> str:
        if proof is None:
            consistent = 0 < old < len(self.leaves)
            proof = (
                merkle.consistency_proof(old, len(self.leaves), self.leaves) if consistent else []
            )
        lines = "".join(note.b64encode(h) + "\n" for h in proof)
        return f"old {old}\n{lines}\n{cp or self.checkpoint()}"


@pytest.fixture
def remote(session: Session) -> RemoteLog:
    log = RemoteLog()
    witness.add_log(session, REMOTE, log.signer.verifier.vkey)
    session.commit()
    return log


def _state(session: Session) -> tuple[int, bytes]:
    session.expire_all()
    row = witness.witnessed(session, REMOTE)
    assert row is not None
    return int(row.size), bytes(row.root)


# --- the logs it witnesses -----------------------------------------------------------------------


def test_a_log_is_witnessed_from_size_0(session: Session) -> None:
    log = RemoteLog()
    assert witness.witnessed(session, REMOTE) is None
    row = witness.add_log(session, REMOTE, log.signer.verifier.vkey)
    session.commit()
    assert witness.witnessed(session, REMOTE) is row
    assert (row.origin, row.vkey, row.size, bytes(row.root)) == (
        REMOTE,
        log.signer.verifier.vkey,
        0,
        merkle.EMPTY_ROOT,
    )


def test_adding_a_known_log_again_changes_its_key_and_keeps_its_size(
    session: Session, remote: RemoteLog
) -> None:
    witness.add_checkpoint(session, None, remote.grow(3).request(0))
    session.commit()
    rotated = RemoteLog(b"\x08" * 32)
    witness.add_log(session, REMOTE, rotated.signer.verifier.vkey)
    session.commit()
    assert _state(session) == (3, merkle.root(remote.leaves))
    # Now only the new key's checkpoints are cosigned.
    rotated.leaves = list(remote.leaves)
    with pytest.raises(WitnessSignatureRefused):
        witness.add_checkpoint(session, None, remote.request(3))
    witness.add_checkpoint(session, None, rotated.request(3))


def test_a_log_key_must_be_ed25519_and_named_after_the_origin(session: Session) -> None:
    cosigning = note.Signer.from_seed(REMOTE, b"\x07" * 32, note.ALG_COSIGNATURE_V1, timestamp=0)
    with pytest.raises(note.NoteError, match="must be an Ed25519"):
        witness.add_log(session, REMOTE, cosigning.verifier.vkey)
    other = note.Signer.from_seed("other.example/log", b"\x07" * 32)
    with pytest.raises(note.NoteError, match="not the origin 'remote.example/log/v1'"):
        witness.add_log(session, REMOTE, other.verifier.vkey)
    with pytest.raises(note.NoteError):
        witness.add_log(session, REMOTE, "not a vkey")
    assert witness.witnessed(session, REMOTE) is None


# --- cosigning -----------------------------------------------------------------------------------


def test_it_cosigns_a_checkpoint_with_a_cosignature_v1_of_now(
    session: Session, remote: RemoteLog
) -> None:
    line = witness.add_checkpoint(session, COSIGNER, remote.grow(3).request(0), NOW)
    session.commit()

    assert line.startswith("— witness.example/w1 ") and line.endswith("\n")
    cosigner = note.Verifier(
        COSIGNER.name, COSIGNER.private_key.public_key(), note.ALG_COSIGNATURE_V1
    )
    _, names = note.verify_note(remote.checkpoint() + line, [cosigner])
    assert names == [COSIGNER.name]
    signed = base64.b64decode(line.split()[-1])
    assert int.from_bytes(signed[4:12], "big") == int(NOW.timestamp())  # after the key ID
    assert _state(session) == (3, merkle.root(remote.leaves))


def test_it_advances_with_a_consistency_proof_and_accepts_the_same_head_again(
    session: Session, remote: RemoteLog
) -> None:
    witness.add_checkpoint(session, COSIGNER, remote.grow(3).request(0), NOW)
    remote.grow(6)
    assert witness.add_checkpoint(session, COSIGNER, remote.request(3), NOW)
    assert witness.add_checkpoint(session, COSIGNER, remote.request(9), NOW)  # nothing new
    session.commit()
    assert _state(session) == (9, merkle.root(remote.leaves))


def test_without_a_cosigner_it_checks_and_stores_but_signs_nothing(
    session: Session, remote: RemoteLog
) -> None:
    assert witness.add_checkpoint(session, None, remote.grow(2).request(0)) == ""
    assert _state(session)[0] == 2


# --- refusals ------------------------------------------------------------------------------------


def test_an_unknown_log_is_refused(session: Session) -> None:
    stranger = note.Signer.from_seed("stranger.example/log", b"\x09" * 32)
    cp = note.sign_note(note.Checkpoint("stranger.example/log", 1, b"\x01" * 32).format(), stranger)
    with pytest.raises(WitnessLogUnknown, match="does not know the log 'stranger.example/log'"):
        witness.add_checkpoint(session, COSIGNER, f"old 0\n\n{cp}")


def test_a_checkpoint_not_signed_by_the_logs_key_is_refused(
    session: Session, remote: RemoteLog
) -> None:
    impostor = note.Signer.from_seed(REMOTE, b"\x08" * 32)
    with pytest.raises(WitnessSignatureRefused, match="not signed by the log's key"):
        witness.add_checkpoint(
            session, COSIGNER, remote.grow(2).request(0, cp=remote.checkpoint(impostor))
        )
    assert _state(session) == (0, merkle.EMPTY_ROOT)


def test_a_stale_old_size_is_a_mismatch_carrying_the_witnesss_size(
    session: Session, remote: RemoteLog
) -> None:
    witness.add_checkpoint(session, None, remote.grow(4).request(0))
    remote.grow(3)
    for old in (0, 2, 5):
        with pytest.raises(WitnessSizeMismatch, match="this witness has size 4") as caught:
            witness.add_checkpoint(session, COSIGNER, remote.request(old))
        assert caught.value.size == 4


def test_proofs_that_do_not_fit_are_refused(session: Session, remote: RemoteLog) -> None:
    witness.add_checkpoint(session, None, remote.grow(4).request(0))
    session.commit()
    remote.grow(3)
    wrong = [b"\x00" * 32] * len(merkle.consistency_proof(4, 7, remote.leaves))
    with pytest.raises(WitnessProofRefused, match="does not verify"):
        witness.add_checkpoint(session, COSIGNER, remote.request(4, proof=wrong))
    with pytest.raises(WitnessProofRefused, match="does not verify"):
        witness.add_checkpoint(session, COSIGNER, remote.request(4, proof=[]))
    # A fork: another history of the same first four leaves.
    fork = RemoteLog()
    fork.leaves = [merkle.leaf_hash(b"evil"), *remote.leaves[1:]]
    with pytest.raises(WitnessProofRefused):
        witness.add_checkpoint(session, COSIGNER, fork.request(4))
    # At the witnessed size no proof is taken, and another root is a fork: a mismatch.
    same = RemoteLog()
    same.leaves = remote.leaves[:4]
    with pytest.raises(WitnessProofRefused, match="at the witnessed size takes no"):
        witness.add_checkpoint(session, COSIGNER, same.request(4, proof=[b"\x00" * 32]))
    forked = RemoteLog()
    forked.leaves = [merkle.leaf_hash(b"evil"), *remote.leaves[1:4]]
    with pytest.raises(WitnessSizeMismatch, match="with a different root") as caught:
        witness.add_checkpoint(session, COSIGNER, forked.request(4))
    assert caught.value.size == 4
    assert _state(session) == (4, merkle.root(remote.leaves[:4]))


def test_from_size_0_no_proof_is_taken(session: Session, remote: RemoteLog) -> None:
    with pytest.raises(WitnessProofRefused, match="from old size 0 takes no"):
        witness.add_checkpoint(session, COSIGNER, remote.grow(2).request(0, proof=[b"\x00" * 32]))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        # "the body", not the checkpoint's own note, which would also lack a blank line
        ("", "the body has no blank line"),
        ("old 0\n", "the body has no blank line"),
        ("old 0\n\n", "the body has no blank line"),
        ("old x\n\n{cp}", "does not start with 'old <size>'"),
        ("new 0\n\n{cp}", "does not start with 'old <size>'"),
        ("old -1\n\n{cp}", "does not start with 'old <size>'"),
        ("old ١\n\n{cp}", "does not start with 'old <size>'"),
        ("old 04\n\n{cp}", "without leading zeros"),
        (f"old {1 << 64}\n\n{{cp}}", "not a uint64"),
        ("old 2\n!!\n\n{cp}", "proof hash is not standard base64"),
        ("old 2\nAAAA\n\n{cp}", "proof hashes must be 32 bytes"),
        ("old 9\n\n{cp}", "old size 9 is beyond the checkpoint's size"),
        ("old 0\n\nnot a note\n", "the checkpoint is malformed"),
    ],
)
def test_malformed_requests_are_refused(
    session: Session, remote: RemoteLog, body: str, reason: str
) -> None:
    sent = body.replace("{cp}", remote.grow(3).checkpoint())
    with pytest.raises(WitnessRequestMalformed, match=reason):
        witness.add_checkpoint(session, COSIGNER, sent)
    assert _state(session) == (0, merkle.EMPTY_ROOT)


def test_a_proof_longer_than_any_proof_is_refused_before_decoding() -> None:
    hashes = "".join(
        note.b64encode(b"\x00" * 32) + "\n" for _ in range(merkle.MAX_PROOF_HASHES + 1)
    )
    with pytest.raises(WitnessRequestMalformed, match="more than"):
        witness.parse_request(f"old 1\n{hashes}\ncheckpoint\n")


def test_a_proof_of_63_hashes_is_read() -> None:
    proof = [b"\x00" * 32] * merkle.MAX_PROOF_HASHES
    lines = "".join(note.b64encode(h) + "\n" for h in proof)
    assert witness.parse_request(f"old 1\n{lines}\ncheckpoint\n").proof == proof


def test_advancing_one_log_leaves_the_others_where_they_are(
    session: Session, remote: RemoteLog
) -> None:
    # Both logs start at size 0 with the empty root: only the origin tells them apart.
    other = "other.example/log/v1"
    witness.add_log(session, other, note.Signer.from_seed(other, b"\x08" * 32).verifier.vkey)
    session.commit()
    witness.add_checkpoint(session, None, remote.grow(3).request(0))
    assert _state(session)[0] == 3
    row = witness.witnessed(session, other)
    assert row is not None and (int(row.size), bytes(row.root)) == (0, merkle.EMPTY_ROOT)


def test_a_request_is_parsed_into_its_parts() -> None:
    proof = [bytes([n]) * 32 for n in range(3)]
    lines = "".join(note.b64encode(h) + "\n" for h in proof)
    parsed = witness.parse_request(f"old 12\n{lines}\nthe checkpoint\n\n— sig\n")
    assert parsed == witness.Request(12, proof, "the checkpoint\n\n— sig\n")


def test_of_two_requests_from_the_same_size_only_the_first_moves_the_witness(
    session: Session, remote: RemoteLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size is compared and stored in one statement: a request that checked its proof
    against size 0 while another moved the witness on loses, as a mismatch."""
    remote.grow(3)
    checked = witness.merkle.verify_consistency

    def meanwhile(*args: object) -> None:
        session.execute(
            update(WitnessedLog)
            .where(WitnessedLog.origin == REMOTE)
            .values(size=5, root=b"\x01" * 32)
            .execution_options(synchronize_session=False)
        )
        checked(*args)  # type: ignore[arg-type]

    witness.add_checkpoint(session, None, remote.request(0))
    remote.grow(2)
    monkeypatch.setattr(witness.merkle, "verify_consistency", meanwhile)
    with pytest.raises(WitnessSizeMismatch, match="this witness has size 5") as caught:
        witness.add_checkpoint(session, COSIGNER, remote.request(3))
    assert caught.value.size == 5
