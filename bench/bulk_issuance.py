"""Bulk issuance through the batch endpoint vs the raw insert of the same rows, on SQLite
(``sqlite3.executemany``) and PostgreSQL (psycopg ``COPY``).

DESIGN §6 / issue 13 target: registry throughput >= 0.25 x the raw baseline, measured in the
same run. The registry side is the whole request: JSON parsing, JSON Schema validation, GS1
checks, canonical URIs, model linking, the insert of passports and versions, the log leaves and
the signed checkpoint, and the commit. It runs in-process through Flask's WSGI test client, so
HTTP transport is not in either figure. The raw side stores each document (as JSON text on
SQLite, as jsonb on PostgreSQL, as the registry does) under a unique key, in one transaction.

PostgreSQL: ``KREISLAUF_BENCH_POSTGRES_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres) names a server where the benchmark may create and drop its own databases
(``bench_bulk_raw``, ``bench_bulk_registry``); without one, the PostgreSQL rows are skipped.

Usage: python bench/bulk_issuance.py [--n 10000] [--rounds 3] [--db sqlite,postgresql]
       [--profile FILE] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Row  # noqa: E402
from passport import organisations  # noqa: E402
from passport.config import Settings  # noqa: E402
from passport.db import begin_write, upgrade_database  # noqa: E402
from passport.signing.keys import ensure_keys  # noqa: E402
from web.app import create_app  # noqa: E402

SIZES = {"smoke": (20, 1), "full": (10_000, 3)}  # passports per batch, rounds
TARGET = 0.25
PG_URL = os.environ.get(
    "KREISLAUF_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
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


def raw_baseline(db: str, n: int, workdir: Path, round_: int) -> float:
    """Seconds for the raw insert of the same JSON documents, one row each, committed."""
    rows = [(f"{GTIN}/21/S{i}", json.dumps(doc)) for i, doc in enumerate(documents(n, round_))]
    if db == "postgresql":
        import psycopg

        with psycopg.connect(_fresh_pg("bench_bulk_raw")) as conn:
            conn.execute(
                "CREATE TABLE passports (id bigserial PRIMARY KEY, key text UNIQUE, doc jsonb)"
            )
            conn.commit()
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy("COPY passports (key, doc) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            return time.perf_counter() - started
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


def _fresh_pg(name: str) -> str:
    """A new empty database ``name`` on the benchmark's server; its psycopg conninfo."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def pg_available() -> bool:
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(PG_URL).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means: no server to measure on
        return False


def registry(
    db: str, n: int, workdir: Path, round_: int, profile: cProfile.Profile | None = None
) -> tuple[float, float]:
    """Seconds (wall clock, and this process's CPU) for POST /api/v1/passports/batch with n
    passports, on a fresh database. On a shared machine the CPU seconds are the steadier
    figure; on PostgreSQL they leave out the server's share."""
    if db == "postgresql":
        conninfo = _fresh_pg("bench_bulk_registry")
        url = "postgresql+psycopg://" + conninfo.split("://", 1)[1]
    else:
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
    started, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    response = client.post("/api/v1/passports/batch", data=body, headers=headers)
    if profile is not None:
        profile.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    app.extensions["kreislauf"].engine.dispose()
    return elapsed, cpu


def measure(
    dbs: list[str], n: int, rounds: int, profile: Path | None = None
) -> dict[str, tuple[float, float, float]]:
    """db -> (median raw seconds, median registry seconds, median registry CPU seconds)."""
    result: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for db in dbs:
            raw, reg, cpu = [], [], []
            for round_ in range(rounds):
                prof = cProfile.Profile() if profile is not None and round_ == 0 else None
                raw.append(raw_baseline(db, n, Path(tmp), round_))
                wall, used = registry(db, n, Path(tmp), round_, prof)
                reg.append(wall)
                cpu.append(used)
                if prof is not None and profile is not None:
                    prof.dump_stats(profile.with_suffix(f".{db}.prof"))
                print(
                    f"{db} round {round_ + 1}: raw {raw[-1]:.3f} s, registry {reg[-1]:.3f} s "
                    f"(CPU {cpu[-1]:.3f} s)"
                )
            result[db] = (statistics.median(raw), statistics.median(reg), statistics.median(cpu))
    return result


BASELINES = {"sqlite": "`sqlite3.executemany`", "postgresql": "psycopg `COPY`"}
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def rows(n: int, result: dict[str, tuple[float, float, float]]) -> list[Row]:
    out = []
    for db, (raw_s, reg_s, _) in result.items():
        ratio = raw_s / reg_s
        out.append(
            Row(
                work=f"bulk issuance, {NAMES[db]} ({n:,} per batch)",
                kreislauf=f"{n / reg_s:,.0f} passports/s",
                baseline=f"{BASELINES[db]} {n / raw_s:,.0f} rows/s",
                ratio=ratio,
                target=f"≥ {TARGET}",
                met=ratio >= TARGET,
            )
        )
    return out


def report(n: int, rounds: int, result: dict[str, tuple[float, float, float]]) -> list[str]:
    lines = [f"| passports per batch | {n:,} (median of {rounds} rounds) |"]
    for db, (raw_s, reg_s, cpu_s) in result.items():
        lines += [
            f"| {NAMES[db]}: raw {BASELINES[db]} | {raw_s:.3f} s ({n / raw_s:,.0f} rows/s) |",
            f"| {NAMES[db]}: registry batch endpoint | {reg_s:.3f} s "
            f"({n / reg_s:,.0f} passports/s; the registry process's CPU {cpu_s:.3f} s) |",
            f"| {NAMES[db]}: ratio registry / raw throughput | **{raw_s / reg_s:.3f}** "
            f"(target ≥ {TARGET}) |",
        ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines.append(
        f"| machine load (1-minute average, {os.cpu_count()} cores) when measured | {load:.1f}: "
        "on a shared machine the figures are indicative |"
    )
    return [*lines, ""]  # a blank line before the next section


def run(size: str = "full", write: Path | None = None) -> list[Row]:
    """The benchmark protocol of bench/__main__.py; ``write`` also refreshes the section."""
    n, rounds = SIZES[size]
    dbs = ["sqlite", "postgresql"] if pg_available() else ["sqlite"]
    result = measure(dbs, n, rounds)
    if write is not None:
        write_section(write, "Bulk issuance", report(n, rounds, result))
    return rows(n, result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--profile", type=Path, help="cProfile the first round: FILE.<db>.prof")
    parser.add_argument("--write", type=Path, help="update this Markdown file's section")
    args = parser.parse_args()
    dbs = [db for db in args.db.split(",") if db != "postgresql" or pg_available()]
    result = measure(dbs, args.n, args.rounds, args.profile)
    lines = report(args.n, args.rounds, result)
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
