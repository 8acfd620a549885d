"""Resolver JSON-LD lookups and the history page over HTTP vs a bare Flask + SQLite lookup.

DESIGN §6 targets, each a ratio of requests per second against a baseline measured in the
same run, on the same machine, behind the same gunicorn (2 sync workers, the access log the
registry's own ``kreislauf run`` writes, to /dev/null on both sides):

* ``GET /01/{gtin}/21/{serial}`` with ``Accept: application/ld+json`` on ``kreislauf run
  --workers 2`` over SQLite: >= 0.6 x the baseline;
* the consumer history page ``GET /passports/{id}`` (HTML, an item with 5 events):
  >= 0.4 x the same baseline.

The baseline is a minimal Flask app written by this script: one route, one ``sqlite3``
query of a JSON text column by primary key (one connection per worker process), returning
the stored text. It stores, for every seeded item, the exact bytes the registry answers
for the same path, so both sides send the same body.

The load generator is ``wrk`` (2 threads, 8 connections, 10 s per measurement after a 3 s
warm-up, median of 3 interleaved rounds), with a Lua script that picks a random seeded item
for every request. Two more figures say where a gap comes from: the registry answering
``OPTIONS`` on the same paths (its server and Flask floor, no database work), and one
request of each kind in-process through Flask's test client, with the SQL statements SQLite
ran for it. Only
127.0.0.1 is ever contacted. The machine's cores are shared by wrk and the two gunicorn
workers on both sides alike, so the ratios are fair, but the absolute figures are lower
than on a machine where the load generator runs elsewhere. gunicorn's sync worker closes
the connection after each response, so every request includes a TCP connect (both sides).

Usage: python bench/serving.py [--items 2000] [--with-history 100] [--duration 10]
                               [--rounds 3] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bulk_issuance import write_section  # noqa: E402

from passport import organisations  # noqa: E402
from passport.config import Settings  # noqa: E402
from passport.db import begin_write, upgrade_database  # noqa: E402
from passport.events import history  # noqa: E402
from passport.passports import issuing  # noqa: E402
from passport.signing.keys import ensure_keys  # noqa: E402
from web.app import create_app  # noqa: E402
from web.demo import KETTLE, kettle_batch, kettle_item, kettle_model  # noqa: E402

BASE_URL = "https://dpp.example.org"
LOT = "2026W14"
VENV_BIN = Path(sys.executable).parent
# The registry's own access-log format (web/cli/serving.py), given to the baseline's gunicorn too.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

BASELINE_APP = '''\
"""A bare Flask + SQLite lookup: the baseline of bench/serving.py."""

import os
import sqlite3

from flask import Flask, Response

app = Flask(__name__)
DB = os.environ["BASELINE_DB"]
_conn = None


def _db():
    global _conn  # one connection per worker process, opened after gunicorn forks
    if _conn is None:
        _conn = sqlite3.connect(DB, check_same_thread=False)
    return _conn


@app.get("/01/<gtin>/21/<serial>")
def lookup(gtin, serial):
    row = _db().execute(
        "SELECT doc FROM passports WHERE key = ?", (f"{gtin}/21/{serial}",)
    ).fetchone()
    if row is None:
        return Response("not found", status=404)
    return Response(row[0], mimetype="application/ld+json")
'''

WRK_LUA = """\
local paths = {{
{paths}
}}
local headers = {{ ["Accept"] = "{accept}" }}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(id * 7919 + os.time())
end

function request()
  if {sequential} then  -- the fill: every path in turn, each thread from its own start
    counter = counter + 1
    return wrk.format("{method}", paths[((id * 7919 + counter) % #paths) + 1], headers)
  end
  return wrk.format("{method}", paths[math.random(#paths)], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Seeded:
    database_url: str
    resolver_paths: list[str]  # /01/{gtin}/21/{serial} of every item
    page_paths: list[str]  # /passports/{id} of the items with history
    events_per_item: int


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int


def _events(n: int) -> list[tuple[str, dict[str, Any]]]:
    """Five events in the order the demo kettle lives them, recorded by the right roles."""
    return [
        ("maker", {"type": "commissioning", "eventTime": "2026-04-10T09:00:00+02:00"}),
        (
            "maker",
            {
                "type": "sale",
                "eventTime": "2026-04-24T16:20:00+02:00",
                "sale": {"channel": "retail"},
            },
        ),
        (
            "cafe",
            {
                "type": "repair",
                "eventTime": "2026-09-03T15:30:00+02:00",
                "repair": {
                    "outcome": "fixed",
                    "problem": f"Switch of kettle {n} did not click off; replaced the switch",
                    "spareParts": "manufacturer",
                    "partsReplaced": ["power switch"],
                },
            },
        ),
        (
            "shop",
            {
                "type": "resale",
                "eventTime": "2026-10-12T11:00:00+02:00",
                "resale": {"channel": "second_hand_shop", "condition": "Used"},
            },
        ),
        (
            "cafe",
            {
                "type": "repair",
                "eventTime": "2026-11-02T10:00:00+01:00",
                "repair": {
                    "outcome": "fixed",
                    "problem": "Limescale filter replaced",
                    "spareParts": "third_party",
                },
            },
        ),
    ]


def seed(workdir: Path, n_items: int, n_history: int) -> Seeded:
    """A registry like the demo's: a model, a batch, n item passports, 5 events on some."""
    url = f"sqlite:///{workdir / 'registry.db'}"
    upgrade_database(url)
    ensure_keys(workdir)  # every write to the log signs a checkpoint
    settings = Settings(database_url=url, base_url=BASE_URL, data_dir=workdir)
    app = create_app(settings)
    with app.extensions["kreislauf"].session_factory() as session:
        begin_write(session)
        maker, _ = organisations.create_organisation(
            session, "Kesselwerk Bench GmbH", "manufacturer", ["4098765"]
        )
        cafe, _ = organisations.create_organisation(session, "Repair Café Bench", "repairer")
        shop, _ = organisations.create_organisation(session, "Second Life Bench", "refurbisher")
        orgs = {"maker": maker, "cafe": cafe, "shop": shop}
        issuing.issue_passport(session, settings, maker, kettle_model())
        issuing.issue_passport(session, settings, maker, kettle_batch(LOT))
        serials = [f"K1-{n:06d}" for n in range(n_items)]
        items = issuing.issue_passports(
            session, settings, maker, [kettle_item(LOT, s) for s in serials]
        )
        for n, item in enumerate(items[:n_history]):
            for who, body in _events(n):
                history.record_event(session, settings, orgs[who], item.public_id, body)
        session.commit()
        page_paths = [f"/passports/{item.public_id}" for item in items[:n_history]]
    app.extensions["kreislauf"].engine.dispose()
    return Seeded(
        database_url=url,
        resolver_paths=[f"/01/{KETTLE}/21/{s}" for s in serials],
        page_paths=page_paths,
        events_per_item=len(_events(0)),
    )


def build_baseline(workdir: Path, seeded: Seeded) -> Path:
    """The baseline's database: for each item, the registry's exact JSON-LD answer."""
    app = create_app(Settings(database_url=seeded.database_url, base_url=BASE_URL))
    client = app.test_client()
    rows = []
    for path in seeded.resolver_paths:
        response = client.get(path, headers={"Accept": "application/ld+json"})
        assert response.status_code == 200, (path, response.status_code)
        rows.append((path.removeprefix("/01/"), response.get_data()))
    app.extensions["kreislauf"].engine.dispose()
    db = workdir / "baseline.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE passports (key TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    conn.executemany(
        "INSERT INTO passports (key, doc) VALUES (?, ?)", [(k, d.decode()) for k, d in rows]
    )
    conn.commit()
    conn.close()
    (workdir / "serving_baseline.py").write_text(BASELINE_APP)
    return db


def server_env(seeded: Seeded, workdir: Path, baseline_db: Path) -> dict[str, str]:
    """The environment both servers start in: the registry's settings and the baseline's file."""
    return dict(
        os.environ,
        KREISLAUF_DATABASE_URL=seeded.database_url,
        KREISLAUF_BASE_URL=BASE_URL,
        KREISLAUF_DATA_DIR=str(workdir / "data"),
        BASELINE_DB=str(baseline_db),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, path: str, accept: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Accept": accept}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer {path} in 60 s")


def fetch(port: int, path: str, accept: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def wrk(port: int, script: Path, seconds: float, threads: int, connections: int) -> Run:
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    errors = {k: result[k] for k in ("connect", "read", "write", "status", "timeout")}
    if any(errors.values()):
        raise RuntimeError(f"wrk saw errors on port {port}: {errors}\n{out}")
    return Run(
        rps=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        requests=result["requests"],
    )


def lua(
    workdir: Path,
    name: str,
    paths: list[str],
    accept: str,
    method: str = "GET",
    sequential: bool = False,
) -> Path:
    script = workdir / f"{name}.lua"
    body = ",\n".join(f'  "{p}"' for p in paths)  # paths are digits, letters and '-' only
    order = "true" if sequential else "false"
    script.write_text(WRK_LUA.format(paths=body, accept=accept, method=method, sequential=order))
    return script


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # gunicorn's master stops its workers on SIGTERM
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True)
class Memory:
    rss_mib: float  # resident set of gunicorn's master and its workers, summed
    pss_mib: float  # the same, shared pages divided among the processes that share them
    master_rss_mib: float  # the master's own share of rss_mib


def tree_memory(pid: int) -> Memory:
    """The memory of a server: its process and every descendant (Linux /proc)."""
    pids, rss, pss, master = [pid], 0, 0, 0
    while pids:
        current = pids.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        pids += [int(c) for c in children]
        for line in rollup.splitlines():
            name, _, value = line.partition(":")
            if name in ("Rss", "Pss"):
                kib = int(value.split()[0])
                rss, pss = (rss + kib, pss) if name == "Rss" else (rss, pss + kib)
                master += kib if name == "Rss" and current == pid else 0
    return Memory(rss / 1024, pss / 1024, master / 1024)


@dataclass(frozen=True)
class InProcess:
    ms: float  # median time per request through Flask's test client, no HTTP
    statements: int  # SQL statements SQLite ran for one request (BEGIN included)
    first_ms: float  # the same for the first read of each path (its view is built)
    first_statements: float  # statements of a first read, on average


def in_process(
    workdir: Path, seeded: Seeded, baseline_db: Path, n: int = 300
) -> dict[str, InProcess]:
    """Per-request time and SQL statements without HTTP: where the difference comes from."""
    import importlib
    import random

    from sqlalchemy import event

    os.environ["BASELINE_DB"] = str(baseline_db)
    sys.path.insert(0, str(workdir))
    try:
        baseline_app = importlib.import_module("serving_baseline")
    finally:
        sys.path.remove(str(workdir))
    app = create_app(Settings(database_url=seeded.database_url, base_url=BASE_URL))
    traced: list[str] = []

    @event.listens_for(app.extensions["kreislauf"].engine, "connect")
    def _trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(traced.append)

    baseline_app._db().set_trace_callback(traced.append)
    base_client, client = baseline_app.app.test_client(), app.test_client()
    rng = random.Random(1)
    jsonld, html = {"Accept": "application/ld+json"}, {"Accept": "text/html"}
    cases = {
        "baseline": (base_client, seeded.resolver_paths, jsonld),
        "resolver": (client, seeded.resolver_paths, jsonld),
        "page": (client, seeded.page_paths, html),
    }
    results = {}
    for name, (c, paths, headers) in cases.items():
        # The first read of each path builds its view (a miss, timed), the rest are served
        # from the stored views, as in the steady state wrk measures after its fill.
        traced.clear()
        started = time.perf_counter()
        for path in paths:
            assert c.get(path, headers=headers).status_code == 200
        first = (time.perf_counter() - started) / len(paths) * 1000
        first_statements = len(traced) / len(paths)
        traced.clear()
        c.get(paths[len(paths) // 2], headers=headers)
        statements = len(traced)
        times = []
        for _ in range(3):
            chosen = [rng.choice(paths) for _ in range(n)]
            started = time.perf_counter()
            for path in chosen:
                c.get(path, headers=headers)
            times.append((time.perf_counter() - started) / n * 1000)
        results[name] = InProcess(statistics.median(times), statements, first, first_statements)
    app.extensions["kreislauf"].engine.dispose()
    return results


MEASURED = "Measured so far: "


def update_intro(path: Path, now_measured: list[str]) -> None:
    """Move what this script measures from the intro's "still need" list to "measured so far"."""
    import re

    text = path.read_text()
    start = text.find(MEASURED)
    if start == -1:
        print(f"note: no '{MEASURED}' paragraph in {path}; intro left alone")
        return
    end = text.find("\n\n", start)
    end = len(text) if end == -1 else end
    paragraph = " ".join(text[start:end].split())
    found = re.fullmatch(
        r"Measured so far: (.+?)\.(?: The (.+?) still needs? (?:its|their) benchmarks?\.)?",
        paragraph,
    )
    if found is None:
        print(f"note: the '{MEASURED}' paragraph of {path} has an unknown form; left alone")
        return

    def items(listed: str | None) -> list[str]:
        return [x for x in re.split(r", | and ", listed or "") if x]

    def joined(names: list[str]) -> str:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    measured = items(found.group(1))
    pending = items("the " + found.group(2) if found.group(2) else None)
    for name in now_measured:
        if name not in measured:
            measured.append(name)
        if name in pending:
            pending.remove(name)
    sentence = f"{MEASURED}{joined(measured)}."
    if pending:
        rest = joined(pending)
        sentence += f" {rest[0].upper()}{rest[1:]} still need their benchmarks."
    new = textwrap.fill(sentence, width=95)
    path.write_text(text[:start] + new + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--with-history", type=int, default=100)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--fill", type=float, default=45.0, help="seconds of asking every path in turn first"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--write", type=Path, help="update this Markdown file's section")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")

    with tempfile.TemporaryDirectory(prefix="kreislauf-serving-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        seeded = seed(workdir, args.items, args.with_history)
        baseline_db = build_baseline(workdir, seeded)
        print(f"seeded {args.items:,} items in {time.perf_counter() - started:.1f} s")
        direct = in_process(workdir, seeded, baseline_db)
        for name, result in direct.items():
            print(f"in-process {name}: {result.ms:.2f} ms/request, {result.statements} statements")

        jsonld, html = "application/ld+json", "text/html"
        scripts = {
            "baseline": lua(workdir, "baseline", seeded.resolver_paths, jsonld),
            "floor": lua(workdir, "floor", seeded.resolver_paths, jsonld, method="OPTIONS"),
            "resolver": lua(workdir, "resolver", seeded.resolver_paths, jsonld),
            "page": lua(workdir, "page", seeded.page_paths, html),
        }
        reg_port, base_port = free_port(), free_port()
        env = server_env(seeded, workdir, baseline_db)
        registry = baseline = None
        try:
            registry = subprocess.Popen(
                # This checkout's code (a console script may belong to another checkout).
                [sys.executable, "-m", "web.cli.main", "run", "--port", str(reg_port)]
                + ["--workers", "2"],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            baseline = subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{base_port}",
                    "--chdir",
                    str(workdir),
                    "--access-logfile",
                    "-",
                    "--access-logformat",
                    ACCESS_LOG_FORMAT,
                    "serving_baseline:app",
                ],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            probe = seeded.resolver_paths[len(seeded.resolver_paths) // 2]
            wait_ready(reg_port, probe, jsonld, registry)
            wait_ready(base_port, probe, jsonld, baseline)
            # Both sides answer the same path with the same bytes; the page is a real page.
            reg_answer, base_answer = (
                fetch(reg_port, probe, jsonld),
                fetch(base_port, probe, jsonld),
            )
            assert reg_answer[1].startswith(jsonld) and base_answer[1].startswith(jsonld)
            assert reg_answer[2] == base_answer[2], "baseline body differs from the registry's"
            status, ctype, page = fetch(reg_port, seeded.page_paths[0], html)
            assert status == 200 and ctype.startswith("text/html"), (status, ctype)
            assert page.count(b"<li") >= seeded.events_per_item, "the page shows no history"
            body_bytes, page_bytes = len(reg_answer[2]), len(page)

            targets = [
                ("baseline", base_port),
                ("floor", reg_port),
                ("resolver", reg_port),
                ("page", reg_port),
            ]
            # The fill: each worker keeps the views it built (passport.views_cache), so every
            # path is asked for in turn until both workers have built most of them; then the
            # usual warm-up. The measurements are the steady state of a registry whose
            # passports are read again and again (docs/CACHING.md: what a miss costs).
            for name in ("resolver", "page"):
                paths = seeded.resolver_paths if name == "resolver" else seeded.page_paths
                fill = lua(workdir, f"fill-{name}", paths, jsonld if name == "resolver" else html,
                           sequential=True)  # fmt: skip
                wrk(reg_port, fill, args.fill, args.threads, args.connections)
            for name, port in targets:
                wrk(port, scripts[name], args.warmup, args.threads, args.connections)
            runs: dict[str, list[Run]] = {name: [] for name, _ in targets}
            for round_ in range(args.rounds):
                for name, port in targets:
                    run = wrk(port, scripts[name], args.duration, args.threads, args.connections)
                    runs[name].append(run)
                print(
                    f"round {round_ + 1}: "
                    + ", ".join(
                        f"{name} {runs[name][-1].rps:,.0f} req/s "
                        f"(p99 {runs[name][-1].p99_ms:.1f} ms)"
                        for name, _ in targets
                    )
                )
            memory = {"registry": tree_memory(registry.pid), "baseline": tree_memory(baseline.pid)}
        finally:
            stop(registry)
            stop(baseline)

    def med(name: str, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs[name])

    def figures(name: str) -> str:
        return (
            f"{med(name, 'rps'):,.0f} req/s, p50 {med(name, 'p50_ms'):.1f} ms, "
            f"p99 {med(name, 'p99_ms'):.1f} ms"
        )

    base_rps = med("baseline", "rps")
    floor_ratio = med("floor", "rps") / base_rps
    res_ratio, page_ratio = med("resolver", "rps") / base_rps, med("page", "rps") / base_rps

    def verdict(ratio: float, target: float) -> str:
        return f"**{ratio:.2f}** (target ≥ {target}: {'met' if ratio >= target else 'missed'})"

    def direct_figures(name: str) -> str:
        count = direct[name].statements
        text = f"{direct[name].ms:.2f} ms, {count} SQL statement{'s' if count != 1 else ''}"
        if name == "baseline":
            return text
        return (
            f"{text} (served from the stored views); the first read of each path, which "
            f"builds its view: {direct[name].first_ms:.2f} ms, "
            f"{direct[name].first_statements:.0f} statements"
        )

    n = args.rounds
    lines = [
        f"| data | {args.items:,} item passports (with a model and a batch passport), "
        f"{args.with_history} of them with {seeded.events_per_item} events; SQLite, WAL |",
        f"| load | wrk, {args.threads} threads, {args.connections} connections, a random seeded "
        f"item per request, after {args.fill:g} s asking every path in turn (the fill) and a "
        f"{args.warmup:g} s warm-up, {args.duration:g} s per measurement, "
        f"median of {n} interleaved rounds |",
        "| servers | gunicorn, 2 sync workers (a new connection per request), access log on "
        "(to /dev/null), both sides |",
        f"| baseline: bare Flask + `sqlite3`, JSON text by key ({body_bytes:,} B body) | "
        f"{figures('baseline')} |",
        f"| resolver `GET /01/{{gtin}}/21/{{serial}}`, `Accept: application/ld+json` | "
        f"{figures('resolver')} |",
        f"| ratio resolver / baseline | {verdict(res_ratio, 0.6)} |",
        f"| history page `GET /passports/{{id}}`, HTML ({page_bytes:,} B) | {figures('page')} |",
        f"| ratio history page / baseline | {verdict(page_ratio, 0.4)} |",
        f"| registry floor: `OPTIONS` on the resolver paths (routing, hooks, no database) | "
        f"{figures('floor')}; {floor_ratio:.2f} × baseline |",
        f"| server memory after the runs (RSS of gunicorn's master and 2 workers; PSS) | "
        f"registry {memory['registry'].rss_mib:,.0f} MiB ({memory['registry'].pss_mib:,.0f} "
        f"MiB; its master {memory['registry'].master_rss_mib:,.0f} MiB RSS), "
        f"baseline {memory['baseline'].rss_mib:,.0f} MiB "
        f"({memory['baseline'].pss_mib:,.0f} MiB): "
        f"{memory['registry'].rss_mib / memory['baseline'].rss_mib:.1f} × (target ≤ 2) |",
        f"| one request in-process (Flask test client, no HTTP): baseline | "
        f"{direct_figures('baseline')} |",
        f"| … resolver JSON-LD | {direct_figures('resolver')} |",
        f"| … history page | {direct_figures('page')} |",
    ]
    met = [res_ratio >= 0.6, page_ratio >= 0.4]
    if all(met):
        outcome = "Both targets are met."
    elif any(met):
        outcome = (
            f"The {'resolver' if met[0] else 'history page'} target is met; the "
            f"{'history page' if met[0] else 'resolver'} target is not."
        )
    else:
        outcome = (
            f"Neither target is met: the resolver reaches {res_ratio:.2f} of the baseline "
            f"(target 0.6), the history page {page_ratio:.2f} (target 0.4)."
        )
    note = (
        f"{outcome} Answering `OPTIONS` on the same paths, through the same gunicorn and Flask "
        f"hooks, runs at {floor_ratio:.2f} × the baseline: that is the ceiling of any view. "
        f"In-process, a resolver lookup served from the stored views takes "
        f"{direct['resolver'].ms / direct['baseline'].ms:.1f} × the baseline's time and runs "
        f"{direct['resolver'].statements} SQL statement(s) where the baseline runs "
        f"{direct['baseline'].statements}; the history page takes "
        f"{direct['page'].ms / direct['baseline'].ms:.1f} × and runs "
        f"{direct['page'].statements}. The first read of a path in a worker builds its view: "
        f"{direct['resolver'].first_ms / direct['baseline'].ms:.0f} × (resolver) and "
        f"{direct['page'].first_ms / direct['baseline'].ms:.0f} × (page) the baseline's time. "
        f"wrk shares this machine's {os.cpu_count()} cores with the servers, for both sides "
        "alike: the ratios are fair, the absolute rates lower than with the load generator on "
        "another machine."
    )
    lines += ["", textwrap.fill(note, width=95)]
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "Resolver and history page", lines, script="bench/serving.py")
        update_intro(args.write, ["the resolver", "the history page"])


if __name__ == "__main__":
    main()


# The protocol of `python -m bench` (bench/__main__.py): a thin wrapper over the functions
# above, kept at the end of the file so that changes to the benchmark itself merge cleanly.
# "smoke" needs no wrk and no server: it times a few requests in-process (no target applies
# to that); "full" runs main() (wrk, gunicorn) and reads the figures it prints.
from bench.common import Row  # noqa: E402

_TARGETS = {"resolver": ("resolver JSON-LD, 2 workers, wrk", 0.6),
            "page": ("passport page HTML, 2 workers, wrk", 0.4)}  # fmt: skip


def run(size: str = "full") -> list[Row]:
    if size == "smoke":
        with tempfile.TemporaryDirectory(prefix="kreislauf-serving-") as tmp:
            seeded = seed(Path(tmp), 10, 2)
            db = sqlite3.connect(build_baseline(Path(tmp), seeded))
            app = create_app(Settings(database_url=seeded.database_url, base_url=BASE_URL))
            client = app.test_client()
            ms = {"baseline": _smoke_ms(lambda p: db.execute("SELECT doc FROM passports "
                                        "WHERE key = ?", (p[4:],)).fetchone(),
                                        seeded.resolver_paths)}  # fmt: skip
            for name, paths, accept in (("resolver", seeded.resolver_paths, "application/ld+json"),
                                        ("page", seeded.page_paths, "text/html")):  # fmt: skip
                ms[name] = _smoke_ms(lambda p, a=accept: client.get(
                    p, headers={"Accept": a}).status_code == 200, paths)  # fmt: skip
            app.extensions["kreislauf"].engine.dispose()
            db.close()
        return [
            Row(f"{work} (smoke: one request in-process, no wrk)", f"{ms[name]:.2f} ms/request",
                f"`sqlite3` lookup {ms['baseline'] * 1000:.0f} µs", ms["baseline"] / ms[name],
                f"≥ {target:g} (full size, wrk)", None)
            for name, (work, target) in _TARGETS.items()
        ]  # fmt: skip
    if shutil.which("wrk") is None:
        return [
            Row(work, "not measured: wrk missing", "—", None, f"≥ {target:g}", None)
            for work, target in _TARGETS.values()
        ]
    import contextlib
    import io
    import re
    from unittest import mock

    out = io.StringIO()
    with mock.patch.object(sys, "argv", ["serving.py"]), contextlib.redirect_stdout(out):
        main()
    text = out.getvalue()

    def rps(label: str) -> float:
        found = re.search(rf"^\| {label}[^\n]*?\| ([\d,]+) req/s", text, re.MULTILINE)
        if found is None:
            raise RuntimeError(f"bench/serving.py printed no figure for {label!r}")
        return float(found.group(1).replace(",", ""))

    base = rps("baseline: bare Flask")
    rates = {"resolver": rps("resolver `GET"), "page": rps("history page `GET")}
    return [
        Row(work, f"{rates[name]:,.0f} req/s", f"bare Flask + sqlite3 {base:,.0f} req/s",
            rates[name] / base, f"≥ {target:g}", rates[name] / base >= target)
        for name, (work, target) in _TARGETS.items()
    ]  # fmt: skip


def _smoke_ms(request: Any, paths: list[str]) -> float:
    for path in paths:  # warm-up
        assert request(path)
    started = time.perf_counter()
    for path in paths:
        assert request(path)
    return (time.perf_counter() - started) / len(paths) * 1000
