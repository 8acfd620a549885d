"""The codewords of a QR code at error correction level M: the final message, ready to place.

ISO/IEC 18004:2015 §7.4 (data encoding: mode, character count, data, terminator, padding,
pad codewords), §7.5 (Reed-Solomon error correction) and §7.6 (blocks and interleaving), for
one segment of numeric, alphanumeric or byte (ISO/IEC 8859-1) data, in the smallest version
that holds it. The whole bit stream is one Python integer, so that building it costs a few
big-integer operations rather than one Python step per bit; Reed-Solomon division uses one
table per generator polynomial of every multiple of its coefficients (each a big integer of
the EC codewords), so that one data codeword costs three integer operations.

segno stays the reference: the tests compare the symbols built from these codewords with
segno's, module by module, in every version and mode. Like segno, a bit stream that reaches a
codeword boundary with its terminator gets one more zero codeword before the pad codewords
(decoders stop at the terminator, so the text is the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

__all__ = ["Message", "message"]

_NUMERIC, _ALPHANUMERIC, _BYTE = "numeric", "alphanumeric", "byte"
_MODE_BITS = {_NUMERIC: 0b0001, _ALPHANUMERIC: 0b0010, _BYTE: 0b0100}
# character count indicator length per mode, for versions 1-9, 10-26 and 27-40 (Table 3)
_COUNT_BITS = {_NUMERIC: (10, 12, 14), _ALPHANUMERIC: (9, 11, 13), _BYTE: (8, 16, 16)}
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALPHA_VALUE = {character: value for value, character in enumerate(_ALPHABET)}
_PADS = b"\xec\x11" * 1500  # the pad codewords, alternately (more than version 40 holds)


@dataclass(frozen=True, slots=True)
class Message:
    """The final message of one symbol: interleaved data and EC codewords."""

    version: int
    mode: str
    codewords: bytes


@dataclass(frozen=True, slots=True)
class _Blocks:
    """A version's blocks at level M: (count, data codewords) groups, EC codewords per block."""

    groups: tuple[tuple[int, int], ...]
    ec: int

    @property
    def data(self) -> int:
        return sum(count * size for count, size in self.groups)


# ISO/IEC 18004:2015 Table 9, level M: per version, (blocks, data codewords per block) of each
# group, and the EC codewords of every block
_BLOCKS = {
    1: _Blocks(((1, 16),), 10),
    2: _Blocks(((1, 28),), 16),
    3: _Blocks(((1, 44),), 26),
    4: _Blocks(((2, 32),), 18),
    5: _Blocks(((2, 43),), 24),
    6: _Blocks(((4, 27),), 16),
    7: _Blocks(((4, 31),), 18),
    8: _Blocks(((2, 38), (2, 39)), 22),
    9: _Blocks(((3, 36), (2, 37)), 22),
    10: _Blocks(((4, 43), (1, 44)), 26),
    11: _Blocks(((1, 50), (4, 51)), 30),
    12: _Blocks(((6, 36), (2, 37)), 22),
    13: _Blocks(((8, 37), (1, 38)), 22),
    14: _Blocks(((4, 40), (5, 41)), 24),
    15: _Blocks(((5, 41), (5, 42)), 24),
    16: _Blocks(((7, 45), (3, 46)), 28),
    17: _Blocks(((10, 46), (1, 47)), 28),
    18: _Blocks(((9, 43), (4, 44)), 26),
    19: _Blocks(((3, 44), (11, 45)), 26),
    20: _Blocks(((3, 41), (13, 42)), 26),
    21: _Blocks(((17, 42),), 26),
    22: _Blocks(((17, 46),), 28),
    23: _Blocks(((4, 47), (14, 48)), 28),
    24: _Blocks(((6, 45), (14, 46)), 28),
    25: _Blocks(((8, 47), (13, 48)), 28),
    26: _Blocks(((19, 46), (4, 47)), 28),
    27: _Blocks(((22, 45), (3, 46)), 28),
    28: _Blocks(((3, 45), (23, 46)), 28),
    29: _Blocks(((21, 45), (7, 46)), 28),
    30: _Blocks(((19, 47), (10, 48)), 28),
    31: _Blocks(((2, 46), (29, 47)), 28),
    32: _Blocks(((10, 46), (23, 47)), 28),
    33: _Blocks(((14, 46), (21, 47)), 28),
    34: _Blocks(((14, 46), (23, 47)), 28),
    35: _Blocks(((12, 47), (26, 48)), 28),
    36: _Blocks(((6, 47), (34, 48)), 28),
    37: _Blocks(((29, 46), (14, 47)), 28),
    38: _Blocks(((13, 46), (32, 47)), 28),
    39: _Blocks(((40, 47), (7, 48)), 28),
    40: _Blocks(((18, 47), (31, 48)), 28),
}


def message(text: str, version: int | None = None) -> Message:
    """Encode printable ASCII ``text`` at level M, in ``version`` or the smallest that fits."""
    mode = _mode(text)
    bits, length = _data(text, mode)
    chosen = _version(mode, len(text), length) if version is None else version
    tier = 0 if chosen <= 9 else 1 if chosen <= 26 else 2
    count_bits = _COUNT_BITS[mode][tier]
    if len(text) >= 1 << count_bits:
        raise ValueError(f"the text does not fit in a version {chosen} QR code")
    stream = (_MODE_BITS[mode] << count_bits | len(text)) << length | bits
    length += 4 + count_bits
    blocks = _BLOCKS[chosen]
    capacity = blocks.data * 8
    if length > capacity:
        raise ValueError(f"the text does not fit in a version {chosen} QR code")
    # terminator (up to 4 zero bits), then zero bits to the next codeword boundary (8 of them
    # when already at one, as segno writes it), then pad codewords up to the capacity
    terminator = min(capacity - length, 4)
    length += terminator
    padding = 8 - length % 8
    stream <<= terminator + padding
    length += padding
    if length >= capacity:
        data = (stream >> (length - capacity)).to_bytes(blocks.data, "big")
    else:
        data = stream.to_bytes(length // 8, "big") + _PADS[: blocks.data - length // 8]
    return Message(chosen, mode, _final(data, blocks))


def _mode(text: str) -> str:
    if text.isdigit():
        return _NUMERIC
    if all(character in _ALPHA_VALUE for character in text):
        return _ALPHANUMERIC
    return _BYTE


def _data(text: str, mode: str) -> tuple[int, int]:
    """The data bits of ``text`` in ``mode`` (§7.4.3-7.4.5), as (integer, bit length)."""
    if mode == _BYTE:
        return int.from_bytes(text.encode("latin-1"), "big"), 8 * len(text)
    bits = length = 0
    if mode == _NUMERIC:
        for i in range(0, len(text), 3):
            chunk = text[i : i + 3]
            width = 3 * len(chunk) + 1
            bits = bits << width | int(chunk)
            length += width
        return bits, length
    value = _ALPHA_VALUE
    for i in range(0, len(text) - 1, 2):
        bits = bits << 11 | value[text[i]] * 45 + value[text[i + 1]]
        length += 11
    if len(text) % 2:
        bits = bits << 6 | value[text[-1]]
        length += 6
    return bits, length


def _version(mode: str, count: int, data_bits: int) -> int:
    for version in range(1, 41):
        tier = 0 if version <= 9 else 1 if version <= 26 else 2
        count_bits = _COUNT_BITS[mode][tier]
        if count < 1 << count_bits and 4 + count_bits + data_bits <= _BLOCKS[version].data * 8:
            return version
    raise ValueError("the text is too long for a QR code at error correction level M")


def _final(data: bytes, blocks: _Blocks) -> bytes:
    """Split ``data`` into blocks, add each one's EC codewords, interleave (§7.5-7.6)."""
    table = _multiples(blocks.ec)
    width = 8 * (blocks.ec - 1)
    keep = (1 << 8 * blocks.ec) - 1
    count = sum(n for n, _ in blocks.groups)
    short = blocks.groups[0][1]
    head = bytearray(count * short)  # the first ``short`` codewords of every block
    tail = bytearray()  # the last codeword of each longer block (the second group)
    ec = bytearray(count * blocks.ec)
    start = index = 0
    for n, size in blocks.groups:
        for _ in range(n):
            block = data[start : start + size]
            start += size
            remainder = 0
            for codeword in block:
                remainder = (remainder << 8 & keep) ^ table[remainder >> width ^ codeword]
            head[index::count] = block[:short]
            tail += block[short:]
            ec[index::count] = remainder.to_bytes(blocks.ec, "big")
            index += 1
    return bytes(head + tail + ec)


@cache
def _multiples(degree: int) -> tuple[int, ...]:
    """Every multiple (by 0-255 in GF(256)) of the generator polynomial of ``degree``, less
    its leading term, as one big-endian integer of ``degree`` bytes (§7.5.2, Annex A)."""
    exp = [1] * 512
    for i in range(1, 255):
        exp[i] = exp[i - 1] << 1 ^ (0x11D if exp[i - 1] & 0x80 else 0)
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    log = [0] * 256
    for i in range(255):
        log[exp[i]] = i

    def times(a: int, b: int) -> int:
        return 0 if a == 0 or b == 0 else exp[log[a] + log[b]]

    generator = [1]  # coefficients, highest power first: product of (x - a^i), i < degree
    for i in range(degree):
        generator = [
            high ^ times(low, exp[i])
            for high, low in zip([*generator, 0], [0, *generator], strict=True)
        ]
    return tuple(
        int.from_bytes(bytes(times(factor, c) for c in generator[1:]), "big")
        for factor in range(256)
    )
