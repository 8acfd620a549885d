"""Bulk issuance through the batch endpoint vs raw ``sqlite3.executemany`` of the same rows.

DESIGN §6 target: registry throughput >= 0.25 x the raw baseline, measured in the same run.
The registry side is the whole request: JSON parsing, JSON Schema validation, GS1 checks,
canonical URIs, model linking, the insert of passports and versions, and the commit. It runs
in-process through Flask's WSGI test client, so HTTP transport is not in either figure.

Usage: python bench/bulk_issuance.py [--n 10000] [--rounds 3] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from passport import organisations  # noqa: E402
from passport.config import Settings  # noqa: E402
from passport.db import begin_write, upgrade_database  # noqa: E402
from passport.signing.keys import ensure_keys  # noqa: E402
from web.app import create_app  # noqa: E402

GTIN = "09520123456788"


def documents(n: int, round_: int) -> list[dict[str, object]]:
    return [
        {
            "granularityLevel": "item",
            "product": {
                "id": f"https://id.gs1.org/01/{GTIN}/10/R{round_}/21/S{i}",
                "name": "Acme K1 electric kettle",
                "description": "Stainless-steel kettle with a replaceable switch",
                "countryOfProduction": "DE",
            },
            "circularityScorecard": {"recyclableContent": 0.9, "recycledContent": 0.3},
        }
        for i in range(n)
    ]


def raw_baseline(n: int, workdir: Path, round_: int) -> float:
    """Seconds for sqlite3.executemany of the same JSON documents, one row each, committed."""
    rows = [(f"{GTIN}/21/S{i}", json.dumps(doc)) for i, doc in enumerate(documents(n, round_))]
    path = workdir / f"raw{round_}.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE passports (id INTEGER PRIMARY KEY, key TEXT UNIQUE, doc TEXT)")
    conn.commit()
    started = time.perf_counter()
    conn.executemany("INSERT INTO passports (key, doc) VALUES (?, ?)", rows)
    conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def registry(n: int, workdir: Path, round_: int) -> float:
    """Seconds for POST /api/v1/passports/batch with n passports, on a fresh SQLite file."""
    url = f"sqlite:///{workdir / f'registry{round_}.db'}"
    upgrade_database(url)
    ensure_keys(workdir)  # every write to the log signs a checkpoint
    settings = Settings(database_url=url, base_url="https://dpp.example.org", data_dir=workdir)
    app = create_app(settings)
    with app.extensions["kreislauf"].session_factory() as session:
        begin_write(session)
        _, key = organisations.create_organisation(session, "Bench", "manufacturer", ["9520123"])
        session.commit()
    client = app.test_client()
    body = json.dumps(documents(n, round_))
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    started = time.perf_counter()
    response = client.post("/api/v1/passports/batch", data=body, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    app.extensions["kreislauf"].engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path, help="update this Markdown file's section")
    args = parser.parse_args()
    raw, reg = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            raw.append(raw_baseline(args.n, Path(tmp), round_))
            reg.append(registry(args.n, Path(tmp), round_))
            print(f"round {round_ + 1}: raw {raw[-1]:.3f} s, registry {reg[-1]:.3f} s")
    raw_s, reg_s = statistics.median(raw), statistics.median(reg)
    ratio = raw_s / reg_s
    lines = [
        f"| passports per batch | {args.n:,} |",
        f"| raw `sqlite3.executemany` (median of {args.rounds}) | {raw_s:.3f} s "
        f"({args.n / raw_s:,.0f} rows/s) |",
        f"| registry batch endpoint (median of {args.rounds}) | {reg_s:.3f} s "
        f"({args.n / reg_s:,.0f} passports/s) |",
        f"| ratio registry / raw throughput | **{ratio:.3f}** (target ≥ 0.25) |",
    ]
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "Bulk issuance", lines)


def write_section(
    path: Path, title: str, table: list[str], script: str = "bench/bulk_issuance.py"
) -> None:
    """Replace (or add) one '## title' section of the performance report."""
    import platform

    header = [
        f"## {title}",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"by `{script}`.",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    section = "\n".join(header + table) + "\n"
    text = path.read_text() if path.exists() else "# Performance\n\n"
    start = text.find(f"## {title}\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    path.write_text(text)


if __name__ == "__main__":
    main()


# The protocol of `python -m bench` (bench/__main__.py): a thin wrapper over the functions
# above, kept at the end of the file so that changes to the benchmark itself merge cleanly.
from bench.common import Row  # noqa: E402


def run(size: str = "full") -> list[Row]:
    n, rounds = {"smoke": (100, 1), "full": (10_000, 3)}[size]
    raw, reg = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            raw.append(raw_baseline(n, Path(tmp), round_))
            reg.append(registry(n, Path(tmp), round_))
    raw_rate, reg_rate = n / statistics.median(raw), n / statistics.median(reg)
    ratio = reg_rate / raw_rate
    return [
        Row(
            work=f"bulk issuance, SQLite ({n:,} per batch)",
            kreislauf=f"{reg_rate:,.0f} passports/s",
            baseline=f"`sqlite3.executemany` {raw_rate:,.0f} rows/s",
            ratio=ratio,
            target="≥ 0.25",
            met=ratio >= 0.25,
        )
    ]
