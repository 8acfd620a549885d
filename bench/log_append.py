"""Cost of one transparency-log append vs a raw SQLite insert, one transaction each.

Run: ``.venv/bin/python bench/log_append.py [N]``. Both sides use a fresh migrated SQLite file
(WAL, synchronous=NORMAL, BEGIN IMMEDIATE), commit after every row, and insert a ~200-byte row;
the log side also canonicalises the leaf, hashes it, reads the frontier (O(log n) nodes), writes
the leaf, the completed nodes and the head, and signs and stores the checkpoint of the new head
(every write to the log does).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from passport.config import Settings
from passport.db import begin_write, make_engine, make_session_factory, upgrade_database
from passport.ledger import sequencer
from passport.signing.keys import ensure_keys

BASE_URL = "https://registry.example.org"


def bench_log(path: Path, n: int) -> float:
    url = f"sqlite:///{path}"
    upgrade_database(url)
    ensure_keys(path.parent)
    settings = Settings(database_url=url, base_url=BASE_URL, data_dir=path.parent)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    start = time.perf_counter()
    for i in range(n):
        with factory() as session:
            begin_write(session)
            sequencer.append(
                session,
                settings,
                kind="dpp.event.repair",
                subject=f"https://id.gs1.org/01/09520123456788/21/{i % 1000}",
                actor_did="did:web:registry.example.org:orgs:org_0123456789ab",
                content={"outcome": "fixed", "problem": "Lid", "i": i},
                time=now,
            )
            session.commit()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed / n


def bench_raw(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, subject TEXT, leaf BLOB)")
    row = os.urandom(200)
    start = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?, ?)", (i, f"s{i % 1000}", row))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        logged = bench_log(Path(tmp) / "log.db", n)
        raw = bench_raw(Path(tmp) / "raw.db", n)
    print(f"{n} appends, one transaction each")
    print(f"  sequencer.append (SQLAlchemy):    {logged * 1e6:8.1f} µs per entry")
    print(f"  raw sqlite3 INSERT:               {raw * 1e6:8.1f} µs per row")
    print(f"  ratio:                            {logged / raw:8.1f} x")


if __name__ == "__main__":
    main()


# The protocol of `python -m bench` (bench/__main__.py): a thin wrapper over the functions
# above, kept at the end of the file so that changes to the benchmark itself merge cleanly.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.common, run as a script
from bench.common import Row  # noqa: E402


def run(size: str = "full") -> list[Row]:
    n = {"smoke": 20, "full": 2000}[size]
    with tempfile.TemporaryDirectory() as tmp:
        logged = bench_log(Path(tmp) / "log.db", n)
        raw = bench_raw(Path(tmp) / "raw.db", n)
    ratio = raw / logged
    return [
        Row(
            work=f"log append with its signed checkpoint, one transaction each ({n:,})",
            kreislauf=f"{1 / logged:,.0f}/s",
            baseline=f"raw INSERT + COMMIT {1 / raw:,.0f}/s",
            ratio=ratio,
            target="≥ 0.05",
            met=ratio >= 0.05,
        )
    ]
