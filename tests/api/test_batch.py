"""Batch issuance: all or nothing, errors by index, Idempotency-Key."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest

from edge.request import session, validate_first, writing
from passport.models import Organisation
from passport.passports import issuing
from tests.helpers import GTIN, count_passports, passport

URL = "/api/v1/passports/batch"


def items(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [passport("item", serial=f"S{i}") for i in range(start, start + n)]


def test_a_batch_is_issued_whole(client, maker):
    response = client.post(URL, json=items(3), headers=maker.headers)
    assert response.status_code == 201, response.json
    assert response.json["count"] == 3
    uris = [p["uri"] for p in response.json["passports"]]
    assert uris[0].endswith(f"/01/{GTIN}/21/S0") and len(set(uris)) == 3
    for ref in response.json["passports"]:
        assert client.get(f"/api/v1/passports/{ref['id']}").status_code == 200


def test_one_bad_item_fails_the_batch_naming_its_index_and_stores_nothing(client, maker):
    batch = items(4)
    del batch[2]["product"]["name"]
    batch[3]["product"]["id"] = "https://id.gs1.org/01/09520123456789/21/X"
    response = client.post(URL, json=batch, headers=maker.headers)
    assert response.status_code == 422
    pointers = [e["pointer"] for e in response.json["errors"]]
    assert "/2/product/name" in pointers and "/3/product/id" in pointers
    assert "items 2, 3" in response.json["detail"]
    assert count_passports(client) == 0


def test_a_duplicate_fails_the_whole_batch(client, maker):
    assert client.post(URL, json=items(1, start=5), headers=maker.headers).status_code == 201
    response = client.post(URL, json=items(10), headers=maker.headers)
    assert response.status_code == 409
    assert "item 5" in response.json["detail"]
    assert count_passports(client) == 1
    twice = items(2) + items(1)
    response = client.post(URL, json=twice, headers=maker.headers)
    assert response.status_code == 409 and "0 and 2" in response.json["detail"]
    assert count_passports(client) == 1


def test_the_batch_must_be_a_non_empty_array_within_the_limit(client, maker):
    assert client.post(URL, json={"a": 1}, headers=maker.headers).status_code == 422
    assert client.post(URL, json=[], headers=maker.headers).status_code == 422
    assert client.post(URL, json=items(1), headers={}).status_code == 401


def test_idempotency_key_replays_the_first_answer(client, maker):
    headers = maker.headers | {"Idempotency-Key": "order-42"}
    first = client.post(URL, json=items(2), headers=headers)
    assert first.status_code == 201
    again = client.post(URL, json=items(2), headers=headers)
    assert again.status_code == 201
    assert again.json == first.json
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert count_passports(client) == 2
    reused = client.post(URL, json=items(3), headers=headers)
    assert reused.status_code == 422 and "order-42" in reused.json["detail"]
    assert count_passports(client) == 2


def test_a_failed_batch_does_not_burn_its_idempotency_key(client, maker):
    headers = maker.headers | {"Idempotency-Key": "retry-me"}
    bad = items(2)
    del bad[1]["product"]["name"]
    assert client.post(URL, json=bad, headers=headers).status_code == 422
    assert client.post(URL, json=items(2), headers=headers).status_code == 201
    assert count_passports(client) == 2


def test_ten_thousand_passports_in_one_batch(client, maker):
    batch = items(10_000)
    started = time.perf_counter()
    response = client.post(URL, json=batch, headers=maker.headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.json
    assert response.json["count"] == 10_000
    last = response.json["passports"][-1]
    assert client.get(f"/api/v1/passports/{last['id']}").status_code == 200
    over = client.post(URL, json=items(10_001), headers=maker.headers)
    assert over.status_code == 422 and "10000" in over.json["detail"]
    print(f"10,000-passport batch took {elapsed:.1f} s")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_batch_is_validated_before_it_takes_the_write_lock(client, maker, settings, monkeypatch):
    """Writers are not held up by a batch's validation: while it validates, another process
    writes to the same SQLite file without waiting; the batch then stores whole."""
    path = settings.database_url.removeprefix("sqlite:///")
    others: list[str] = []
    validate = issuing.prepare_all

    def prepare_while_another_writes(*args: Any, **kwargs: Any) -> Any:
        with sqlite3.connect(path, timeout=0.2, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the batch held it
            other.execute("UPDATE log_head SET size = size")
            other.execute("COMMIT")
        others.append("wrote")
        return validate(*args, **kwargs)

    monkeypatch.setattr(issuing, "prepare_all", prepare_while_another_writes)
    response = client.post("/api/v1/passports/batch", json=items(3), headers=maker.headers)
    assert response.status_code == 201, response.json
    assert others == ["wrote"] and count_passports(client) == 3


def test_a_write_before_writing_is_a_bug_the_edge_names(app):
    with app.test_request_context("/api/v1/passports/batch", method="POST"):
        validate_first()
        db = session()
        db.add(Organisation(public_id="org_x", name="X", role="manufacturer"))
        with pytest.raises(RuntimeError, match="wrote before writing"):
            db.flush()
        db.rollback()
        assert writing() is db
