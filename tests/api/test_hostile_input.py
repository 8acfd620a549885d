"""Hostile input is refused fast, with a problem document and never a 5xx (issue 11).

Body sizes per operation (413 before the body is read), JSON too deep or with numbers out of
bounds (400 before Python objects are built), stored documents too deep to serve (422 naming
the field), and numbers in a path or a query past what any row has (404/422), on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

from edge.body import MAX_JSON_DEPTH, json_depth, parse_json
from passport.errors import InvalidRequest
from tests.helpers import passport

MIB = 1024 * 1024
HUGE = 2**63  # 9223372036854775808: past a 64-bit integer


def nested(depth: int, leaf: Any = "x") -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


def deep_text(depth: int) -> str:
    """JSON text of arrays ``depth`` deep (json.dumps would recurse past Python's limit)."""
    return "[" * depth + '"x"' + "]" * depth


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    return json.loads(response.get_data())  # type: ignore[no-any-return]


def test_hostile_bodies_paths_and_queries_are_4xx(client: Any, maker: Any) -> None:
    post = "/api/v1/passports"
    send = {"headers": maker.headers, "content_type": "application/json"}

    # 3 MiB to the one-passport endpoint: 413 from its Content-Length, before reading it
    big = json.dumps(passport(name="x" * 3 * MIB)).encode()
    assert problem(client.post(post, data=big, **send), 413)["detail"].endswith(
        f"at most {MIB:,} bytes; this one has {len(big):,}."
    )
    # ... and a chunked body without Content-Length is cut off at the same size
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}
    stream = {"wsgi.input": io.BytesIO(big), **chunked}
    assert client.post(post, environ_overrides=stream, **send).status_code == 413
    # the batch endpoint keeps its 64 MiB: 2 MiB of JSON is read (and is an empty batch, 422)
    padded = b"[" + b" " * (2 * MIB) + b"]"
    problem(client.post(f"{post}/batch", data=padded, **send), 422)
    # an event and a grant have the 1 MiB limit too
    assert client.post(f"{post}/x/events", data=big, **send).status_code == 413
    assert client.post("/api/v1/grants", data=big, **send).status_code == 413

    # JSON nested past 64 levels, 1,000 and 100,000 deep: 400, fast, before parsing
    for depth in (MAX_JSON_DEPTH + 1, 1000, 100_000):
        started = time.perf_counter()
        body = json.dumps(passport(product={"characteristics": 0})).replace("0", deep_text(depth))
        assert "64 levels" in problem(client.post(post, data=body, **send), 400)["detail"]
        assert time.perf_counter() - started < 1
    # numbers: a 100,000-digit integer, past a float, NaN: 400
    for number in (
        "1" * 100_000,
        "1" * 401,
        "1" * 310,  # past the largest double
        "1e999",
        "-1e999",
        "NaN",
        "Infinity",
        "1." + "0" * 400,
    ):
        body = json.dumps(passport()).replace('"item"', number, 1)
        assert problem(client.post(post, data=body, **send), 400)["status"] == 400
    # past 2^53, an integer is read as the nearest double, as JavaScript reads it
    assert parse_json(str(HUGE).encode()) == float(HUGE)
    assert parse_json(b"-1797693134862315" + b"7" + b"0" * 292) == -1.7976931348623157e308

    # strings no database stores: U+0000 and lone surrogates (escaped; a pair is an emoji)
    for name, status in (("a\x00b", 400), ("a\ud800b", 400), ("\udfff", 400), ("😀", 201)):
        body = json.dumps(passport(serial=f"S{ord(name[-1])}", name=name))  # ASCII, escaped
        assert client.post(post, data=body, **send).status_code == status, name

    # a document deep enough to break a way out is refused at issuance, naming the field
    body = passport(product={"characteristics": {"a": nested(40)}})
    body["product"].update(passport()["product"])
    errors = problem(client.post(post, json=body, headers=maker.headers), 422)["errors"]
    assert errors[0]["pointer"].startswith("/product/characteristics/a/0/0")
    assert "at most 32 levels" in errors[0]["message"]
    issued = client.post(post, json=passport(), headers=maker.headers)
    pid = issued.json["id"]
    assert client.put(f"{post}/{pid}", json=body, headers=maker.headers).status_code == 422
    event = {"type": "repair", "eventTime": "2026-05-03T14:00:00Z", "repair": nested(60)}
    problem(client.post(f"{post}/{pid}/events", json=event, headers=maker.headers), 422)

    # numbers past any row in a path or a query: 404 or 422, never an overflow
    for url, status in (
        (f"{post}/{pid}/events/{HUGE}/receipt", 404),
        (f"{post}/{pid}/events/{2**31}/receipt", 404),
        (f"{post}/{pid}?version={HUGE}", 422),
        (f"{post}/{pid}?version={2**31}", 422),
        (f"{post}/{pid}?version=-{HUGE}", 422),
        (f"/log/v1/proof/inclusion?index={HUGE}&size=1", 400),
    ):
        assert client.get(url).status_code == status, url


def test_the_json_gate_counts_depth_without_parsing() -> None:
    assert json_depth(b"[]") == 1 and json_depth(b'{"a": [1, {"b": "[[[["}]}') == 3
    assert json_depth(b'"\\"[[["') == 0 and json_depth(b"[[[[") > 3  # strings and unbalanced
    assert json_depth(deep_text(10**6).encode()) > MAX_JSON_DEPTH
    assert parse_json(b'{"a": [1, 2.5, -3, "\\u00e9"]}') == {"a": [1, 2.5, -3, "é"]}
    for bad in (b"{", b"\xff", b"[1,]", b"9" * 401, deep_text(65).encode()):
        try:
            parse_json(bad)
        except InvalidRequest:
            continue
        raise AssertionError(bad)
