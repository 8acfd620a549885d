"""C2SP signed notes and checkpoints against ``tests/fixtures/tlog-vectors``.

Ed25519 is deterministic, so signing with the published private keys must reproduce the
published notes byte for byte; the bad-note cases are mutations of those good notes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from passport.ledger import merkle
from passport.ledger.note import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    Signature,
    Signer,
    Verifier,
    b64decode,
    parse_checkpoint_body,
    parse_note,
    sign_note,
    verify_note,
)
from tests.helpers import FIXTURES

VECTORS = FIXTURES / "tlog-vectors"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


SIGNED_NOTE = {v["id"]: v for v in load("c2sp-signed-note.json")["vectors"]}
PARSE = load("checkpoint-parse.json")["cases"]
SPEC = load("c2sp-spec-examples.json")
DERIVED = load("derived-dpp-checkpoints.json")
REFERENCE = load("rfc6962-reference-tree.json")

PETER = SIGNED_NOTE["golang-sumdb-note-sign"]
TWO = SIGNED_NOTE["golang-sumdb-note-two-signers"]


def test_vector_files_have_the_expected_cases() -> None:
    assert len(SIGNED_NOTE) == 3
    assert len(PARSE) == 12
    assert len(DERIVED["checkpoints"]) == 2


def test_c2sp_example_verifies() -> None:
    vector = SIGNED_NOTE["c2sp-signed-note-example"]
    verifier = Verifier.from_vkey(vector["vkey"])
    assert verifier.vkey == vector["vkey"]
    text, names = verify_note(vector["note"], [verifier])
    assert text == "This is an example message.\n"
    assert names == ["example.com/foo"]


def test_signing_reproduces_peter_neumann_byte_for_byte() -> None:
    signer = Signer.from_skey(PETER["skey"])
    assert signer.verifier.vkey == PETER["vkey"]
    assert sign_note(PETER["text"], signer) == PETER["note"]
    assert verify_note(PETER["note"], [Verifier.from_vkey(PETER["vkey"])]) == (
        PETER["text"],
        ["PeterNeumann"],
    )


def test_two_signers_either_key_alone_or_both() -> None:
    peter, enoch = (Verifier.from_vkey(v) for v in TWO["vkeys"])
    assert verify_note(TWO["note"], [peter])[1] == ["PeterNeumann"]
    assert verify_note(TWO["note"], [enoch])[1] == ["EnochRoot"]
    assert verify_note(TWO["note"], [enoch, peter])[1] == ["PeterNeumann", "EnochRoot"]


def other_key(name: str) -> Verifier:
    return Signer.from_seed(name, b"\x07" * 32).verifier


def bad_notes() -> list[tuple[str, str]]:
    note: str = PETER["note"]
    text, sigs = note.split("\n\n", 1)[0] + "\n", note.split("\n\n", 1)[1]
    sig_line = sigs.rstrip("\n")
    first, second = text.split("\n")[:2]
    return [
        ("no blank line", text + sigs),
        ("no final newline", note[:-1]),
        ("text changed", note.replace("cryptography", "Cryptography", 1)),
        ("text lines reordered", f"{second}\n{first}\n\n{sigs}"),
        ("text truncated", f"{first}\n\n{sigs}"),
        ("extra blank line in the text", text + "\n\n" + sigs),
        ("signature truncated", note.replace("=\n", "\n")),
        ("signature bits changed", note.replace("x08go", "x08gp")),
        ("malformed base64", note.replace("x08go/", "x08go*")),
        ("too short signature", f"{text}\n\u2014 PeterNeumann x08gow==\n"),
        ("hyphen instead of em dash", note.replace("\u2014", "-")),
        ("no space after the dash", note.replace("\u2014 ", "\u2014")),
        ("carriage return", note.replace("\n", "\r\n", 1)),
        ("nothing after the blank line", text + "\n"),
        ("empty signature line", text + "\n" + sigs + "\n"),
        ("101 signatures", text + "\n" + (sig_line + "\n") * 101),
        ("unknown signer only", note.replace("PeterNeumann", "PeterNeumann2")),
    ]


@pytest.mark.parametrize(("why", "note"), bad_notes(), ids=[w for w, _ in bad_notes()])
def test_bad_notes_are_rejected(why: str, note: str) -> None:
    verifiers = [Verifier.from_vkey(PETER["vkey"]), other_key("PeterNeumann2")]
    with pytest.raises(NoteError):
        verify_note(note, verifiers)


def test_unknown_keys_are_ignored_but_needed_one_must_verify() -> None:
    with pytest.raises(NoteError, match="no valid signature"):
        verify_note(PETER["note"], [other_key("someone-else")])
    with pytest.raises(NoteError, match="no valid signature"):
        verify_note(PETER["note"], [])
    # A repeated line counts once and 100 lines are still accepted.
    text, sigs = PETER["note"].split("\n\n", 1)
    assert verify_note(f"{text}\n\n{sigs * 100}", [Verifier.from_vkey(PETER["vkey"])])[1] == [
        "PeterNeumann"
    ]


def test_signing_refuses_bad_text_and_vkeys_are_checked() -> None:
    signer = Signer.from_skey(PETER["skey"])
    for text in ("no newline", "tab\there\n", ""):
        with pytest.raises(NoteError):
            sign_note(text, signer)
    vkey: str = PETER["vkey"]
    for bad in (
        vkey.replace("c74f20a3", "c74f20a4"),  # wrong key ID
        vkey.replace("PeterNeumann", "Peter Neumann"),  # space in name
        vkey + "+x",
        vkey[:-4],  # truncated key
        "+c74f20a3+" + vkey.rsplit("+", 1)[1],  # empty name
    ):
        with pytest.raises(NoteError):
            Verifier.from_vkey(bad)


@pytest.mark.parametrize("case", PARSE, ids=[c["desc"] for c in PARSE])
def test_checkpoint_parse_vectors(case: dict[str, Any]) -> None:
    if case["wantErr"]:
        with pytest.raises(NoteError):
            parse_checkpoint_body(case["body"])
        with pytest.raises(NoteError):
            Checkpoint.parse(case["body"])
        return
    origin, size, root_hash, rest = parse_checkpoint_body(case["body"])
    assert origin == case["want"]["origin"]
    assert size == case["want"]["size"]
    assert root_hash == b64decode(case["want"]["hash_b64"], "want")
    assert rest == case["wantRest"]
    # The upstream "hashes" are not 32 bytes, which the strict C2SP parser rejects.
    with pytest.raises(NoteError, match="32 bytes"):
        Checkpoint.parse(case["body"])


ROOT = bytes(range(32))


def test_checkpoint_round_trip_and_strictness() -> None:
    checkpoint = Checkpoint("example.com/log", 42, ROOT)
    text = checkpoint.format()
    assert text == "example.com/log\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    assert Checkpoint.parse(text) == checkpoint
    with_ext = Checkpoint("example.com/log", 0, ROOT, ("ext one", "ext two"))
    assert Checkpoint.parse(with_ext.format()) == with_ext
    for bad in (
        text.replace("\n42\n", "\n042\n"),  # leading zero
        text.replace("\n42\n", "\n+42\n"),
        text.replace("\n42\n", "\n18446744073709551616\n"),  # 2**64
        text + "\n",  # empty extension line
        text + "ext",  # no final newline
        "\n" + text.split("\n", 1)[1],  # empty origin
    ):
        with pytest.raises(NoteError):
            Checkpoint.parse(bad)
    with pytest.raises(NoteError):
        Checkpoint("o", -1, ROOT)
    with pytest.raises(NoteError):
        Checkpoint("o", 1, ROOT, ("",))


def note_checkpoint(note: str) -> Checkpoint:
    return Checkpoint.parse(parse_note(note)[0])


def test_spec_checkpoint_and_cosignature_examples_parse() -> None:
    expected = Checkpoint(
        "example.com/behind-the-sofa",
        20852163,
        b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "root"),
    )
    assert note_checkpoint(SPEC["tlog_checkpoint_example"]["text"]) == expected
    cosigned = SPEC["tlog_cosignature_example"]
    text, sigs = parse_note(cosigned["text"])
    assert Checkpoint.parse(text) == expected
    assert [s.name for s in sigs] == ["example.com/behind-the-sofa", "witness.example.com/w1"]
    # cosignature/v1: 8-byte timestamp then a 64-byte Ed25519 signature.
    witness = sigs[1].signature
    assert len(witness) == 72
    timestamp = int.from_bytes(witness[:8], "big")
    assert (
        f"cosignature/v1\ntime {timestamp}\n{text}"
        == (cosigned["cosigned_message_for_timestamp_1679315147"])
    )


def test_spec_witness_request_and_tlog_proof_parse() -> None:
    request: str = SPEC["tlog_witness_add_checkpoint_request_example"]["text"]
    head, note = request.split("\n\n", 1)
    old, *proof = head.split("\n")
    assert old == "old 20852014"
    assert all(len(b64decode(p, "proof")) == 32 for p in proof)
    assert note_checkpoint(note).size == 20852163
    # The tlog-proof example elides its signatures ("[...]"), so only its checkpoint parses.
    proof_text: str = SPEC["tlog_proof_example"]["text"]
    body = proof_text.split("\n\n")[1] + "\n"
    assert Checkpoint.parse(body).size == 109482


KEYS = DERIVED["keys"]


def derived_signers(timestamp: int) -> tuple[Signer, Signer]:
    log = Signer.from_seed(KEYS["log"]["name"], bytes.fromhex(KEYS["log"]["seed_hex"]))
    witness = Signer.from_seed(
        KEYS["witness"]["name"],
        bytes.fromhex(KEYS["witness"]["seed_hex"]),
        ALG_COSIGNATURE_V1,
        timestamp=timestamp,
    )
    return log, witness


def test_derived_keys() -> None:
    for signer, key in zip(derived_signers(0), (KEYS["log"], KEYS["witness"]), strict=True):
        assert signer.verifier.public_bytes.hex() == key["public_hex"]
        assert signer.key_id.hex() == key["key_id_hex"]
        assert signer.verifier.vkey == key["vkey"]
        assert Verifier.from_vkey(key["vkey"]).vkey == key["vkey"]


LEAF_HASHES = [merkle.leaf_hash(bytes.fromhex(h)) for h in REFERENCE["leaf_inputs_hex"]]


@pytest.mark.parametrize("case", DERIVED["checkpoints"], ids=lambda c: f"size-{c['tree_size']}")
def test_derived_checkpoints_are_reproduced(case: dict[str, Any]) -> None:
    size = case["tree_size"]
    root_hash = merkle.root(LEAF_HASHES[:size])
    assert root_hash.hex() == case["root_hex"]
    checkpoint = Checkpoint(KEYS["log"]["name"], size, root_hash)
    assert checkpoint.format() == case["body"]
    log, witness = derived_signers(case["cosignature_timestamp"])
    assert sign_note(case["body"], log) == case["signed_by_log"]
    assert sign_note(case["body"], log, witness) == case["signed_and_cosigned"]
    # The log key alone must ignore the cosignature line; both keys verify both lines.
    assert verify_note(case["signed_and_cosigned"], [log.verifier])[1] == [log.name]
    text, names = verify_note(case["signed_and_cosigned"], [log.verifier, witness.verifier])
    assert names == [log.name, witness.name]
    assert Checkpoint.parse(text) == checkpoint
    # A cosignature presented as the log's signature must not verify (different message).
    _, sigs = parse_note(case["signed_and_cosigned"])
    forged_line = Signature(log.name, log.key_id, sigs[1].signature[8:]).line()
    forged = case["body"] + "\n" + forged_line
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(forged, [log.verifier])


def test_derived_consistency_and_tlog_proof() -> None:
    proof = merkle.consistency_proof(6, 8, LEAF_HASHES)
    assert proof == [b64decode(p, "proof") for p in DERIVED["consistency_6_to_8_b64"]]
    merkle.verify_consistency(6, 8, proof, merkle.root(LEAF_HASHES[:6]), merkle.root(LEAF_HASHES))
    request: str = DERIVED["witness_add_checkpoint_request"]
    head, note = request.split("\n\n", 1)
    assert head.split("\n") == ["old 6", *DERIVED["consistency_6_to_8_b64"]]
    log, _ = derived_signers(0)
    checkpoint = Checkpoint.parse(verify_note(note, [log.verifier])[0])
    assert checkpoint.size == 8
    tlog_proof = DERIVED["tlog_proof_index5"]
    head, note = tlog_proof["text"].split("\n\n", 1)
    lines = head.split("\n")
    assert lines[:2] == ["c2sp.org/tlog-proof@v1", "index 5"]
    leaf = bytes.fromhex(tlog_proof["leaf_hash_hex"])
    assert leaf == merkle.leaf_hash(bytes.fromhex(tlog_proof["leaf_data_hex"]))
    path = [b64decode(p, "proof") for p in lines[2:]]
    assert path == merkle.inclusion_proof(5, LEAF_HASHES)
    checkpoint = Checkpoint.parse(verify_note(note, [log.verifier])[0])
    merkle.verify_inclusion(5, checkpoint.size, leaf, path, checkpoint.root_hash)
