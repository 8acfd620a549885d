"""POST /api/v1/passports/{id}/transfer-codes: a transfer code at sale through the API, with
the item page's rules (issue 15)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from passport import transfers
from passport.models import TransferCode
from tests.conftest import BASE_URL
from tests.web.conftest import issue

CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


def post(client, pid, org=None, **kw):
    headers = org.headers if org is not None else {}
    return client.post(f"/api/v1/passports/{pid}/transfer-codes", headers=headers, **kw)


def test_the_issuer_creates_a_code_at_sale_and_the_buyer_claims_with_it(client, session, maker):
    pid = issue(session, maker)
    created = post(client, pid, maker)
    assert created.status_code == 201, created.text
    body = created.get_json()
    assert CODE.fullmatch(body["code"]) and body["passport"] == pid
    assert body["createdAt"].endswith("Z") and body["expiresAt"].endswith("Z")
    created_at, expires_at = (_time(body[k]) for k in ("createdAt", "expiresAt"))
    assert expires_at - created_at == timedelta(days=90)  # the default for a sale
    assert body["claim"] == f"{BASE_URL}/passports/{pid}/claim"
    assert created.headers["Cache-Control"] == "no-store"
    # an empty JSON object is the same request; a new code replaces the unused one
    again = post(client, pid, maker, json={})
    assert again.status_code == 201
    rows = session.query(TransferCode).order_by(TransferCode.pk).all()
    assert [r.revoked_at is not None for r in rows] == [True, False]
    assert rows[1].code_hash == transfers.hash_code(again.get_json()["code"])


def test_refusals_name_the_field_and_the_rule(client, session, maker, make_org):
    pid = issue(session, maker)
    extra = post(client, pid, maker, json={"expiresAt": "2027-01-01", "code": "X"})
    assert extra.status_code == 422
    assert extra.mimetype == "application/problem+json"
    problem = extra.get_json()
    pointers = {e["pointer"] for e in problem["errors"]}
    assert pointers == {"/code", "/expiresAt"}
    assert all("takes only expiresInDays" in e["message"] for e in problem["errors"])
    assert post(client, pid, maker, json=[1]).status_code == 422
    assert post(client, pid, maker, data="{", content_type="application/json").status_code == 400
    assert post(client, pid, maker, data="x", content_type="text/plain").status_code == 415
    assert post(client, pid).status_code == 401
    assert post(client, "nope", maker).status_code == 404
    other = make_org("Other Kettles", "manufacturer", ("9520124",))
    forbidden = post(client, pid, other)
    assert forbidden.status_code == 403 and "issuer" in forbidden.get_json()["detail"]
    model = issue(session, maker, granularity="model", serial=None)
    conflict = post(client, model, maker)
    assert conflict.status_code == 409 and "only an item changes hands" in conflict.text
    assert session.query(TransferCode).count() == 0


def test_a_refurbisher_may_create_codes(client, session, maker, make_org):
    pid = issue(session, maker)
    refurbisher = make_org("ReNew", "refurbisher")
    assert post(client, pid, refurbisher).status_code == 201


def test_the_operation_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/passports/{passport_id}/transfer-codes"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["expiresInDays"] | {"description": ""} == {
        "type": "integer",
        "minimum": 1,
        "maximum": 365,
        "default": 90,
        "description": "",
    }


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("days", [1, 30, 365])
def test_the_seller_says_how_many_days_the_code_is_valid(client, session, maker, days):
    pid = issue(session, maker)
    body = post(client, pid, maker, json={"expiresInDays": days}).get_json()
    expires_at = _time(body["expiresAt"])
    assert expires_at - _time(body["createdAt"]) == timedelta(days=days)
    session.rollback()
    (stored,) = session.query(TransferCode).all()
    assert stored.expires_at == expires_at  # the answer is the stored time


@pytest.mark.parametrize("days", [0, -1, 366, 1.5, "30", None, True])
def test_a_bad_validity_is_a_422_naming_the_field_and_the_rule(client, session, maker, days):
    pid = issue(session, maker)
    refused = post(client, pid, maker, json={"expiresInDays": days})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    (error,) = refused.get_json()["errors"]
    assert error["pointer"] == "/expiresInDays"
    assert error["message"] == "expiresInDays: must be a whole number of days from 1 to 365"
    assert "expiresInDays" in refused.get_json()["detail"]
    assert session.query(TransferCode).count() == 0
