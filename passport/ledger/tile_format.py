"""C2SP tlog-tiles encodings, pure: a tile's index path and an entry bundle's bytes, written by
the log's read API (``api/log.py``) and read back by a mirror (``passport.mirrors.sync``)."""

from __future__ import annotations

from collections.abc import Sequence


def tile_path(number: int) -> str:
    """A tile's index path: 1234067 -> ``x001/x234/067``."""
    digits = str(number)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def encode_bundle(leaves: Sequence[bytes]) -> bytes:
    """An entry bundle: each leaf as a big-endian uint16 length, then its bytes."""
    out = bytearray()
    for leaf in leaves:
        if len(leaf) > 0xFFFF:
            raise ValueError(f"a leaf of {len(leaf)} bytes does not fit an entry bundle")
        out += len(leaf).to_bytes(2, "big") + leaf
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """The leaves of an entry bundle; ValueError if it ends inside a length or a leaf."""
    leaves, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("an entry bundle ends inside a length")
        length = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + length > len(data):
            raise ValueError("an entry bundle ends inside a leaf")
        leaves.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    return leaves
