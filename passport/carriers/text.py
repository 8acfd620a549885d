"""A label's text as WinAnsi bytes, measured with the embedded fonts' widths and fitted to a box.

Text is WinAnsi-encoded (Windows-1252, PDF 1.7 Annex D: umlauts, ß, € and the like); a
character outside it prints as "?". Lines are measured with a face's own widths
(``passport.carriers.faces``), wrapped at spaces, and cut with an ellipsis where they would
leave their box.
"""

from __future__ import annotations

import unicodedata

from passport.carriers.faces import Font

__all__ = ["ELLIPSIS", "ellipsize", "fit", "winansi", "wrap"]

ELLIPSIS = b"\x85"  # "…" in WinAnsi


def winansi(text: str) -> bytes:
    """Text as WinAnsi bytes on one line: "?" for what WinAnsi lacks, spaces for controls."""
    # NFC first, so that "o" + combining diaeresis becomes the one WinAnsi character "ö"
    text = unicodedata.normalize("NFC", text)
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split()).encode("cp1252", errors="replace")


def fit(font: Font, size: float, x: float, width: float) -> tuple[float, float]:
    """Where a line of ``font`` at ``size`` starts, and how wide it may be, in a box at ``x``."""
    left, right = font.left * size / 1000, font.right * size / 1000
    return x + left, max(0.0, width - left - right)


def _units(data: bytes, widths: tuple[int, ...]) -> int:
    return sum(map(widths.__getitem__, data))


def ellipsize(data: bytes, widths: tuple[int, ...], size: float, width: float) -> bytes:
    """``data`` if it fits in ``width`` points, else its longest fitting prefix and "…"."""
    limit = width * 1000 / size
    if _units(data, widths) <= limit:
        return data
    room = limit - widths[ELLIPSIS[0]]
    total, end = 0, 0
    while end < len(data) and total + widths[data[end]] <= room:
        total += widths[data[end]]
        end += 1
    return data[:end].rstrip(b" ") + ELLIPSIS if room >= 0 else b""


def wrap(
    data: bytes, widths: tuple[int, ...], size: float, width: float, max_lines: int
) -> list[bytes]:
    """Break ``data`` into at most ``max_lines`` lines of ``width`` points, at spaces when it
    can (inside a word that is wider than a line when it must); the last line ends in "…" when
    text is left over."""
    limit = width * 1000 / size
    lines: list[bytes] = []
    start, n = 0, len(data)
    while start < n and len(lines) < max_lines:
        if len(lines) == max_lines - 1:
            lines.append(ellipsize(data[start:], widths, size, width))
            break
        total, end, space = 0, start, -1
        while end < n and total + widths[data[end]] <= limit:
            if data[end] == 0x20:
                space = end
            total += widths[data[end]]
            end += 1
        if end == n:
            cut = n
        elif data[end] == 0x20:
            cut = end
        elif space > start:
            cut = space
        else:
            cut = max(end, start + 1)
        lines.append(data[start:cut].rstrip(b" "))
        start = cut
        while start < n and data[start] == 0x20:
            start += 1
    return lines
