"""Event appends and log reads at realistic size: a small registry against a log of 1,000,000
leaves, and a raw ``INSERT`` + ``COMMIT``.

What it measures (SQLite, WAL, synchronous=NORMAL, one transaction per append, as the API):

* event appends (``passport.events.history.record_event``: parse, check, the event row, its
  leaf, the nodes it completes, the head, the signed checkpoint, commit) on a registry of 1,000
  passports, and on one whose log holds 1,000,000 leaves (and 1,000,000 passports of one GTIN);
* the same rate as a fraction of a raw ``sqlite3`` INSERT + COMMIT of a ~200-byte row;
* an inclusion proof (``log.inclusion``) and a consistency proof at 10,000 and 1,000,000 leaves;
* the parent lookup of issuing (``issuing._parents``: the model and batch passports of a GTIN)
  with 1,000 and with 1,000,000 items of that GTIN.

The big log is filled with raw bulk inserts, as the registry would have written it: each filled
leaf is the ``dpp.issued`` leaf of a filled item passport (real canonical leaf bytes, RFC 9162
leaf hashes, every complete subtree's node hash), the head holds the true root and a signed
checkpoint covers it, so appends and proofs on top of it are the registry's own. Only the
filled passports have no stored version (nothing reads them).

Run: ``.venv/bin/python bench/log_append.py [--size smoke|medium|full]
[--write docs/PERFORMANCE.md]``.
``run(size)`` returns the rows of the issue's table (bench protocol, docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Row  # noqa: E402
from passport import organisations  # noqa: E402
from passport.config import Settings  # noqa: E402
from passport.db import begin_write, make_engine, make_session_factory, upgrade_database  # noqa: E402
from passport.events import history  # noqa: E402
from passport.ledger import checkpoints, log, merkle  # noqa: E402
from passport.models import Organisation, Passport  # noqa: E402
from passport.passports import issuing  # noqa: E402
from passport.signing.keys import ensure_keys  # noqa: E402
from passport.signing.registry import issuer_did  # noqa: E402

BASE_URL = "https://registry.example.org"
GTIN = "09520123456788"  # GS1's example GTIN, company prefix 9520123


@dataclass(frozen=True)
class Size:
    real: int  # item passports issued through the registry (they get the events)
    events: int  # events appended per measurement
    proof_small: int  # leaves of the small log a proof is measured on
    fill: int  # leaves (and item passports) of the big log, filled raw
    raw_rows: int  # rows of the raw INSERT + COMMIT baseline
    proofs: int  # proofs per measurement
    lookups: int  # parent lookups per measurement
    load_seconds: float  # how long events are appended under batch load


SIZES = {
    "smoke": Size(
        real=20,
        events=20,
        proof_small=100,
        fill=2_000,
        raw_rows=200,
        proofs=20,
        lookups=20,
        load_seconds=1.0,  # the concurrent-load part: seconds are the smoke test's cost
    ),
    # For a loaded machine: the full run's shape at a tenth of its log (say so when quoting it).
    "medium": Size(
        real=300,
        events=600,
        proof_small=10_000,
        fill=100_000,
        raw_rows=3_000,
        proofs=300,
        lookups=300,
        load_seconds=10.0,
    ),
    "full": Size(
        real=1_000,
        events=1_000,
        proof_small=10_000,
        fill=1_000_000,
        raw_rows=5_000,
        proofs=500,
        lookups=500,
        load_seconds=30.0,
    ),
}


# --- a registry on a SQLite file ---------------------------------------------------------------


@dataclass
class Registry:
    settings: Settings
    factory: Any
    engine: Any
    org_pk: int
    path: Path

    def session(self) -> Any:
        return self.factory()

    def org(self, session: Any) -> Organisation:
        return session.get(Organisation, self.org_pk)


def new_registry(workdir: Path, name: str) -> Registry:
    path = workdir / f"{name}.db"
    url = f"sqlite:///{path}"
    upgrade_database(url)
    ensure_keys(workdir)
    settings = Settings(database_url=url, base_url=BASE_URL, data_dir=workdir)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        begin_write(session)
        org, _ = organisations.create_organisation(session, "Bench", "manufacturer", ["9520123"])
        session.commit()
        org_pk = org.pk
    registry = Registry(settings, factory, engine, org_pk, path)
    with registry.session() as session:
        begin_write(session)
        model = {
            "granularityLevel": "model",
            "product": {"id": f"https://id.gs1.org/01/{GTIN}", "name": "Acme K1 kettle"},
        }
        issuing.issue_passport(session, settings, registry.org(session), model)
        session.commit()
    return registry


def item(serial: str) -> dict[str, Any]:
    return {
        "granularityLevel": "item",
        "product": {
            "id": f"https://id.gs1.org/01/{GTIN}/21/{serial}",
            "name": "Acme K1 kettle",
            "productionDate": "2025-01-15",
        },
    }


def issue_real(registry: Registry, n: int) -> list[str]:
    """Issue ``n`` item passports through the registry (batches of 500); their public ids."""
    ids: list[str] = []
    for start in range(0, n, 500):
        with registry.session() as session:
            begin_write(session)
            issued = issuing.issue_passports(
                session,
                registry.settings,
                registry.org(session),
                [item(f"R{i}") for i in range(start, min(n, start + 500))],
            )
            ids += [p.public_id for p in issued]
            session.commit()
    return ids


def fill(registry: Registry, n: int, progress: Callable[[str], None] = lambda _: None) -> None:
    """Append ``n`` item passports of GTIN and their ``dpp.issued`` leaves with raw inserts.

    The leaves continue the log as it stands (its frontier is read back), each complete
    subtree's hash is stored, and the new head is signed: what ``sequencer.append_many`` would
    have written, without the per-row work of the ORM.
    """
    with registry.session() as session:
        size, _ = log.head(session)
        keys = merkle.complete_subtrees(size)
        stored = log.nodes(session, keys)
        frontier = [(lvl, idx, stored[(lvl, idx)]) for lvl, idx in keys]
        first_pk = int(session.query(Passport.pk).order_by(Passport.pk.desc()).first()[0]) + 1
        model_pk = session.query(Passport.pk).filter(Passport.granularity == "model").scalar()
        actor = issuer_did(BASE_URL, registry.org(session))
    origin = log.origin(BASE_URL)
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None).isoformat(sep=" ")
    conn = sqlite3.connect(registry.path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-500000")  # 500 MB: the unique indexes stay in memory
    conn.execute("BEGIN IMMEDIATE")
    chunk = 50_000
    for start in range(0, n, chunk):
        passports, entries, nodes = [], [], []
        for i in range(start, min(n, start + chunk)):
            pk, index = first_pk + i, size + i
            serial = f"F{i}"
            uri = f"{BASE_URL}/01/{GTIN}/21/{serial}"
            passports.append(
                (
                    pk,
                    f"f{pk:015x}",
                    uri,
                    f"01/{GTIN}/21/{serial}",
                    "item",
                    GTIN,
                    serial,
                    model_pk,
                    registry.org_pk,
                    "active",
                    "active",
                    1,
                    "Acme K1 kettle",
                    f"acme k1 kettle {GTIN} {serial}",
                    stamp,
                    stamp,
                )
            )
            digest = hashlib.sha256(uri.encode()).hexdigest()
            leaf = log.leaf_bytes(
                origin,
                kind="dpp.issued",
                subject=uri,
                seq=0,
                prev=None,
                time=now,
                actor=actor,
                content_digest=digest,
            )
            h = merkle.leaf_hash(leaf)
            entries.append((index, uri, "dpp.issued", 0, leaf, h))
            current = (0, index, h)
            nodes.append(current)
            while frontier and frontier[-1][0] == current[0]:
                level, left_index, left = frontier.pop()
                current = (level + 1, left_index >> 1, merkle.node_hash(left, current[2]))
                nodes.append(current)
            frontier.append(current)
        conn.executemany(
            "INSERT INTO passports (pk, public_id, uri, identity_key, granularity, gtin, serial,"
            " model_pk, issuer_pk, status, life_status, current_version, name, search_text,"
            " created_at, updated_at, community) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            passports,
        )
        conn.executemany(
            'INSERT INTO log_entries ("index", subject, kind, subject_seq, leaf, leaf_hash)'
            " VALUES (?, ?, ?, ?, ?, ?)",
            entries,
        )
        conn.executemany('INSERT INTO log_nodes (level, "index", hash) VALUES (?, ?, ?)', nodes)
        progress(f"filled {min(n, start + chunk):,} of {n:,}")
    root = merkle.root_from_subtrees([h for _, _, h in frontier])
    conn.execute("UPDATE log_head SET size = ?, root = ? WHERE id = 1", (size + n, root))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    with registry.session() as session:
        begin_write(session)
        checkpoints.seal(session, registry.settings)
        session.commit()


# --- measurements ------------------------------------------------------------------------------


def append_events(registry: Registry, ids: list[str], n: int) -> float:
    """Seconds per event appended through ``record_event``, one transaction each."""
    at = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
    started = time.perf_counter()
    for i in range(n):
        body = {
            "type": "repair",
            "eventTime": (at + timedelta(seconds=i)).isoformat(),
            "repair": {"outcome": "fixed", "problem": f"Lid {i}"},
        }
        with registry.session() as session:
            begin_write(session)
            history.record_event(
                session, registry.settings, registry.org(session), ids[i % len(ids)], body
            )
            session.commit()
    return (time.perf_counter() - started) / n


def proofs(registry: Registry, n: int) -> tuple[float, float]:
    """Seconds per inclusion proof and per consistency proof against the whole tree."""
    with registry.session() as session:
        size = log.head(session)[0]
        step = max(1, size // n)
        started = time.perf_counter()
        for i in range(n):
            log.inclusion(session, (i * step) % size, size)
        inclusion = (time.perf_counter() - started) / n
        started = time.perf_counter()
        for i in range(n):
            log.consistency(session, 1 + (i * step) % size, size)
        consistency = (time.perf_counter() - started) / n
    return inclusion, consistency


def parent_lookups(registry: Registry, n: int) -> float:
    """Seconds per parent lookup of a new item of GTIN (the model's pk among its items)."""
    with registry.session() as session:
        prepared = issuing.prepare(BASE_URL, registry.org(session), item("NEW"))
        started = time.perf_counter()
        for _ in range(n):
            models, _ = issuing._parents(session, [prepared])
            assert models
        return (time.perf_counter() - started) / n


def raw_insert(workdir: Path, n: int, round_: int = 0) -> float:
    """Seconds per raw ``sqlite3`` INSERT of a ~200-byte row and COMMIT."""
    conn = sqlite3.connect(workdir / f"raw{round_}.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, subject TEXT, leaf BLOB)")
    row = os.urandom(200)
    started = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?, ?)", (i, f"s{i % 1000}", row))
        conn.execute("COMMIT")
    elapsed = (time.perf_counter() - started) / n
    conn.close()
    return elapsed


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Figures:
    size: Size
    small_leaves: int = 0
    big_leaves: int = 0
    big_passports: int = 0
    append_small: float = 0.0
    append_big: float = 0.0
    raw: float = 0.0
    inclusion_small: float = 0.0
    inclusion_big: float = 0.0
    consistency_small: float = 0.0
    consistency_big: float = 0.0
    parents_small: float = 0.0
    parents_big: float = 0.0
    fill_seconds: float = 0.0
    append_loaded: float = 0.0
    loaded_events: int = 0
    batches: int = 0


ROUNDS = 3  # measurements are interleaved in rounds, medians reported: the machine is shared


def _batches(path: Path, workdir: Path, org_pk: int, stop: Any, done: Any) -> None:
    """Another process: issue batches of 1,000 passports into ``path`` until ``stop`` is set."""
    url = f"sqlite:///{path}"
    settings = Settings(database_url=url, base_url=BASE_URL, data_dir=workdir)
    engine = make_engine(url)
    registry = Registry(settings, make_session_factory(engine), engine, org_pk, path)
    n = 0
    while not stop.is_set():
        with registry.session() as session:
            # As the batch endpoint does (edge.request.validate_first): validated first, the
            # write lock taken for the inserts only. LOCK_AT_START=1 measures the old order.
            if os.environ.get("LOCK_AT_START") == "1":
                begin_write(session)
            items = [item(f"L{os.getpid()}-{n}-{i}") for i in range(1_000)]
            prepared = issuing.prepare_all(settings.base_url, registry.org(session), items)
            if os.environ.get("LOCK_AT_START") != "1":
                session.rollback()
                begin_write(session)
            issuing.store(session, settings, registry.org(session), prepared)
            session.commit()
        n += 1
    done.value = n
    engine.dispose()


def under_batch_load(
    registry: Registry, workdir: Path, ids: list[str], seconds: float
) -> tuple[float, int, int]:
    """Seconds per event appended, one after the other for ``seconds``, while another process
    issues batches of 1,000 passports into the same file; the events and batches recorded."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    stop, done = context.Event(), context.Value("i", 0)
    worker = context.Process(
        target=_batches, args=(registry.path, workdir, registry.org_pk, stop, done)
    )
    worker.start()
    time.sleep(min(2.0, seconds))  # the worker is importing and validating its first batch
    events = 0
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            append_events(registry, ids[events % len(ids) :], 1)
            events += 1
    finally:
        elapsed = time.perf_counter() - started
        stop.set()
        worker.join()
    return elapsed / events, events, int(done.value)


def measure(size: Size, progress: Callable[[str], None] = lambda _: None) -> Figures:
    figures = Figures(size)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        small = new_registry(workdir, "small")
        small_ids = issue_real(small, size.real)

        mid = new_registry(workdir, "mid")
        fill(mid, size.proof_small - 1)
        with mid.session() as session:
            figures.small_leaves = log.head(session)[0]

        big = new_registry(workdir, "big")
        started = time.perf_counter()
        fill(big, size.fill, progress)
        figures.fill_seconds = time.perf_counter() - started
        big_ids = issue_real(big, size.real)
        with big.session() as session:
            figures.big_leaves = log.head(session)[0]
            figures.big_passports = session.query(Passport.pk).count()

        per: dict[str, list[float]] = {}

        def note(name: str, value: float) -> None:
            per.setdefault(name, []).append(value)

        events, checks = max(1, size.events // ROUNDS), max(1, size.proofs // ROUNDS)
        lookups = max(1, size.lookups // ROUNDS)
        for round_ in range(ROUNDS):
            note("raw", raw_insert(workdir, size.raw_rows // ROUNDS, round_))
            note("append_small", append_events(small, small_ids, events))
            note("append_big", append_events(big, big_ids, events))
            inclusion, consistency = proofs(mid, checks)
            note("inclusion_small", inclusion)
            note("consistency_small", consistency)
            inclusion, consistency = proofs(big, checks)
            note("inclusion_big", inclusion)
            note("consistency_big", consistency)
            note("parents_small", parent_lookups(small, lookups))
            note("parents_big", parent_lookups(big, lookups))
            progress(
                f"round {round_ + 1}: "
                + ", ".join(f"{k} {v[-1] * 1e6:,.0f} µs" for k, v in per.items())
            )
        for name, values in per.items():
            setattr(figures, name, statistics.median(values))
        figures.append_loaded, figures.loaded_events, figures.batches = under_batch_load(
            small, workdir, small_ids, size.load_seconds
        )
        progress(f"under batch load: {figures.append_loaded * 1e3:.1f} ms per event")
        for registry in (small, mid, big):
            registry.engine.dispose()
    return figures


def rows(f: Figures) -> list[Row]:
    def rate(seconds: float) -> str:
        return f"{1 / seconds:,.0f}/s"

    vs_raw = f.raw / f.append_small
    at_scale = f.append_small / f.append_big
    proof_ratio = f.inclusion_big / f.inclusion_small
    parents_ratio = f.parents_big / f.parents_small
    return [
        Row(
            "event append with its log entry",
            rate(f.append_small),
            f"raw INSERT + COMMIT {rate(f.raw)}",
            vs_raw,
            "≥ 0.05",
            vs_raw >= 0.05,
        ),
        Row(
            f"event append at {f.big_leaves:,} leaves",
            rate(f.append_big),
            f"the same at {f.size.real:,} passports: {rate(f.append_small)}",
            at_scale,
            "≥ 0.7",
            at_scale >= 0.7,
        ),
        Row(
            f"inclusion proof at {f.big_leaves:,} leaves",
            f"{f.inclusion_big * 1e3:.2f} ms",
            f"{f.inclusion_small * 1e3:.2f} ms at {f.small_leaves:,} leaves",
            f.inclusion_small / f.inclusion_big,
            "O(log n)",
            proof_ratio <= 2.0,
        ),
        Row(
            f"parent lookup, {f.big_passports:,} items of one GTIN",
            f"{f.parents_big * 1e3:.3f} ms",
            f"{f.parents_small * 1e3:.3f} ms at {f.size.real:,} items",
            f.parents_small / f.parents_big,
            "O(log n)",
            parents_ratio <= 2.0,
        ),
    ]


def run(size: str = "full") -> list[Row]:
    """The bench protocol: the rows of the issue's table at ``size`` (a key of SIZES)."""
    return rows(measure(SIZES[size]))


def table(f: Figures) -> list[str]:
    us = 1e6
    return [
        f"| protocol | SQLite (WAL, synchronous=NORMAL); {ROUNDS} interleaved rounds, medians; "
        "a shared 2-core machine, so figures are indicative |",
        f"| registries | small: {f.size.real:,} item passports issued through the registry; "
        f"big: {f.big_passports:,} passports of one GTIN, {f.big_leaves:,} leaves (filled raw "
        f"in {f.fill_seconds:.0f} s, then {f.size.real:,} issued) |",
        f"| raw `sqlite3` INSERT of a ~200-byte row + COMMIT ({f.size.raw_rows:,} rows) | "
        f"{f.raw * us:.1f} µs ({1 / f.raw:,.0f}/s) |",
        f"| event append (`record_event`, one transaction each, {f.size.events:,} events), "
        f"small registry | {f.append_small * us:,.0f} µs ({1 / f.append_small:,.0f}/s) |",
        f"| … at {f.big_leaves:,} leaves | {f.append_big * us:,.0f} µs "
        f"({1 / f.append_big:,.0f}/s) |",
        f"| ratio append / raw INSERT + COMMIT | **{f.raw / f.append_small:.4f}** "
        "(target ≥ 0.05) |",
        f"| ratio append at {f.big_leaves:,} leaves / small | "
        f"**{f.append_small / f.append_big:.2f}** (target ≥ 0.7) |",
        f"| event append while another process issues batches of 1,000 passports "
        f"(for {f.size.load_seconds:.0f} s: {f.loaded_events:,} events, {f.batches} batches), "
        "small registry | "
        f"{f.append_loaded * us:,.0f} µs ({1 / f.append_loaded:,.0f}/s, "
        f"{f.append_small / f.append_loaded:.2f} × the unloaded rate) |",
        f"| inclusion proof, {f.small_leaves:,} leaves | {f.inclusion_small * us:,.0f} µs |",
        f"| inclusion proof, {f.big_leaves:,} leaves | {f.inclusion_big * us:,.0f} µs "
        f"({f.inclusion_big / f.inclusion_small:.2f} ×) |",
        f"| consistency proof, {f.small_leaves:,} leaves | {f.consistency_small * us:,.0f} µs |",
        f"| consistency proof, {f.big_leaves:,} leaves | {f.consistency_big * us:,.0f} µs "
        f"({f.consistency_big / f.consistency_small:.2f} ×) |",
        f"| parent lookup of a new item, {f.size.real:,} items of its GTIN | "
        f"{f.parents_small * us:,.0f} µs |",
        f"| … {f.big_passports:,} items of its GTIN | {f.parents_big * us:,.0f} µs "
        f"({f.parents_big / f.parents_small:.2f} ×) |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--write", type=Path, help="update this Markdown file's section")
    args = parser.parse_args()
    figures = measure(SIZES[args.size], lambda text: print(text, flush=True))
    lines = table(figures)
    print("\n".join(lines))
    for row in rows(figures):
        print(row)
    if args.write:
        from bench.bulk_issuance import write_section

        write_section(
            args.write, "Transparency log and event appends", lines, "bench/log_append.py"
        )


if __name__ == "__main__":
    main()
