"""QR codes carry exactly the canonical URI, at error correction M, with a 4-module quiet zone.

Decodability is checked by programs that share nothing with ``passport.carriers.qr``: zbarimg
(Debian's zbar-tools) decodes, and librsvg's ``rsvg-convert`` (Debian's librsvg2-bin) turns
the SVG into pixels first. Error correction level, mask and quiet zone are read back from
the PNG's pixels with Pillow; the modules are compared with segno's own symbols.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import segno
from PIL import Image

from passport.carriers import qr

SVG_NS = "{http://www.w3.org/2000/svg}"

URIS = {
    "item": "https://registry.example.org/01/09520123456788/21/12345",
    "batch": "https://registry.example.org/01/09520123456788/10/LOT%2F2026%2F11-A%2FB",
    "model": "https://registry.example.org/8013/1987654Ad4X4bL5ttr2310c2K",
    # the longest values AI 22, 10 and 21 allow (20 characters), slashes %2F-encoded
    "long": (
        "https://digital-product-passports.kreislauf-registry.example.org/01/09520123456788"
        "/22/2A%2F3B%2F4C%2F5D%2F6E%2F7F%2F8G/10/A%2FB%2FC%2FD%2FE%2FF%2FG%2FH%2FI%2FJ%25"
        "/21/SN%2F0001%2F0002%2F0003%2F04"
    ),
}


def test_the_long_uri_is_near_200_characters():
    assert 190 <= len(URIS["long"]) <= 200


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install Debian's {package} (.ci/system-deps does)")
    return path


def zbarimg(path: Path) -> str:
    """Decode the one QR code in an image file with zbar."""
    result = subprocess.run(
        [_tool("zbarimg", "zbar-tools"), "--raw", "-q", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout.removesuffix("\n")


def rsvg_convert(svg: Path, png: Path) -> None:
    """Rasterise an SVG with librsvg, a renderer independent of ours."""
    subprocess.run(
        [_tool("rsvg-convert", "librsvg2-bin"), "--format=png", f"--output={png}", str(svg)],
        check=True,
        timeout=30,
    )


@pytest.mark.parametrize("kind", URIS)
def test_png_decodes_to_exactly_the_uri(kind, tmp_path):
    path = tmp_path / "qr.png"
    path.write_bytes(qr.qr_png(URIS[kind]))
    assert zbarimg(path) == URIS[kind]


@pytest.mark.parametrize("kind", URIS)
def test_svg_decodes_to_exactly_the_uri(kind, tmp_path):
    svg, png = tmp_path / "qr.svg", tmp_path / "qr.png"
    svg.write_bytes(qr.qr_svg(URIS[kind], title=URIS[kind]))
    rsvg_convert(svg, png)
    with Image.open(png) as image:
        # librsvg drew it at the size the SVG asks for: 8 px per module and the quiet zone
        assert image.size == ((qr.encode(URIS[kind]).size + 8) * 8,) * 2
    assert zbarimg(png) == URIS[kind]


def test_small_modules_and_a_wider_quiet_zone_still_decode(tmp_path):
    path = tmp_path / "qr.png"
    path.write_bytes(qr.qr_png(URIS["item"], module_px=3, quiet_zone=6))
    assert zbarimg(path) == URIS["item"]
    svg, png = tmp_path / "qr.svg", tmp_path / "qr-svg.png"
    svg.write_bytes(qr.qr_svg(URIS["item"], module_px=3, quiet_zone=6))
    rsvg_convert(svg, png)
    assert zbarimg(png) == URIS["item"]


# Format information (ISO/IEC 18004:2015 §7.9.1): bit 14 ... bit 0 along row 8 from the left
# (skipping the timing column 6) and, the second copy, up column 8 from the bottom, then along
# row 8 on the right. 15 bits: error correction level (2), mask (3), BCH (10), XOR 0x5412.
def _format_cells(size: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    first = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    second = [(size - 1 - i, 8) for i in range(7)] + [(8, size - 8 + i) for i in range(8)]
    return first, second


def _bch_format(data: int) -> int:
    """The 15-bit format word for 5 data bits (generator 0x537), masked with 0x5412."""
    remainder = data << 10
    for bit in range(14, 9, -1):
        if remainder >> bit & 1:
            remainder ^= 0x537 << (bit - 10)
    return (data << 10 | remainder) ^ 0x5412


def _png_modules(png: bytes, module_px: int, quiet_zone: int) -> list[list[bool]]:
    """Sample the centre of every module of a PNG drawn by qr_png (True for dark)."""
    import io

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.mode == "1"  # 1-bit
        image.load()
        side = image.size[0] // module_px - 2 * quiet_zone
        pixels = image.load()
        offset = quiet_zone * module_px + module_px // 2
        return [
            [pixels[offset + c * module_px, offset + r * module_px] == 0 for c in range(side)]
            for r in range(side)
        ]


@pytest.mark.parametrize("kind", URIS)
def test_error_correction_level_m_and_the_smallest_version(kind):
    text = URIS[kind]
    modules = _png_modules(qr.qr_png(text), 8, 4)
    size = len(modules)
    version = (size - 17) // 4
    valid = {_bch_format(data): data for data in range(32)}
    for cells in _format_cells(size):
        word = 0
        for r, c in cells:
            word = word << 1 | modules[r][c]
        assert word in valid, "format information fails its BCH code"
        data = valid[word]
        assert data >> 3 == 0b00, "error correction level is not M"
        assert data & 0b111 == qr.encode(text).mask
    # the smallest version: one less does not hold the text at level M
    assert segno.make_qr(text, error="m", boost_error=False).version == version
    with pytest.raises(segno.DataOverflowError):
        segno.make_qr(text, error="m", version=version - 1, boost_error=False)


@pytest.mark.parametrize(("module_px", "quiet_zone"), [(8, 4), (3, 4), (5, 7)])
def test_png_quiet_zone_is_exactly_the_requested_width(module_px, quiet_zone):
    import io

    png = qr.qr_png(URIS["item"], module_px=module_px, quiet_zone=quiet_zone)
    assert png[24:26] == b"\x01\x00"  # IHDR: bit depth 1, greyscale
    size = qr.encode(URIS["item"]).size
    with Image.open(io.BytesIO(png)) as image:
        side = (size + 2 * quiet_zone) * module_px
        assert image.size == (side, side)
        pixels = image.convert("L").load()
        border = quiet_zone * module_px

        def white(x: int, y: int) -> bool:
            return pixels[x, y] == 255

        for i in range(side):
            for j in range(border):
                assert white(i, j) and white(j, i)
                assert white(i, side - 1 - j) and white(side - 1 - j, i)
        # the three finder patterns start right where the quiet zone ends
        assert not white(border, border)
        assert not white(side - border - 1, border)
        assert not white(border, side - border - 1)


def test_quiet_zone_below_four_modules_and_bad_sizes_are_refused():
    for call in (qr.qr_png, qr.qr_svg):
        with pytest.raises(ValueError, match="at least 4"):
            call(URIS["item"], quiet_zone=3)
        with pytest.raises(ValueError, match="module_px"):
            call(URIS["item"], module_px=0)


@pytest.mark.parametrize("text", ["", "https://example.org/ü", "https://example.org/a\nb"])
def test_only_printable_ascii_texts_are_encoded(text):
    with pytest.raises(ValueError):
        qr.encode(text)


def _segno_rows(code: segno.QRCode) -> tuple[str, ...]:
    return tuple("".join(map(str, row)) for row in code.matrix)


@pytest.mark.parametrize("kind", URIS)
def test_symbols_are_segnos_for_every_mask_and_its_choice_of_mask(kind):
    text = URIS[kind]
    chosen = segno.make_qr(text, error="m", boost_error=False)
    symbol = qr.encode(text)
    assert (symbol.version, symbol.mask, symbol.mode) == (chosen.version, chosen.mask, chosen.mode)
    assert symbol.rows == _segno_rows(chosen)
    for mask in range(8):
        expected = segno.make_qr(text, error="m", boost_error=False, mask=mask)
        assert qr.encode(text, mask=mask).rows == _segno_rows(expected)


def _texts(seed: int) -> list[str]:
    """Texts of every mode and of lengths across the versions (byte mode up to version 40)."""
    rnd = random.Random(seed)
    alphabets = ["0123456789", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", URIS["long"]]
    lengths = [1, 2, 3, 13, 14, 15, 16, 17, 60, 61, 62, 63, 200, 501, 1000, 2331]
    return [
        "".join(rnd.choice(alphabet) for _ in range(length))
        for alphabet in alphabets
        for length in lengths
    ]


@pytest.mark.parametrize("seed", [1])
def test_symbols_are_segnos_for_texts_of_every_mode_and_length(seed):
    # qr_codewords builds the message (mode, version, padding, Reed-Solomon, interleaving)
    # without segno; the symbols must still be the ones segno makes, module for module.
    for text in _texts(seed):
        chosen = segno.make_qr(text, error="m", boost_error=False)
        symbol = qr.encode(text)
        assert (symbol.version, symbol.mask, symbol.mode) == (
            chosen.version,
            chosen.mask,
            chosen.mode,
        ), text
        assert symbol.rows == _segno_rows(chosen), text


@pytest.mark.parametrize("mask", [-1, 8, 1.5])
def test_a_mask_outside_0_to_7_is_refused(mask):
    with pytest.raises(ValueError, match="mask must be 0 to 7"):
        qr.encode(URIS["item"], mask=mask)


def test_a_text_too_long_for_version_40_is_refused():
    with pytest.raises(ValueError, match="too long"):
        qr.encode("a" * 2332)  # version 40-M holds 2,331 bytes


@pytest.mark.parametrize("version", [1, 2, 7, 14, 21, 32, 40])
def test_layout_of_versions_with_new_alignment_rows_or_version_information(version):
    # Versions 7, 14, 21 add a row of alignment patterns (and from 7 version information);
    # version 32 is the one irregular step in ISO/IEC 18004 Annex E.
    made = segno.make_qr("0123456789", version=version, error="m", boost_error=False)
    symbol = qr._symbol("0123456789", version=version)
    assert (symbol.version, symbol.mask) == (version, made.mask)
    assert symbol.rows == _segno_rows(made)


def test_alignment_pattern_centres_follow_annex_e():
    annex_e = {
        1: [],
        2: [6, 18],
        7: [6, 22, 38],
        14: [6, 26, 46, 66],
        32: [6, 34, 60, 86, 112, 138],
        36: [6, 24, 50, 76, 102, 128, 154],
        40: [6, 30, 58, 86, 114, 142, 170],
    }
    for version, centres in annex_e.items():
        assert qr._alignment_centres(version) == centres


def test_alphanumeric_mode_when_the_text_allows_it():
    assert qr.encode("HTTPS://REGISTRY.EXAMPLE.ORG/01/09520123456788").mode == "alphanumeric"
    assert qr.encode(URIS["item"]).mode == "byte"


def test_qr_matrix_is_rows_of_booleans():
    matrix = qr.qr_matrix(URIS["item"])
    size = qr.encode(URIS["item"]).size
    assert len(matrix) == size and all(len(row) == size for row in matrix)
    assert all(isinstance(module, bool) for row in matrix for module in row)
    assert matrix[0][:7] == [True] * 7  # the top of the upper left finder pattern


def _svg_dark_cells(d: str) -> set[tuple[int, int]]:
    """Modules under the stroked horizontal segments of an SVG path (M, m and h only)."""
    cells: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", d):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":
            cells |= {(int(y), int(x) + i) for i in range(int(numbers[0]))}
            x += numbers[0]
        else:  # pragma: no cover - never produced
            raise AssertionError(command)
    return cells


def test_svg_is_one_crisp_path_on_a_white_square_with_a_title():
    title = 'Kettle <K1> & "friends"'
    svg = qr.qr_svg(URIS["item"], module_px=5, title=title)
    root = ET.fromstring(svg)
    size = qr.encode(URIS["item"]).size
    side = size + 8
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert root.get("width") == root.get("height") == str(side * 5)
    assert root.get("shape-rendering") == "crispEdges"
    assert root.get("role") == "img"
    children = list(root)
    assert [child.tag for child in children] == [f"{SVG_NS}{t}" for t in ("title", "rect", "path")]
    assert children[0].text == title
    rect = children[1]
    assert (rect.get("width"), rect.get("height"), rect.get("fill")) == (str(side),) * 2 + ("#fff",)
    path = children[2]
    assert path.get("stroke") == "#000"
    matrix = qr.qr_matrix(URIS["item"])
    expected = {(r + 4, c + 4) for r in range(size) for c in range(size) if matrix[r][c]}
    assert _svg_dark_cells(path.get("d")) == expected


def test_svg_without_a_title_has_none():
    root = ET.fromstring(qr.qr_svg(URIS["item"]))
    assert root.find(f"{SVG_NS}title") is None and root.get("role") is None
