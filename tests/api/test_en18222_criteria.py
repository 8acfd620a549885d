"""The DPP criteria (OwnYourData/dpp-criteria, vendored) as tests: one test per criterion file,
which reads the YAML and runs its ``http`` steps against the app through the test client (a
small interpreter of the ``http`` check type).

Criteria that do not apply to the application, and why (also in docs/EN18222.md):

- DPP-DEX-002 (HTTPS with a valid certificate, HTTP redirected), DPP-DEX-003 (TLS 1.2+),
  DPP-DEX-005 (HTTP/2) and DPP-DEX-006 (no HTTP/1.x): ``tls`` checks of the transport. The app
  speaks WSGI behind a TLS-terminating proxy (deploy/); the deployment's proxy answers them,
  not the application. Check them against the deployed host with the criteria's own runner.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jsonpath_rfc9535
import pytest
from flask.testing import FlaskClient

from tests.api.en18222_contract import criteria, criterion
from tests.conftest import Org
from tests.helpers import passport

NOT_APPLICABLE = {
    "DPP-DEX-002": "tls check: HTTPS and the redirect are the deployment's proxy's",
    "DPP-DEX-003": "tls check: TLS versions are the deployment's proxy's",
    "DPP-DEX-005": "tls check: HTTP/2 is the deployment's proxy's (WSGI speaks HTTP/1.1)",
    "DPP-DEX-006": "tls check: refusing HTTP/1.x over TLS is the deployment's proxy's",
}
BASE = "/api/v1"  # the contract's service root carries v1/; ours is <base>/api
APPLICABLE = sorted(set(criteria()) - set(NOT_APPLICABLE))


def test_every_criterion_file_is_run_or_listed_with_its_reason() -> None:
    assert set(NOT_APPLICABLE) <= set(criteria())
    for name in NOT_APPLICABLE:
        assert criterion(name)["check"]["type"] != "http", name
    for name in APPLICABLE:
        assert criterion(name)["check"]["type"] == "http", name


def _fill(text: str, values: dict[str, str], *, encode: bool) -> str:
    def one(found: re.Match[str]) -> str:
        value = values[found[1]]
        return quote(value, safe="") if encode else value

    return re.sub(r"\{(\w+)\}", one, text)


def _fill_body(body: Any, values: dict[str, str]) -> Any:
    if isinstance(body, str):
        return _fill(body, values, encode=False)
    if isinstance(body, list):
        return [_fill_body(b, values) for b in body]
    if isinstance(body, dict):
        return {k: _fill_body(v, values) for k, v in body.items()}
    return body


def _send(client: FlaskClient, request: dict[str, Any], values: dict[str, str], key: dict) -> Any:
    path = BASE + _fill(request["path"], values, encode=True)
    headers = dict(request.get("headers") or {})
    if request.get("auth") == "token":
        headers |= key
    body = request.get("body")
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(body, str) and body.strip().startswith(("{", "[")) and "{" in body[1:]:
        kwargs["data"] = body  # a raw (malformed) body, sent as it is
    elif body is not None:
        kwargs["data"] = json.dumps(_fill_body(body, values))
        headers.setdefault("Content-Type", "application/json")
    return client.open(path, method=request["method"], **kwargs)


def _check(step: dict[str, Any], answer: Any, values: dict[str, str]) -> str:
    """'pass', 'skip' or 'warn'; fails the test otherwise."""
    expect = step["expect"]
    status = answer.status_code
    if status in step.get("skip_if_status", []):
        return "skip"
    if status in step.get("warn_if_status", []):
        return "warn"
    text = answer.get_data(as_text=True)
    assert status in expect["status"], (step["request"], status, text[:500])
    if "content_type" in expect:
        assert answer.mimetype == expect["content_type"], answer.mimetype
    for rule in expect.get("json", []):
        query = _fill(rule["path"], values, encode=False)
        nodes = jsonpath_rfc9535.find(query, json.loads(text))
        if "exists" in rule:
            assert bool(nodes) == rule["exists"], (rule, text[:500])
        if "equals" in rule:
            want = _fill(rule["equals"], values, encode=False)
            assert [n.value for n in nodes] == [want], (rule, text[:500])
    return "pass"


@pytest.mark.parametrize("name", APPLICABLE)
def test_criterion(client: FlaskClient, maker: Org, name: str) -> None:
    spec = criterion(name)
    check = spec["check"]
    if "base_matches" in check:
        assert re.search(check["base_matches"], BASE), (check["base_matches"], BASE)
    issued = client.post("/api/v1/passports", json=passport("item"), headers=maker.headers)
    assert issued.status_code == 201, issued.get_data(as_text=True)
    values = {
        "dppId": issued.get_json()["id"],
        "productId": issued.get_json()["uri"],
        "randomId": "no-such-passport-6c1f",
        # the criterion's runner asks later than the passport was issued: to the next second
        "now": (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # a known element whatever the credential's shape (UNTP 0.6.1 or 0.7.0)
        "elementIdPath": "$.digitalProductPassportId",
    }
    outcomes = [
        _check(s, _send(client, s["request"], values, maker.headers), values)
        for s in check["steps"]
    ]
    assert "warn" not in outcomes and "skip" not in outcomes, outcomes
