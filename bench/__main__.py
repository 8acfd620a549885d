"""Run every benchmark in bench/ and print (and write) the summary table of issue 13.

    python -m bench [--size smoke|full] [--only NAME ...] [--write FILE | --no-write]

The protocol: every ``bench/<name>.py`` keeps its own ``main()`` (argparse, detailed figures)
and also exposes ``run(size: str = "full") -> list[bench.common.Row]``, one Row per line of
the table (work | Kreislauf | baseline | ratio | target | met). ``size`` is "smoke" (seconds;
the test suite runs it, tests/bench/test_smoke.py, and never asserts speed) or "full" (the
figures of docs/PERFORMANCE.md). A ``run`` that also takes ``write`` is given the report's
path, and refreshes its own detailed section there. Every ratio is against a baseline
measured in the same run; ``met`` is None where no target applies or nothing was measured
(an external tool missing, say, which a benchmark reports as a Row rather than failing). A
benchmark that raises is reported as failed, the others still run, and the exit status is 1.

The full size writes a generated "Summary" section at the top of docs/PERFORMANCE.md (after
the introduction), replacing the previous one; with ``--only``, the rows of the benchmarks
that did not run are kept from it. The sections the scripts write are left as they are.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import platform
import re
import sqlite3
import sys
import textwrap
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The scripts import each other by their bare names (``from bulk_issuance import ...``): bench/
# goes last on the path, so that its modules never shadow another of the same name.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))

from bench.common import Row  # noqa: E402

REPORT = ROOT / "docs" / "PERFORMANCE.md"
# The order of the table; any other bench/*.py with a run() follows, by name.
ORDER = ["bulk_issuance", "serving", "peer", "log_append", "qr_codes", "labels", "scale"]
NOT_BENCHMARKS = {"common", "mutate"}  # mutate.py is the mutation-testing harness
SIZES = ("smoke", "full")
COLUMNS = ("work", "Kreislauf", "baseline", "ratio", "target", "met")


def names() -> list[str]:
    """Every benchmark module in bench/, in the table's order."""
    found = {
        path.stem
        for path in HERE.glob("*.py")
        if not path.stem.startswith("_") and path.stem not in NOT_BENCHMARKS
    }
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def load(name: str) -> Callable[..., list[Row]] | None:
    module: ModuleType = importlib.import_module(f"bench.{name}")
    run = getattr(module, "run", None)
    return run if callable(run) else None


def run_one(name: str, size: str, write: Path | None) -> tuple[list[Row], bool]:
    """The rows of one benchmark, and whether it ran without failing."""
    try:
        run = load(name)
        if run is None:
            return [Row(name, "no run(size) in bench/" + name + ".py", "—", None, "—", None)], True
        # detailed sections only from the full size: smoke figures are not figures
        wants = write is not None and size == "full"
        kwargs = {"write": write} if wants and "write" in inspect.signature(run).parameters else {}
        rows = run(size, **kwargs)
        for row in rows:
            check(row)
        return list(rows), True
    except Exception as error:  # noqa: BLE001 - one failing benchmark must not stop the others
        traceback.print_exc()
        message = f"failed: {type(error).__name__}: {error}".replace("\n", " ")[:200]
        return [Row(name, message, "—", None, "—", None)], False


def check(row: object) -> None:
    """A well-formed Row: six fields of the protocol's types."""
    if not isinstance(row, Row):
        raise TypeError(f"run() returned {row!r}, not a bench.common.Row")
    if not all(isinstance(getattr(row, f), str) for f in ("work", "kreislauf", "baseline")):
        raise TypeError(f"work, kreislauf and baseline must be text: {row!r}")
    if not isinstance(row.target, str):
        raise TypeError(f"target must be text: {row!r}")
    if row.ratio is not None and (
        isinstance(row.ratio, bool) or not isinstance(row.ratio, int | float)
    ):
        raise TypeError(f"ratio must be a number or None: {row!r}")
    if row.met is not None and not isinstance(row.met, bool):
        raise TypeError(f"met must be True, False or None: {row!r}")


def ratio_text(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.1f}×" if ratio >= 1 else f"{ratio:.3g}"


def met_text(met: bool | None) -> str:
    return "—" if met is None else "**yes**" if met else "no"


def cells(row: Row) -> list[str]:
    return [
        row.work,
        row.kreislauf,
        row.baseline,
        ratio_text(row.ratio),
        row.target,
        met_text(row.met),
    ]


def table(rows: list[tuple[str, Row]], with_script: bool) -> list[str]:
    """A Markdown table of the rows; ``with_script`` adds the script that measured each."""
    header = list(COLUMNS) + (["by"] if with_script else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, row in rows:
        extra = [f"`bench/{name}.py`"] if with_script else []
        escaped = [c.replace("|", "\\|") for c in cells(row) + extra]
        lines.append("| " + " | ".join(escaped) + " |")
    return lines


SUMMARY = "## Summary"
ROW_SCRIPT = re.compile(r"\| `bench/(\w+)\.py` \|$")


def write_summary(path: Path, rows: list[tuple[str, Row]], ran: set[str], size: str) -> None:
    """Put the generated Summary section at the top of ``path`` (after its introduction)."""
    text = path.read_text() if path.exists() else "# Performance\n\n"
    start = text.find(SUMMARY + "\n")
    kept: list[str] = []
    if start != -1:
        end = text.find("\n## ", start + 1)
        old = text[start : end + 1 if end != -1 else len(text)]
        # rows of benchmarks that did not run this time (--only) stay as they were
        kept = [
            line
            for line in old.splitlines()
            if (m := ROW_SCRIPT.search(line)) and m.group(1) not in ran
        ]
        text = text[:start] + text[end + 1 if end != -1 else len(text) :]
    measured = table(rows, with_script=True)
    order = {name: i for i, name in enumerate(names())}

    def position(line: str) -> int:
        m = ROW_SCRIPT.search(line)
        return order.get(m.group(1), len(order)) if m else len(order)

    body = sorted(measured[2:] + kept, key=position)
    note = textwrap.fill(
        f"Generated by `python -m bench --size {size}` on {time.strftime('%Y-%m-%d')} "
        f"({platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}). Every ratio is "
        "Kreislauf's throughput over a baseline measured in the same run (× where it is "
        "a multiple); the targets are issue 13's. On a machine shared with other work the "
        "figures are indicative. The sections below give each benchmark's details; "
        "`python bench/<name>.py --write docs/PERFORMANCE.md` refreshes one.",
        width=95,
    )
    section = "\n".join(
        [
            SUMMARY,
            "",
            note,
            "",
            *measured[:2],
            *body,
        ]
    )
    first = text.find("\n## ")
    at = first + 1 if first != -1 else len(text)
    head = text[:at].rstrip("\n") + "\n\n"
    rest = text[at:]
    path.write_text(head + section + "\n" + ("\n" + rest if rest else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="full")
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only this benchmark (repeatable)"
    )
    parser.add_argument(
        "--write",
        type=Path,
        help=f"the report to update (default for --size full: {REPORT.relative_to(ROOT)})",
    )
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    available = names()
    chosen = args.only or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)} (have: {', '.join(available)})")
    write = None if args.no_write else args.write or (REPORT if args.size == "full" else None)
    rows: list[tuple[str, Row]] = []
    ok = True
    for name in chosen:
        print(f"== bench/{name}.py, size {args.size}", flush=True)
        started = time.perf_counter()
        got, succeeded = run_one(name, args.size, write)
        ok &= succeeded
        rows += [(name, row) for row in got]
        print(f"== bench/{name}.py: {time.perf_counter() - started:.1f} s", flush=True)
    print()
    print("\n".join(table(rows, with_script=False)))
    if write is not None:
        write_summary(write, rows, set(chosen), args.size)
        print(f"\nwrote the Summary of {write}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
