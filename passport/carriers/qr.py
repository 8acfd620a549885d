"""The QR code that a physical item carries to its passport: encoding, SVG and PNG.

A QR code here holds exactly one text, the canonical GS1 Digital Link URI of a passport
(no query string), at error correction level M, in the smallest version that fits, and is
drawn with a quiet zone of at least 4 modules (ISO/IEC 18004 §6.3.8).

``qr_codewords`` builds the final message (mode and version choice, Reed-Solomon error
correction, interleaving) as big integers. This module places it (ISO/IEC 18004 §7.7) and
chooses the mask, on whole symbols held as Python integers, one bit per module: placement is
one precomputed permutation of the message's bit string (``operator.itemgetter`` over the
layout, C-level), function patterns are one OR, each mask pattern one XOR over the encoding
region, and the evaluation of §7.8.3 (penalties N1 to N4, lowest score wins) a few shifts and
bit counts per rule. segno, which walks the matrix module by module in Python, took about 90 %
of the time of a code drawn from its symbols; it stays the reference. The scores follow
segno's reading of the rules to the letter, so the symbol is the one segno itself would make:
the tests compare whole symbols with segno's, for every mask and for its own choice. The
module layout of each version (with format and version information read from segno's symbols)
is computed once per process.

The renderers draw from rows of ``"0"``/``"1"`` characters with C-level string operations:
one SVG ``<path>`` of horizontal runs and a 1-bit greyscale PNG written with zlib.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from html import escape
from operator import itemgetter
from typing import TYPE_CHECKING

from passport.carriers.qr_codewords import message

if TYPE_CHECKING:
    import segno

__all__ = ["QUIET_ZONE", "QrSymbol", "encode", "qr_matrix", "qr_png", "qr_svg"]

QUIET_ZONE = 4  # modules; ISO/IEC 18004 requires at least 4 on every side
_PAD = 4  # light rows above and below, light columns after each row, in the bit layout
_TO_ASCII = bytes.maketrans(b"\x00\x01", b"01")
_RUNS = re.compile(r"0+|1+|\n")

# ISO/IEC 18004:2015 Table 10, i = row, j = column
_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


@dataclass(frozen=True, slots=True)
class QrSymbol:
    """One encoded QR code: its version, mask, mode and modules (no quiet zone)."""

    version: int
    mask: int
    mode: str
    rows: tuple[str, ...]  # one string per row, "1" for a dark module

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def error(self) -> str:
        return "M"


@dataclass(frozen=True, slots=True)
class _Geometry:
    """One version's module layout as bit masks over the padded integer layout.

    Module (row r, column c) is character ``(r + 4) * stride + c`` of the binary string of
    length ``length``; 4 light rows above and below and 4 light columns after every row keep
    shifted patterns from wrapping onto a neighbouring row and stand for the light area
    around the symbol where the N3 rule looks for it.
    """

    size: int
    stride: int
    length: int
    full: int  # every bit of the layout
    inside: int  # the symbol's modules
    masks: tuple[int, ...]  # each mask pattern, restricted to the encoding region
    fixed: tuple[int, ...]  # per mask: dark format modules, version information, dark module
    patterns: int  # the dark modules of finder, separator, timing and alignment patterns
    cells: int  # modules of the encoding region (data and EC codewords, remainder bits)
    # the layout's characters from the message's bit string (followed by "0"s): module i of
    # the encoding region in placement order takes character i, every other place the last
    place: Callable[[str], tuple[str, ...]]


def encode(text: str, *, mask: int | None = None) -> QrSymbol:
    """Encode ``text`` at error correction level M; ``mask`` forces a mask pattern (0-7)."""
    if not isinstance(text, str) or not text:
        raise ValueError("a QR code needs a non-empty text")
    if not text.isascii() or not text.isprintable():
        # A URI is printable ASCII (RFC 3986); anything else would make the byte-mode
        # character set a guess for the scanner.
        raise ValueError("a QR code here carries a URI: printable ASCII only")
    if mask is not None and mask not in range(8):
        raise ValueError("mask must be 0 to 7")
    return _symbol(text, mask=mask)


def _symbol(text: str, version: int | None = None, mask: int | None = None) -> QrSymbol:
    """The symbol of ``text`` in ``version`` (or the smallest), with ``mask`` (or the best)."""
    final_message = message(text, version)
    geometry = _geometry(final_message.version)
    bits = format(int.from_bytes(final_message.codewords, "big"), "b")
    stream = bits.rjust(8 * len(final_message.codewords), "0").ljust(geometry.cells + 1, "0")
    # Unmasked, without what depends on the mask (segno scores the symbol before format and
    # version information are added, with those modules light).
    data = int("".join(geometry.place(stream)), 2) | geometry.patterns
    if mask is None:
        scores = [_penalty(data ^ pattern, geometry) for pattern in geometry.masks]
        mask = scores.index(min(scores))
    final = data ^ geometry.masks[mask] | geometry.fixed[mask]
    return QrSymbol(final_message.version, mask, final_message.mode, _rows(final, geometry))


def qr_matrix(text: str) -> list[list[bool]]:
    """Return the modules of ``text``'s QR code, row by row, True for dark (no quiet zone)."""
    return [[module == "1" for module in row] for row in encode(text).rows]


def qr_svg(
    text: str, *, module_px: int = 8, quiet_zone: int = QUIET_ZONE, title: str | None = None
) -> bytes:
    """Draw ``text``'s QR code as a compact SVG: one path of horizontal runs, UTF-8."""
    _check_drawing(module_px, quiet_zone)
    rows = encode(text).rows
    size = len(rows)
    side = size + 2 * quiet_zone
    # Stroked horizontal lines through the middle of each module row: "h4" draws four dark
    # modules, "m2 0" skips two light ones, and every row ends at the right edge, so one
    # constant move goes to the start of the next row.
    tokens = _run_tokens(size)
    d = f"M{quiet_zone} {quiet_zone}.5" + "".join(
        map(tokens.__getitem__, _RUNS.findall("\n".join(rows)))
    )
    px = side * module_px
    label = f"<title>{escape(title, quote=False)}</title>" if title is not None else ""
    role = ' role="img"' if title is not None else ""
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px}" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges"{role}>{label}'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path stroke="#000" d="{d}"/></svg>\n'
    )
    return svg.encode()


def qr_png(text: str, *, module_px: int = 8, quiet_zone: int = QUIET_ZONE) -> bytes:
    """Draw ``text``'s QR code as a 1-bit greyscale PNG."""
    _check_drawing(module_px, quiet_zone)
    rows = encode(text).rows
    side = (len(rows) + 2 * quiet_zone) * module_px
    row_bytes = (side + 7) // 8
    margin = "1" * (quiet_zone * module_px)  # in a 1-bit greyscale PNG, 1 is white
    padding = "1" * (row_bytes * 8 - side)
    # Every scanline is a filter byte 0 ("00000000") and the row's pixels; translating the
    # newline between two module rows to the end of one scanline and the start of the next
    # turns all module rows into one bit string and one integer.
    expand = {ord("1"): "0" * module_px, ord("0"): "1" * module_px}
    expand[ord("\n")] = margin + padding + "00000000" + margin
    bits = "00000000" + margin + "\n".join(rows).translate(expand) + margin + padding
    stride = row_bytes + 1
    lines = int(bits, 2).to_bytes(stride * len(rows), "big")
    blank = b"\x00" + b"\xff" * row_bytes
    border = blank * (quiet_zone * module_px)
    raw = b"".join(
        [border]
        + [lines[i : i + stride] * module_px for i in range(0, len(lines), stride)]
        + [border]
    )
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            # Level 4 is the smallest output here (smaller than 9) and 20 times faster than 9,
            # which is slow on these long runs of repeated bytes.
            _chunk(b"IDAT", zlib.compress(raw, 4)),
            _chunk(b"IEND", b""),
        )
    )


def _check_drawing(module_px: int, quiet_zone: int) -> None:
    if not isinstance(module_px, int) or module_px < 1:
        raise ValueError("module_px must be a positive integer")
    if not isinstance(quiet_zone, int) or quiet_zone < QUIET_ZONE:
        raise ValueError(f"quiet_zone must be at least {QUIET_ZONE} modules (ISO/IEC 18004)")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _rows(symbol: int, geometry: _Geometry) -> tuple[str, ...]:
    bits = format(symbol, f"0{geometry.length}b")
    size, stride = geometry.size, geometry.stride
    start = _PAD * stride
    return tuple(bits[i : i + size] for i in range(start, start + size * stride, stride))


def _penalty(dark: int, g: _Geometry) -> int:
    """ISO/IEC 18004:2015 §7.8.3.1 penalty score of a masked symbol, as segno computes it."""
    w = g.stride
    light = g.inside ^ dark  # light modules of the symbol
    around = g.full ^ dark  # light modules and the light area around the symbol
    score = 0
    for x in (dark, light):
        for s in (1, w):
            # N1: a run of 5 + i modules of one colour scores 3 + i. ``five`` marks the
            # i + 1 places where five same-coloured modules start, and each run adds 2.
            five = x & x >> s & x >> 2 * s & x >> 3 * s & x >> 4 * s
            if five:
                score += five.bit_count() + 2 * (five & ~(five >> s)).bit_count()
        # N2: 3 for every 2 x 2 block of one colour
        score += 3 * (x & x >> 1 & x >> w & x >> w + 1).bit_count()
    for s in (1, w):
        # N3: 40 for dark-light-dark-dark-dark-light-dark with four light modules (or the
        # area around the symbol) before or after it
        core = (
            dark
            & around << s
            & dark << 2 * s
            & dark << 3 * s
            & dark << 4 * s
            & around << 5 * s
            & dark << 6 * s
        )
        if core:
            before = around >> s & around >> 2 * s & around >> 3 * s & around >> 4 * s
            after = around << 7 * s & around << 8 * s & around << 9 * s & around << 10 * s
            found = core & (before | after)
            # segno resumes its search 7 modules after a pattern it counted, so it misses a
            # pattern that overlaps a counted one (they can overlap by 3 or 1 modules, i.e.
            # start 4 or 6 modules later). Follow it: the tests compare whole symbols with
            # segno's, and a symbol that differs only in its mask is still a valid one.
            counted = found
            while True:
                again = found & ~(counted >> 4 * s | counted >> 6 * s)
                if again == counted:
                    break
                counted = again
            score += 40 * counted.bit_count()
    # N4: 10 for every 5 % the proportion of dark modules deviates from 50 % (segno's float
    # arithmetic, so that ties at a boundary fall the same way)
    score += 10 * int(abs(dark.bit_count() / g.size**2 * 100 - 50) / 5)
    return score


@cache
def _geometry(version: int) -> _Geometry:
    """Lay out one version (at most 40 of them, each built once per process).

    Function patterns follow ISO/IEC 18004:2015 §6.3 and §7.9-7.10; the bits of the format
    and version information are read from segno's symbols of the same version.
    """
    size = 17 + 4 * version
    stride = size + _PAD
    length = (size + 2 * _PAD) * stride
    last = size - 1
    centres = _alignment_centres(version)
    alignment = {
        (r + dr, c + dc)
        for r in centres
        for c in centres
        # not where a finder pattern is
        if not (r == 6 and c in (6, centres[-1]) or r == centres[-1] and c == 6)
        for dr in range(-2, 3)
        for dc in range(-2, 3)
    }
    variable = {(8, c) for c in (*range(6), 7, 8)} | {(r, 8) for r in (*range(6), 7)}
    variable |= {(8, c) for c in range(size - 8, size)} | {(r, 8) for r in range(size - 8, size)}
    if version >= 7:
        variable |= {(r, c) for r in range(6) for c in range(size - 11, size - 8)}
        variable |= {(r, c) for r in range(size - 11, size - 8) for c in range(6)}

    def function(r: int, c: int) -> bool:
        finder = (r < 8 or r > last - 8) and c < 8 or r < 8 and c > last - 8
        return finder or r == 6 or c == 6 or (r, c) in alignment or (r, c) in variable

    cells = [(r, c) for r in range(size) for c in range(size)]
    data = [(r, c) for r, c in cells if not function(r, c)]

    def bits(chosen: Iterable[tuple[int, int]]) -> int:
        layout = bytearray(length)
        for r, c in chosen:
            layout[(r + _PAD) * stride + c] = 1
        return int(layout.translate(_TO_ASCII), 2)

    inside = bits(cells)
    fixed = []
    for mask in range(8):
        matrix = _sample(version, mask).matrix
        fixed.append(bits((r, c) for r, c in variable if matrix[r][c]))
    matrix = _sample(version, 0).matrix
    patterns = bits(
        (r, c) for r, c in cells if function(r, c) and (r, c) not in variable and matrix[r][c]
    )
    order = [len(data)] * length  # every place takes the "0" after the last bit ...
    for i, (r, c) in enumerate(_placement(size, set(data))):
        order[(r + _PAD) * stride + c] = i  # ... but the encoding region's modules
    return _Geometry(
        size=size,
        stride=stride,
        length=length,
        full=(1 << length) - 1,
        inside=inside,
        masks=tuple(bits((r, c) for r, c in data if pattern(r, c)) for pattern in _MASKS),
        fixed=tuple(fixed),
        patterns=patterns,
        cells=len(data),
        place=itemgetter(*order),
    )


def _placement(size: int, region: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """The encoding region's modules in the order bits are placed (ISO/IEC 18004 §7.7.3):
    two-module columns from the right, alternately upwards and downwards, skipping the
    vertical timing pattern."""
    order: list[tuple[int, int]] = []
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        upwards = right & 2 == 0
        rows = range(size - 1, -1, -1) if upwards ^ (right < 6) else range(size)
        for r in rows:
            order += [(r, c) for c in (right, right - 1) if (r, c) in region]
    return order


def _alignment_centres(version: int) -> list[int]:
    """Row (and column) coordinates of alignment pattern centres (ISO/IEC 18004 Annex E)."""
    if version == 1:
        return []
    count = version // 7 + 2
    last = 17 + 4 * version - 7
    # Annex E spaces the centres evenly from the last one back, with an even step; the
    # formula is the one of Project Nayuki's QR Code generator and matches the table.
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6] + [last - i * step for i in reversed(range(count - 1))]


def _sample(version: int, mask: int) -> segno.QRCode:
    # any content: only the format and version information of the symbol are read
    import segno  # here, not at the top: a worker loads it with its first QR code

    return segno.make_qr("0", version=version, error="m", mask=mask, boost_error=False)


@lru_cache(maxsize=64)
def _run_tokens(size: int) -> dict[str, str]:
    tokens = {"\n": f"m-{size} 1"}
    for n in range(1, size + 1):
        tokens["1" * n] = f"h{n}"
        tokens["0" * n] = f"m{n} 0"
    return tokens
