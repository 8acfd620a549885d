"""Concurrent writers: the registry answers 201 or 409, never a 500, and loses nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.helpers import count_passports, passport


def test_the_same_product_issued_concurrently_gets_one_passport(app, maker):
    barrier = threading.Barrier(4)

    def issue(_: int) -> int:
        client = app.test_client()
        barrier.wait()
        return client.post(
            "/api/v1/passports", json=passport("item", serial="RACE"), headers=maker.headers
        ).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(issue, range(4)))
    assert codes == [201, 409, 409, 409]


def test_concurrent_batches_of_different_products_all_land(app, maker):
    barrier = threading.Barrier(3)

    def issue(n: int) -> int:
        client = app.test_client()
        body = [passport("item", serial=f"T{n}-{i}") for i in range(50)]
        barrier.wait()
        return client.post("/api/v1/passports/batch", json=body, headers=maker.headers).status_code

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(issue, range(3))) == [201, 201, 201]
    assert count_passports(app.test_client()) == 150
