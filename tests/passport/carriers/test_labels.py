"""Label sheets: every code on every page decodes to its own URI, inside its own label.

The PDF is checked with programs that share nothing with ``passport.carriers``: poppler
(Debian's poppler-utils: pdftoppm rasterises, pdftotext extracts text and word boxes, pdfinfo,
pdffonts and pdfimages read the structure) and zbar (Debian's zbar-tools: zbarimg decodes).
Cells are cropped from the page images with Pillow at positions computed here from the
layout's published dimensions, so a code drawn in the wrong cell fails to decode or decodes to
another label's URI. A missing tool fails the test with the package to install; never a skip.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from passport.carriers import faces, qr
from passport.carriers.labels import Label, label_sheet_pdf
from passport.carriers.layouts import LAYOUTS, Layout

DPI = 300
HOST = "registry.example.org"
BASE = f"https://{HOST}"
GTIN = "09520123456788"
LONG = (  # the longest values AI 22, 10 and 21 allow, slashes %2F-encoded (198 characters)
    "https://digital-product-passports.kreislauf-registry.example.org/01/09520123456788"
    "/22/2A%2F3B%2F4C%2F5D%2F6E%2F7F%2F8G/10/A%2FB%2FC%2FD%2FE%2FF%2FG%2FH%2FI%2FJ%25"
    "/21/SN%2F0001%2F0002%2F0003%2F04"
)
BATCH = f"{BASE}/01/{GTIN}/10/LOT%2F2026%2F11-A%2FB"
MODEL = f"{BASE}/8013/1987654Ad4X4bL5ttr2310c2K"


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install Debian's {package} (apt-get install {package})")
    return path


def _run(name: str, package: str, *args: str | Path) -> str:
    result = subprocess.run(
        [_tool(name, package), *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    # poppler reports a damaged file ("Syntax Error", "Invalid XRef entry") on stderr and
    # carries on, so a clean stderr is part of the check
    assert result.stderr == "", f"{name} complained: {result.stderr}"
    return result.stdout


def rasterise(pdf: bytes, tmp_path: Path) -> list[Path]:
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    # Grey, uncompressed (PGM): ten times faster than PNG at 300 dpi, and what zbar reads.
    _run("pdftoppm", "poppler-utils", "-r", DPI, "-gray", path, tmp_path / "page")
    return sorted(tmp_path.glob("page-*.pgm"))


def load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.copy()


def zbarimg(path: Path) -> str:
    """Decode the QR code(s) of an image with zbar: one text per line."""
    result = subprocess.run(
        [_tool("zbarimg", "zbar-tools"), "--raw", "-q", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return result.stdout.removesuffix("\n")


def pdfinfo(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    lines = _run("pdfinfo", "poppler-utils", path).splitlines()
    return {key.strip(): value.strip() for key, _, value in (x.partition(":") for x in lines)}


def px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def cell_mm(layout: Layout, index: int) -> tuple[float, float]:
    """Top-left corner of label ``index`` on its page, from the layout's published dimensions."""
    row, col = divmod(index % (layout.cols * layout.rows), layout.cols)
    left = layout.margin_left_mm + col * (layout.label_w_mm + layout.gap_x_mm)
    top = layout.margin_top_mm + row * (layout.label_h_mm + layout.gap_y_mm)
    return left, top


def cell_box(layout: Layout, index: int) -> tuple[int, int, int, int]:
    """Pixel box of label ``index`` on its page image."""
    left, top = cell_mm(layout, index)
    return px(left), px(top), px(left + layout.label_w_mm), px(top + layout.label_h_mm)


@dataclass
class Symbol:
    left: int
    top: int
    side: int  # pixels
    module: float  # pixels


def dark(image: Image.Image) -> Image.Image:
    """255 where the image is dark, 0 where light, so that getbbox() finds the ink."""
    return image.convert("L").point(lambda v: 255 if v < 128 else 0)


def find_symbol(ink: Image.Image, modules: int, qr_on_top: bool) -> Symbol:
    """Locate the QR symbol (dark modules only) in a label image.

    The code is the leftmost ink of a label that has the text beside it (the topmost when the
    text is below). The outer ring of the finder patterns is dark for seven modules, so a thin
    strip just inside that edge runs from the symbol's first dark row (column) to its last.
    """
    left, top, _, _ = ink.getbbox()
    if qr_on_top:
        strip = ink.crop((0, top + 2, ink.width, top + 3)).getbbox()
        left, right = strip[0], strip[2]
        side = right - left
    else:
        strip = ink.crop((left + 2, 0, left + 3, ink.height)).getbbox()
        top, bottom = strip[1], strip[3]
        side = bottom - top
    return Symbol(left, top, side, side / modules)


def assert_quiet_zone(ink: Image.Image, symbol: Symbol) -> None:
    """Four modules of white on every side of the symbol, all of it inside the label."""
    zone = math.ceil(4 * symbol.module)
    s = symbol
    assert s.left - zone >= 0 and s.top - zone >= 0, "the quiet zone leaves the label"
    assert s.left + s.side + zone <= ink.width and s.top + s.side + zone <= ink.height
    bands = {  # 1 pixel of slack next to the symbol for anti-aliased edges
        "left": (s.left - zone, s.top - zone, s.left - 1, s.top + s.side + zone),
        "right": (s.left + s.side + 1, s.top - zone, s.left + s.side + zone, s.top + s.side + zone),
        "top": (s.left - zone, s.top - zone, s.left + s.side + zone, s.top - 1),
        "bottom": (
            s.left - zone,
            s.top + s.side + 1,
            s.left + s.side + zone,
            s.top + s.side + zone,
        ),
    }
    for side, box in bands.items():
        assert ink.crop(box).getbbox() is None, f"ink in the quiet zone, {side} of the symbol"


def sheet_labels(n: int) -> list[Label]:
    """n labels with distinct URIs: items, a batch with %2F in its lot, a model, a long one."""
    labels = [
        Label(BATCH, "Wasserkocher Größe 1,7 l", "Lot LOT/2026/11-A/B", HOST),
        Label(LONG, "Kettle (K1) with a \\ backslash", "Serial SN/0001/0002/0003/04", HOST),
        Label(MODEL, "Acme K1 electric kettle (model)", "Model K1", HOST),
    ]
    for i in range(n - len(labels)):
        uri = f"{BASE}/01/{GTIN}/21/K1-{i:06d}"
        labels.append(Label(uri, f"Acme K1 kettle no. {i}", f"Serial K1-{i:06d}", HOST))
    return labels


def test_every_code_on_a_two_page_sheet_decodes_in_its_own_cell(tmp_path):
    layout = LAYOUTS["a4-3x7"]
    labels = sheet_labels(23)  # 21 on the first page, 2 on the second
    pages = rasterise(label_sheet_pdf(labels, "a4-3x7"), tmp_path)
    assert len(pages) == 2
    images = [load(page) for page in pages]
    for image in images:  # pdftoppm rounds the page size up to whole pixels
        assert abs(image.width - px(210)) <= 1 and abs(image.height - px(297)) <= 1
    for i, label in enumerate(labels):
        crop = images[i // 21].crop(cell_box(layout, i))
        crop.save(tmp_path / f"cell-{i}.pgm")
        assert zbarimg(tmp_path / f"cell-{i}.pgm") == label.uri, f"label {i} ({label.uri})"
        ink = dark(crop)
        symbol = find_symbol(ink, qr.encode(label.uri).size, qr_on_top=False)
        assert_quiet_zone(ink, symbol)
        assert symbol.side / DPI * 25.4 >= 18, "the code should be at least 18 mm wide"
    # the rest of the second sheet stays blank: those labels are still usable
    for cell in range(2, 21):
        assert dark(images[1].crop(cell_box(layout, cell))).getbbox() is None
    # and nothing is printed between or around the labels of a full sheet
    page = dark(images[0])
    for i in range(21):
        left, top, right, bottom = cell_box(layout, i)
        page.paste(0, (left, top, right, bottom))
    assert page.getbbox() is None


@pytest.mark.parametrize("name", ["single-62x29", "single-62x100"])
def test_single_label_layouts_print_one_decodable_label_per_page(name, tmp_path):
    layout = LAYOUTS[name]
    assert (layout.cols, layout.rows) == (1, 1)
    labels = [sheet_labels(4)[i] for i in (0, 1, 3)]  # batch, long, item
    pdf = label_sheet_pdf(labels, name)
    info = pdfinfo(pdf, tmp_path)
    assert info["Pages"] == "3"
    w, h = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(w / 72 * 25.4, 1), round(h / 72 * 25.4, 1)) == (
        layout.page_w_mm,
        layout.page_h_mm,
    )
    pages = rasterise(pdf, tmp_path)
    assert len(pages) == 3
    for page, label in zip(pages, labels, strict=True):
        assert zbarimg(page) == label.uri
        ink = dark(load(page))
        tall = layout.label_h_mm > layout.label_w_mm
        symbol = find_symbol(ink, qr.encode(label.uri).size, qr_on_top=tall)
        assert_quiet_zone(ink, symbol)


def text_of(pdf: bytes, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return _run("pdftotext", "poppler-utils", *options, path, "-")


def test_text_shows_titles_and_lines_with_umlauts_and_replaced_characters(tmp_path):
    labels = [
        Label(BATCH, "Wasserkocher Größe", "Lot 2026W14", "dpp.example.org"),
        Label(MODEL, "Kettle (K1) \\ (", "Serial K1-000101", "dpp.example.org"),
        Label(f"{BASE}/01/{GTIN}/21/3", "水 Kessel", "Charge ÄÖÜ äöü ß €", "dpp.example.org"),
        # NFD input (o + combining diaeresis) prints as the one WinAnsi character
        Label(f"{BASE}/01/{GTIN}/21/4", "Gro\u0308sse", "tab\tand\nnewline", "dpp.example.org"),
    ]
    for layout in LAYOUTS:
        # a wrapped title comes out as several lines: compare words, not line breaks
        text = " ".join(text_of(label_sheet_pdf(labels, layout), tmp_path).split())
        for expected in (
            "Wasserkocher Größe",
            "Lot 2026W14",
            "Kettle (K1) \\ (",
            "Serial K1-000101",
            "? Kessel",
            "Charge ÄÖÜ äöü ß €",
            "Grösse",
            "tab and newline",
            "dpp.example.org",
        ):
            assert expected in text, f"{expected!r} missing on {layout}:\n{text}"
        assert "水" not in text


def test_long_text_is_cut_with_an_ellipsis_and_never_leaves_its_label(tmp_path):
    title = "Cordless kettle with limescale filter " * 6 + "Supercalifragilisticexpialidocious" * 3
    labels = [
        Label(f"{BASE}/01/{GTIN}/21/{i}", title, "Serial " + "K1-000101-" * 8, "dpp." * 20 + "org")
        for i in range(4)
    ] + [Label(LONG, "Supercalifragilisticexpialidocious" * 4, "", "")]
    for name, layout in LAYOUTS.items():
        pdf = label_sheet_pdf(labels, name)
        text = text_of(pdf, tmp_path)
        assert "Cordless kettle" in text and "…" in text, text
        # a word wider than a line is broken, not lost
        assert "Supercalifragilistic" in "".join(text.split())
        cells = [cell_mm(layout, i) for i in range(layout.cols * layout.rows)]
        boxes = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">',
            text_of(pdf, tmp_path, "-bbox"),
        )
        assert boxes
        for box in boxes:
            x0, y0, x1, y1 = (float(v) / 72 * 25.4 for v in box)
            assert any(
                cx - 0.05 <= x0
                and x1 <= cx + layout.label_w_mm + 0.05
                and cy - 0.05 <= y0
                and y1 <= cy + layout.label_h_mm + 0.05
                for cx, cy in cells
            ), f"on {name}, a word at {x0:.1f},{y0:.1f}-{x1:.1f},{y1:.1f} mm leaves its label"


def test_the_pdf_is_vector_and_embeds_every_font_it_uses(tmp_path):
    path = tmp_path / "v.pdf"
    path.write_bytes(label_sheet_pdf(sheet_labels(5)))
    images = _run("pdfimages", "poppler-utils", "-list", path).splitlines()
    assert len(images) == 2, "the QR codes must be vector paths, not images"  # header only
    fonts = _run("pdffonts", "poppler-utils", path).splitlines()[2:]
    # columns: name, type (one or two words), encoding, emb, sub, uni, object, generation
    assert sorted(line.split()[0].partition("+")[2] for line in fonts) == [
        "DejaVuSans",
        "DejaVuSans-Bold",
    ]
    for line in fonts:
        emb, sub, _, _, _ = line.split()[-5:]
        assert (emb, sub) == ("yes", "yes"), f"not embedded as a subset: {line}"
        assert line.split()[1:3] == ["TrueType", "WinAnsi"], line


def test_the_shipped_fonts_are_the_files_their_sources_name():
    folder = Path(faces.__file__).parent / "fonts"
    rows = re.findall(
        r"^\| `([^`]+)` \|.*\| ([0-9a-f]{64}) \|", (folder / "SOURCES.md").read_text(), re.M
    )
    assert {name for name, _ in rows} >= {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"}
    for name, sha256 in rows:
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha256, name


def test_the_same_pdf_renders_the_same_pixels_without_any_system_font(tmp_path):
    """A reader with no fonts at all draws what this machine draws: nothing is substituted."""
    labels = [
        Label(BATCH, "Jäger Wasserkocher Größe 1,7 l – 25 € günstiger", "Lot ÄÖÜ äöü ß", HOST),
        Label(MODEL, "Acme K1 electric kettle (model)", "Model K1", HOST),
    ]
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(label_sheet_pdf(labels, "single-62x29"))
    # a configuration that names no font directory: fontconfig finds no font on the machine
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')
    renders = []
    for run, env in enumerate([{}, {}, {"FONTCONFIG_FILE": str(config)}]):
        result = subprocess.run(
            [_tool("pdftoppm", "poppler-utils"), "-r", "150", "-png", pdf, tmp_path / f"r{run}"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **env},
        )
        # poppler says "Couldn't find a font for 'Helvetica'" when it would have to substitute
        assert result.returncode == 0 and result.stderr == "", result.stderr
        pages = sorted(tmp_path.glob(f"r{run}-*.png"))
        assert len(pages) == 2
        renders.append([load(page).tobytes() for page in pages])
        assert any(dark(load(page)).getbbox() for page in pages)
    assert renders[0] == renders[1] == renders[2]


@pytest.mark.parametrize("name", ["a4-3x7", "single-62x29"])
def test_a_long_name_with_umlauts_stays_inside_its_cell(name, tmp_path):
    layout = LAYOUTS[name]
    # J reaches furthest left of its origin in DejaVu Sans Bold, right beside the quiet zone
    title = "Jäger-Großküchen-Wasserkocher ÄÖÜ äöü ß mit Überhitzungsschutz und Kalkfilter " * 3
    labels = [
        Label(f"{BASE}/01/{GTIN}/21/J-{i:03d}", title, "Größe " + "Ü" * 40, "ä." * 40 + "org")
        for i in range(layout.per_page)
    ]
    pdf = label_sheet_pdf(labels, name)
    text = text_of(pdf, tmp_path)
    assert "Jäger-Großküchen" in "".join(text.split()) and "…" in text, text
    pages = rasterise(pdf, tmp_path)
    assert len(pages) == 1
    page = load(pages[0])
    for i, label in enumerate(labels):
        crop = page.crop(cell_box(layout, i))
        crop.save(tmp_path / f"cell-{i}.pgm")
        assert zbarimg(tmp_path / f"cell-{i}.pgm") == label.uri
        ink = dark(crop)
        symbol = find_symbol(ink, qr.encode(label.uri).size, qr_on_top=False)
        assert_quiet_zone(ink, symbol)
        # and the text keeps out of the label's unprintable border (1 pixel of slack)
        x, y = px(layout.inset_x_mm) - 1, px(layout.inset_y_mm) - 1
        for side, box in {
            "right": (ink.width - x, 0, ink.width, ink.height),
            "bottom": (0, ink.height - y, ink.width, ink.height),
            "top": (0, 0, ink.width, y),
        }.items():
            assert ink.crop(box).getbbox() is None, f"label {i}: ink in the {side} border"
    ink = dark(page)
    for i in range(layout.per_page):
        ink.paste(0, cell_box(layout, i))
    assert ink.getbbox() is None, "ink outside the labels"


def test_ten_sheets_of_labels_render_quickly_into_a_valid_pdf(tmp_path):
    labels = [
        Label(f"{BASE}/01/{GTIN}/21/T-{i:06d}", f"Acme K1 kettle {i}", f"Serial T-{i:06d}", HOST)
        for i in range(200)
    ]
    # CPU time, not wall time: a busy CI machine must not fail this. It guards against a
    # pathological slowdown only (about 0.5 s here); bench/labels.py measures 1,000 labels.
    started = time.process_time()
    pdf = label_sheet_pdf(labels)
    elapsed = time.process_time() - started
    assert elapsed < 4, f"200 labels took {elapsed:.1f} s of CPU"
    info = pdfinfo(pdf, tmp_path)
    assert info["Pages"] == str(math.ceil(200 / 21))
    assert info["Page size"].startswith("595.276 x 841.89 pts (A4)")
    # the last page holds the last label, in its 11th cell
    text = " ".join(text_of(pdf, tmp_path).split())
    assert "Acme K1 kettle 199" in text and "Serial T-000199" in text


def test_output_is_deterministic_and_repeated_uris_are_fine():
    labels = [Label(BATCH, "Kettle", f"Lot copy {i}", HOST) for i in range(30)]
    assert label_sheet_pdf(labels) == label_sheet_pdf(labels)
    assert label_sheet_pdf(labels[:1]) != label_sheet_pdf(labels[:2])


def test_a_layout_object_can_be_passed_directly(tmp_path):
    # US Letter, 2 x 5 labels of 4 x 2 in (the Avery 5163 geometry)
    letter = Layout("letter-2x5", 215.9, 279.4, 2, 5, 101.6, 50.8, 3.97, 12.7, 4.76, 0)
    pdf = label_sheet_pdf(sheet_labels(11), letter)
    assert pdfinfo(pdf, tmp_path)["Pages"] == "2"
    pages = rasterise(pdf, tmp_path)
    first = load(pages[0]).crop(cell_box(letter, 0))
    first.save(tmp_path / "first.pgm")
    assert zbarimg(tmp_path / "first.pgm") == BATCH


@pytest.mark.parametrize(
    ("labels", "layout", "message"),
    [
        ([], "a4-3x7", "no labels"),
        ([Label(BATCH, "x", "", "")], "a4-9x9", "unknown label layout"),
        ([Label("https://example.org/ä", "x", "", "")], "a4-3x7", "printable ASCII"),
        ([Label("", "x", "", "")], "a4-3x7", "non-empty"),
    ],
)
def test_bad_input_is_refused(labels, layout, message):
    with pytest.raises(ValueError, match=message):
        label_sheet_pdf(labels, layout)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cols": 4}, "do not fit"),
        ({"margin_top_mm": 40}, "do not fit"),
        ({"rows": 0}, "at least one"),
        ({"gap_x_mm": -1}, "negative"),
        ({"label_w_mm": 12, "label_h_mm": 8}, "too small"),
    ],
)
def test_impossible_layouts_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(LAYOUTS["a4-3x7"], **changes)


def test_the_l7160_layout_is_the_published_geometry():
    layout = LAYOUTS["a4-3x7"]
    assert (layout.page_w_mm, layout.page_h_mm, layout.cols, layout.rows) == (210, 297, 3, 7)
    assert (layout.label_w_mm, layout.label_h_mm) == (63.5, 38.1)
    assert (layout.margin_left_mm, layout.margin_top_mm) == (7.2, 15.15)
    assert (layout.gap_x_mm, layout.gap_y_mm) == (2.5, 0)
    # the sheet is symmetric top to bottom and within 0.1 mm left to right
    assert layout.margin_top_mm + 7 * 38.1 + layout.margin_top_mm == pytest.approx(297)
    right = 210 - layout.margin_left_mm - 3 * 63.5 - 2 * 2.5
    assert right - layout.margin_left_mm == pytest.approx(0.1)
