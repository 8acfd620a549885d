"""Print-ready label sheets: a PDF with one QR code and a few lines of text per label.

Every label carries its passport's URI as a QR code drawn by ``passport.carriers`` (the one
QR encoder of the project) and, beside or below it, the product name, a second line (serial
or lot) and the registry host. The PDF is written here, without a PDF library: it needs only
rectangles, text in two embedded fonts and a cross-reference table. Measured on 1,000 labels
with the QR codes already encoded, this writer takes about 0.2 s and writes 0.37 MB; reportlab
5.1 (a 9 MB dependency) drawing the same rectangles and text with its canvas took 1.8 s and
wrote 1.5 MB. Encoding the codes (about 0.8 s) is the floor; ``bench/labels.py`` has the figures.

What the output promises:

- Vector QR codes: one path per code of ``re`` rectangles, one per horizontal run of dark
  modules, filled once (a single fill leaves no hairline seams between abutting rectangles
  when a rasteriser anti-aliases), black on the white label. Each code keeps its 4-module
  quiet zone (ISO/IEC 18004 §6.3.8) inside the label's safe area and is as large as that area
  allows while leaving the text at least 40 % of the label.
- Text in DejaVu Sans and DejaVu Sans Bold, shipped in ``passport/fonts`` and embedded in every
  file (about 26 KB), so that every reader draws the text that was measured here: a reader
  that substitutes a missing font draws other widths, and text then runs into the quiet zone.
  The layout reads its widths and glyph extents from the same font files (with fontTools).
  Text is WinAnsi-encoded (Windows-1252, PDF 1.7 Annex D: umlauts, ß, € and the like); a
  character outside it prints as "?", and text is cut with an ellipsis where it would leave
  its box, which is also a clipping path.
- Deterministic bytes: no creation date or random file id, so the same labels give the same
  file (reproducible prints, cacheable downloads).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from passport import carriers

__all__ = ["LAYOUTS", "Label", "Layout", "label_sheet_pdf"]

_PT_PER_MM = 72 / 25.4
# White between the quiet zone and the text box: anti-aliasing and a printer's dot gain widen an
# edge by up to a device pixel or dot (0.085 mm at 300 dpi), which must not reach into the zone
_TEXT_GAP = 0.25 * _PT_PER_MM
_DARK_RUNS = re.compile("1+")


if TYPE_CHECKING:
    from passport.models import Passport


@dataclass(frozen=True)
class Label:
    """What one label shows. ``uri`` is encoded exactly as given (printable ASCII)."""

    uri: str  # the canonical GS1 Digital Link (or registry-minted) URI
    title: str  # product name; wrapped, then cut with an ellipsis where it would overflow
    line2: str = ""  # e.g. "Serial K1-000101" or "Lot 2026W14"
    host: str = ""  # registry host, e.g. "dpp.example.org", printed small


@dataclass(frozen=True)
class Layout:
    """A page of equal labels in a grid; all lengths in millimetres, origin top left.

    ``inset_x_mm`` / ``inset_y_mm`` keep everything printed (the QR quiet zone included) that
    far inside each label's edges: the allowance for sheet-feed registration on office
    printers, and the non-printable border of label printers.
    """

    name: str
    page_w_mm: float
    page_h_mm: float
    cols: int
    rows: int
    label_w_mm: float
    label_h_mm: float
    margin_left_mm: float
    margin_top_mm: float
    gap_x_mm: float
    gap_y_mm: float
    inset_x_mm: float = 1.5
    inset_y_mm: float = 1.5
    description: str = ""

    def __post_init__(self) -> None:
        if self.cols < 1 or self.rows < 1:
            raise ValueError(f"layout {self.name}: needs at least one column and one row")
        lengths = (self.page_w_mm, self.page_h_mm, self.label_w_mm, self.label_h_mm)
        if min(lengths) <= 0:
            raise ValueError(f"layout {self.name}: page and label sizes must be positive")
        offsets = (self.margin_left_mm, self.margin_top_mm, self.gap_x_mm, self.gap_y_mm)
        if min(offsets) < 0 or min(self.inset_x_mm, self.inset_y_mm) < 0:
            raise ValueError(f"layout {self.name}: margins, gaps and insets cannot be negative")
        # 0.01 mm of slack: published sheet dimensions are rounded to 0.05 mm or so
        right = self.margin_left_mm + self.cols * self.label_w_mm + (self.cols - 1) * self.gap_x_mm
        bottom = self.margin_top_mm + self.rows * self.label_h_mm + (self.rows - 1) * self.gap_y_mm
        if right > self.page_w_mm + 0.01 or bottom > self.page_h_mm + 0.01:
            raise ValueError(f"layout {self.name}: the labels do not fit on the page")
        box = min(self.label_w_mm - 2 * self.inset_x_mm, self.label_h_mm - 2 * self.inset_y_mm)
        if box < 10:
            # smaller than this, even a version 1 code has modules under 0.35 mm
            raise ValueError(f"layout {self.name}: the label is too small for a QR code")

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def cell_mm(self, index: int) -> tuple[float, float]:
        """Top-left corner of label ``index`` (0-based, row by row) on its page, from top left."""
        row, col = divmod(index % self.per_page, self.cols)
        return (
            self.margin_left_mm + col * (self.label_w_mm + self.gap_x_mm),
            self.margin_top_mm + row * (self.label_h_mm + self.gap_y_mm),
        )


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        # Avery L7160 (and its equivalents J8160, L7160-compatible "3 x 7" / "21 per sheet"
        # sheets): A4, 21 labels of 63.5 x 38.1 mm. Label size and count: Avery UK's product
        # page, avery.co.uk/product/address-labels-l7160-100. Margins and pitch: the L7160
        # definition built into Microsoft Word (Mailings > Labels > Avery A4/A5), which is
        # what Avery's own Word template uses: top margin 1.51 cm, side margin 0.72 cm,
        # vertical pitch 3.81 cm, horizontal pitch 6.6 cm (gap 2.5 mm); 15.15 mm is the exact
        # centring of 7 x 38.1 mm on 297 mm. Other published figures differ by at most
        # 0.3 mm (glabels-qt templates/avery-iso-templates.xml: pitch 66.04 mm, top 15.49 mm),
        # well inside the inset below and the +-1 mm feed tolerance of office printers.
        Layout(
            name="a4-3x7",
            page_w_mm=210,
            page_h_mm=297,
            cols=3,
            rows=7,
            label_w_mm=63.5,
            label_h_mm=38.1,
            margin_left_mm=7.2,
            margin_top_mm=15.15,
            gap_x_mm=2.5,
            gap_y_mm=0,
            description="A4 sheet, 3 x 7 labels of 63.5 x 38.1 mm (Avery L7160, J8160)",
        ),
        # Label printers print one label per page, the page being the label. Brother QL
        # die-cut sizes and printable areas from brother_ql (github.com/pklaus/brother_ql,
        # brother_ql/labels.py, at 300 dpi): 62 x 29 mm prints 696 x 271 of 732 x 341 dots
        # and 62 x 100 mm prints 696 x 1109 of 732 x 1179, i.e. 1.5 mm lost at each side of
        # the 62 mm width and 3 mm at each end along the feed; the insets follow.
        Layout(
            name="single-62x29",
            page_w_mm=62,
            page_h_mm=29,
            cols=1,
            rows=1,
            label_w_mm=62,
            label_h_mm=29,
            margin_left_mm=0,
            margin_top_mm=0,
            gap_x_mm=0,
            gap_y_mm=0,
            inset_x_mm=1.6,
            inset_y_mm=3.0,
            description="one 62 x 29 mm label per page (Brother DK-11209, QL printers)",
        ),
        Layout(
            name="single-62x100",
            page_w_mm=62,
            page_h_mm=100,
            cols=1,
            rows=1,
            label_w_mm=62,
            label_h_mm=100,
            margin_left_mm=0,
            margin_top_mm=0,
            gap_x_mm=0,
            gap_y_mm=0,
            inset_x_mm=1.6,
            inset_y_mm=3.0,
            description="one 62 x 100 mm label per page (Brother DK-11202, QL printers)",
        ),
    )
}


def label_sheet_pdf(labels: Sequence[Label], layout: str | Layout = "a4-3x7") -> bytes:
    """Lay ``labels`` out in ``layout`` (a name from ``LAYOUTS`` or a ``Layout``) as a PDF."""
    if isinstance(layout, str):
        if layout not in LAYOUTS:
            raise ValueError(f"unknown label layout {layout!r}; known: {', '.join(LAYOUTS)}")
        layout = LAYOUTS[layout]
    if not labels:
        raise ValueError("no labels to print")
    geometry = _Geometry.of(layout)
    paths: dict[str, tuple[int, str]] = {}  # one batch often repeats a URI (a lot's labels)
    pages: list[bytes] = []
    for start in range(0, len(labels), layout.per_page):
        parts = [b"0 g\n"]
        for offset, label in enumerate(labels[start : start + layout.per_page]):
            x_mm, y_mm = layout.cell_mm(offset)
            parts.append(_draw_label(label, x_mm, y_mm, layout, geometry, paths))
        pages.append(b"".join(parts))
    return _write_pdf(pages, layout)


@dataclass(frozen=True, slots=True)
class _Geometry:
    """Where things go on every label of a layout, in points from the label's top left."""

    qr_x: float  # the QR code's square, quiet zone included
    qr_y: float
    qr_side: float
    text_x: float
    text_y: float  # top of the text box
    text_w: float
    text_h: float
    title_size: float
    line2_size: float
    host_size: float

    @classmethod
    def of(cls, layout: Layout) -> _Geometry:
        inset_x, inset_y = layout.inset_x_mm * _PT_PER_MM, layout.inset_y_mm * _PT_PER_MM
        w = layout.label_w_mm * _PT_PER_MM - 2 * inset_x
        h = layout.label_h_mm * _PT_PER_MM - 2 * inset_y
        if layout.label_w_mm >= 1.25 * layout.label_h_mm:  # code left, text right
            # the full height, but leave the text at least 40 % of the width
            side = min(h, 0.6 * w)
            qr_x, qr_y = inset_x, inset_y + (h - side) / 2
            # the quiet zone already separates the text from the code
            text_x, text_w = inset_x + side + _TEXT_GAP, w - side - _TEXT_GAP
            text_y, text_h = inset_y, h
        else:  # code on top, text below
            side = min(w, 0.65 * h)
            qr_x, qr_y = inset_x + (w - side) / 2, inset_y
            text_x, text_w = inset_x, w
            text_y, text_h = inset_y + side + _TEXT_GAP, h - side - _TEXT_GAP
        # Room for about six lines, and for about nine average characters a line (short enough
        # words rarely need breaking), within 6-14 pt: 8 pt on the 63.5 x 38.1 mm sheet label,
        # the size of a typical printed address label.
        title = max(6.0, min(14.0, text_h / 6, text_w / 9))
        return cls(
            qr_x=qr_x,
            qr_y=qr_y,
            qr_side=side,
            text_x=text_x,
            text_y=text_y,
            text_w=text_w,
            text_h=text_h,
            title_size=round(title, 1),
            line2_size=round(title * 0.85, 1),
            host_size=round(max(5.0, title * 0.7), 1),
        )


def _draw_label(
    label: Label,
    x_mm: float,
    y_mm: float,
    layout: Layout,
    g: _Geometry,
    paths: dict[str, tuple[int, str]],
) -> bytes:
    """Content-stream operators for one label whose top-left corner is at (x_mm, y_mm)."""
    left = x_mm * _PT_PER_MM
    top = (layout.page_h_mm - y_mm) * _PT_PER_MM  # PDF's y axis points up
    if label.uri not in paths:
        symbol = carriers.encode(label.uri)
        paths[label.uri] = (symbol.size, _qr_path(symbol.rows))
    size, path = paths[label.uri]
    module = g.qr_side / (size + 2 * carriers.QUIET_ZONE)
    # The path is in module units with y growing downwards, the order of the rows; the
    # negative y scale turns that onto PDF's upward axis.
    origin_x = left + g.qr_x + carriers.QUIET_ZONE * module
    origin_y = top - g.qr_y - carriers.QUIET_ZONE * module
    out = [
        f"q {module:.5f} 0 0 {-module:.5f} {origin_x:.3f} {origin_y:.3f} cm\n{path}f\nQ\n".encode()
    ]
    out.append(_text_block(label, left + g.text_x, top - g.text_y, g))
    return b"".join(out)


def _qr_path(rows: Sequence[str]) -> str:
    """One ``re`` per horizontal run of dark modules, in module units."""
    out: list[str] = []
    append = out.append
    for r, row in enumerate(rows):
        middle = f" {r} "
        for run in _DARK_RUNS.finditer(row):
            start, end = run.span()
            append(f"{start}{middle}{end - start} 1 re\n")
    return "".join(out)


# The two faces of the labels' text: DejaVu Sans (Bitstream Vera licence), cut down to the
# WinAnsi characters and shipped in passport/fonts (see its SOURCES.md). Both are embedded in
# every sheet, so that the layout measured here is the layout every reader draws.
_FONT_FILES = {b"F1": "DejaVuSans.ttf", b"F2": "DejaVuSans-Bold.ttf"}
_ELLIPSIS = b"\x85"  # "…" in WinAnsi


@dataclass(frozen=True, slots=True)
class _Font:
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
def _font(resource: bytes) -> _Font:
    """Read a shipped face's metrics (once per process)."""
    # fontTools is imported here, not at the top: only a label sheet needs it
    from fontTools.ttLib import TTFont

    data = (files("passport") / "fonts" / _FONT_FILES[resource]).read_bytes()
    font = TTFont(io.BytesIO(data))
    per_em: float = 1000 / font["head"].unitsPerEm
    cmap, hmtx, glyf = font.getBestCmap(), font["hmtx"], font["glyf"]
    widths = [0] * 256
    x_min = y_min = x_max = y_max = overhang = 0
    for byte in range(0x20, 0x100):
        char = bytes([byte]).decode("cp1252", errors="ignore")
        if not (char and char.isprintable()):  # _winansi writes no other byte
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

    return _Font(
        name=font["name"].getDebugName(6),
        data=data,
        widths=tuple(widths),
        ascent=em(y_max),
        descent=em(-y_min),
        left=em(-x_min),
        right=em(overhang),
        cap_height=em(glyf["H"].yMax),
        bbox=(-em(-x_min), -em(-y_min), em(x_max), em(y_max)),
        bold=font["OS/2"].usWeightClass >= 600,
    )


def _text_block(label: Label, x: float, top: float, g: _Geometry) -> bytes:
    """Title (bold, wrapped), line 2 and host, from ``top`` down, inside the text box.

    Every line is measured with the embedded font's own widths and placed so that the ink of
    any glyph stays inside the box; a clip to the box makes that a promise of the drawing too.
    """
    regular, bold = _font(b"F1"), _font(b"F2")
    bottom = top - g.text_h
    lines: list[tuple[bytes, float, float, float, bytes]] = []  # font, size, x, baseline, text
    floor = bottom  # the title stays above this
    for text, size, space in ((label.host, g.host_size, 150), (label.line2, g.line2_size, 250)):
        data = _winansi(text)
        if data:  # host at the bottom, line 2 above it, each cut to one line
            baseline = floor + regular.descent * size / 1000
            start, width = _fit(regular, size, x, g.text_w)
            lines.append(
                (b"F1", size, start, baseline, _ellipsize(data, regular.widths, size, width))
            )
            floor = baseline + (regular.ascent + space) * size / 1000
    size = g.title_size
    leading = 1.15 * size
    first = top - bold.ascent * size / 1000
    room = first - bold.descent * size / 1000 - floor  # first baseline to the lowest allowed
    count = int(room // leading) + 1 if room >= 0 else 0
    start, width = _fit(bold, size, x, g.text_w)
    for i, row in enumerate(_wrap(_winansi(label.title), bold.widths, size, width, count)):
        lines.append((b"F2", size, start, first - i * leading, row))
    out = [b"q %.3f %.3f %.3f %.3f re W n\nBT\n" % (x, bottom, g.text_w, g.text_h)]
    font: tuple[bytes, float] | None = None
    for name, size, start, baseline, shown in lines:
        if not shown:
            continue
        if font != (name, size):
            font = (name, size)
            out.append(b"/%s %.1f Tf\n" % (name, size))
        out.append(b"1 0 0 1 %.3f %.3f Tm (%s) Tj\n" % (start, baseline, _escape(shown)))
    out.append(b"ET\nQ\n")
    return b"".join(out)


def _fit(font: _Font, size: float, x: float, width: float) -> tuple[float, float]:
    """Where a line of ``font`` at ``size`` starts, and how wide it may be, in a box at ``x``."""
    left, right = font.left * size / 1000, font.right * size / 1000
    return x + left, max(0.0, width - left - right)


def _winansi(text: str) -> bytes:
    """Text as WinAnsi bytes on one line: "?" for what WinAnsi lacks, spaces for controls."""
    # NFC first, so that "o" + combining diaeresis becomes the one WinAnsi character "ö"
    text = unicodedata.normalize("NFC", text)
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split()).encode("cp1252", errors="replace")


def _escape(data: bytes) -> bytes:
    """A PDF literal string's body (PDF 1.7 §7.3.4.2): backslash and both parentheses."""
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _units(data: bytes, widths: tuple[int, ...]) -> int:
    return sum(map(widths.__getitem__, data))


def _ellipsize(data: bytes, widths: tuple[int, ...], size: float, width: float) -> bytes:
    """``data`` if it fits in ``width`` points, else its longest fitting prefix and "…"."""
    limit = width * 1000 / size
    if _units(data, widths) <= limit:
        return data
    room = limit - widths[_ELLIPSIS[0]]
    total, end = 0, 0
    while end < len(data) and total + widths[data[end]] <= room:
        total += widths[data[end]]
        end += 1
    return data[:end].rstrip(b" ") + _ELLIPSIS if room >= 0 else b""


def _wrap(
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
            lines.append(_ellipsize(data[start:], widths, size, width))
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


def _write_pdf(contents: list[bytes], layout: Layout) -> bytes:
    """A PDF 1.4 file: catalog, page tree, two embedded fonts, info, then each page and its
    content."""
    width = layout.page_w_mm * _PT_PER_MM
    height = layout.page_h_mm * _PT_PER_MM
    first_page = 10  # object numbers 1-9 are fixed below; page i is 10 + 2i, its content 11 + 2i
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(contents)))
    title = _escape(_winansi(f"Kreislauf labels ({layout.name})"))
    f1, descriptor1, file1 = _font_objects(b"F1", 6)
    f2, descriptor2, file2 = _font_objects(b"F2", 8)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(contents)} >>".encode(),
        f1,
        f2,
        b"<< /Producer (Kreislauf) /Title (%s) >>" % title,
        descriptor1,
        file1,
        descriptor2,
        file2,
    ]
    page = (
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.3f} {height:.3f}] "
        "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>"
    )
    for i, content in enumerate(contents):
        # level 6 (zlib's default) makes the file 3 times smaller than level 1 for about
        # 0.04 s more per 1,000 labels
        stream = zlib.compress(content, 6)
        objects.append(page.format(first_page + 2 * i + 1).encode())
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
    # the comment of four high bytes tells transfer programs that the file is binary
    out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    offsets: list[int] = []
    position = len(out[0])
    for number, body in enumerate(objects, start=1):
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        offsets.append(position)
        out.append(chunk)
        position += len(chunk)
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)]
    xref += [b"%010d 00000 n \n" % offset for offset in offsets]
    out += xref
    out.append(
        b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, position)
    )
    return b"".join(out)


@cache
def _font_objects(resource: bytes, first: int) -> tuple[bytes, bytes, bytes]:
    """The font dictionary, its descriptor (object ``first``) and its embedded file (object
    ``first + 1``) of a simple TrueType font in WinAnsi encoding (PDF 1.7 §9.6.3, §9.8)."""
    font = _font(resource)
    # A subset's name starts with a tag of six capitals (§9.6.4); this one is derived from the
    # file, so that the same font gives the same bytes.
    digest = hashlib.sha256(font.data).digest()
    name = "".join(chr(65 + b % 26) for b in digest[:6]) + "+" + font.name
    widths = " ".join(map(str, font.widths[32:]))
    dictionary = (
        f"<< /Type /Font /Subtype /TrueType /BaseFont /{name} /FirstChar 32 /LastChar 255 "
        f"/Widths [{widths}] /FontDescriptor {first} 0 R /Encoding /WinAnsiEncoding >>"
    )
    # Flags 32: nonsymbolic, so that readers map WinAnsi codes through the font's Unicode cmap.
    # StemV is not in a TrueType file; typical stems of a regular and a bold sans will do, as
    # readers use it only to pick a substitute, and the font is embedded.
    descriptor = (
        f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 "
        f"/FontBBox [{' '.join(map(str, font.bbox))}] /ItalicAngle 0 /Ascent {font.ascent} "
        f"/Descent {-font.descent} /CapHeight {font.cap_height} "
        f"/StemV {140 if font.bold else 80} /FontFile2 {first + 1} 0 R >>"
    )
    stream = zlib.compress(font.data, 9)
    embedded = b"<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (
        len(stream),
        len(font.data),
        stream,
    )
    return dictionary.encode(), descriptor.encode(), embedded


def label_for(passport: Passport, host: str) -> Label:
    """The label of a passport: its URI as QR code, its name, and its serial or lot."""
    if passport.serial:
        line2 = f"Serial {passport.serial}"
    elif passport.lot:
        line2 = f"Lot {passport.lot}"
    else:
        line2 = f"GTIN {passport.gtin}" if passport.gtin else ""
    return Label(uri=passport.uri, title=passport.name, line2=line2, host=host)
