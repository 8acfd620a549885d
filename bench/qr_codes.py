"""QR codes drawn by ``passport.carriers.qr`` vs ``qrcode.make(text)`` with its defaults.

DESIGN §6 target: unique, decodable QR codes at >= 8 x the throughput of ``qrcode.make(...)``
with its defaults (error correction M, a PIL image), measured in the same run, for SVG and for
PNG separately. Every text is a different item URI (no two calls in the whole run share one),
so nothing per text can be cached; ``passport.carriers.qr`` keeps only each version's module
layout, built once per process, as the warm-up does here. The encoders alone (segno and qrcode,
no drawing) are measured as well: they are what the choice of library rests on. A sample of
the codes from every round is decoded with zbarimg (SVG rasterised by rsvg-convert first).

Usage: python bench/qr_codes.py [--n 1000] [--rounds 3] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qrcode  # noqa: E402
import segno  # noqa: E402
from bulk_issuance import write_section  # noqa: E402

from passport.carriers import qr  # noqa: E402

BASE = "https://registry.example.org/01/09520123456788/21/"


def texts(n: int, measure: str, round_: int) -> list[str]:
    """n item URIs, all of one length, that no other measurement of the run uses."""
    label = list(MEASURES).index(measure)
    return [f"{BASE}{label}{round_:02d}{i:06d}" for i in range(n)]


def qrcode_matrix(text: str, mask: int | None = None) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=mask)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def segno_matrix(text: str, mask: int | None = None) -> segno.QRCode:
    return segno.make_qr(text, error="m", boost_error=False, mask=mask)


MEASURES: dict[str, Callable[[str], object]] = {
    "baseline": qrcode.make,
    "qrcode": qrcode_matrix,
    "segno": segno_matrix,
    "qrcode mask 0": lambda text: qrcode_matrix(text, 0),
    "segno mask 0": lambda text: segno_matrix(text, 0),
    "svg": qr.qr_svg,
    "png": qr.qr_png,
}


def timed(function: Callable[[str], object], batch: list[str]) -> tuple[float, list[object]]:
    started = time.perf_counter()
    results = [function(text) for text in batch]
    return time.perf_counter() - started, results


def decodes(kind: str, body: bytes, text: str, workdir: Path) -> bool:
    png = workdir / "sample.png"
    if kind == "svg":
        svg = workdir / "sample.svg"
        svg.write_bytes(body)
        subprocess.run(["rsvg-convert", "-o", str(png), str(svg)], check=True)
    else:
        png.write_bytes(body)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True)
    return result.stdout.removesuffix("\n") == text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path, help="update this Markdown file's section")
    args = parser.parse_args()
    can_decode = shutil.which("zbarimg") is not None and shutil.which("rsvg-convert") is not None
    # warm-up: imports, PIL, and the module layout of the version these URIs need
    for function in MEASURES.values():
        function(f"{BASE}warm-up")
    seconds: dict[str, list[float]] = {name: [] for name in MEASURES}
    checked = decoded = 0
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for name, function in MEASURES.items():
                batch = texts(args.n, name, round_)
                elapsed, results = timed(function, batch)
                seconds[name].append(elapsed)
                if name in ("svg", "png") and can_decode:
                    for i in (0, args.n // 2, args.n - 1):
                        body = results[i]
                        assert isinstance(body, bytes)
                        checked += 1
                        decoded += decodes(name, body, batch[i], Path(tmp))
            print(
                f"round {round_ + 1}: "
                + ", ".join(f"{name} {s[-1]:.3f} s" for name, s in seconds.items())
            )
    median = {name: statistics.median(s) for name, s in seconds.items()}
    rate = {name: args.n / s for name, s in median.items()}
    sample_text = texts(1, "svg", 0)[0]
    sample = qr.encode(sample_text)

    def row(label: str, name: str, target: bool = False) -> str:
        ratio = rate[name] / rate["baseline"]
        shown = f"**{ratio:.2f}**" if target else f"{ratio:.2f}"
        return (
            f"| {label} | {median[name]:.3f} s ({rate[name]:,.0f} codes/s), "
            f"{shown} × baseline{' (target ≥ 8)' if target else ''} |"
        )

    lines = [
        f"| codes per measurement | {args.n:,}, every text different ({len(sample_text)} "
        f"characters: version {sample.version}-M, {sample.mode} mode); median of {args.rounds} |",
        f"| libraries | qrcode {version('qrcode')}, segno {version('segno')}, "
        f"Pillow {version('pillow')} |",
        f"| baseline `qrcode.make(text)`, defaults (PIL image) | {median['baseline']:.3f} s "
        f"({rate['baseline']:,.0f} codes/s) |",
        row("qrcode, matrix only (`QRCode(error M).get_matrix()`)", "qrcode"),
        row("segno, matrix only (`make_qr(error M)`, its own mask choice)", "segno"),
        row("qrcode, matrix only, mask pattern 0 given (no mask evaluation)", "qrcode mask 0"),
        row(
            "segno, matrix only, mask pattern 0 given (what `passport.carriers.qr` builds on)",
            "segno mask 0",
        ),
        row("`qr.qr_svg(text)`", "svg", target=True),
        row("`qr.qr_png(text)`", "png", target=True),
        "| decoded by zbarimg (3 SVG and 3 PNG per round, SVG through rsvg-convert) | "
        + (f"{decoded} of {checked} |" if can_decode else "not checked: zbarimg missing |"),
    ]
    print("\n".join(lines))
    if can_decode and decoded != checked:
        sys.exit("some QR codes did not decode")
    if args.write:
        write_section(args.write, "QR codes", lines, script="bench/qr_codes.py")


if __name__ == "__main__":
    main()
