"""Signed checkpoints and offline receipts, without HTTP: which checkpoint covers a leaf, a
receipt that proves it, and what a tlog-proof must look like.

Every test that reads the log runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from passport.errors import NotFound
from passport.ledger import checkpoints, log, merkle, note, sequencer, tiles
from passport.models import LogCheckpoint
from tests.conftest import BASE_URL, settings_of

T = datetime(2026, 1, 1, tzinfo=UTC)
ORIGIN = "registry.example.org/log/v1"


def _append(session: Session, n: int) -> None:
    items = [
        sequencer.Item("dpp.event.test", f"https://id.example/{i % 3}", "did:web:x", {"i": i}, T)
        for i in range(n)
    ]
    for item in items:  # one write each: one checkpoint each
        sequencer.append_many(session, settings_of(session), [item])
    session.commit()


def _unseal_above(session: Session, size: int) -> None:
    """What a database written before appending sealed looks like: no checkpoint above ``size``."""
    session.execute(delete(LogCheckpoint).where(LogCheckpoint.size > size))
    session.commit()


def test_the_log_key_signs_under_the_logs_origin(session: Session) -> None:
    settings = settings_of(session)
    assert log.origin(BASE_URL) == ORIGIN
    signer, verifier = checkpoints.signer(settings), checkpoints.verifier(settings)
    assert signer.name == verifier.name == ORIGIN
    assert signer.verifier == verifier


def test_the_newest_checkpoint_covers_every_leaf(session: Session) -> None:
    assert checkpoints.newest(session) is None  # never sealed
    _append(session, 5)
    newest = checkpoints.newest(session)
    assert newest is not None and (newest.size, bytes(newest.root)) == (5, log.head(session)[1])
    body, names = note.verify_note(newest.note, [checkpoints.verifier(settings_of(session))])
    assert names == [ORIGIN] and note.Checkpoint.parse(body).size == 5
    for index in range(5):
        assert checkpoints.covering(session, index).size == 5


@pytest.mark.parametrize("index", [-1, 3, 99])
def test_a_leaf_outside_the_log_is_a_range_error(session: Session, index: int) -> None:
    _append(session, 3)
    with pytest.raises(log.LogRangeError, match=f"leaf index {index} is not in the log .size 3."):
        checkpoints.covering(session, index)


def test_a_leaf_beyond_the_newest_checkpoint_is_not_found_until_the_next_seal(
    session: Session,
) -> None:
    _append(session, 3)
    _unseal_above(session, 1)
    assert checkpoints.covering(session, 0).size == 1
    with pytest.raises(NotFound, match="No signed checkpoint covers leaf 1 yet"):
        checkpoints.covering(session, 1)  # the first leaf the checkpoint of size 1 lacks
    with pytest.raises(NotFound, match="No signed checkpoint covers leaf 2 yet") as caught:
        checkpoints.receipt(session, 2)
    assert "kreislauf init-db" in caught.value.detail
    checkpoints.seal(session, settings_of(session))
    session.commit()
    assert checkpoints.covering(session, 2).size == 3
    _unseal_above(session, -1)
    with pytest.raises(NotFound):
        checkpoints.covering(session, 0)


def test_sealing_the_same_head_twice_stores_it_once(session: Session) -> None:
    _append(session, 2)
    checkpoints.seal(session, settings_of(session))
    checkpoints.seal(session, settings_of(session))
    session.commit()
    assert session.scalars(select(LogCheckpoint.size).order_by(LogCheckpoint.size)).all() == [1, 2]


def test_a_receipt_proves_its_leaf_offline(session: Session) -> None:
    _append(session, 7)
    verifier = checkpoints.verifier(settings_of(session))
    for index in range(7):
        text = checkpoints.receipt(session, index)
        assert text.startswith(checkpoints.PROOF_HEADER + "\n")
        (leaf,) = tiles.leaves(session, index, 1)
        proof, checkpoint = checkpoints.verify_proof(text, merkle.leaf_hash(leaf), [verifier])
        assert (proof.index, proof.extra, checkpoint.size) == (index, leaf, 7)
        assert proof.hashes == log.inclusion(session, index, 7)
        with pytest.raises(merkle.ProofError):
            checkpoints.verify_proof(text, merkle.leaf_hash(b"another leaf"), [verifier])
    stranger = note.Verifier(
        ORIGIN, note.Signer.from_seed(ORIGIN, b"\x01" * 32).verifier.public_key
    )
    with pytest.raises(note.NoteError):
        checkpoints.verify_proof(
            checkpoints.receipt(session, 0), merkle.leaf_hash(leaf), [stranger]
        )


# --- the tlog-proof format -----------------------------------------------------------------------

CP = "origin\n1\nAAAA\n\n— origin sig\n"


@pytest.mark.parametrize("extra", [None, b"", b'{"leaf": 1}'])
def test_a_proof_is_written_and_read_back(extra: bytes | None) -> None:
    proof = checkpoints.TlogProof(12, [b"\x01" * 32, b"\x02" * 32], CP, extra)
    text = checkpoints.format_proof(proof)
    assert text.startswith("c2sp.org/tlog-proof@v1\n")
    assert ("\nextra " in text) == (extra is not None)
    assert checkpoints.parse_proof(text) == proof


def test_a_proof_of_63_hashes_is_read_64_are_not() -> None:
    # The same bound as merkle.MAX_PROOF_HASHES: the longest proof a real tree needs is read.
    longest = checkpoints.TlogProof(0, [b"\x01" * 32] * merkle.MAX_PROOF_HASHES, CP, None)
    assert checkpoints.parse_proof(checkpoints.format_proof(longest)) == longest


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("c2sp.org/tlog-proof@v1\nindex 0\n", "no blank line"),
        ("c2sp.org/tlog-proof@v1\nindex 0\n\n", "no blank line"),
        ("c2sp.org/tlog-proof@v2\nindex 0\n\n" + CP, "does not start with c2sp.org/tlog-proof@v1"),
        ("c2sp.org/tlog-proof@v1\n\n" + CP, "no index line"),
        ("c2sp.org/tlog-proof@v1\nextra AAAA\n\n" + CP, "no index line"),
        ("c2sp.org/tlog-proof@v1\nindex 01\n\n" + CP, "without leading zeros"),
        ("c2sp.org/tlog-proof@v1\nindex -1\n\n" + CP, "without leading zeros"),
        ("c2sp.org/tlog-proof@v1\nindex 0\n!!\n\n" + CP, "tlog-proof hash"),
        ("c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\n" + CP, "tlog-proof extra"),
        (
            "c2sp.org/tlog-proof@v1\nindex 0\n"
            + "AAAA\n" * (merkle.MAX_PROOF_HASHES + 1)
            + "\n"
            + CP,
            "too many hashes",
        ),
    ],
)
def test_a_malformed_proof_is_refused(text: str, reason: str) -> None:
    with pytest.raises(note.NoteError, match=reason):
        checkpoints.parse_proof(text)
