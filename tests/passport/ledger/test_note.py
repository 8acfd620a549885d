"""C2SP signed notes and checkpoints against ``tests/fixtures/tlog-vectors``.

Ed25519 is deterministic, so signing with the published private keys must reproduce the
published notes byte for byte; the bad-note cases are mutations of those good notes.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

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


# Each bad note with the reason it must be refused for: a check that was skipped would let
# the note fail later for another reason, and a test that only saw "NoteError" would not notice.
NOT_VERIFIED = "signature by PeterNeumann does not verify"
NO_BLANK_LINE = "note has no blank line before its signatures"
NO_SIGNATURE_LINES = "note has no signature lines, or they do not end with a newline"
NO_EM_DASH = "signature line does not start with an em dash and a space"
NO_KNOWN_SIGNER = "note has no valid signature from a known key"


def bad_notes() -> list[tuple[str, str, str]]:
    note: str = PETER["note"]
    text, sigs = note.split("\n\n", 1)[0] + "\n", note.split("\n\n", 1)[1]
    sig_line = sigs.rstrip("\n")
    first, second = text.split("\n")[:2]
    five_bytes = base64.b64encode(bytes.fromhex("c74f20a3") + b"\x00").decode()
    return [
        ("no blank line", text + sigs, NO_BLANK_LINE),
        ("no final newline", note[:-1], NO_SIGNATURE_LINES),
        ("text changed", note.replace("cryptography", "Cryptography", 1), NOT_VERIFIED),
        ("text lines reordered", f"{second}\n{first}\n\n{sigs}", NOT_VERIFIED),
        ("text truncated", f"{first}\n\n{sigs}", NOT_VERIFIED),
        ("extra blank line in the text", text + "\n\n" + sigs, NOT_VERIFIED),
        ("empty text", "\n\n" + sigs, NOT_VERIFIED),
        ("signature truncated", note.replace("=\n", "\n"), "signature is not valid base64"),
        ("signature bits changed", note.replace("x08go", "x08gp"), NO_KNOWN_SIGNER),
        ("malformed base64", note.replace("x08go/", "x08go*"), "signature is not standard base64"),
        ("non-zero padding bits", note.replace("AM=\n", "AN=\n"), "not canonical base64"),
        ("too short signature", f"{text}\n\u2014 PeterNeumann x08gow==\n", "shorter than a key"),
        ("one signature byte", f"{text}\n\u2014 PeterNeumann {five_bytes}\n", NOT_VERIFIED),
        ("hyphen instead of em dash", note.replace("\u2014", "-"), NO_EM_DASH),
        ("no space after the dash", note.replace("\u2014 ", "\u2014"), NO_EM_DASH),
        ("plus in the key name", note.replace("PeterNeumann", "Peter+Neumann"), "invalid key name"),
        ("carriage return", note.replace("\n", "\r\n", 1), "note contains the control character"),
        ("lone surrogate", "\ud800" + note, "note is not well-formed UTF-8"),
        ("nothing after the blank line", text + "\n", NO_SIGNATURE_LINES),
        ("empty signature line", text + "\n" + sigs + "\n", NO_SIGNATURE_LINES),
        ("101 signatures", text + "\n" + (sig_line + "\n") * 101, "more than 100 signatures"),
        ("unknown signer only", note.replace("PeterNeumann", "PeterNeumann2"), NO_KNOWN_SIGNER),
    ]


@pytest.mark.parametrize(("why", "note", "reason"), bad_notes(), ids=[w for w, *_ in bad_notes()])
def test_bad_notes_are_rejected(why: str, note: str, reason: str) -> None:
    verifiers = [Verifier.from_vkey(PETER["vkey"]), other_key("PeterNeumann2")]
    with pytest.raises(NoteError, match=re.escape(reason)):
        verify_note(note, verifiers)


def test_two_different_verifiers_may_not_share_a_name_and_key_id() -> None:
    peter = Verifier.from_vkey(PETER["vkey"])
    assert verify_note(PETER["note"], [peter, peter])[1] == ["PeterNeumann"]  # the same twice
    impostor = other_key("PeterNeumann")
    object.__setattr__(impostor, "key_id", peter.key_id)
    with pytest.raises(NoteError, match="two different verifiers share name and key ID"):
        verify_note(PETER["note"], [peter, impostor])


def test_keys_are_checked_when_they_are_made() -> None:
    public = other_key("x").public_key
    private = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    skey: str = PETER["skey"]
    cases: list[tuple[Any, str]] = [
        (lambda: Verifier("a b", public), "invalid key name 'a b'"),
        (lambda: Verifier("a\x7fb", public), "key name contains the control character"),
        (lambda: Verifier("a", public, 2), "unsupported signature type 0x02"),
        (lambda: Verifier.from_vkey("a+" + "A" * 44), "three '+'-separated fields"),
        (lambda: Verifier.from_vkey(PETER["vkey"].upper()), "8 lowercase hex digits"),
        (lambda: Signer("a+b", private), "invalid key name 'a+b'"),
        (lambda: Signer("a", private, ALG_COSIGNATURE_V1), "needs a uint64 timestamp"),
        (lambda: Signer("a", private, ALG_COSIGNATURE_V1, 1 << 64), "needs a uint64 timestamp"),
        (lambda: Signer("a", private, 2), "unsupported signature type 0x02"),
        (lambda: Signer.from_skey("PRIVATE+KEY+a"), "an skey is PRIVATE+KEY+name+keyid+key"),
        (lambda: Signer.from_skey("PUBLIC" + skey[7:]), "an skey is PRIVATE+KEY+name+keyid+key"),
        (lambda: Signer.from_skey(skey.replace("+AY", "+BA")), "0x01 followed by a 32-byte"),
        (lambda: Signer.from_skey(skey.replace("c74f20a3", "c74f20a4")), "skey key ID does not"),
        (lambda: sign_note("text\n"), "a note needs at least one signer"),
    ]
    for make, reason in cases:
        with pytest.raises(NoteError, match=re.escape(reason)):
            make()
    # A wrong signature, or one of the wrong length, is False: never an exception or None.
    peter = Verifier.from_vkey(PETER["vkey"])
    assert peter.verify(b"text\n", b"\x00" * 63) is False
    assert peter.verify(b"text\n", b"\x00" * 64) is False
    cosigner = Signer.from_seed("w", b"\x07" * 32, ALG_COSIGNATURE_V1, timestamp=1).verifier
    assert cosigner.verify(b"text\n", b"\x00" * 71) is False
    assert cosigner.verify(b"text\n", b"\x00" * 72) is False


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
    not_uint64 = "checkpoint size is not a uint64 decimal"
    for bad, reason in (
        (text.replace("\n42\n", "\n042\n"), "checkpoint size has leading zeros"),
        (text.replace("\n42\n", "\n+42\n"), not_uint64),
        (text.replace("\n42\n", "\n18446744073709551616\n"), not_uint64),  # 2**64
        (text + "\n", "extension lines must be non-empty"),
        (text + "ext", "checkpoint text must end with a newline"),
        ("\n" + text.split("\n", 1)[1], "checkpoint origin is empty"),
    ):
        with pytest.raises(NoteError, match=re.escape(reason)):
            Checkpoint.parse(bad)
    for make, reason in (
        (lambda: Checkpoint("o", -1, ROOT), "checkpoint size must be a uint64"),
        (lambda: Checkpoint("o", 1 << 64, ROOT), "checkpoint size must be a uint64"),
        (lambda: Checkpoint("o", True, ROOT), "checkpoint size must be a uint64"),
        (lambda: Checkpoint("", 1, ROOT), "checkpoint origin must be one non-empty line"),
        (lambda: Checkpoint("o\np", 1, ROOT), "checkpoint origin must be one non-empty line"),
        (lambda: Checkpoint("o\x01", 1, ROOT), "checkpoint origin contains the control"),
        (lambda: Checkpoint("o", 1, ROOT[:31]), "root hash must be 32 bytes, got 31"),
        (lambda: Checkpoint("o", 1, ROOT, ("",)), "extension lines must be non-empty"),
        (lambda: Checkpoint("o", 1, ROOT, ("a\nb",)), "extension lines must be non-empty"),
        (lambda: Checkpoint("o", 1, ROOT, ("a\x01",)), "checkpoint extension contains the"),
    ):
        with pytest.raises(NoteError, match=re.escape(reason)):
            make()


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
