"""API keys have a life: listed, made (shown once), revoked; a revoked key opens nothing.

The API acts on the calling organisation's own keys only; the operator's command line on any
organisation's (``kreislauf keys``). Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.en18222 import NOT_OFFERED
from passport.models import ApiKey, Base
from tests.helpers import GTIN, described_rules, passport
from web.cli.main import cli

KEYS = "/api/v1/keys"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def rows(session: Session) -> dict[str, int]:
    """How many rows every table holds: what "nothing was written" is checked against."""
    session.rollback()  # a fresh snapshot
    return {
        t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
        for t in Base.metadata.sorted_tables
    }


def test_an_organisation_lists_makes_and_revokes_its_own_keys(client, session, make_org):
    acme = make_org("Acme Kettles GmbH", "manufacturer", ("9520123",))
    rival = make_org("Rival Kettles Ltd", "manufacturer")
    first = acme.key[:12]

    listed = client.get(KEYS, headers=acme.headers)
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "no-store"
    assert listed.json == {"keys": [{"prefix": first, "created": listed.json["keys"][0]["created"],
                                     "revoked": None}]}  # fmt: skip

    made = client.post(KEYS, headers=acme.headers)
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    second = made.json["api_key"]
    assert re.fullmatch(r"kl_[A-Za-z0-9_-]{43}", second) and made.json["prefix"] == second[:12]
    # Shown once: only a hash is stored, and no list shows the key again.
    stored = session.scalars(select(ApiKey).where(ApiKey.prefix == second[:12])).one()
    assert second not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    listed = client.get(KEYS, headers=bearer(second))
    assert [k["prefix"] for k in listed.json["keys"]] == [first, second[:12]]
    assert second not in listed.text and stored.key_hash not in listed.text

    # Another organisation's key is not found (nor listed), and keeps working.
    assert client.delete(f"{KEYS}/{first}", headers=rival.headers).status_code == 404
    assert [k["prefix"] for k in client.get(KEYS, headers=rival.headers).json["keys"]] == [
        rival.key[:12]
    ]
    # Revoking the key it calls with (rotation): allowed while another key is active.
    assert client.delete(f"{KEYS}/{first}", headers=acme.headers).status_code == 204
    refused = client.get(KEYS, headers=acme.headers)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert "revoked" in refused.json["detail"]
    listed = client.get(KEYS, headers=bearer(second)).json["keys"]
    assert listed[0]["prefix"] == first and listed[0]["revoked"] is not None
    # A revoked key cannot be revoked again, and the last active key is never revoked.
    assert client.delete(f"{KEYS}/{first}", headers=bearer(second)).status_code == 404
    last = client.delete(f"{KEYS}/{second[:12]}", headers=bearer(second))
    assert last.status_code == 409 and "last active key" in last.json["detail"]
    assert client.get(KEYS, headers=bearer(second)).status_code == 200
    assert client.get(KEYS, headers=rival.headers).status_code == 200


def test_the_command_line_lists_makes_and_revokes_any_organisations_keys(
    client, database_url, session, make_org, monkeypatch
):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    acme = make_org("Acme Kettles GmbH", "manufacturer")
    runner = CliRunner()

    made = runner.invoke(cli, ["keys", "create", acme.id])
    assert made.exit_code == 0, made.output
    new = json.loads(made.output)["api_key"]
    assert set(json.loads(made.output)) == {"api_key"}
    assert client.get(KEYS, headers=bearer(new)).status_code == 200

    listed = runner.invoke(cli, ["keys", "list", acme.id])
    assert listed.exit_code == 0, listed.output
    lines = [json.loads(line) for line in listed.output.splitlines()]
    assert [k["prefix"] for k in lines] == [acme.key[:12], new[:12]]
    assert acme.key not in listed.output and new not in listed.output

    # The operator may revoke an organisation's last key: a leaked key must stop at once.
    for key in (acme.key, new):
        revoked = runner.invoke(cli, ["keys", "revoke", key[:12]])
        assert revoked.exit_code == 0, revoked.output
        assert json.loads(revoked.output)["org_id"] == acme.id
        assert client.get(KEYS, headers=bearer(key)).status_code == 401
    assert session.scalar(select(func.count()).where(ApiKey.revoked_at.is_(None))) == 0

    # Failures are one line, not a traceback.
    for args, says in (
        (["keys", "revoke", new[:12]], f"No active API key with prefix '{new[:12]}'."),
        (["keys", "list", "org_nope"], "No organisation with id 'org_nope'."),
        (["keys", "create", "org_nope"], "No organisation with id 'org_nope'."),
    ):
        failed = runner.invoke(cli, args)
        assert failed.exit_code == 1 and "Traceback" not in failed.output
        assert failed.output.splitlines()[0] == f"Error: {says}", failed.output


# Values for the path parameters of every route: real ones, so that a request reaches as far
# as a valid key would take it (the passport exists, the grant exists, the key is active).
def _parameters(ids: dict[str, str]) -> dict[str, str]:
    return {
        "passport_id": ids["passport"],
        "seq": "1",
        "kind": "svg",
        "grant_id": ids["grant"],
        "prefix": ids["active_prefix"],
        "org_id": ids["org"],
        "_rest": f"{GTIN}/21/KEY1",
        "key": "x",
        "index": "0",
        "level": "0",
        "rest": "000",
        "name": "x",
        "dpp_id": ids["passport"],
        "product_id": f"01/{GTIN}/21/KEY1",
        "element_path": "$.name",
        "number": "1",
        "host": "registry.example.org",  # a mirrored origin (none here: 404)
    }


BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/passports"): passport(serial="NEW1"),
    ("POST", "/api/v1/passports/batch"): [passport(serial="NEW2")],
    ("PUT", "/api/v1/passports/<string:passport_id>"): passport(serial="KEY1", name="Renamed"),
    ("POST", "/api/v1/passports/<string:passport_id>/events"): {
        "type": "repair",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "repair": {"outcome": "fixed", "problem": "Switch", "spareParts": "third_party"},
    },
}


# Operations that check their query before the key: a valid one, so that the key is reached.
QUERIES = {"/api/v1/dppsByIdAndDate/<string:dpp_id>": "?date=2030-01-01T00:00:00Z"}


# The resolver looks at a key once it has found the passport; this test has no passport with a
# GMN and no community passport, so those routes answer 400 or 404 whatever the key.
NO_PASSPORT_HERE = {"/8013/{gmn}", "/c/{key}"}


def _operations(app: Any) -> list[tuple[str, str, str]]:
    """(method, rule, URL) of every route but the pages (people sign in there, with no key)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {"pages", "forms", "static", "swagger_assets"}:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, rule))
    return found


def test_a_revoked_key_is_refused_like_an_unknown_one_on_every_operation(
    app, client, session, make_org
):
    """The revocation check in passport.access is what this test stands on: without it, the
    revoked key would be a valid one, and the operations below would answer it."""
    acme = make_org("Acme Kettles GmbH", "manufacturer", ("9520123",))
    cafe = make_org("Repair Café Cardiff", "repairer")
    pid = client.post("/api/v1/passports", json=passport(serial="KEY1"), headers=acme.headers)
    assert pid.status_code == 201, pid.json
    grant = client.post("/api/v1/grants", json={"organisation": cafe.id}, headers=acme.headers)
    assert grant.status_code == 201, grant.json
    spare = client.post(KEYS, headers=acme.headers).json["api_key"]
    assert client.delete(f"{KEYS}/{acme.key[:12]}", headers=bearer(spare)).status_code == 204
    ids = {"passport": pid.json["id"], "grant": grant.json["id"], "org": acme.id}
    values = _parameters({**ids, "active_prefix": spare[:12]})
    before = rows(session)

    answers: dict[tuple[str, str], tuple[int, int]] = {}
    for method, path, rule in _operations(app):
        url = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        url += QUERIES.get(path, "")
        body = BODIES.get((method, path))
        unknown = client.open(url, method=method, json=body, headers=bearer("kl_" + "x" * 43))
        revoked = client.open(url, method=method, json=body, headers=acme.headers)
        answers[(method, path)] = (unknown.status_code, revoked.status_code)
        if revoked.status_code == 401:
            assert revoked.mimetype == "application/problem+json"
            assert revoked.json["detail"] == "The API key is unknown or revoked."

    # A revoked key is refused exactly where an unknown key is, and nowhere does it get further;
    # every operation the description says takes a key refuses it.
    assert {op: r for op, (u, r) in answers.items() if u != r} == {}
    refused = {op for op, (_, r) in answers.items() if r == 401}
    described = client.get("/api/openapi.json").json["paths"]
    rules = described_rules(app, {"paths": described})
    for path, operations in described.items():
        for method in operations.keys() - {"parameters"}:
            if not any("bearer" in need for need in operations[method].get("security", [])):
                continue  # never looks at a key (search, versions, QR, receipts, health)
            if path in NO_PASSPORT_HERE or f"{method.upper()} {path}" in NOT_OFFERED:
                continue  # (not offered: a 501 to everyone, EN 18222's answer)
            assert (method.upper(), rules[(method.upper(), path)]) in refused, (
                f"{method.upper()} {path} answered a revoked key"
            )
    assert len(refused) >= 15
    assert rows(session) == before  # nothing was written
    # ... while the organisation's active key still opens what the revoked one did not.
    assert client.get(KEYS, headers=bearer(spare)).status_code == 200
