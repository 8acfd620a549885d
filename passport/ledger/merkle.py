"""RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency proofs (SHA-256).

Follows the RFC exactly (it equals RFC 6962 §2.1) so that standard clients, witnesses and
monitors can check our proofs: leaves are hashed with a 0x00 prefix and nodes with 0x01, so a
leaf can never be passed off as a node; odd nodes are never duplicated (unlike Bitcoin,
CVE-2012-2459); a tree of n leaves splits at the largest power of two below n.

Functions taking a tree work on *leaf hashes*, because that is what the log stores.
Verification raises :class:`ProofError` rather than returning a bool, so a caller cannot
forget to look at the result; the reason says what was wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
# C2SP tlog-witness caps proofs at 63 hashes; no tree of fewer than 2**63 leaves needs more,
# and the cap stops a hostile peer making us hash without bound.
MAX_PROOF_HASHES = 63

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A Merkle proof, or the sizes and hashes given with it, does not check out."""


def leaf_hash(data: bytes) -> bytes:
    """MTH of a one-leaf tree: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2): where MTH(D[n]) splits."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the tree whose leaves have these hashes; the empty tree is SHA-256("")."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return bytes(leaf_hashes[0])
    k = _split(n)
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 §2.1.3.1 for the tree of all ``leaf_hashes``."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of size {n}")
    return _path(index, leaf_hashes)


def _path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return _path(m, d[:k]) + [root(d[k:])]
    return _path(m - k, d[k:]) + [root(d[:k])]


def consistency_proof(size1: int, size2: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(size1, D[size2]) of RFC 9162 §2.1.4.1, over the first ``size2`` leaf hashes.

    ``size1 == size2`` gives the empty proof; ``size1 == 0`` is refused because a proof from the
    empty tree proves nothing and the verifier rejects it too.
    """
    if not 0 < size1 <= size2 <= len(leaf_hashes):
        raise ValueError(
            f"need 0 < size1 <= size2 <= {len(leaf_hashes)}, got size1={size1}, size2={size2}"
        )
    return _subproof(size1, leaf_hashes[:size2], True)


def _subproof(m: int, d: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        # The old root itself is only needed when it is not the whole old tree.
        return [] if whole else [root(d)]
    k = _split(n)
    if m <= k:
        return _subproof(m, d[:k], whole) + [root(d[k:])]
    return _subproof(m - k, d[k:], False) + [root(d[:k])]


def _check_hash(what: str, value: bytes) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        size = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {size}")


def _check_size(what: str, value: int) -> None:
    # Sizes and indices are uint64 on the wire (C2SP, RFC 9162); bool is an int but never valid.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 64:
        raise ProofError(f"{what} must be an integer in [0, 2**64), got {value!r}")


def _check_proof(proof: Sequence[bytes]) -> None:
    if len(proof) > MAX_PROOF_HASHES:
        raise ProofError(f"proof has {len(proof)} hashes, more than {MAX_PROOF_HASHES}")
    for i, p in enumerate(proof):
        _check_hash(f"proof hash {i}", p)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` with ``root_hash``.

    RFC 9162 §2.1.3.2. Raises :class:`ProofError`; returns None when the proof holds.
    """
    _check_size("leaf index", index)
    _check_size("tree size", size)
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash("leaf hash", leaf)
    _check_hash("root hash", root_hash)
    _check_proof(proof)
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long for the tree size")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # On the right edge with no sibling: climb until we are a right child again.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short for the tree size")
    if r != root_hash:
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree (``size2``, ``root2``) extends the tree (``size1``, ``root1``).

    RFC 9162 §2.1.4.2. ``size1 == 0`` is rejected, as transparency-dev/merkle does ("consistency
    proof from empty tree is meaningless"): at the protocol level a witness handles ``old 0``
    without a proof. Raises :class:`ProofError`; returns None when the proof holds.
    """
    _check_size("size1", size1)
    _check_size("size2", size2)
    _check_proof(proof)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        # Nothing is hashed: the trees are consistent exactly when the roots are the same
        # value. transparency-dev/merkle accepts this whatever the roots' length, and its
        # probe "sizes-are-equal-one-and-proof-is-empty" (12-byte roots) says so.
        if proof:
            raise ProofError("trees of equal size need an empty consistency proof")
        if root1 != root2:
            raise ProofError("trees of equal size have different roots")
        return
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    if not proof:
        raise ProofError("consistency proof is empty but the sizes differ")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        # The old tree is a complete subtree of the new one, so the proof omits its root.
        path.insert(0, bytes(root1))
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long for the tree sizes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short for the tree sizes")
    if fr != root1:
        raise ProofError("consistency proof does not lead to root1")
    if sr != root2:
        raise ProofError("consistency proof does not lead to root2")


def complete_subtrees(size: int) -> list[tuple[int, int]]:
    """The maximal complete subtrees covering leaves [0, size), left to right, as (level, index).

    Level ``l`` index ``i`` covers leaves [i * 2**l, (i + 1) * 2**l) — the key of the stored node
    table (level 0 = leaf hashes). One subtree per set bit of ``size``, largest first.
    """
    if size < 0:
        raise ValueError(f"tree size must not be negative, got {size}")
    result = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            result.append((level, start >> level))
            start += 1 << level
    return result


def root_from_subtrees(subtree_hashes: Sequence[bytes]) -> bytes:
    """The tree root from the hashes of :func:`complete_subtrees`, in the same order.

    Folding from the right is exactly MTH, because each split point is a power-of-two boundary.
    """
    if not subtree_hashes:
        return EMPTY_ROOT
    r = bytes(subtree_hashes[-1])
    for h in reversed(subtree_hashes[:-1]):
        r = node_hash(h, r)
    return r
