"""Schemathesis against the app's own OpenAPI description, in process (WSGI), on SQLite.

Every documented operation gets generated requests with no key and with an API key of each
role, and every answer must be what the description says: no 5xx, a documented status code, a
documented content type, a body that matches the documented schema. Generation is seeded
(hypothesis ``derandomize``), so a run is the same run every time; no shrinking, so a failure
shows the first request that failed. The generator alone never hits a valid GTIN (its check
digit) or an existing passport, so half the cases are steered: they take the ids, GS1 keys and
organisations that exist, and valid passport, event and grant bodies.

SQLite only: the PostgreSQL run of the same requests would double the time and the suite runs
every API test on PostgreSQL already.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.en18222 import NOT_OFFERED  # EN 18222's 501 for what is not offered
from passport import organisations
from passport.config import Settings
from passport.db import make_engine, make_session_factory
from passport.links import UNTP_LINKSET_PROFILE
from passport.roles import ROLES
from passport.signing.keys import ensure_keys
from tests import strategies
from tests.conftest import BASE_URL
from tests.helpers import check_digit
from web.app import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 28  # per operation: 38 operations, 32 with parameters (the others give ~20): 1,024
READERS = [None, *ROLES]  # no key, then an API key of each role
# What readers ask for: a browser, a JSON-LD or linkset client, a verifier, anyone.
ACCEPT = [
    None,
    "text/html",
    "application/ld+json",
    "application/json",
    f'application/linkset+json; profile="{UNTP_LINKSET_PROFILE}"',
    "application/linkset+json",
    "text/turtle",
    "application/vc+jwt",
    "application/vc+sd-jwt",
    "*/*",
]
PREFIX = "9520123"
GTIN = "09520123456788"
REPAIR = {
    "type": "repair",
    "eventTime": "2026-05-03T14:00:00+01:00",
    "repair": {"outcome": "fixed", "problem": "Switch broken", "spareParts": "third_party"},
}
SERIAL = st.text("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ-", min_size=1, max_size=20)


def _gtin(digits: str) -> str:
    body = "0" + PREFIX + digits
    return body + check_digit(body)


def _passport(
    gtin: str, granularity: str, serial: str, name: str = "Kettle", more: Any = None
) -> dict[str, Any]:
    path = f"/01/{gtin}" + (f"/21/{serial}" if granularity == "item" else "")
    if granularity == "batch":
        path += f"/10/{serial}"
    product = {"id": "https://id.gs1.org" + path, "name": name}
    if more is not None:
        product["characteristics"] = more
    return {"granularityLevel": granularity, "product": product}


# Valid GS1 keys (the generator's own would fail the check digit) with arbitrary names and
# characteristics (tests/strategies.py); schemathesis's own bodies of the ProductPassport schema
# cost a second each to draw and are refused as a whole anyway.
PASSPORTS = st.builds(
    _passport,
    st.text("0123456789", min_size=5, max_size=5).map(_gtin),
    st.sampled_from(["model", "batch", "item"]),
    SERIAL,
    strategies.text,
    st.none() | strategies.characteristics,
)
OWN_BODIES = {  # operations whose bodies this module makes
    "POST /api/v1/passports",
    "PUT /api/v1/passports/{passport_id}",
    "POST /api/v1/passports/batch",
}


class Registry:
    """The app, its organisations (one of each role) and what exists in it."""

    def __init__(
        self, app: Flask, keys: dict[str, str], ids: dict[str, list[Any]], made: list[Any]
    ) -> None:
        self.app = app
        self.keys = keys
        self.ids = ids
        self.made = made  # (passport id, granularity, lot or serial) of the passports issued


@pytest.fixture(scope="module")
def registry(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    folder = tmp_path_factory.mktemp("schemathesis")
    shutil.copy(sqlite_template, folder / "kreislauf.db")
    ensure_keys(folder)
    config = Settings(
        database_url=f"sqlite:///{folder / 'kreislauf.db'}",
        base_url=BASE_URL,
        data_dir=folder,
        testing=True,
        write_rate="1000000/minute",
    )
    engine = make_engine(config.database_url)
    keys, orgs = {}, []
    with make_session_factory(engine)() as db:
        for role in ROLES:
            prefixes = (PREFIX,) if role == "manufacturer" else ()
            org, key = organisations.create_organisation(db, f"The {role}", role, prefixes)
            keys[role], orgs = key, [*orgs, org.public_id]
        db.commit()
    engine.dispose()
    app = create_app(config)
    client = app.test_client()
    maker = {"Authorization": f"Bearer {keys['manufacturer']}"}
    made = [
        (
            client.post("/api/v1/passports", json=_passport(GTIN, g, s), headers=maker).json["id"],
            g,
            s,
        )
        for g, s in (("model", ""), ("batch", "L1"), ("item", "12345"))
    ]
    pids = [pid for pid, _, _ in made]
    cafe = {"Authorization": f"Bearer {keys['repairer']}"}
    assert (
        client.post(f"/api/v1/passports/{pids[2]}/events", json=REPAIR, headers=cafe).status_code
        == 201
    )
    grant = {"organisation": orgs[1], "passport": pids[2]}
    assert client.post("/api/v1/grants", json=grant, headers=maker).status_code == 201
    ids = {
        "passport_id": pids,
        "dpp_id": pids,  # EN 18222
        "product_id": [f"https://id.gs1.org/01/{GTIN}/21/12345", f"01/{GTIN}/10/L1"],
        "element_path": ["$.digitalProductPassportId", "$.credentialSubject"],
        "org_id": orgs,
        "gtin": [GTIN],
        "lot": ["L1"],
        "serial": ["12345"],
        "seq": [1],
        "grant_id": [g["id"] for g in client.get("/api/v1/grants", headers=maker).json["grants"]],
        "prefix": [keys["recycler"][:8]],
        "gmn": ["1987654Ad4X4bL5ttr2310c2K"],
        "name": ["kreislauf/v1"],
        # the log's query arguments: the log holds the organisations, passports and event
        "size": [1, 2, 5],
        "first": [1, 2],
        "second": [2, 5],
        "index": ["0", "1", "3"],
        "level": ["0", "entries"],
        "tile": ["000.p/1", "000.p/4"],
    }
    yield Registry(app, keys, ids, made)
    app.extensions["kreislauf"].engine.dispose()
    if len(SENT) == len(_operations()):  # every operation ran in this process (no xdist split)
        total = sum(map(len, SENT.values()))
        assert total >= 1000, f"{total} requests over {len(SENT)} operations"


@pytest.fixture(scope="module")
def schema(registry: Registry) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", registry.app)


def _steered(operation: Any, registry: Registry) -> Any:
    """Cases whose path parameters exist and whose body is valid, where the operation has them."""
    names = [p.name for p in operation.path_parameters]
    known = {n: st.sampled_from(registry.ids[n]) for n in names if n in registry.ids}
    asked = [p.name for p in operation.query]
    query = {n: st.sampled_from(registry.ids[n]) for n in asked if n in registry.ids}
    bodies: Any = st.just(None)
    label = f"{operation.method.upper()} {operation.path}"
    if label in ("POST /api/v1/passports", "PUT /api/v1/passports/{passport_id}"):
        bodies = PASSPORTS
    elif label == "POST /api/v1/passports/batch":
        bodies = st.lists(PASSPORTS, min_size=1, max_size=3)
    elif label == "POST /api/v1/passports/{passport_id}/events":
        bodies = st.just(REPAIR)
    elif label == "POST /api/v1/faults/suggest":
        bodies = st.builds(
            lambda category, problem: {"productCategory": category, "problem": problem},
            st.sampled_from(["Laptop", "Mobile", "Vacuum", "Kettle"]),
            strategies.text,
        )
    elif label == "POST /api/v1/grants":
        bodies = st.sampled_from(registry.ids["org_id"]).map(lambda o: {"organisation": o})

    def case(fixed: dict[str, Any], args: dict[str, Any], body: Any) -> Any:
        extra = {} if body is None else {"body": body, "media_type": "application/json"}
        return operation.as_strategy(path_parameters=fixed or None, query=args or None, **extra)

    given = st.tuples(st.fixed_dictionaries(known), st.fixed_dictionaries(query), bodies)
    cases = given.flatmap(lambda values: case(*values))
    if label == "PUT /api/v1/passports/{passport_id}":  # a new version: the same identifiers
        same = st.tuples(st.sampled_from(registry.made), strategies.text).map(
            lambda m: ({"passport_id": m[0][0]}, {}, _passport(GTIN, m[0][1], m[0][2], m[1]))
        )
        cases |= same.flatmap(lambda values: case(*values))
    return cases


def _operations() -> list[str]:
    """Every documented operation, as "METHOD /path" (read from the description's source)."""
    from api import paths  # the hand-written part; the blueprints' part is listed below

    described = [f"{m.upper()} {p}" for p, item in paths.all_paths().items() for m in item]
    # Schemathesis leaves out the operation that serves the description it was loaded from.
    described.remove("GET /api/openapi.json")
    return BLUEPRINT_OPERATIONS + described


# flask-smorest's operations, in the order of the description (test ids, not the truth: the
# test below fails when this list and the served description disagree).
BLUEPRINT_OPERATIONS = [
    "GET /api/v1/passports",
    "POST /api/v1/passports",
    "POST /api/v1/passports/batch",
    "GET /api/v1/passports/{passport_id}",
    "PUT /api/v1/passports/{passport_id}",
    "POST /api/v1/passports/{passport_id}/withdraw",
    "GET /api/v1/passports/{passport_id}/versions",
    "GET /api/v1/passports/{passport_id}/access-log",
    "GET /api/v1/passports/{passport_id}/qr.{kind}",
    "GET /api/v1/passports/{passport_id}/events",
    "POST /api/v1/passports/{passport_id}/events",
    "GET /api/v1/passports/{passport_id}/events/{seq}/receipt",
    "GET /api/v1/passports/{passport_id}/proof-bundle",
    "POST /api/v1/passports/{passport_id}/move",
    "POST /api/v1/passports/import",
    "GET /api/v1/passports/{passport_id}/previous-history",
    "GET /api/v1/repairs",
    "POST /api/v1/faults/suggest",
    "GET /api/v1/grants",
    "POST /api/v1/grants",
    "DELETE /api/v1/grants/{grant_id}",
    "POST /api/v1/passports/{passport_id}/transfer-codes",
    "GET /api/v1/keys",
    "POST /api/v1/keys",
    "DELETE /api/v1/keys/{prefix}",
    "POST /api/v1/dpps",
    "GET /api/v1/dpps/{dpp_id}",
    "PATCH /api/v1/dpps/{dpp_id}",
    "DELETE /api/v1/dpps/{dpp_id}",
    "GET /api/v1/dppsByProductId/{product_id}",
    "GET /api/v1/dppsByIdAndDate/{dpp_id}",
    "POST /api/v1/dppsByProductIds",
    "POST /api/v1/registerDPP",
    "GET /api/v1/dpps/{dpp_id}/elements/{element_path}",
    "PATCH /api/v1/dpps/{dpp_id}/elements/{element_path}",
    "GET /healthz",
    "GET /readyz",
    "GET /credentials/status/{number}",
]
SENT: dict[str, list[tuple[str | None, int]]] = {}  # operation -> (reader, status) of each


def test_the_operations_here_are_the_described_ones(schema: Any) -> None:
    served = [f"{r.ok().method.upper()} {r.ok().path}" for r in schema.get_all_operations()]
    assert sorted(served) == sorted(_operations())


@pytest.mark.parametrize("label", _operations())
def test_the_operation_answers_as_described(registry: Registry, schema: Any, label: str) -> None:
    """EXAMPLES requests, spread evenly over no key and a key of each role."""
    method, path = label.split(" ")
    operation = schema[path][method]
    cases = _steered(operation, registry)
    if label not in OWN_BODIES:
        cases = operation.as_strategy() | cases
        if operation.path_parameters or operation.query or operation.body:
            cases |= operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    sent = SENT.setdefault(label, [])

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is shown
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, accept=st.sampled_from(ACCEPT))
    def run(case: Any, accept: str | None) -> None:
        reader = READERS[len(sent) % len(READERS)]
        headers = {"Authorization": f"Bearer {registry.keys[reader]}"} if reader else {}
        headers |= {"Accept": accept} if accept else {}
        response = case.call(app=registry.app, headers=headers)
        sent.append((reader, response.status_code))
        checks = [c for c in CHECKS if c is not not_a_server_error or label not in NOT_OFFERED]
        case.validate_response(response, checks=checks, headers=headers)

    run()
    assert len(sent) >= min(EXAMPLES, 2 * len(READERS)) or not operation.path_parameters, sent
