"""Label sheets (``passport.carriers.labels.label_sheet_pdf``) vs the same QR codes alone.

Every label needs its QR code, so ``passport.carriers.qr.encode`` of the same URIs is the floor
that no label writer can beat; it is measured in the same run as the baseline and the label
sheets are reported as a ratio of its throughput (1.0 would mean drawing and writing the PDF
cost nothing). The target of the label-sheet issue: 1,000 labels well under 2 s. Every URI is
different (no two measurements of the run share one), so nothing per URI can be reused; the
module layout of each QR version is built once per process, as the warm-up does here. A
sample of every round's codes is rasterised by poppler's pdftoppm, cropped to its label and
decoded by zbarimg.

Usage: python bench/labels.py [--n 1000] [--rounds 3] [--write docs/PERFORMANCE.md]
``run(size)`` is the same measurement for ``python -m bench`` (see bench/__main__.py).
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bulk_issuance import write_section  # noqa: E402

from bench.common import Row  # noqa: E402
from passport.carriers import qr  # noqa: E402
from passport.carriers.labels import Label, label_sheet_pdf  # noqa: E402
from passport.carriers.layouts import LAYOUTS  # noqa: E402

BASE = "https://dpp.example.org/01/09520123456788/21/"
HOST = "dpp.example.org"
DPI = 300


def batch(n: int, measure: int, round_: int) -> list[Label]:
    """n item labels, all URIs of one length, that no other measurement of the run uses."""
    return [
        Label(
            uri=f"{BASE}K{measure}{round_:02d}-{i:06d}",
            title="Acme K1 Wasserkocher 1,7 l (Edelstahl)",
            line2=f"Serial K{measure}{round_:02d}-{i:06d}",
            host=HOST,
        )
        for i in range(n)
    ]


def encode_only(labels: list[Label]) -> object:
    return [qr.encode(label.uri) for label in labels]


MEASURES: dict[str, Callable[[list[Label]], object]] = {
    "baseline": encode_only,
    "a4-3x7": lambda labels: label_sheet_pdf(labels, "a4-3x7"),
    "single-62x29": lambda labels: label_sheet_pdf(labels, "single-62x29"),
}


def decodes(pdf: bytes, labels: list[Label], indices: list[int], workdir: Path) -> int:
    """How many of the labels at ``indices`` (on an a4-3x7 sheet) zbarimg reads back."""
    layout = LAYOUTS["a4-3x7"]
    path = workdir / "sheet.pdf"
    path.write_bytes(pdf)
    from PIL import Image  # a test dependency; only needed when the tools are there

    decoded = 0
    for i in indices:
        page = i // layout.per_page + 1
        prefix = workdir / f"page{page}"
        if not prefix.with_suffix(".png").exists():
            pages = ["-f", str(page), "-l", str(page)]
            command = ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", *pages]
            subprocess.run([*command, str(path), str(prefix)], check=True)
        x, y = layout.cell_mm(i)
        box = [round(v / 25.4 * DPI) for v in (x, y, x + layout.label_w_mm, y + layout.label_h_mm)]
        with Image.open(prefix.with_suffix(".png")) as image:
            image.crop(tuple(box)).save(workdir / "cell.png")
        result = subprocess.run(
            ["zbarimg", "--raw", "-q", str(workdir / "cell.png")], capture_output=True, text=True
        )
        decoded += result.stdout.removesuffix("\n") == labels[i].uri
    for png in workdir.glob("page*.png"):
        png.unlink()
    return decoded


SIZES = {"smoke": (21, 1), "full": (1000, 3)}  # labels per measurement (21: one sheet), rounds
TARGET_S = 2.0  # 1,000 labels on a4-3x7 sheets well under 2 s (the label-sheet issue)


def measure(n: int, rounds: int, samples: int = 3) -> dict[str, object]:
    """Median seconds per measurement, PDF sizes, and how many sampled labels zbarimg read."""
    can_decode = shutil.which("zbarimg") is not None and shutil.which("pdftoppm") is not None
    for function in MEASURES.values():  # warm-up: imports and the QR version's layout
        function(batch(3, 9, 99))
    seconds: dict[str, list[float]] = {name: [] for name in MEASURES}
    sizes: dict[str, int] = {}
    checked = decoded = 0
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            # one set of URIs per round, shared by the baseline and the label sheets
            labels = batch(n, 1, round_)
            for name, function in MEASURES.items():
                started = time.perf_counter()
                result = function(labels)
                seconds[name].append(time.perf_counter() - started)
                if isinstance(result, bytes):
                    sizes[name] = len(result)
                if name == "a4-3x7" and can_decode:
                    assert isinstance(result, bytes)
                    sample = sorted({0, n // 2, n - 1})[:samples]
                    checked += len(sample)
                    decoded += decodes(result, labels, sample, Path(tmp))
            print(
                f"round {round_ + 1}: "
                + ", ".join(f"{name} {s[-1]:.3f} s" for name, s in seconds.items())
            )
    median = {name: statistics.median(s) for name, s in seconds.items()}
    return {
        "median": median,
        "sizes": sizes,
        "can_decode": can_decode,
        "checked": checked,
        "decoded": decoded,
    }


def report(n: int, rounds: int, result: dict[str, object]) -> list[str]:
    """The detailed section of docs/PERFORMANCE.md."""
    median, sizes = result["median"], result["sizes"]
    assert isinstance(median, dict) and isinstance(sizes, dict)
    rate = {name: n / s for name, s in median.items()}
    sample_uri = batch(1, 1, 0)[0].uri
    sample = qr.encode(sample_uri)
    pages = math.ceil(n / LAYOUTS["a4-3x7"].per_page)

    def row(label: str, name: str, unit: str, target: bool = False) -> str:
        ratio = rate[name] / rate["baseline"]
        shown = f"**{ratio:.2f}**" if target else f"{ratio:.2f}"
        drawing = (median[name] - median["baseline"]) / n * 1e6
        return (
            f"| {label} | {median[name]:.3f} s ({rate[name]:,.0f} labels/s), {shown} × "
            f"baseline; {drawing:,.0f} µs per label beyond the encoding; "
            f"{sizes[name] / 1e6:.2f} MB, {unit} |"
        )

    return [
        f"| labels per measurement | {n:,}, every URI different ({len(sample_uri)} "
        f"characters: version {sample.version}-M, {sample.mode} mode); median of {rounds} |",
        f"| baseline: `qr.encode(uri)` of the same URIs (the floor) | "
        f"{median['baseline']:.3f} s ({rate['baseline']:,.0f} codes/s) |",
        row("`label_sheet_pdf(labels, \"a4-3x7\")`, target well under 2 s", "a4-3x7",
            f"{pages} A4 pages", target=True),
        row("`label_sheet_pdf(labels, \"single-62x29\")`", "single-62x29",
            f"{n:,} pages"),
        "| decoded by zbarimg (3 labels per round, pdftoppm at 300 dpi, cropped to the label) | "
        + (
            f"{result['decoded']} of {result['checked']} |"
            if result["can_decode"]
            else "not checked: zbarimg missing |"
        ),
        "",  # a blank line before the next section (write_section keeps none)
    ]  # fmt: skip


def run(size: str = "full", write: Path | None = None) -> list[Row]:
    """The benchmark protocol of bench/__main__.py; ``write`` also refreshes the section."""
    n, rounds = SIZES[size]
    result = measure(n, rounds, samples=3 if size == "full" else 1)
    if write is not None:
        write_section(write, "Label sheets", report(n, rounds, result), script="bench/labels.py")
    median = result["median"]
    assert isinstance(median, dict)
    per_1000 = median["a4-3x7"] / n * 1000
    read = (
        f"; zbarimg read {result['decoded']} of {result['checked']}"
        if result["can_decode"]
        else "; not decoded (zbarimg missing)"
    )
    return [
        Row(
            work="label sheets, A4 3×7, 1,000 labels",
            kreislauf=f"{per_1000:.2f} s ({n / median['a4-3x7']:,.0f} labels/s){read}",
            baseline=f"`qr.encode` alone {n / median['baseline']:,.0f} codes/s",
            ratio=median["baseline"] / median["a4-3x7"],
            target=f"< {TARGET_S:g} s per 1,000",
            met=per_1000 < TARGET_S and result["decoded"] == result["checked"],
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path, help="update this Markdown file's section")
    args = parser.parse_args()
    result = measure(args.n, args.rounds)
    lines = report(args.n, args.rounds, result)
    print("\n".join(lines))
    if result["can_decode"] and result["decoded"] != result["checked"]:
        sys.exit("some QR codes did not decode")
    if args.write:
        write_section(args.write, "Label sheets", lines, script="bench/labels.py")


if __name__ == "__main__":
    main()
