"""API writes are limited per key (Flask-Limiter): in memory by default, in Redis when
``KREISLAUF_REDIS_URL`` is set (this machine runs one on 127.0.0.1:6379; each test uses its
own key prefix, so that parallel test workers never share a count).

Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import request
from sqlalchemy import func, select

from passport.config import Settings
from passport.models import ApiKey, Passport
from tests.helpers import passport
from web.app import create_app

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Any]:
    """Apps of the test's registry with other limits (each like one worker process)."""
    made: list[Any] = []

    def make(**limits: Any) -> Any:
        made.append(create_app(dataclasses.replace(settings, **limits)))
        return made[-1]

    yield make
    for app in made:
        app.extensions["kreislauf"].engine.dispose()


def _count(session: Any, table: Any) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_writes_over_a_keys_limit_are_refused_with_retry_after(session, make_org, make_app):
    acme = make_org("Acme Kettles GmbH", "manufacturer", ("9520123",))
    cafe = make_org("Repair Café Cardiff", "repairer")
    app = make_app(write_rate="3/minute")
    client = app.test_client()
    # A batch is one write, however many passports it holds.
    batch = [passport(serial=f"B{n}") for n in range(25)]
    assert (
        client.post("/api/v1/passports/batch", json=batch, headers=acme.headers).status_code == 201
    )
    assert (
        client.post(
            "/api/v1/passports", json=passport(serial="S1"), headers=acme.headers
        ).status_code
        == 201
    )
    assert client.post("/api/v1/keys", headers=acme.headers).status_code == 201
    stored = (_count(session, Passport), _count(session, ApiKey))
    assert stored[0] == 26

    refused = client.post("/api/v1/passports", json=passport(serial="S2"), headers=acme.headers)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("/rate-limited") and "3/minute" in refused.json["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the window's end, rounded up
    assert client.delete(f"/api/v1/keys/{acme.key[:12]}", headers=acme.headers).status_code == 429
    assert (_count(session, Passport), _count(session, ApiKey)) == stored  # nothing written

    # Reads, other keys, and requests without a key are not counted against it.
    for _ in range(5):
        assert client.get("/api/v1/keys", headers=acme.headers).status_code == 200
    assert client.post("/api/v1/keys", headers=cafe.headers).status_code == 201
    assert client.post("/api/v1/keys").status_code == 401
    # The description says so, on every write that takes a key.
    described = client.get("/api/openapi.json").json["paths"]
    writes = [
        op
        for ops in described.values()
        for method, op in ops.items()
        if method in {"post", "put", "patch", "delete"} and op.get("security")
    ]
    assert len(writes) >= 9 and all("429" in op["responses"] for op in writes)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the machine's Redis, deleted afterwards."""
    prefix = f"kreislauf-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_with_redis_every_worker_shares_a_keys_count(session, make_org, make_app, redis_prefix):
    acme = make_org("Acme Kettles GmbH", "manufacturer")
    limits = {"write_rate": "2/minute", "redis_url": REDIS_URL, "rate_limit_prefix": redis_prefix}
    workers = [make_app(**limits).test_client() for _ in range(2)]  # two processes' apps
    assert workers[0].post("/api/v1/keys", headers=acme.headers).status_code == 201
    assert workers[1].post("/api/v1/keys", headers=acme.headers).status_code == 201
    for worker in workers:
        refused = worker.post("/api/v1/keys", headers=acme.headers)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert _count(session, ApiKey) == 3

    # The count is in Redis, under this test's prefix, keyed by a digest: never the key itself.
    stored = [k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*")]
    assert stored and all(acme.key not in k and acme.key[:12] not in k for k in stored)
    # Another prefix (another registry on the same Redis) counts apart.
    other = make_app(**{**limits, "rate_limit_prefix": redis_prefix + "-other"})
    assert other.test_client().post("/api/v1/keys", headers=acme.headers).status_code == 201
    # Redis out of reach: writes go through rather than fail (the limit must not take the
    # registry down with it).
    down = make_app(**{**limits, "redis_url": "redis://127.0.0.1:1/0"}).test_client()
    assert down.post("/api/v1/keys", headers=acme.headers).status_code == 201


def test_a_bad_write_rate_stops_the_app_from_starting(make_app):
    with pytest.raises(ValueError, match="KREISLAUF_WRITE_RATE must read like '600/minute'"):
        make_app(write_rate="lots")
    env = {"KREISLAUF_WRITE_RATE": "5/second", "KREISLAUF_REDIS_URL": REDIS_URL}
    read = Settings.from_env(env)
    assert (read.write_rate, read.redis_url) == ("5/second", REDIS_URL)
    assert REDIS_URL not in repr(read)
    assert Settings.from_env({}).write_rate == "600/minute"


def test_a_request_that_does_not_count_never_enters_flask_limiter(make_org, make_app, monkeypatch):
    acme = make_org("Acme Kettles GmbH", "manufacturer")
    app = make_app(write_rate="5/minute")
    limiter = next(iter(app.extensions["limiter"]))
    entered: list[str] = []
    original = limiter.identify_request  # the first thing its before_request hook does

    def identify() -> str:
        entered.append(request.method)
        return original()

    monkeypatch.setattr(limiter, "identify_request", identify)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/keys", headers=acme.headers).status_code == 200  # a read
    assert client.post("/api/v1/keys").status_code == 401  # no key: not counted
    assert entered == []
    assert client.post("/api/v1/keys", headers=acme.headers).status_code == 201
    assert entered == ["POST"]  # a write with a key is counted by Flask-Limiter, as before
