"""The two typefaces of the label sheets and their metrics, read from the shipped font files.

DejaVu Sans and DejaVu Sans Bold (Bitstream Vera licence), cut down to the WinAnsi characters
and shipped in ``passport/carriers/fonts`` (see its SOURCES.md). Both are embedded in every
sheet (``passport.carriers.pdf``), so that every reader draws the text that was measured here:
a reader that substitutes a missing font draws other widths, and text then runs into the QR
code's quiet zone. The layout reads its widths and glyph extents from the same files, with
fontTools, which is imported only when a sheet is made.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = ["FONT_FILES", "Font", "font"]

# PDF resource name -> shipped file: F1 the regular face, F2 the bold one
FONT_FILES = {b"F1": "DejaVuSans.ttf", b"F2": "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True, slots=True)
class Font:
    """A shipped TrueType face and the metrics that the layout and the PDF need, in 1/1000 em.

    ``widths`` is indexed by WinAnsi byte (0 where WinAnsi has no character; such bytes are
    never written). ``ascent``, ``descent``, ``left`` and ``right`` are how far the ink of any
    WinAnsi glyph reaches above and below the baseline, left of its origin and right of its
    advance: with them no glyph leaves the box that the text was measured into.
    """

    name: str  # PostScript name, e.g. "DejaVuSans-Bold"
    data: bytes
    widths: tuple[int, ...]
    ascent: int
    descent: int
    left: int
    right: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    bold: bool


@cache
def font(resource: bytes) -> Font:
    """Read a shipped face's metrics (once per process)."""
    # fontTools is imported here, not at the top: only a label sheet needs it
    from fontTools.ttLib import TTFont

    data = (files("passport.carriers") / "fonts" / FONT_FILES[resource]).read_bytes()
    face = TTFont(io.BytesIO(data))
    per_em: float = 1000 / face["head"].unitsPerEm
    cmap, hmtx, glyf = face.getBestCmap(), face["hmtx"], face["glyf"]
    widths = [0] * 256
    x_min = y_min = x_max = y_max = overhang = 0
    for byte in range(0x20, 0x100):
        char = bytes([byte]).decode("cp1252", errors="ignore")
        if not (char and char.isprintable()):  # text.winansi writes no other byte
            continue
        glyph = cmap[ord(char)]  # a KeyError here means the shipped font lacks a character
        advance = hmtx[glyph][0]
        widths[byte] = round(advance * per_em)
        outline = glyf[glyph]
        if outline.numberOfContours:  # the space has no outline
            x_min, y_min = min(x_min, outline.xMin), min(y_min, outline.yMin)
            x_max, y_max = max(x_max, outline.xMax), max(y_max, outline.yMax)
            overhang = max(overhang, outline.xMax - advance)

    def em(value: int) -> int:  # rounded away from the glyphs, so that boxes only grow
        return math.ceil(value * per_em)

    return Font(
        name=face["name"].getDebugName(6),
        data=data,
        widths=tuple(widths),
        ascent=em(y_max),
        descent=em(-y_min),
        left=em(-x_min),
        right=em(overhang),
        cap_height=em(glyf["H"].yMax),
        bbox=(-em(-x_min), -em(-y_min), em(x_max), em(y_max)),
        bold=face["OS/2"].usWeightClass >= 600,
    )
