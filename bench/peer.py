"""One request at a time against a peer registry: SORT4CIRC's reference service (issue 13).

Both services run side by side on 127.0.0.1, one worker each, and one client loop asks them
one request at a time, interleaved round by round:

* Kreislauf: ``kreislauf run --workers 1`` (gunicorn, one sync worker) on SQLite in WAL mode,
  so every write is committed to a file before it is answered (durable);
* the peer: ``sort4circ-dpp`` ==1.3.1, its reference service as its docs and image run it
  (``uvicorn sort4circ_dpp.api:app``, one process, the in-memory store, the demo identity
  headers switched on with ``DPP_DEMO_AUTH=1``); it keeps nothing when it stops.

The work, with an equivalent minimal document on each side (Kreislauf: an item passport with
a name, GTIN, lot and serial; the peer: the synthetic item passport its own ``s4c-dpp
example`` prints, with a fresh ``dppId``):

* create one passport (``POST /api/v1/passports`` | ``POST /v1/dpps``);
* read one passport, public (``GET /api/v1/passports/{id}`` | ``GET /v1/dpps/{id}``), a
  random one of the last 2,000 created, so mostly one this worker has not read before; then
  the same passports again ("reread": Kreislauf serves the view it stored on the first read);
* resolve one through the resolver (GS1 Digital Link ``GET /01/{gtin}/21/{serial}`` as
  JSON-LD | the peer's carrier resolution ``GET /v1/identifiers/{epc}/dpp``, after binding
  a carrier to each passport, untimed);
* append one lifecycle event (a repair | a collection), spread over the passports.

The client is ``http.client`` with a keep-alive connection: uvicorn keeps it open, gunicorn's
sync worker closes it after each answer, so Kreislauf's figures include a TCP connect per
request (what any client of ``kreislauf run`` pays). A second set of figures opens a new
connection for every request on both sides, to tell the connect from the work. Targets:
reads >= 1.0 x the peer, durable writes >= 0.5 x. Each ratio is the median over rounds of
the two sides' rates in the same round. Kreislauf's per-key write limit is raised
(``KREISLAUF_WRITE_RATE``) so that it counts every write but refuses none.

``--profile`` measures nothing over HTTP: it runs each kind of request in process through
Flask's test client, times it, and prints a cProfile of it (``--profile-dir`` keeps the
``.prof`` files), to say where Kreislauf's time goes.

The peer is installed, on first use of the full size, into its own virtualenv under
``.bench/peer-venv`` (git-ignored), so its pins never touch ours; without an index the peer
rows say "not measured" and why. The smoke size never installs anything: it measures the
peer only if that virtualenv is already there.

Usage: python bench/peer.py [--size smoke|full] [--rounds 5] [--requests 200]
                            [--write docs/PERFORMANCE.md] [--profile [--profile-dir D]]
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.append(str(ROOT / "bench"))

from bench.common import Row  # noqa: E402

PEER_PACKAGE = "sort4circ-dpp==1.3.1"
PEER_VENV = ROOT / ".bench" / "peer-venv"
BASE_URL = "https://dpp.example.org"
GTIN = "04098765000010"  # under the bench manufacturer's GS1 prefix 4098765
LOT = "2026W49"
# The per-key write limit (600/minute by default) would answer 429 within a round: raised, so
# that the limiter still counts every write but never refuses one.
WRITE_RATE = "100000/second"
WORK = ("create", "read", "reread", "resolve", "event")
TARGETS = {"create": 0.5, "read": 1.0, "reread": 1.0, "resolve": 1.0, "event": 0.5}
LABELS = {
    "create": "create one passport (durable write)",
    "read": "read one passport (API)",
    "reread": "read the same passports again (API)",
    "resolve": "resolve one (resolver)",
    "event": "append one lifecycle event (durable write)",
}
# smoke: a handful of requests, the keep-alive client only, no warm-up round
SIZES = {"smoke": {"rounds": 1, "requests": 5}, "full": {"rounds": 5, "requests": 200}}


# -- the peer's virtualenv -------------------------------------------------------------------


def peer_python(install: bool) -> tuple[Path | None, str]:
    """The peer venv's python, or None and why not (installing it first if ``install``)."""
    python = PEER_VENV / "bin" / "python"
    probe = [str(python), "-c", "import sort4circ_dpp, uvicorn; print('ok')"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python, ""
    if not install:
        return None, f"not installed ({PEER_VENV.relative_to(ROOT)} absent; the full size makes it)"
    try:
        PEER_VENV.parent.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        done = subprocess.run(pip + [PEER_PACKAGE], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"could not make its virtualenv: {error}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1][:120]
        return None, f"`pip install {PEER_PACKAGE}` failed: {last}"
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return None, f"{PEER_PACKAGE} installed but does not import"
    return python, ""


# -- a client that asks one request at a time ------------------------------------------------


class Client:
    """One ``http.client`` connection, kept alive where the server allows it."""

    def __init__(self, port: int, fresh: bool = False) -> None:
        self.port, self.fresh = port, fresh
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def ask(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self.fresh:
            self.conn.close()
        data = None if body is None else json.dumps(body).encode()
        sent = dict(headers or {})
        if data is not None:
            sent["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, data, sent)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()  # closed by the server while idle: once more, on a new one
            self.conn.request(method, path, data, sent)
            response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


# -- the two sides ---------------------------------------------------------------------------


@dataclass
class Side:
    """A running service and how to ask it each kind of work about its n-th passport."""

    name: str
    port: int
    create: Callable[[Client, int], None]
    after_create: Callable[[Client, int], None]
    read: Callable[[Client, int], None]
    resolve: Callable[[Client, int], None]
    event: Callable[[Client, int], None]


def expect(got: tuple[int, bytes], status: int, what: str) -> None:
    if got[0] != status:
        raise RuntimeError(f"{what}: {got[0]} {got[1][:300]!r}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            client = Client(port)
            status, _ = client.ask("GET", path)
            client.close()
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not answer {path} in 60 s")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def kreislauf_item(serial: str) -> dict[str, Any]:
    """A minimal valid item passport: a name, the GTIN, the lot and the serial."""
    return {
        "granularityLevel": "item",
        "product": {
            "name": "Bench kettle",
            "registeredId": GTIN,
            "batchNumber": LOT,
            "serialNumber": serial,
        },
    }


def kreislauf_event(n: int) -> dict[str, Any]:
    return {
        "type": "repair",
        "eventTime": "2026-11-02T10:00:00+01:00",
        "repair": {
            "outcome": "fixed",
            "problem": f"Switch {n} replaced",
            "spareParts": "manufacturer",
        },
    }


def seed_kreislauf(workdir: Path) -> tuple[str, str, str]:
    """A fresh registry file with a manufacturer and a repairer; their URL and two API keys."""
    from passport import organisations
    from passport.config import Settings
    from passport.db import begin_write, upgrade_database
    from passport.signing.keys import ensure_keys
    from web.app import create_app

    url = f"sqlite:///{workdir / 'registry.db'}"
    upgrade_database(url)
    ensure_keys(workdir)
    settings = Settings(database_url=url, base_url=BASE_URL, data_dir=workdir)
    app = create_app(settings)
    with app.extensions["kreislauf"].session_factory() as session:
        begin_write(session)
        _, maker = organisations.create_organisation(
            session, "Bench Kettles GmbH", "manufacturer", ["4098765"], settings=settings
        )
        _, cafe = organisations.create_organisation(
            session, "Bench Repair Café", "repairer", settings=settings
        )
        session.commit()
    app.extensions["kreislauf"].engine.dispose()
    return url, maker, cafe


@contextmanager
def kreislauf_side(workdir: Path) -> Iterator[Side]:
    url, maker, cafe = seed_kreislauf(workdir)
    port = free_port()
    env = dict(
        os.environ,
        KREISLAUF_DATABASE_URL=url,
        KREISLAUF_BASE_URL=BASE_URL,
        KREISLAUF_DATA_DIR=str(workdir),
        KREISLAUF_WRITE_RATE=WRITE_RATE,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli.main", "run", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ids: dict[int, str] = {}
    writer = {"Authorization": f"Bearer {maker}"}
    repairer = {"Authorization": f"Bearer {cafe}"}

    def create(client: Client, n: int) -> None:
        got = client.ask("POST", "/api/v1/passports", kreislauf_item(f"B-{n:07d}"), writer)
        expect(got, 201, "Kreislauf create")
        ids[n] = json.loads(got[1])["id"]

    def read(client: Client, n: int) -> None:
        expect(client.ask("GET", f"/api/v1/passports/{ids[n]}"), 200, "Kreislauf read")

    def resolve(client: Client, n: int) -> None:
        path = f"/01/{GTIN}/21/B-{n:07d}"
        got = client.ask("GET", path, headers={"Accept": "application/ld+json"})
        expect(got, 200, "Kreislauf resolve")

    def event(client: Client, n: int) -> None:
        got = client.ask("POST", f"/api/v1/passports/{ids[n]}/events", kreislauf_event(n), repairer)
        expect(got, 201, "Kreislauf event")

    try:
        wait_ready(port, "/.well-known/gs1resolver", proc)
        yield Side("Kreislauf", port, create, lambda c, n: None, read, resolve, event)
    finally:
        stop(proc)


def peer_example(python: Path) -> dict[str, Any]:
    """The peer's own synthetic item passport (``s4c-dpp example``), asked of its package."""
    out = subprocess.run(
        [str(python), "-m", "sort4circ_dpp.cli", "example"],
        capture_output=True,
        text=True,
        check=True,
    )
    document: dict[str, Any] = json.loads(out.stdout)
    return document


@contextmanager
def peer_side(python: Path) -> Iterator[Side]:
    template = peer_example(python)
    port = free_port()
    env = dict(os.environ, DPP_DEMO_AUTH="1")
    proc = subprocess.Popen(
        [str(python), "-m", "uvicorn", "sort4circ_dpp.api:app"]
        + ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=PEER_VENV,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    org = "urn:example:org:manufacturer-a"
    brand = {"X-DPP-Role": "brand", "X-DPP-Organisation": org}
    collector = {
        "X-DPP-Role": "collector",
        "X-DPP-Organisation": "urn:example:org:collector-a",
    }
    sorter = {"X-DPP-Role": "sortingOperator"}

    def dpp(n: int) -> str:
        return f"urn:example:dpp:bench-{n:07d}"

    def epc(n: int) -> str:
        return f"urn:epc:id:sgtin:0614141.112345.{n}"

    def create(client: Client, n: int) -> None:
        document = json.loads(json.dumps(template))
        document["dppId"] = dpp(n)
        document["identity"]["itemId"] = f"urn:example:item:bench-{n:07d}"
        document["identity"]["epc"] = epc(n)
        expect(client.ask("POST", "/v1/dpps", document, brand), 201, "peer create")

    def bind(client: Client, n: int) -> None:
        carrier = {
            "carrierType": "uhfRfid",
            "encodingScheme": "gs1Sgtin96",
            "encodedIdentifier": epc(n),
            "boundBy": org,
        }
        got = client.ask("POST", f"/v1/dpps/{dpp(n)}/carriers", carrier, brand)
        expect(got, 201, "peer carrier")

    def read(client: Client, n: int) -> None:
        expect(client.ask("GET", f"/v1/dpps/{dpp(n)}"), 200, "peer read")

    def resolve(client: Client, n: int) -> None:
        path = f"/v1/identifiers/{quote(epc(n), safe='')}/dpp"
        expect(client.ask("GET", path, headers=sorter), 200, "peer resolve")

    def event(client: Client, n: int) -> None:
        body = {
            "eventType": "collection",
            "eventTime": "2026-11-02T10:00:00Z",
            "eventTimeZoneOffset": "+01:00",
            "actorOrganisationId": "urn:example:org:collector-a",
            "sourceSystemId": "urn:example:system:collection-client",
            "facilityId": "urn:example:facility:collection-site-a",
        }
        got = client.ask("POST", f"/v1/dpps/{dpp(n)}/events", body, collector)
        expect(got, 201, "peer event")

    try:
        wait_ready(port, "/health", proc)
        yield Side("peer", port, create, bind, read, resolve, event)
    finally:
        stop(proc)


# -- the measurement -------------------------------------------------------------------------


Rates = dict[tuple[str, str, bool], list[float]]  # (side, work, fresh) -> req/s per round


@dataclass
class Measured:
    rates: Rates
    rounds: int
    requests: int
    load: tuple[float, float]  # 1-minute load average before and after


def one_round(
    side: Side, fresh: bool, start: int, count: int, pool: int, rng: random.Random, rates: Rates
) -> None:
    """``count`` requests of each kind, one at a time, creating passports ``start`` on.

    Reads, resolves and events go to random passports among the last ``pool`` created.
    """
    client = Client(side.port, fresh)
    try:
        began = time.perf_counter()
        for n in range(start, start + count):
            side.create(client, n)
        rates[(side.name, "create", fresh)].append(count / (time.perf_counter() - began))
        for n in range(start, start + count):
            side.after_create(client, n)
        known = start + count
        picks = [rng.randrange(max(0, known - pool), known) for _ in range(count)]
        for work in ("read", "reread", "resolve", "event"):
            ask = side.read if work == "reread" else getattr(side, work)
            ask(client, picks[0])  # the connection is warm before the clock starts
            began = time.perf_counter()
            for n in picks:
                ask(client, n)
            rates[(side.name, work, fresh)].append(count / (time.perf_counter() - began))
    finally:
        client.close()


def measure(sides: list[Side], rounds: int, requests: int, quick: bool = False) -> Measured:
    """Interleaved rounds; ``quick`` (the smoke size) skips the warm-up and the fresh client."""
    modes = (False,) if quick else (False, True)
    rates: Rates = {(s.name, w, f): [] for s in sides for w in WORK for f in (False, True)}
    load_before = os.getloadavg()[0]
    rng = random.Random(13)
    next_n = 0
    for fresh in () if quick else modes:  # warm-up: every path on every side, not counted
        for side in sides:
            unused: Rates = {k: [] for k in rates}
            one_round(side, fresh, next_n, max(4, requests // 10), 10**9, rng, unused)
        next_n += max(4, requests // 10)
    for round_ in range(rounds):
        # interleaved, the order of the sides alternating from round to round
        order = sides if round_ % 2 == 0 else list(reversed(sides))
        for fresh in modes:
            for side in order:
                one_round(side, fresh, next_n, requests, 10 * requests, rng, rates)
            next_n += requests
    return Measured(rates, rounds, requests, (load_before, os.getloadavg()[0]))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def paired(measured: Measured, work: str, fresh: bool) -> float:
    """The median over rounds of Kreislauf's rate over the peer's in the same round: on a
    shared machine a round's load falls on both sides alike."""
    mine, theirs = (measured.rates[(side, work, fresh)] for side in ("Kreislauf", "peer"))
    return median([m / t for m, t in zip(mine, theirs, strict=True)])


# -- in-process profile of the losing requests -----------------------------------------------


def profile_kreislauf(workdir: Path, n: int = 300, dump: Path | None = None) -> dict[str, str]:
    """Each kind of request in process through the Flask test client (no server, no socket):
    ``n`` timed, then ``n`` more under cProfile (its text, and ``dump/{work}.prof`` if asked).
    Reads and resolves ask each passport once, as the benchmark's random picks mostly do (the
    view is built); ``reread`` asks the same passports again (the stored view)."""
    from passport.config import Settings
    from web.app import create_app

    url, maker, cafe = seed_kreislauf(workdir)
    settings = Settings(
        database_url=url, base_url=BASE_URL, data_dir=workdir, write_rate=WRITE_RATE
    )
    client = create_app(settings).test_client()
    app = client.application
    writer = {"Authorization": f"Bearer {maker}"}
    repairer = {"Authorization": f"Bearer {cafe}"}
    ids = []
    for i in range(2 * n + 20):
        response = client.post(
            "/api/v1/passports", json=kreislauf_item(f"P-{i:07d}"), headers=writer
        )
        assert response.status_code == 201, response.get_data()
        ids.append(response.get_json()["id"])
    serial = 10**6

    def create() -> None:
        nonlocal serial
        serial += 1
        client.post("/api/v1/passports", json=kreislauf_item(f"P-{serial:07d}"), headers=writer)

    def read(i: int) -> Any:
        return client.get(f"/api/v1/passports/{ids[i]}")

    calls: dict[str, Callable[[int], Any]] = {
        "create": lambda i: create(),
        "read": read,
        "reread": read,
        "resolve": lambda i: client.get(
            f"/01/{GTIN}/21/P-{i:07d}", headers={"Accept": "application/ld+json"}
        ),
        "event": lambda i: client.post(
            f"/api/v1/passports/{ids[i]}/events", json=kreislauf_event(i), headers=repairer
        ),
    }
    out: dict[str, str] = {}
    for work, ask in calls.items():
        for i in range(2 * n, 2 * n + 20):
            ask(i)  # warm
        began = time.perf_counter()
        for i in range(n, 2 * n):
            ask(i)
        ms = (time.perf_counter() - began) * 1000 / n
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(n):
            ask(i)
        profiler.disable()
        if dump is not None:
            profiler.dump_stats(dump / f"{work}.prof")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        out[work] = f"{ms:.2f} ms/request in process (not profiled)\n" + text.getvalue()
    app.extensions["kreislauf"].engine.dispose()
    return out


# -- rows and the report ---------------------------------------------------------------------


def rows_of(measured: Measured, why_not_peer: str, fresh: bool = False) -> list[Row]:
    rows = []
    for work in WORK:
        target = TARGETS[work]
        target_text = f"≥ {target:g} × the peer (one request at a time)"
        mine = median(measured.rates[("Kreislauf", work, fresh)])
        kreislauf = f"{mine:,.0f} req/s (1 gunicorn sync worker, SQLite WAL)"
        theirs = measured.rates.get(("peer", work, fresh), [])
        if not theirs:
            baseline = f"SORT4CIRC peer: not measured: {why_not_peer}"
            rows.append(Row(f"peer: {LABELS[work]}", kreislauf, baseline, None, target_text, None))
            continue
        peer = median(theirs)
        ratio = paired(measured, work, fresh)
        baseline = f"SORT4CIRC {PEER_PACKAGE.split('==')[1]} {peer:,.0f} req/s (1 uvicorn, memory)"
        rows.append(
            Row(
                f"peer: {LABELS[work]}",
                kreislauf,
                baseline,
                round(ratio, 3),
                target_text,
                ratio >= target,
            )  # fmt: skip
        )
    return rows


def section(measured: Measured, why_not_peer: str) -> list[str]:
    has_peer = bool(measured.rates.get(("peer", "read", False)))

    def cell(work: str, fresh: bool) -> str:
        mine = median(measured.rates[("Kreislauf", work, fresh)])
        if not has_peer:
            return f"{mine:,.0f} / not measured"
        peer = median(measured.rates[("peer", work, fresh)])
        ratio = paired(measured, work, fresh)
        verdict = "met" if ratio >= TARGETS[work] else "missed"
        return f"{mine:,.0f} / {peer:,.0f} req/s: **{ratio:.2f}** (≥ {TARGETS[work]:g}: {verdict})"

    lines = [
        "| services | Kreislauf: `kreislauf run --workers 1` (gunicorn, 1 sync worker), SQLite "
        "WAL, every write committed before the answer. Peer: "
        f"`{PEER_PACKAGE}` in its own virtualenv, `uvicorn sort4circ_dpp.api:app` (1 process), "
        "its in-memory store (nothing survives a restart); both on 127.0.0.1, logs to "
        "/dev/null |",
        "| client | one `http.client` loop, one request at a time, in the benchmark's process; "
        f"{measured.requests} requests of each kind per side per round, "
        f"median of {measured.rounds} interleaved rounds (sides alternating first) after a "
        "warm-up round; each ratio is the median of the rounds' ratios |",
        "| documents | Kreislauf: a minimal item passport (name, GTIN, lot, serial); peer: "
        "its own `s4c-dpp example` item passport with a fresh `dppId`, item id and EPC |",
        "| work | create; public read by id of a random one of the last "
        f"{10 * measured.requests:,} created, then the same ones again; resolve (Kreislauf: "
        "GS1 Digital Link `/01/{gtin}/21/{serial}` as JSON-LD; peer: "
        "`/v1/identifiers/{epc}/dpp` after binding a carrier, untimed); event (Kreislauf: a "
        "repair; peer: a collection) on a random recent passport |",
        f"| load average (1 min) before / after | {measured.load[0]:.2f} / "
        f"{measured.load[1]:.2f} (2 cores, shared) |",
    ]
    if not has_peer:
        lines.append(f"| peer | not measured: {why_not_peer} |")
    for work in WORK:
        lines.append(
            f"| {LABELS[work]}, keep-alive client (Kreislauf / peer) | {cell(work, False)} |"
        )
    for work in WORK:
        lines.append(
            f"| {LABELS[work]}, a new connection per request on both sides | {cell(work, True)} |"
        )
    return lines


def run(size: str = "full", write: Path | None = None) -> list[Row]:
    config = SIZES[size]
    python, why_not = peer_python(install=size == "full")
    quick = size == "smoke"
    with tempfile.TemporaryDirectory(prefix="kreislauf-peer-") as tmp:
        workdir = Path(tmp)
        (workdir / "k").mkdir()
        with kreislauf_side(workdir / "k") as mine:
            if python is not None:
                with peer_side(python) as theirs:
                    measured = measure([mine, theirs], config["rounds"], config["requests"], quick)
            else:
                measured = measure([mine], config["rounds"], config["requests"], quick)
    for key, values in measured.rates.items():
        if values:
            figures = " ".join(f"{v:7.0f}" for v in values)
            mode = "fresh" if key[2] else "keep"
            print(f"{key[0]:9} {key[1]:8} {mode:5} {figures}  median {median(values):,.0f}/s")
    print(f"load average (1 min): {measured.load[0]:.2f} -> {measured.load[1]:.2f}")
    if write is not None:
        from bulk_issuance import write_section

        write_section(
            write,
            "One request at a time against a peer (SORT4CIRC)",
            section(measured, why_not),
            script="bench/peer.py",
        )
    return rows_of(measured, why_not)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--write", type=Path, help="update this Markdown file's section")
    parser.add_argument(
        "--profile", action="store_true", help="only cProfile each kind of request in process"
    )
    parser.add_argument("--profile-dir", type=Path, help="with --profile: keep the .prof files")
    args = parser.parse_args()
    if args.rounds:
        SIZES[args.size]["rounds"] = args.rounds
    if args.requests:
        SIZES[args.size]["requests"] = args.requests
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="kreislauf-peer-profile-") as tmp:
            for work, text in profile_kreislauf(Path(tmp), dump=args.profile_dir).items():
                print(f"\n== profile of {work}: {text}")
        return
    for row in run(args.size, args.write):
        print(row)


if __name__ == "__main__":
    main()
