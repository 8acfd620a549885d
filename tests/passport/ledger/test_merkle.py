"""RFC 9162 Merkle proofs against the official vectors in ``tests/fixtures/tlog-vectors``.

The transparency-dev/merkle probes are run verbatim (98 inclusion + 98 consistency); the RFC
6962 reference tree checks hashing and proof generation; a property test covers sizes 1..64.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from passport.ledger import merkle
from passport.ledger.merkle import ProofError
from tests.helpers import FIXTURES

VECTORS = FIXTURES / "tlog-vectors"
PROBES = VECTORS / "transparency-dev-merkle" / "testdata"
REFERENCE = json.loads((VECTORS / "rfc6962-reference-tree.json").read_text(encoding="utf-8"))


def b64(value: str | None) -> bytes:
    # Go encodes a nil []byte as JSON null: an empty byte string.
    return base64.b64decode(value, validate=True) if value else b""


def probes(kind: str) -> list[Path]:
    return sorted((PROBES / kind).rglob("*.json"))


def probe_id(path: Path) -> str:
    return str(path.relative_to(PROBES))


INCLUSION = probes("inclusion")
CONSISTENCY = probes("consistency")


def test_all_probes_are_found() -> None:
    # SOURCES.md: 98 files each, 6 valid in each set; a moved directory must not pass silently.
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    for files in (INCLUSION, CONSISTENCY):
        valid = [f for f in files if not json.loads(f.read_text())["wantErr"]]
        assert len(valid) == 6


@pytest.mark.parametrize("path", INCLUSION, ids=probe_id)
def test_inclusion_probe(path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    args = (
        case["leafIdx"],
        case["treeSize"],
        b64(case["leafHash"]),
        [b64(p) for p in case["proof"] or []],
        b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=probe_id)
def test_consistency_probe(path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    args = (
        case["size1"],
        case["size2"],
        [b64(p) for p in case["proof"] or []],
        b64(case["root1"]),
        b64(case["root2"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def test_roots_of_the_wrong_size_fail_whenever_a_proof_is_computed() -> None:
    # Equal sizes compare the roots as given (as upstream does); any real computation
    # needs 32-byte hashes.
    short = b"\x01" * 12
    merkle.verify_consistency(1, 1, [], short, short)
    with pytest.raises(ProofError, match="32 bytes"):
        merkle.verify_consistency(1, 2, [b"\x00" * 32], short, b"\x02" * 32)


LEAVES = [bytes.fromhex(h) for h in REFERENCE["leaf_inputs_hex"]]
LEAF_HASHES = [merkle.leaf_hash(d) for d in LEAVES]
ROOTS = [bytes.fromhex(h) for h in REFERENCE["root_hashes_by_size"]["roots"]]


@pytest.mark.parametrize("case", REFERENCE["hasher_tests"], ids=lambda c: c["desc"])
def test_hasher(case: dict[str, Any]) -> None:
    want = bytes.fromhex(case["want"])
    if case["op"] == "empty_root":
        assert merkle.root([]) == want == merkle.EMPTY_ROOT
    elif case["op"] == "hash_leaf":
        assert merkle.leaf_hash(bytes.fromhex(case["input_hex"])) == want
    else:
        assert case["op"] == "hash_children"
        left, right = bytes.fromhex(case["left_hex"]), bytes.fromhex(case["right_hex"])
        assert merkle.node_hash(left, right) == want


def test_reference_roots_for_every_size() -> None:
    assert len(ROOTS) == 9
    for size, want in enumerate(ROOTS):
        assert merkle.root(LEAF_HASHES[:size]) == want, size


def test_reference_node_hashes_and_subtrees() -> None:
    levels = [[bytes.fromhex(h) for h in lv] for lv in REFERENCE["node_hashes_by_level"]["levels"]]
    assert levels[0] == LEAF_HASHES
    for level, hashes in enumerate(levels):
        for index, want in enumerate(hashes):
            width = 1 << level
            assert merkle.root(LEAF_HASHES[index * width : (index + 1) * width]) == want
    # The stored-node-table route to a root agrees with MTH for every size.
    for size, want in enumerate(ROOTS):
        subtrees = [levels[lv][i] for lv, i in merkle.complete_subtrees(size)]
        assert merkle.root_from_subtrees(subtrees) == want, size


def test_complete_subtrees() -> None:
    assert merkle.complete_subtrees(0) == []
    assert merkle.complete_subtrees(8) == [(3, 0)]
    assert merkle.complete_subtrees(7) == [(2, 0), (1, 2), (0, 6)]
    assert merkle.complete_subtrees(6) == [(2, 0), (1, 2)]


def hexes(proof: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in proof]


INCLUSION_CASES = (
    REFERENCE["upstream_inclusion_proofs"] + REFERENCE["derived_all_inclusion_proofs"]["cases"]
)
CONSISTENCY_CASES = (
    REFERENCE["upstream_consistency_proofs"] + REFERENCE["derived_all_consistency_proofs"]["cases"]
)


@pytest.mark.parametrize("case", INCLUSION_CASES, ids=lambda c: f"{c['index']}-of-{c['size']}")
def test_reference_inclusion_proof(case: dict[str, Any]) -> None:
    index, size, want = case["index"], case["size"], hexes(case["proof"])
    assert merkle.inclusion_proof(index, LEAF_HASHES[:size]) == want
    merkle.verify_inclusion(index, size, LEAF_HASHES[index], want, ROOTS[size])


@pytest.mark.parametrize("case", CONSISTENCY_CASES, ids=lambda c: f"{c['size1']}-to-{c['size2']}")
def test_reference_consistency_proof(case: dict[str, Any]) -> None:
    size1, size2, want = case["size1"], case["size2"], hexes(case["proof"])
    assert merkle.consistency_proof(size1, size2, LEAF_HASHES) == want
    merkle.verify_consistency(size1, size2, want, ROOTS[size1], ROOTS[size2])


def test_generation_refuses_impossible_arguments() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_proof(8, LEAF_HASHES)
    with pytest.raises(ValueError):
        merkle.inclusion_proof(0, [])
    with pytest.raises(ValueError, match="need 0 < size1"):
        merkle.consistency_proof(0, 3, LEAF_HASHES)
    with pytest.raises(ValueError):
        merkle.consistency_proof(4, 3, LEAF_HASHES)
    with pytest.raises(ValueError):
        merkle.consistency_proof(3, 9, LEAF_HASHES)


def flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8 % len(out)] ^= 1 << bit % 8
    return bytes(out)


def test_verifiers_reject_bad_shapes() -> None:
    h = LEAF_HASHES[0]
    with pytest.raises(ProofError, match="32 bytes"):
        merkle.verify_inclusion(0, 1, h[:31], [], ROOTS[1])
    with pytest.raises(ProofError, match="not below"):
        merkle.verify_inclusion(1, 1, h, [], ROOTS[1])
    with pytest.raises(ProofError, match="more than 63"):
        merkle.verify_inclusion(0, 2, h, [h] * 64, ROOTS[2])
    with pytest.raises(ProofError, match="integer"):
        merkle.verify_inclusion(-1, 2, h, [], ROOTS[2])
    with pytest.raises(ProofError, match="empty tree"):
        merkle.verify_consistency(0, 0, [], ROOTS[0], ROOTS[0])
    with pytest.raises(ProofError, match="larger"):
        merkle.verify_consistency(3, 2, [], ROOTS[3], ROOTS[2])
    with pytest.raises(ProofError, match="more than 63"):
        merkle.verify_consistency(1, 2, [h] * 64, ROOTS[1], ROOTS[2])


def test_each_argument_is_checked_and_named() -> None:
    # Every check names its argument, so none of them can hide behind a later, vaguer failure.
    h, short = LEAF_HASHES[0], LEAF_HASHES[0][:31]
    proof = merkle.inclusion_proof(0, LEAF_HASHES[:2])
    cases = [
        (lambda: merkle.verify_inclusion(0, 1 << 64, h, [], ROOTS[1]), "tree size must be"),
        (lambda: merkle.verify_inclusion(0, True, h, [], ROOTS[1]), "tree size must be"),
        (lambda: merkle.verify_inclusion(0, 2, h, proof, short), "root hash must be 32"),
        (lambda: merkle.verify_inclusion(0, 2, h, [short], ROOTS[2]), "proof hash 0 must be 32"),
        (lambda: merkle.verify_consistency(-1, 2, [h], ROOTS[1], ROOTS[2]), "size1 must be"),
        (lambda: merkle.verify_consistency(1, 1 << 64, [h], ROOTS[1], ROOTS[2]), "size2 must be"),
        (lambda: merkle.verify_consistency(1, 2, [h], short, ROOTS[2]), "root1 must be 32"),
        (lambda: merkle.verify_consistency(1, 2, [h], ROOTS[1], short), "root2 must be 32"),
    ]
    for call, message in cases:
        with pytest.raises(ProofError, match=message):
            call()
    with pytest.raises(ValueError, match="negative"):
        merkle.complete_subtrees(-1)


def test_the_proof_size_bound_is_63_hashes_exactly() -> None:
    # 63 hashes pass the bound (and fail as too long for a 2-leaf tree); 64 do not.
    h = LEAF_HASHES[0]
    with pytest.raises(ProofError, match="too long"):
        merkle.verify_inclusion(0, 2, h, [h] * 63, ROOTS[2])
    with pytest.raises(ProofError, match="too long"):
        merkle.verify_consistency(1, 2, [h] * 63, ROOTS[1], ROOTS[2])


@pytest.mark.parametrize("size", range(1, 65))
def test_every_generated_proof_verifies_and_any_flipped_bit_fails(size: int) -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    roots = [merkle.root(hashes[:n]) for n in range(size + 1)]
    tree_root = roots[size]
    for index in range(size):
        proof = merkle.inclusion_proof(index, hashes)
        merkle.verify_inclusion(index, size, hashes[index], proof, tree_root)
        bit = index * 37 + size  # a different bit for every case, deterministically
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index, size, flip(hashes[index], bit), proof, tree_root)
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index, size, hashes[index], proof, flip(tree_root, bit))
        for i in range(len(proof)):
            bad = proof[:i] + [flip(proof[i], bit)] + proof[i + 1 :]
            with pytest.raises(ProofError):
                merkle.verify_inclusion(index, size, hashes[index], bad, tree_root)
        if index + 1 < size:
            with pytest.raises(ProofError):
                merkle.verify_inclusion(index + 1, size, hashes[index], proof, tree_root)
    for size1 in range(1, size + 1):
        proof = merkle.consistency_proof(size1, size, hashes)
        merkle.verify_consistency(size1, size, proof, roots[size1], tree_root)
        bit = size1 * 41 + size
        with pytest.raises(ProofError):
            merkle.verify_consistency(size1, size, proof, flip(roots[size1], bit), tree_root)
        with pytest.raises(ProofError):
            merkle.verify_consistency(size1, size, proof, roots[size1], flip(tree_root, bit))
        for i in range(len(proof)):
            bad = proof[:i] + [flip(proof[i], bit)] + proof[i + 1 :]
            with pytest.raises(ProofError):
                merkle.verify_consistency(size1, size, bad, roots[size1], tree_root)
