"""Idempotency-Key on event appends and batches: a repeat, sequential or concurrent, gets the
stored answer (status, body, Location) and nothing is written twice; a key reused for another
request is refused; a repeat waits for the first request only so long.

The real-server versions (gunicorn workers, SIGKILL) are in tests/web/test_server_writes.py.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from passport import idempotency
from passport.events import history
from passport.models import Event, IdempotencyRecord, LogEntry, Organisation
from passport.passports import issuing
from tests.helpers import count_passports, passport

PASSPORTS = "/api/v1/passports"


def resale(minute: int = 0) -> dict[str, Any]:
    return {
        "type": "resale",
        "eventTime": f"2026-03-01T10:{minute:02d}:00+00:00",
        "resale": {"channel": "private", "condition": "Used"},
    }


def issue(client: Any, org: Any, serial: str) -> str:
    response = client.post(PASSPORTS, json=passport("item", serial=serial), headers=org.headers)
    assert response.status_code == 201, response.json
    return response.json["id"]  # type: ignore[no-any-return]


def answer(response: Any) -> tuple[int, Any, str | None]:
    return response.status_code, response.json, response.headers.get("Location")


def test_a_repeated_event_append_gets_the_stored_answer_and_is_stored_once(client, session, maker):
    pid, other = issue(client, maker, "K1"), issue(client, maker, "K2")
    url = f"{PASSPORTS}/{pid}/events"
    headers = maker.headers | {"Idempotency-Key": "sale-1"}
    first = client.post(url, json=resale(), headers=headers)
    assert first.status_code == 201, first.json
    assert first.headers["Location"] == f"{url}#1" and first.json["seq"] == 1
    assert "Idempotency-Replayed" not in first.headers
    log_size = session.scalar(select(func.count()).select_from(LogEntry))
    for _ in range(3):
        again = client.post(url, json=resale(), headers=headers)
        assert answer(again) == answer(first)
        assert again.headers["Idempotency-Replayed"] == "true"
    # Another body, or the same body to another passport, under the same key: refused.
    reused = client.post(url, json=resale(5), headers=headers)
    assert reused.status_code == 422 and "'sale-1' was already used" in reused.json["detail"]
    assert reused.json["type"].endswith("/idempotency-key-reused")
    elsewhere = client.post(f"{PASSPORTS}/{other}/events", json=resale(), headers=headers)
    assert elsewhere.status_code == 422
    # A failed append does not burn its key: the retry with a good body is the first answer.
    retry = maker.headers | {"Idempotency-Key": "sale-2"}
    assert client.post(url, json={"type": "resale"}, headers=retry).status_code == 422
    second = client.post(url, json=resale(1), headers=retry)
    assert second.status_code == 201 and second.json["seq"] == 2
    # Keys belong to the organisation: without one, every append is a new event.
    assert client.post(url, json=resale(), headers=maker.headers).json["seq"] == 3
    session.rollback()  # a fresh snapshot (SQLite's reads see the database as it was)
    events = session.scalars(select(Event).order_by(Event.pk)).all()
    assert [(e.passport_pk, e.seq) for e in events] == [
        (events[0].passport_pk, n) for n in (1, 2, 3)
    ]
    assert session.scalar(select(func.count()).select_from(LogEntry)) == log_size + 2
    stored = session.get(IdempotencyRecord, (events[0].recorder_pk, "sale-1"))
    assert stored is not None and stored.location == f"{url}#1" and stored.status_code == 201


def test_concurrent_repeats_wait_for_the_first_and_all_get_its_answer(
    app, session, maker, monkeypatch
):
    """Four events and four batches with one key each, sent at once; the first request of each
    is slowed so that the others surely arrive while it is at work."""
    client = app.test_client()
    pid = issue(client, maker, "K1")
    record, issue_many = history.record_event, issuing.issue_passports

    def slow(real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            time.sleep(0.3)
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(history, "record_event", slow(record))
    monkeypatch.setattr(issuing, "issue_passports", slow(issue_many))
    batch = [passport("item", serial=f"B{i}") for i in range(3)]
    requests = [(f"{PASSPORTS}/{pid}/events", resale(), "event-1")] * 4
    requests += [(f"{PASSPORTS}/batch", batch, "batch-1")] * 4
    barrier = threading.Barrier(len(requests))

    def send(request: tuple[str, Any, str]) -> tuple[tuple[int, Any, str | None], bool]:
        url, body, key = request
        own = app.test_client()
        barrier.wait()
        response = own.post(url, json=body, headers=maker.headers | {"Idempotency-Key": key})
        return answer(response), response.headers.get("Idempotency-Replayed") == "true"

    with ThreadPoolExecutor(len(requests)) as pool:
        results = list(pool.map(send, requests))
    events, batches = results[:4], results[4:]
    for group in (events, batches):
        assert group[0][0][0] == 201, group[0]
        assert {repr(a) for a, _ in group} == {repr(group[0][0])}  # all the same answer
        assert sorted(replayed for _, replayed in group) == [False, True, True, True]
    assert session.scalar(select(func.count()).select_from(Event)) == 1
    assert count_passports(client) == 4


# PostgreSQL only: SQLite serialises writers (BEGIN IMMEDIATE), so there a repeat never meets
# an open claim and there is no wait to bound.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_repeat_waits_for_the_first_request_only_so_long(app, session, maker, monkeypatch):
    """A request holding the key past the wait: its repeat is a 409 to retry, not a hang."""
    client = app.test_client()
    pid = issue(client, maker, "K1")
    url, headers = f"{PASSPORTS}/{pid}/events", maker.headers | {"Idempotency-Key": "slow"}
    org = session.scalars(select(Organisation).where(Organisation.public_id == maker.id)).one()
    fingerprint = idempotency.request_fingerprint(resale(), url)
    assert idempotency.claim(session, org, "slow", fingerprint, 1.0) is None  # not committed
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.3)
    started = time.perf_counter()
    busy = client.post(url, json=resale(), headers=headers)
    assert time.perf_counter() - started < 5
    assert busy.status_code == 409 and busy.json["type"].endswith("/idempotency-key-in-use")
    assert "'slow' is still being answered" in busy.json["detail"]
    session.rollback()  # the first request fails: its claim goes, and the retry does the work
    done = client.post(url, json=resale(), headers=headers)
    assert done.status_code == 201 and "Idempotency-Replayed" not in done.headers
    assert session.scalar(select(func.count()).select_from(Event)) == 1
