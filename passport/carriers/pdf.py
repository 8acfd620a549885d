"""The PDF file of a label sheet, written without a PDF library, fonts embedded.

A sheet needs only rectangles, text in two embedded fonts and a cross-reference table, so the
file is written here: a PDF 1.4 catalog, page tree, the two faces of
``passport.carriers.faces`` as simple TrueType fonts in WinAnsi encoding (about 26 KB), an
info dictionary, then each page and its compressed content stream. Measured on 1,000 labels,
this writer takes about 0.2 s; ``bench/labels.py`` has the figures.

The bytes are deterministic: no creation date or random file id, so the same labels give the
same file (reproducible prints, cacheable downloads).
"""

from __future__ import annotations

import hashlib
import zlib
from functools import cache

from passport.carriers.faces import font
from passport.carriers.layouts import PT_PER_MM, Layout
from passport.carriers.text import winansi

__all__ = ["escape", "write_pdf"]


def escape(data: bytes) -> bytes:
    """A PDF literal string's body (PDF 1.7 §7.3.4.2): backslash and both parentheses."""
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def write_pdf(contents: list[bytes], layout: Layout) -> bytes:
    """A PDF 1.4 file: catalog, page tree, two embedded fonts, info, then each page and its
    content."""
    width = layout.page_w_mm * PT_PER_MM
    height = layout.page_h_mm * PT_PER_MM
    first_page = 10  # object numbers 1-9 are fixed below; page i is 10 + 2i, its content 11 + 2i
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(contents)))
    title = escape(winansi(f"Kreislauf labels ({layout.name})"))
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
    face = font(resource)
    # A subset's name starts with a tag of six capitals (§9.6.4); this one is derived from the
    # file, so that the same font gives the same bytes.
    digest = hashlib.sha256(face.data).digest()
    name = "".join(chr(65 + b % 26) for b in digest[:6]) + "+" + face.name
    widths = " ".join(map(str, face.widths[32:]))
    dictionary = (
        f"<< /Type /Font /Subtype /TrueType /BaseFont /{name} /FirstChar 32 /LastChar 255 "
        f"/Widths [{widths}] /FontDescriptor {first} 0 R /Encoding /WinAnsiEncoding >>"
    )
    # Flags 32: nonsymbolic, so that readers map WinAnsi codes through the font's Unicode cmap.
    # StemV is not in a TrueType file; typical stems of a regular and a bold sans will do, as
    # readers use it only to pick a substitute, and the font is embedded.
    descriptor = (
        f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 "
        f"/FontBBox [{' '.join(map(str, face.bbox))}] /ItalicAngle 0 /Ascent {face.ascent} "
        f"/Descent {-face.descent} /CapHeight {face.cap_height} "
        f"/StemV {140 if face.bold else 80} /FontFile2 {first + 1} 0 R >>"
    )
    stream = zlib.compress(face.data, 9)
    embedded = b"<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (
        len(stream),
        len(face.data),
        stream,
    )
    return dictionary.encode(), descriptor.encode(), embedded
