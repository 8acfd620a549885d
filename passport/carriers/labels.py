"""Print-ready label sheets: one QR code and a few lines of text per label, as a PDF.

Every label carries its passport's URI as a QR code drawn by ``passport.carriers.qr`` (the one
QR encoder of the project) and, beside or below it, the product name, a second line (serial
or lot) and the registry host, laid out in one of ``passport.carriers.layouts``. Measured on
1,000 labels with the QR codes already encoded, drawing and writing the sheet takes about
0.2 s and writes 0.37 MB; reportlab 5.1 (a 9 MB dependency) drawing the same rectangles and
text with its canvas took 1.8 s and wrote 1.5 MB. Encoding the codes (about 0.8 s) is the
floor; ``bench/labels.py`` has the figures.

What the output promises:

- Vector QR codes: one path per code of ``re`` rectangles, one per horizontal run of dark
  modules, filled once (a single fill leaves no hairline seams between abutting rectangles
  when a rasteriser anti-aliases), black on the white label. Each code keeps its 4-module
  quiet zone (ISO/IEC 18004 §6.3.8) inside the label's safe area and is as large as that area
  allows while leaving the text at least 40 % of the label.
- Text in the embedded faces of ``passport.carriers.faces``, measured with their own widths
  and glyph extents (``passport.carriers.text``), cut with an ellipsis where it would leave
  its box, which is also a clipping path.
- Deterministic bytes (``passport.carriers.pdf``): the same labels give the same file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from passport.carriers import qr
from passport.carriers.faces import Font, font
from passport.carriers.layouts import LAYOUTS, PT_PER_MM, Layout
from passport.carriers.pdf import escape, write_pdf
from passport.carriers.text import ellipsize, fit, winansi, wrap

if TYPE_CHECKING:
    from passport.models import Passport

__all__ = ["Label", "label_for", "label_sheet_pdf"]

# White between the quiet zone and the text box: anti-aliasing and a printer's dot gain widen an
# edge by up to a device pixel or dot (0.085 mm at 300 dpi), which must not reach into the zone
_TEXT_GAP = 0.25 * PT_PER_MM
_DARK_RUNS = re.compile("1+")


@dataclass(frozen=True)
class Label:
    """What one label shows. ``uri`` is encoded exactly as given (printable ASCII)."""

    uri: str  # the canonical GS1 Digital Link (or registry-minted) URI
    title: str  # product name; wrapped, then cut with an ellipsis where it would overflow
    line2: str = ""  # e.g. "Serial K1-000101" or "Lot 2026W14"
    host: str = ""  # registry host, e.g. "dpp.example.org", printed small
    number: str = ""  # the product number above line 2, e.g. "GTIN 04098765000010"


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
    return write_pdf(pages, layout)


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
        inset_x, inset_y = layout.inset_x_mm * PT_PER_MM, layout.inset_y_mm * PT_PER_MM
        w = layout.label_w_mm * PT_PER_MM - 2 * inset_x
        h = layout.label_h_mm * PT_PER_MM - 2 * inset_y
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
    left = x_mm * PT_PER_MM
    top = (layout.page_h_mm - y_mm) * PT_PER_MM  # PDF's y axis points up
    if label.uri not in paths:
        symbol = qr.encode(label.uri)
        paths[label.uri] = (symbol.size, _qr_path(symbol.rows))
    size, path = paths[label.uri]
    module = g.qr_side / (size + 2 * qr.QUIET_ZONE)
    # The path is in module units with y growing downwards, the order of the rows; the
    # negative y scale turns that onto PDF's upward axis.
    origin_x = left + g.qr_x + qr.QUIET_ZONE * module
    origin_y = top - g.qr_y - qr.QUIET_ZONE * module
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


def _text_block(label: Label, x: float, top: float, g: _Geometry) -> bytes:
    """Title (bold, wrapped), line 2 and host, from ``top`` down, inside the text box.

    Every line is measured with the embedded font's own widths and placed so that the ink of
    any glyph stays inside the box; a clip to the box makes that a promise of the drawing too.
    """
    regular, bold = font(b"F1"), font(b"F2")
    bottom = top - g.text_h
    lines: list[tuple[bytes, float, float, float, bytes]] = []  # font, size, x, baseline, text
    floor = bottom  # the title stays above this
    for text, size, space in (
        (label.host, g.host_size, 150),
        (label.line2, g.line2_size, 250),
        (label.number, g.line2_size, 250),
    ):
        data = winansi(text)
        if data:  # host at the bottom, line 2 and the number above it, each on one line
            if text is not label.host:  # an identifier is typed from the label: shrink, not cut
                size = _shrunk(data, regular, size, x, g.text_w)
            baseline = floor + regular.descent * size / 1000
            start, width = fit(regular, size, x, g.text_w)
            lines.append(
                (b"F1", size, start, baseline, ellipsize(data, regular.widths, size, width))
            )
            floor = baseline + (regular.ascent + space) * size / 1000
    size = g.title_size
    leading = 1.15 * size
    first = top - bold.ascent * size / 1000
    room = first - bold.descent * size / 1000 - floor  # first baseline to the lowest allowed
    count = int(room // leading) + 1 if room >= 0 else 0
    start, width = fit(bold, size, x, g.text_w)
    for i, row in enumerate(wrap(winansi(label.title), bold.widths, size, width, count)):
        lines.append((b"F2", size, start, first - i * leading, row))
    out = [b"q %.3f %.3f %.3f %.3f re W n\nBT\n" % (x, bottom, g.text_w, g.text_h)]
    current: tuple[bytes, float] | None = None
    for name, size, start, baseline, shown in lines:
        if not shown:
            continue
        if current != (name, size):
            current = (name, size)
            out.append(b"/%s %.1f Tf\n" % (name, size))
        out.append(b"1 0 0 1 %.3f %.3f Tm (%s) Tj\n" % (start, baseline, escape(shown)))
    out.append(b"ET\nQ\n")
    return b"".join(out)


# Identifier lines shrink to this size at the smallest before they are cut.
_SMALLEST = 4.5


def _shrunk(data: bytes, regular: Font, size: float, x: float, width: float) -> float:
    """The largest size down to ``_SMALLEST`` at which ``data`` fits on one line."""
    units = sum(regular.widths[c] for c in data)
    while size > _SMALLEST and units * size / 1000 > fit(regular, size, x, width)[1]:
        size = max(_SMALLEST, round(size - 0.1, 1))
    return size


def label_for(passport: Passport, host: str) -> Label:
    """The label of a passport: its URI as QR code, its name, and what a person types to find
    it (the repair start page reads every line): the GTIN, and the serial or lot; a community
    passport's id (the last part of its URI, ``<host>/c/<id>``)."""
    number = f"GTIN {passport.gtin}" if passport.gtin else ""
    if passport.serial:
        line2 = f"Serial {passport.serial}"
    elif passport.lot:
        line2 = f"Lot {passport.lot}"
    elif passport.community:
        line2 = "ID " + passport.uri.rstrip("/").rsplit("/", 1)[-1]
    else:
        line2 = f"GMN {passport.gmn}" if passport.gmn else ""
    return Label(uri=passport.uri, title=passport.name, line2=line2, host=host, number=number)
