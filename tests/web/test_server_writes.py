"""Writes against a real server (`kreislauf run`, gunicorn workers), from outside, over HTTP:
many writers with retries, and SIGKILL in the middle of a large batch and of an event stream.

What must hold: per-passport event numbers and the log stay gap-free, each Idempotency-Key is
stored once and every repeat gets the first answer, every acknowledged write survives a crash,
no batch is half there, and ``kreislauf verify`` passes afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from passport.ledger import log, merkle
from passport.models import Event, LogEntry, Passport
from tests.conftest import BASE_URL
from tests.helpers import passport
from web.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
PASSPORTS = "/api/v1/passports"
Reply = tuple[int, Any, dict[str, str]]


class Server:
    """`kreislauf run` in its own process group, so that a crash takes all its workers."""

    def __init__(self, database_url: str, data_dir: Path, workers: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port: int = s.getsockname()[1]
        self.env = {
            "KREISLAUF_DATABASE_URL": database_url,
            "KREISLAUF_DATA_DIR": str(data_dir),
            "KREISLAUF_BASE_URL": BASE_URL,
            # These tests write hundreds of times a second with one key: no rate limit here.
            "KREISLAUF_WRITE_RATE": "1000000/minute",
            "PATH": "/usr/bin:/bin",
        }
        self.workers = workers
        self.output = data_dir / "server.log"  # a file, not a pipe: a full pipe would block it
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        with self.output.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "web.cli.main", "run", "--port", str(self.port)]
                + ["--workers", str(self.workers)],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if request(self.connect(), "GET", "/log/v1/checkpoint")[0] == 200:
                    return self
            except OSError:
                pass
            assert self.proc.poll() is None, self.output.read_text()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, nothing shuts down cleanly."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} | (headers or {})
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    raw = response.read()
    ctype = response.getheader("Content-Type") or ""
    payload = json.loads(raw) if "json" in ctype else raw.decode()
    return response.status, payload, dict(response.getheaders())


def resale(minute: int) -> dict[str, Any]:
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minute)
    return {
        "type": "resale",
        "eventTime": when.isoformat(),
        "resale": {"channel": "private", "condition": "Used"},
    }


def batch(prefix: str, n: int) -> list[dict[str, Any]]:
    return [passport("item", serial=f"{prefix}-{i}") for i in range(n)]


def issue(server: Server, org: Any, serial: str) -> str:
    status, body, _ = request(
        server.connect(), "POST", PASSPORTS, passport("item", serial=serial), org.headers
    )
    assert status == 201, body
    return body["id"]  # type: ignore[no-any-return]


def check_store(session: Session, monkeypatch: Any, database_url: str | None) -> int:
    """Events numbered 1, 2, 3 … per passport, the log gap-free from 0 with each subject's
    entries numbered 0, 1, 2 …, its head the root of its leaves, and (given the database)
    `kreislauf verify` passes. Returns the log's size."""
    session.rollback()  # a fresh snapshot
    seqs: dict[int, list[int]] = defaultdict(list)
    for passport_pk, seq in session.execute(
        select(Event.passport_pk, Event.seq).order_by(Event.passport_pk, Event.seq)
    ):
        seqs[passport_pk].append(seq)
    assert all(s == list(range(1, len(s) + 1)) for s in seqs.values()), "gaps in events"
    rows = session.execute(
        select(LogEntry.index, LogEntry.subject, LogEntry.subject_seq, LogEntry.leaf_hash).order_by(
            LogEntry.index
        )
    ).all()
    assert [r.index for r in rows] == list(range(len(rows))), "gaps in the log"
    per_subject: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        per_subject[row.subject].append(row.subject_seq)
    assert all(s == list(range(len(s))) for s in per_subject.values())
    assert log.head(session) == (len(rows), merkle.root([bytes(r.leaf_hash) for r in rows]))
    if database_url is None:
        return len(rows)
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    monkeypatch.setenv("KREISLAUF_BASE_URL", BASE_URL)
    verified = CliRunner().invoke(cli, ["verify"])
    assert verified.exit_code == 0, verified.output
    assert f"Log verified: {len(rows)} entries" in verified.output
    return len(rows)


def test_eight_writers_on_four_workers_store_each_key_once_without_gaps(
    database_url, settings, session, maker, monkeypatch
):
    """Eight writers, each on its own connection, append events to the same two passports on
    four workers; writers w and w+4 send the same requests under the same keys at the same
    time, and each writer repeats each request at once (a retry). Half way, writers 0 to 3
    each send the same batch under one key."""
    server = Server(database_url, settings.data_dir, workers=4).start()
    try:
        pids = [issue(server, maker, "K1"), issue(server, maker, "K2")]
        per_writer = 10
        barrier = threading.Barrier(8)
        same_batch = batch("B", 20)
        batches: list[Reply] = []

        def writer(w: int) -> list[tuple[str, Reply]]:
            conn, replies = server.connect(), []
            barrier.wait(timeout=30)
            for i in range(per_writer):
                if w < 4 and i == per_writer // 2:
                    headers = maker.headers | {"Idempotency-Key": "batch-1"}
                    url = f"{PASSPORTS}/batch"
                    batches.append(request(conn, "POST", url, same_batch, headers))
                key = f"w{w % 4}-{i}"
                url = f"{PASSPORTS}/{pids[i % 2]}/events"
                for _ in range(2):
                    body = resale((w % 4) * per_writer + i)
                    headers = maker.headers | {"Idempotency-Key": key}
                    replies.append((key, request(conn, "POST", url, body, headers)))
            return replies

        with ThreadPoolExecutor(8) as pool:
            replies = [r for rs in pool.map(writer, range(8)) for r in rs]
    finally:
        server.stop()

    assert {status for _, (status, _, _) in replies} == {201}, replies
    by_key: dict[str, list[Reply]] = defaultdict(list)
    for key, reply in replies:
        by_key[key].append(reply)
    assert len(by_key) == 4 * per_writer
    for key, answers in by_key.items():
        assert len({(json.dumps(b), h["Location"]) for _, b, h in answers}) == 1, key
        firsts = [h for _, _, h in answers if h.get("Idempotency-Replayed") != "true"]
        assert len(firsts) == 1, (key, answers)
    assert [s for s, _, _ in batches] == [201] * 4
    assert len({json.dumps(b) for _, b, _ in batches}) == 1
    assert sum(h.get("Idempotency-Replayed") != "true" for _, _, h in batches) == 1

    session.rollback()
    stored = session.execute(select(Event.event_id, Event.seq)).all()
    assert len(stored) == 4 * per_writer  # each key once
    assert {b["id"] for rs in by_key.values() for _, b, _ in rs} == {e for e, _ in stored}
    assert session.scalar(select(func.count()).select_from(Passport)) == 2 + 20
    assert check_store(session, monkeypatch, database_url) == 2 + 4 * per_writer + 20


def test_a_crash_loses_no_acknowledged_write_and_leaves_no_half_batch(
    database_url, settings, session, maker, monkeypatch
):
    """SIGKILL the server while it stores a batch of 1,000 and while a writer appends events;
    restart it; every acknowledged write is there, the batch is whole or absent, retries with
    the same keys store once, and the log verifies."""
    server = Server(database_url, settings.data_dir, workers=2).start()
    size = 1_000
    try:
        pid = issue(server, maker, "K1")
        started = time.monotonic()
        first = request(
            server.connect(), "POST", f"{PASSPORTS}/batch", batch("A", size), maker.headers
        )
        took = time.monotonic() - started
        assert first[0] == 201, first[1]
        acked: list[tuple[str, Reply]] = []  # (key, answer) of every answered event append
        batch_reply: list[Reply] = []
        second = batch("B", size)

        def stream() -> None:
            conn = server.connect()
            for i in range(10_000):
                headers = maker.headers | {"Idempotency-Key": f"e-{i}"}
                url = f"{PASSPORTS}/{pid}/events"
                try:
                    acked.append((f"e-{i}", request(conn, "POST", url, resale(i), headers)))
                except (OSError, http.client.HTTPException):
                    return  # the server is gone

        def big_batch() -> None:
            headers = maker.headers | {"Idempotency-Key": "batch-B"}
            try:
                reply = request(server.connect(), "POST", f"{PASSPORTS}/batch", second, headers)
                batch_reply.append(reply)
            except (OSError, http.client.HTTPException):
                pass  # the server is gone

        writers = [threading.Thread(target=stream), threading.Thread(target=big_batch)]
        writers[0].start()
        deadline = time.monotonic() + 30
        while len(acked) < 5:  # the stream is under way
            assert writers[0].is_alive() and time.monotonic() < deadline, acked
            time.sleep(0.01)
        writers[1].start()
        inserting = _inserting_passports(session, deadline=time.monotonic() + 3 * took + 10)
        if inserting is None:  # SQLite: no view of other transactions; half way, by the clock
            time.sleep(max(0.2, took / 2))
        server.kill()
        for t in writers:
            t.join(timeout=30)
        assert {status for _, (status, _, _) in acked} == {201}, acked

        session.rollback()
        serials = _serials(session)
        assert serials["A"] == size  # acknowledged: all there
        assert serials.get("B", 0) in (0, size)  # whole or absent, never half
        if batch_reply:
            assert batch_reply[0][0] == 201 and serials["B"] == size
        events = dict(session.execute(select(Event.event_id, Event.seq)).all())
        for _key, (_, body, _) in acked:
            assert events[body["id"]] == body["seq"]
        if inserting:  # PostgreSQL: the batch had written rows, uncommitted, when it died
            assert not batch_reply and "B" not in serials
        print(
            f"crash: batch B {'acknowledged' if batch_reply else 'in flight'}, "
            f"{serials.get('B', 0)} of it stored; {len(acked)} events acknowledged, "
            f"{len(events)} stored"
        )
        check_store(session, monkeypatch, None)

        # Restarted, the retries with the same keys store once: the batch and the next event.
        server.start()
        headers = maker.headers | {"Idempotency-Key": "batch-B"}
        again = request(server.connect(), "POST", f"{PASSPORTS}/batch", batch("B", size), headers)
        assert again[0] == 201 and again[1]["count"] == size
        n = len(acked)
        url, headers = f"{PASSPORTS}/{pid}/events", maker.headers | {"Idempotency-Key": f"e-{n}"}
        retried = [request(server.connect(), "POST", url, resale(n), headers) for _ in range(2)]
        assert retried[0][0] == retried[1][0] == 201 and retried[0][1] == retried[1][1]
        if n:  # an acknowledged event's retry gets its first answer
            key, (_, body, _) = acked[-1]
            headers = maker.headers | {"Idempotency-Key": key}
            assert request(server.connect(), "POST", url, resale(n - 1), headers)[1] == body
    finally:
        server.stop()
    session.rollback()
    assert _serials(session) == {"A": size, "B": size, "K1": 1}
    events_after = session.scalar(select(func.count()).select_from(Event))
    assert events_after == n + 1  # the event in flight at the crash landed once, or on retry
    assert retried[0][1]["seq"] == events_after
    check_store(session, monkeypatch, database_url)


def _serials(session: Session) -> dict[str, int]:
    """How many passports each serial prefix ("A-17" → "A") has."""
    counts: dict[str, int] = defaultdict(int)
    for uri in session.scalars(select(Passport.uri)):
        counts[uri.rsplit("/", 1)[1].split("-")[0]] += 1
    return dict(counts)


def _inserting_passports(session: Session, deadline: float) -> bool | None:
    """On PostgreSQL, wait until a transaction is inserting passports (True); None elsewhere."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND state <> 'idle'"
        # a batch's rows go in with COPY (passport.ledger.bulk); one passport with INSERT
        """ AND (query ILIKE 'COPY "passports"%' OR query ILIKE 'INSERT INTO passports %')"""
    )
    while not session.scalar(query):
        session.rollback()
        assert time.monotonic() < deadline, "the batch never started inserting"
        time.sleep(0.005)
    session.rollback()
    return True
