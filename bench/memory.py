"""Server memory: the registry's gunicorn (master + workers) against the bare Flask app's.

Issue 13 point 2 asks for server memory <= 2 x the bare app's. ``bench/serving.py`` reports it
after its wrk runs; this script measures the same thing cheaply, without wrk: it seeds the
same data (``serving.seed``), starts both servers the way ``serving.py`` does (``kreislauf
run`` and gunicorn with the bare app, 2 sync workers each), asks each server a few requests
of every kind, and reads the RSS and PSS of the master and each worker from
``/proc/<pid>/smaps_rollup``. Two phases:

* **reads**: the resolver (JSON-LD, linkset, a browser's redirect) and the history page, the
  paths the read-path targets are about, each of them asked for ``--repeat`` times;
* **everything**: then also the API's JSON-LD and Turtle, events and EPCIS, EN 18222, the
  JSON-LD contexts, the QR codes, the OpenAPI document and its docs page, the impact pages,
  the labels page (a redirect to sign in: no PDF), the log's checkpoint and proofs.

The target is judged on RSS, summed over master and workers, as ``bench/serving.py`` reports
it; PSS (shared pages divided among the processes sharing them) is given beside it.

Usage: python bench/memory.py [--items 2000] [--with-history 100] [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serving import (  # noqa: E402
    ACCESS_LOG_FORMAT,
    VENV_BIN,
    Seeded,
    build_baseline,
    free_port,
    seed,
    server_env,
    stop,
    wait_ready,
)

JSONLD, HTML, LINKSET = "application/ld+json", "text/html", "application/linkset+json"


@dataclass(frozen=True)
class Process:
    role: str  # "master" or "worker"
    rss_mib: float
    pss_mib: float


def processes(pid: int) -> list[Process]:
    """The master ``pid`` and its workers (its children), from /proc/<pid>/smaps_rollup."""
    found = []
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for role, current in [("master", pid)] + [("worker", int(c)) for c in children]:
        values = {}
        for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("Rss", "Pss"):
                values[name] = int(value.split()[0]) / 1024
        found.append(Process(role, values["Rss"], values["Pss"]))
    return found


def describe(name: str, procs: list[Process]) -> str:
    rss, pss = sum(p.rss_mib for p in procs), sum(p.pss_mib for p in procs)
    each = ", ".join(f"{p.role} {p.rss_mib:.0f}/{p.pss_mib:.0f}" for p in procs)
    return f"{name}: RSS {rss:.0f} MiB, PSS {pss:.0f} MiB ({each}; RSS/PSS MiB)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None  # a redirect is an answer: its target is on BASE_URL, never contacted


_OPENER = urllib.request.build_opener(_NoRedirect)


def ask(port: int, path: str, accept: str = "*/*") -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": accept})
    try:
        with _OPENER.open(request, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:  # a redirect target or a 4xx: still asked
        return int(error.code)


def read_paths(seeded: Seeded, repeat: int) -> list[tuple[str, str]]:
    picked = seeded.resolver_paths[:: max(1, len(seeded.resolver_paths) // 50)]
    asks = [(p, JSONLD) for p in picked] + [(p, LINKSET) for p in picked[:10]]
    asks += [(p + "?linkType=gs1:pip", HTML) for p in picked[:5]]
    asks += [(p, HTML) for p in seeded.page_paths[:20]]
    return asks * repeat


def other_paths(seeded: Seeded, repeat: int) -> list[tuple[str, str]]:
    some = [p.removeprefix("/passports/") for p in seeded.page_paths[:3]]
    asks = [("/", HTML), ("/healthz", "*/*"), ("/impact", HTML), ("/impact/method", HTML)]
    asks += [("/api/openapi.json", "*/*"), ("/api/docs", HTML), ("/labels", HTML)]
    asks += [("/contexts/kreislauf/v2", JSONLD), ("/log/v1/checkpoint", "*/*")]
    asks += [("/log/v1/proof/inclusion?index=0&size=2", "*/*")]
    asks += [("/.well-known/did.json", "*/*"), ("/.well-known/gs1resolver", "*/*")]
    for pid in some:
        asks += [(f"/api/v1/passports/{pid}", JSONLD), (f"/api/v1/passports/{pid}", "text/turtle")]
        asks += [
            (f"/api/v1/passports/{pid}/qr.png", "*/*"),
            (f"/api/v1/passports/{pid}/qr.svg", "*/*"),
        ]
        asks += [
            (f"/api/v1/passports/{pid}/events", JSONLD),
            (f"/api/v1/passports/{pid}/versions", "*/*"),
        ]
        asks += [(f"/api/v1/passports/{pid}/events?format=epcis", "*/*")]
        asks += [(f"/api/v1/dpps/{pid}", "*/*")]
    return asks * repeat


def measure(
    items: int, with_history: int, workers: int, repeat: int, quiet: bool = False
) -> dict[str, list[Process]]:
    """The memory of both servers, at start, after the reads and after everything."""
    say = (lambda *_: None) if quiet else print
    with tempfile.TemporaryDirectory(prefix="kreislauf-memory-") as tmp:
        workdir = Path(tmp)
        seeded = seed(workdir, items, with_history)
        baseline_db = build_baseline(workdir, seeded)
        reg_port, base_port = free_port(), free_port()
        env = server_env(seeded, workdir, baseline_db)
        out: dict[str, list[Process]] = {}
        registry = baseline = None
        try:
            registry = subprocess.Popen(
                [sys.executable, "-m", "web.cli.main", "run", "--port", str(reg_port)]
                + ["--workers", str(workers)],
                cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            baseline = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{base_port}",
                 "--chdir", str(workdir), "--access-logfile", "-", "--access-logformat",
                 ACCESS_LOG_FORMAT, "serving_baseline:app"],
                cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            probe = seeded.resolver_paths[0]
            wait_ready(reg_port, "/healthz", "*/*", registry)
            wait_ready(base_port, probe, JSONLD, baseline)
            time.sleep(1)  # every worker booted
            out["baseline"] = processes(baseline.pid)
            out["registry, started"] = processes(registry.pid)
            say(describe("registry, started", out["registry, started"]))
            for path, accept in [(p, JSONLD) for p in seeded.resolver_paths[:200]] * repeat:
                ask(base_port, path, accept)
            out["baseline"] = processes(baseline.pid)
            say(describe("baseline, after reads", out["baseline"]))
            statuses: dict[int, int] = {}
            for path, accept in read_paths(seeded, repeat):
                status = ask(reg_port, path, accept)
                statuses[status] = statuses.get(status, 0) + 1
            out["registry, reads"] = processes(registry.pid)
            say(describe("registry, after reads", out["registry, reads"]) + f" {statuses}")
            statuses = {}
            for path, accept in other_paths(seeded, repeat):
                status = ask(reg_port, path, accept)
                statuses[status] = statuses.get(status, 0) + 1
            out["registry, everything"] = processes(registry.pid)
            say(
                describe("registry, after every path", out["registry, everything"]) + f" {statuses}"
            )
        finally:
            stop(registry)
            stop(baseline)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--with-history", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = measure(args.items, args.with_history, args.workers, args.repeat)
    base = sum(p.rss_mib for p in out["baseline"])
    for name in ("registry, started", "registry, reads", "registry, everything"):
        rss = sum(p.rss_mib for p in out[name])
        print(f"{name}: {rss / base:.2f} x the baseline's RSS ({base:.0f} MiB)")


if __name__ == "__main__":
    main()


# The protocol of `python -m bench` (bench/__main__.py).
from bench.common import Row  # noqa: E402


def run(size: str = "full") -> list[Row]:
    items, history, repeat = (10, 2, 1) if size == "smoke" else (2000, 100, 3)
    out = measure(items, history, 2, repeat, quiet=True)
    base = sum(p.rss_mib for p in out["baseline"])
    rows = []
    works = {"registry, reads": "server memory after reads, 2 workers (RSS)",
             "registry, everything": "server memory after every path, 2 workers (RSS)"}  # fmt: skip
    for name, work in works.items():
        rss = sum(p.rss_mib for p in out[name])
        pss = sum(p.pss_mib for p in out[name])
        met = rss / base <= 2 if size == "full" else None
        rows.append(Row(work, f"{rss:,.0f} MiB (PSS {pss:,.0f})",
                        f"bare Flask + sqlite3 {base:,.0f} MiB", rss / base, "≤ 2×",
                        met))  # fmt: skip
    return rows
