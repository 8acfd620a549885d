"""The passport API: issue, read as standard documents, bad input, rights."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import rdflib
from rdflib.compare import isomorphic

from passport import rdf
from passport.config import Settings
from tests.conftest import BASE_URL
from tests.helpers import CIRCULARITY, GTIN, count_passports, gtin, passport, untp_errors

SCHEMA = rdflib.Namespace("https://schema.org/")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


def post(client: Any, org: Any, body: Any, url: str = "/api/v1/passports", **kw: Any) -> Any:
    return client.post(url, json=body, headers=org.headers, **kw)


def test_issue_an_item_and_read_it_back_as_a_untp_credential(client, maker):
    response = post(client, maker, passport("item", serial="12345"))
    assert response.status_code == 201, response.json
    created = response.json
    assert created["version"] == 1
    assert created["uri"] == f"{BASE_URL}/01/{GTIN}/21/12345"
    assert response.headers["Location"].endswith(f"/api/v1/passports/{created['id']}")

    read = client.get(f"/api/v1/passports/{created['id']}")
    assert read.status_code == 200
    assert read.mimetype == "application/ld+json"
    doc = read.json
    assert untp_errors(doc) == []
    assert doc["type"] == ["DigitalProductPassport", "VerifiableCredential"]
    product = doc["credentialSubject"]["product"]
    assert product["id"] == created["uri"]
    assert product["registeredId"] == GTIN and product["serialNumber"] == "12345"
    assert doc["issuer"]["name"] == maker.name
    assert doc["issuer"]["id"].startswith("did:web:registry.example.org:orgs:")
    assert doc["passportStatus"] == "active" and doc["passportVersion"] == 1


def test_identifiers_may_come_from_fields_instead_of_a_digital_link(client, maker):
    body = passport("batch", lot="L-7", serial=None, via_uri=False)
    body["product"]["registeredId"] = GTIN[1:]  # a GTIN-13 is normalised to 14 digits
    response = post(client, maker, body)
    assert response.status_code == 201, response.json
    assert response.json["uri"] == f"{BASE_URL}/01/{GTIN}/10/L-7"


def test_a_digital_link_on_any_host_is_accepted(client, maker):
    body = passport("item")
    body["product"]["id"] = f"https://brand.example.com/some/prefix/01/{GTIN}/21/ABC"
    response = post(client, maker, body)
    assert response.status_code == 201, response.json
    assert response.json["uri"] == f"{BASE_URL}/01/{GTIN}/21/ABC"


def test_the_served_passport_is_rdf_and_turtle_matches_json_ld(client, maker):
    body = passport("item", circularityScorecard=CIRCULARITY)
    pid = post(client, maker, body).json["id"]
    doc = client.get(f"/api/v1/passports/{pid}").json
    graph = rdf.to_graph(doc, BASE_URL)
    product = rdflib.URIRef(f"{BASE_URL}/01/{GTIN}/21/12345")
    assert (product, SCHEMA.name, rdflib.Literal("Acme K1 kettle")) in graph
    assert len(graph) > 20

    for kwargs in ({"query_string": {"format": "ttl"}}, {"headers": {"Accept": "text/turtle"}}):
        ttl = client.get(f"/api/v1/passports/{pid}", **kwargs)
        assert ttl.status_code == 200 and ttl.mimetype == "text/turtle"
        parsed = rdflib.Graph().parse(data=ttl.get_data(as_text=True), format="turtle")
        assert isomorphic(parsed, graph)


def test_malformed_json_is_a_400_problem(client, maker):
    response = client.post(
        "/api/v1/passports",
        data='{"granularityLevel": "item",',
        headers={**maker.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "line 1" in response.json["detail"]


def test_every_schema_violation_is_listed_with_a_pointer(client, maker):
    body = passport("item")
    del body["product"]["name"]
    body["granularityLevel"] = "pallet"
    body["product"]["colour"] = "red"
    response = post(client, maker, body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["status"] == 422 and problem["title"] and problem["type"].startswith("http")
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {"/product/name", "/granularityLevel", "/product/colour"} <= pointers
    assert all(e["message"] for e in problem["errors"])
    assert client.get("/api/v1/passports").json["items"] == []


def test_a_bad_check_digit_names_the_field_and_the_expected_digit(client, maker):
    body = passport("item", via_uri=False, gtin_="09520123456789")
    response = post(client, maker, body)
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["pointer"] == "/product/registeredId"
    assert "8" in error["message"] and "check digit" in error["message"]

    body = passport("item")
    body["product"]["id"] = "https://id.gs1.org/01/09520123456789/21/1"
    error = post(client, maker, body).json["errors"][0]
    assert error["pointer"] == "/product/id" and "check digit" in error["message"]


def test_a_digital_link_in_product_id_follows_the_strict_uri_rules(client, maker):
    # A GTIN is padded where it is a plain field (registeredId, above), never inside a URI.
    cases = {
        f"https://id.gs1.org/01/{GTIN[1:]}/21/1": (
            "AI 01 in a GS1 Digital Link URI must be 14 digits (pad GTIN-8/12/13 with "
            f"leading zeros): GTIN {GTIN[1:]} has 13 digits, write {GTIN}"
        ),
        f"https://id.gs1.org/01/{GTIN}/21/1?22=A": (
            "AI 22 (CPV) is a key qualifier of AI 01 (GTIN) and must be in the path"
        ),
        f"https://id.gs1.org/01/{GTIN}/21/1?21=2": "duplicate AI 21",
        f"https://id.gs1.org/01/{GTIN}/21/1?999=2": "unknown AI 999 in the query string",
        f"https://id.gs1.org/01/{GTIN}//21/1": "empty segment",
        f"https://id.gs1.org/01/{GTIN}/21/1?37=5": "cannot be combined with AI 37",
    }
    for uri, rule in cases.items():
        body = passport("item")
        body["product"]["id"] = uri
        response = post(client, maker, body)
        assert response.status_code == 422, uri
        [error] = response.json["errors"]
        assert error["pointer"] == "/product/id", uri
        assert rule in error["message"], (uri, error["message"])
    assert client.get("/api/v1/passports").json["items"] == []


def test_identifiers_given_twice_must_agree(client, maker):
    body = passport("item")
    body["product"]["registeredId"] = gtin("952012300001")
    body["product"]["serialNumber"] = "999"
    response = post(client, maker, body)
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json["errors"]}
    assert pointers == {"/product/registeredId", "/product/serialNumber"}
    assert count_passports(client) == 0  # a refused write stores nothing


def test_granularity_must_fit_the_identifiers(client, maker):
    response = post(client, maker, passport("batch", serial="1"))  # batch with a serial
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "/granularityLevel"
    response = post(client, maker, passport("item", serial=None))
    assert response.status_code == 422
    assert count_passports(client) == 0


def test_the_gtin_must_belong_to_the_issuers_prefix(client, maker, make_org):
    foreign = gtin("400638133393")
    response = post(client, maker, passport("item", gtin_=foreign))
    assert response.status_code == 422
    assert "9520123" in response.json["errors"][0]["message"]
    assert count_passports(client) == 0
    # An organisation without registered prefixes is not checked.
    free = make_org("Free Maker", "manufacturer")
    assert post(client, free, passport("item", gtin_=foreign)).status_code == 201
    assert count_passports(client) == 1


def test_an_identifier_that_already_has_a_passport_is_a_409(client, maker):
    assert post(client, maker, passport("item")).status_code == 201
    again = post(client, maker, passport("item", via_uri=False))
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    assert count_passports(client) == 1


def test_too_large_a_body_is_a_413(settings, maker):
    from dataclasses import replace

    from web.app import create_app

    small = create_app(replace(settings, max_write_bytes=2000))
    body = passport("item", name="x" * 900)
    body["product"]["description"] = "y" * 2000
    response = small.test_client().post("/api/v1/passports", json=body, headers=maker.headers)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert count_passports(small.test_client()) == 0
    small.extensions["kreislauf"].engine.dispose()


def test_writes_need_a_known_key_and_the_right_role(client, maker, make_org):
    body = passport("item")
    missing = client.post("/api/v1/passports", json=body)
    assert missing.status_code == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    unknown = client.post(
        "/api/v1/passports", json=body, headers={"Authorization": "Bearer kl_nope"}
    )
    assert unknown.status_code == 401
    repairer = make_org("Repair Café Cardiff", "repairer")
    assert post(client, repairer, body).status_code == 403
    assert count_passports(client) == 0  # none of the refused writes stored anything


def test_a_key_without_the_bearer_scheme_is_told_what_is_missing(client, maker):
    body = passport("item")
    for header in (maker.key, f"Basic {maker.key}", f"Token {maker.key}"):
        response = client.post("/api/v1/passports", json=body, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.mimetype == "application/problem+json"
        assert "lacks the 'Bearer' scheme" in response.json["detail"], header
        assert "Authorization: Bearer <key>" in response.json["detail"]
        assert maker.key not in response.get_data(as_text=True)  # a key is never echoed
        assert "Bearer" in response.headers["WWW-Authenticate"]
    for header in ("Bearer", "Bearer   "):  # the scheme without a key
        response = client.post("/api/v1/passports", json=body, headers={"Authorization": header})
        assert response.status_code == 401 and "API key is required" in response.json["detail"]
    assert count_passports(client) == 0
    lower = {"Authorization": f"bearer {maker.key}"}  # RFC 9110: schemes are case-insensitive
    assert client.post("/api/v1/passports", json=body, headers=lower).status_code == 201


def test_only_the_issuer_changes_its_passports(client, maker, make_org):
    pid = post(client, maker, passport("item")).json["id"]
    other = make_org("Other Maker", "manufacturer")
    body = passport("item", name="Hijacked")
    assert (
        client.put(f"/api/v1/passports/{pid}", json=body, headers=other.headers).status_code == 403
    )
    withdraw = client.post(f"/api/v1/passports/{pid}/withdraw", headers=other.headers)
    assert withdraw.status_code == 403
    current = client.get(f"/api/v1/passports/{pid}").json
    assert current["credentialSubject"]["product"]["name"] == "Acme K1 kettle"
    # The refused withdrawal leaves the passport active, at its first version.
    assert current["passportStatus"] == "active"
    assert client.get(f"/api/v1/passports/{pid}/versions").json["current"] == 1
    anonymous = client.post(f"/api/v1/passports/{pid}/withdraw")
    assert anonymous.status_code == 401
    assert client.get(f"/api/v1/passports/{pid}").json["passportStatus"] == "active"


def test_unknown_passport_and_version_are_404(client, maker):
    assert client.get("/api/v1/passports/nope").status_code == 404
    pid = post(client, maker, passport("item")).json["id"]
    response = client.get(f"/api/v1/passports/{pid}", query_string={"version": 7})
    assert response.status_code == 404 and "1 to 1" in response.json["detail"]


def test_a_model_passport_by_gmn(client, make_org):
    maker = make_org("GMN Maker", "manufacturer")
    body = {
        "granularityLevel": "model",
        "product": {"id": "https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K", "name": "Model X"},
    }
    response = post(client, maker, body)
    assert response.status_code == 201, response.json
    assert response.json["uri"] == f"{BASE_URL}/8013/1987654Ad4X4bL5ttr2310c2K"
    doc = client.get(f"/api/v1/passports/{response.json['id']}").json
    assert untp_errors(doc) == []
    assert doc["credentialSubject"]["granularityLevel"] == "model"


def test_the_problem_body_is_json_not_html_for_unknown_api_paths(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert json.loads(response.get_data())["status"] == 404
