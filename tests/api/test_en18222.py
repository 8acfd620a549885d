"""Issue 12, point 3: the EN 18222 API as a facade over the passport's use cases.

Bodies are checked against the vendored contract's schemas (tests/api/en18222_contract.py);
nothing here assumes the credential's shape beyond what EN 18222 fixes (the envelope).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient

from tests.api.en18222_contract import NAME, errors, name_patch
from tests.conftest import Org
from tests.helpers import GTIN, passport


def _issue(client: FlaskClient, maker: Org, **extra: Any) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/dpps?untp=0.6.1",
        json={"credentialSubject": passport("item", **extra)},
        headers=maker.headers,
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert errors("CreateDPPResult", answer.get_json()) == []
    assert answer.headers["Location"].endswith(answer.get_json()["digitalProductPassportId"])
    return dict(answer.get_json())


def test_reads_validate_against_the_contract(client: FlaskClient, maker: Org) -> None:
    dpp_id = _issue(client, maker)["digitalProductPassportId"]
    compressed = client.get(f"/api/v1/dpps/{dpp_id}").get_json()
    assert errors("DigitalProductPassportCompressed", compressed) == []
    # The contract's DigitalProductPassport is a oneOf of both forms, which plain JSON Schema
    # cannot tell apart (Full's elements are optional): the flag selects the branch checked.
    assert "elements" not in compressed and "credentialSubject" in compressed
    full = client.get(f"/api/v1/dpps/{dpp_id}?representation=full").get_json()
    assert errors("DigitalProductPassportFull", full) == []
    assert {e["elementId"] for e in full["elements"]} >= {"credentialSubject", "issuer"}
    linked = client.get(f"/api/v1/dpps/{dpp_id}", headers={"Accept": "application/ld+json"})
    assert linked.mimetype == "application/ld+json" and linked.get_json() == compressed
    product = compressed["uniqueProductIdentifier"]
    by_product = client.get(f"/api/v1/dppsByProductId/{quote(product, safe='')}")
    assert by_product.get_json() == compressed
    # the path of the Digital Link, and another resolver's host, name the same product
    gs1 = product.replace("https://registry.example.org", "https://id.gs1.org")
    assert client.get(f"/api/v1/dppsByProductId/{quote(gs1, safe='')}").status_code == 200
    assert client.get("/api/v1/dppsByProductId" + product.split(".org", 1)[1]).status_code == 200
    page = client.post("/api/v1/dppsByProductIds", json={"productIds": [product, gs1 + "9"]})
    assert page.get_json() == {"dppIds": [dpp_id]}
    assert errors("DppIdPage", page.get_json()) == []


def test_errors_carry_the_result_object(client: FlaskClient) -> None:
    for answer in (
        client.get("/api/v1/dpps/nope"),
        client.get("/api/v1/dpps/nope?representation=tiny"),
        client.post("/api/v1/dppsByProductIds", json={"productId": 42}),
        client.post("/api/v1/dpps", json={"credentialSubject": {}}),
        client.post("/api/v1/registerDPP", json={}),
    ):
        body = answer.get_json()
        assert errors("Result", body) == [], body
        assert body["status"] == answer.status_code and body["message"][0]["text"]
    assert answer.status_code == 501 and body["statusCode"] == "ServerNotImplemented"


def test_patch_writes_a_new_version_and_history_stays(client: FlaskClient, maker: Org) -> None:
    dpp_id = _issue(client, maker)["digitalProductPassportId"]
    before = client.get(f"/api/v1/dpps/{dpp_id}").get_json()
    time.sleep(1.1)  # versions a second apart: the date picks one
    patch = name_patch(client, dpp_id, "Acme K1 kettle, v2")
    assert client.patch(f"/api/v1/dpps/{dpp_id}", json=patch).status_code == 401
    answer = client.patch(f"/api/v1/dpps/{dpp_id}", json=patch, headers=maker.headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "Acme K1 kettle, v2" in answer.get_data(as_text=True)
    versions = client.get(f"/api/v1/passports/{dpp_id}/versions").get_json()["versions"]
    assert len(versions) == 2
    then = client.get(f"/api/v1/dppsByIdAndDate/{dpp_id}?date={quote(before['lastUpdated'])}")
    assert then.get_json() == before  # version 1, unchanged
    # an echo of the envelope changes nothing; changing it is refused, naming the field
    same = client.patch(
        f"/api/v1/dpps/{dpp_id}", json={"dppStatus": "Active"}, headers=maker.headers
    )
    assert same.status_code == 200
    assert len(client.get(f"/api/v1/passports/{dpp_id}/versions").get_json()["versions"]) == 2
    moved = {"uniqueProductIdentifier": "https://id.gs1.org/01/09520123456788/21/9"}
    refused = client.patch(f"/api/v1/dpps/{dpp_id}", json=moved, headers=maker.headers)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["pointer"] == "/uniqueProductIdentifier"
    early = client.get(f"/api/v1/dppsByIdAndDate/{dpp_id}?date=2000-01-01T00:00:00Z")
    assert early.status_code == 404
    assert client.get(f"/api/v1/dppsByIdAndDate/{dpp_id}?date=yesterday").status_code == 400


def test_delete_withdraws_and_erases_nothing(client: FlaskClient, maker: Org) -> None:
    dpp_id = _issue(client, maker)["digitalProductPassportId"]
    assert client.delete(f"/api/v1/dpps/{dpp_id}").status_code == 401
    for _ in range(2):  # deleting again changes nothing
        answer = client.delete(f"/api/v1/dpps/{dpp_id}", headers=maker.headers)
        assert answer.status_code == 200
        assert answer.get_json()["erased"] is False and answer.get_json()["withdrawn"] is True
    served = client.get(f"/api/v1/dpps/{dpp_id}").get_json()
    assert served["dppStatus"] == "inactive"
    versions = client.get(f"/api/v1/passports/{dpp_id}/versions").get_json()["versions"]
    assert [v["status"] for v in versions] == ["active", "withdrawn"]


def test_elements_by_jsonpath(client: FlaskClient, maker: Org, make_org: Any) -> None:
    dpp_id = _issue(client, maker)["digitalProductPassportId"]
    url = f"/api/v1/dpps/{dpp_id}/elements/"
    one = client.get(url + quote("$.digitalProductPassportId", safe=""))
    assert one.get_json()["value"] == dpp_id
    assert errors("DataElement", one.get_json()) == []
    subject = client.get(url + quote("$.credentialSubject", safe="")).get_json()
    assert subject["objectType"] == "DataElementCollection"
    assert errors("DataElement", subject) == []
    assert client.get(url + "%24%5B").status_code == 400  # "$[" is no RFC 9535 query
    assert client.get(url + quote("$..id", safe="")).status_code == 400  # several nodes
    assert client.get(url + quote("$.nothing", safe="")).status_code == 404
    new = {"elementId": "name", "value": "Acme K1 kettle (2026)"}
    rival = make_org("Rival", "manufacturer")
    assert (
        client.patch(url + quote(NAME, safe=""), json=new, headers=rival.headers).status_code == 403
    )
    answer = client.patch(url + quote(NAME, safe=""), json=new, headers=maker.headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["value"] == "Acme K1 kettle (2026)"
    assert errors("DataElement", answer.get_json()) == []
    envelope = client.patch(url + "%24.granularity", json=new, headers=maker.headers)
    assert envelope.status_code == 409  # the registry's, not the issuer's
    assert len(client.get(f"/api/v1/passports/{dpp_id}/versions").get_json()["versions"]) == 2


def test_a_full_patch_takes_elements(client: FlaskClient, maker: Org) -> None:
    dpp_id = _issue(client, maker)["digitalProductPassportId"]
    subject = client.get(
        f"/api/v1/dpps/{dpp_id}/elements/{quote('$.credentialSubject', safe='')}"
    ).get_json()
    text = str(subject).replace("Acme K1 kettle", "Acme K1 kettle, full")
    patch = {"elements": [eval(text)]}  # noqa: S307 - our own repr of a JSON value
    answer = client.patch(
        f"/api/v1/dpps/{dpp_id}?representation=full", json=patch, headers=maker.headers
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "Acme K1 kettle, full" in answer.get_data(as_text=True)
    assert "elements" in answer.get_json()


def test_dpp_ids_come_a_page_at_a_time(client: FlaskClient, maker: Org) -> None:
    ids = [_issue(client, maker, serial=s)["digitalProductPassportId"] for s in ("A1", "A2")]
    products = [f"https://id.gs1.org/01/{GTIN}/21/{s}" for s in ("A1", "A2", "A3")]
    first = client.post("/api/v1/dppsByProductIds?limit=1", json=products).get_json()
    assert first == {"dppIds": ids[:1], "nextCursor": "1"}
    url = f"/api/v1/dppsByProductIds?limit=1&cursor={first['nextCursor']}"
    assert client.post(url, json={"productIds": products}).get_json() == {"dppIds": ids[1:]}
    bad = client.post("/api/v1/dppsByProductIds", json=[products[0], "https://x.example/no"])
    assert bad.status_code == 400 and "productIds/1" in bad.get_json()["detail"]


def test_bodies_in_the_contracts_shape_are_taken(client: FlaskClient, maker: Org) -> None:
    """A client that sends the whole envelope, as the contract's schema wants it."""
    envelope = {
        "digitalProductPassportId": "chosen-by-the-client",  # the registry assigns its own
        "uniqueProductIdentifier": f"https://id.gs1.org/01/{GTIN}/21/E1",
        "granularity": "item",
        "dppSchemaVersion": "EN 18223:2026",
        "dppStatus": "active",
        "lastUpdated": "2026-06-08T15:30:00Z",
        "economicOperatorId": "did:web:acme.example",
    }
    body = envelope | {"credentialSubject": passport("item", serial="E1")}
    assert errors("DigitalProductPassportCompressed", body) == []
    created = client.post("/api/v1/dpps?untp=0.6.1", json=body, headers=maker.headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    dpp_id = created.get_json()["digitalProductPassportId"]
    other = body | {"credentialSubject": passport("item", serial="E3")}
    refused = client.post("/api/v1/dpps?untp=0.6.1", json=other, headers=maker.headers)
    assert refused.status_code == 422  # the envelope names E1, the subject E3
    assert refused.get_json()["errors"][0]["pointer"] == "/uniqueProductIdentifier"
    assert client.get(f"/api/v1/dppsByProductId/01/{GTIN}/21/E3").status_code == 404
    # UpdateDPPById with the envelope echoed and the subject changed
    served = client.get(f"/api/v1/dpps/{dpp_id}").get_json()
    patch = {k: served[k] for k in envelope} | name_patch(client, dpp_id, "Acme K1 kettle, E")
    assert errors("DigitalProductPassportCompressed", patch) == []
    answer = client.patch(f"/api/v1/dpps/{dpp_id}", json=patch, headers=maker.headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert errors("DigitalProductPassportCompressed", answer.get_json()) == []


def test_the_full_form_lists_a_stored_object_in_key_order(client: FlaskClient, maker: Org) -> None:
    """The same on both databases: PostgreSQL's jsonb keeps keys in its own order."""
    body = passport("item", serial="ORDER")
    body["product"]["characteristics"] = {"zeta": 1, "alpha": {"b": 1, "a": 2}, "mid": True}
    answer = client.post(
        "/api/v1/dpps?untp=0.6.1", json={"credentialSubject": body}, headers=maker.headers
    )
    dpp_id = answer.get_json()["digitalProductPassportId"]
    full = client.get(f"/api/v1/dpps/{dpp_id}?representation=full").get_json()
    subject = next(e for e in full["elements"] if e["elementId"] == "credentialSubject")
    found = next(e for e in subject["elements"] if e["elementId"] == "characteristics")
    assert [e["elementId"] for e in found["elements"]] == ["alpha", "mid", "zeta"]
    assert [e["elementId"] for e in found["elements"][0]["elements"]] == ["a", "b"]
