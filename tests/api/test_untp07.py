"""UNTP 0.7.0 passports: served by default (valid against the official 0.7.0 schema, expanding
with the official 0.7.0 context), 0.6.1 on request, and 0.7.0 bodies taken in."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from typing import Any

import pytest

from passport.signing.sd_jwt import verify_sd_jwt
from tests.api.test_signed import resolver
from tests.conftest import BASE_URL
from tests.helpers import (
    CIRCULARITY,
    GTIN,
    UNTP07,
    passport,
    published_loader,
    safe_mode_problems,
    untp07_errors,
    untp_errors,
)

V061_PROFILE = 'application/ld+json; profile="https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/"'
V070_PROFILE = 'application/ld+json; profile="https://vocabulary.uncefact.org/untp/0.7.0/context/"'
SAMPLES = [
    "samples/release/sample-digital-product-passport-v0.7.0.payload.json",
    "samples/pre-release/dpp/DigitalProductPassport_instance.json",
    "samples/pre-release/dpp/DigitalProductPassport_cathode_instance.json",
    "samples/pre-release/dpp/DigitalProductPassport_battery_instance.json",
]


def issue(client: Any, org: Any, body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert response.status_code == 201, response.json
    created: dict[str, Any] = response.json
    return created


def full_061() -> dict[str, Any]:
    claim = {
        "id": "https://acme.example/claims/ce",
        "description": "CE conformity",
        "conformance": True,
        "conformityTopic": "governance.compliance",
        "assessmentDate": "2026-01-15",
        "declaredValue": [{"metricName": "Power", "metricValue": {"value": 2.2, "unit": "KWT"}}],
    }
    body = passport("item", serial="777", circularityScorecard=CIRCULARITY, conformityClaim=[claim])
    body["product"] |= {
        "producedByParty": {"id": "did:web:acme.example", "name": "Acme Kettles GmbH"},
        "countryOfProduction": "DE",
        "productionDate": "2026-01-10",
        "furtherInformation": [{"linkURL": "https://acme.example/k1", "linkName": "Manual"}],
    }
    return body


@pytest.fixture
def issued(client: Any, maker: Any) -> dict[str, Any]:
    return issue(client, maker, full_061())


def test_served_passports_are_untp_070_by_default_and_061_on_request(client, issued):
    path = f"/api/v1/passports/{issued['id']}"
    doc = client.get(path).json
    assert untp07_errors(doc) == []
    assert doc["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://vocabulary.uncefact.org/untp/0.7.0/context/",
    ]
    product = doc["credentialSubject"]
    assert product["type"] == ["Product"] and product["id"] == issued["uri"]
    assert product["itemNumber"] == "777" and product["idGranularity"] == "item"
    assert product["relatedParty"] == [
        {
            "role": "manufacturer",
            "party": {"type": ["Party"], "id": "did:web:acme.example", "name": "Acme Kettles GmbH"},
        }
    ]
    assert product["countryOfProduction"] == {"countryCode": "DE"}
    claims = {c["id"]: c for c in product["performanceClaim"]}
    assert claims["https://acme.example/claims/ce"]["claimDate"] == "2026-01-15"
    assert f"{issued['uri']}#circularityScorecard" in claims
    assert doc["name"] and doc["validFrom"]
    for old in ("serialNumber", "producedByParty", "product", "granularityLevel"):
        assert old not in product
    assert client.get(path, headers={"Accept": V070_PROFILE}).json == doc
    for old in (
        client.get(path, query_string={"untp": "0.6.1"}),
        client.get(path, headers={"Accept": V061_PROFILE}),
    ):
        assert untp_errors(old.json) == []
        assert old.json["credentialSubject"]["product"]["serialNumber"] == "777"
    assert client.get(path, query_string={"untp": "0.5"}).status_code == 422


def test_the_070_credential_expands_in_safe_mode_with_the_official_context(client, issued):
    def served(url: str) -> dict[str, Any]:
        assert url == BASE_URL + "/contexts/kreislauf/v2", url
        document: dict[str, Any] = client.get(url.removeprefix(BASE_URL)).json
        return document

    doc = client.get(f"/api/v1/passports/{issued['id']}").json
    assert safe_mode_problems(doc, published_loader(served)) == []


def test_the_resolver_and_the_vc_jwt_serve_the_requested_version(client, issued):
    doc = client.get(
        issued["uri"].removeprefix(BASE_URL), headers={"Accept": "application/ld+json"}
    )
    assert untp07_errors(doc.json) == []
    old = client.get(
        issued["uri"].removeprefix(BASE_URL) + "?untp=0.6.1",
        headers={"Accept": "application/ld+json"},
    )
    assert "product" in old.json["credentialSubject"]
    token = client.get(f"/api/v1/passports/{issued['id']}?format=jwt").get_data(as_text=True)
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert untp07_errors(claims) == []


def _product(sample: str) -> dict[str, Any]:
    document = json.loads((UNTP07 / sample).read_text(encoding="utf-8"))
    product: dict[str, Any] = document["credentialSubject"]
    return product


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.rsplit("/", 1)[-1])
def test_the_official_070_samples_are_accepted_and_round_trip(client, maker, sample):
    product = _product(sample)
    body = copy.deepcopy(product)
    serial = "/21/777" if body["idGranularity"] == "item" else ""
    lot = f"/10/{body['batchNumber']}" if body["idGranularity"] == "batch" else ""
    body["id"] = f"https://id.gs1.org/01/{GTIN}{lot}{serial}"
    if body["idGranularity"] == "model":
        body.pop("batchNumber", None)  # a model passport names no lot
    if serial:
        body["itemNumber"] = "777"
    created = issue(client, maker, body)
    served = client.get(f"/api/v1/passports/{created['id']}").json
    assert untp07_errors(served) == []
    back = served["credentialSubject"]
    # Every member comes back as sent, but the id: the registry's Digital Link URI.
    assert back["id"] == created["uri"]
    assert {k: v for k, v in back.items() if k != "id"} == {
        k: v for k, v in body.items() if k != "id"
    }
    old = client.get(f"/api/v1/passports/{created['id']}?untp=0.6.1").json
    assert untp_errors(old) == [] and "untp070" not in json.dumps(old)
    assert old["credentialSubject"]["product"]["name"] == product["name"]


def test_a_member_kept_as_sent_never_shows_what_a_reader_may_not_see(client, maker, make_org):
    """A 0.6.1 passport with a restricted claim, given a 0.7.0 claim of its own kind (kept as
    sent): the public sees neither, in JSON-LD or the SD-JWT; a repairer sees both, in both."""
    body = full_061()
    body.pop("circularityScorecard")
    body["restricted"] = [{"path": "/conformityClaim", "tier": "legitimate-interest"}]
    created = issue(client, maker, body)
    dpp = f"/api/v1/dpps/{created['id']}"
    claims = client.get(dpp, headers=maker.headers).json["credentialSubject"]["performanceClaim"]
    new = copy.deepcopy(_product(SAMPLES[0])["performanceClaim"][0])
    patch = {"credentialSubject": {"performanceClaim": [*claims, new]}}
    answer = client.patch(dpp, json=patch, headers=maker.headers)
    assert answer.status_code == 200, answer.json["errors"]
    path = f"/api/v1/passports/{created['id']}"
    mine = client.get(path, headers=maker.headers).json["credentialSubject"]["performanceClaim"]
    assert {c["id"] for c in mine} >= {new["id"], "https://acme.example/claims/ce"}
    public = client.get(path).json
    assert untp07_errors(public) == []
    sd_jwt = client.get(path, headers={"Accept": "application/vc+sd-jwt"}).text
    for served in (json.dumps(public), sd_jwt):
        assert "claims/ce" not in served and new["id"] not in served
    repairer = make_org("Repair Café", "repairer")  # a legitimate interest
    shown = client.get(path, headers=repairer.headers).json
    assert {c["id"] for c in shown["credentialSubject"]["performanceClaim"]} == {
        c["id"] for c in mine
    }
    disclosed = client.get(path, headers={"Accept": "application/vc+sd-jwt", **repairer.headers})
    assert verify_sd_jwt(disclosed.text, resolver(client)) == shown


def test_a_070_body_cannot_set_what_the_registry_keeps_as_sent(client, maker):
    body = passport("item", serial="779") | {"untp070": {"modelNumber": "K1"}}
    response = client.post("/api/v1/passports", json=body, headers=maker.headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "/untp070"


def test_a_whole_070_credential_is_accepted_as_a_body(client, maker):
    product = _product(SAMPLES[1]) | {"id": f"https://id.gs1.org/01/{GTIN}"}
    product.pop("batchNumber")  # a model passport names no lot
    created = issue(
        client, maker, {"type": ["DigitalProductPassport"], "credentialSubject": product}
    )
    served = client.get(f"/api/v1/passports/{created['id']}").json
    assert served["credentialSubject"]["name"] == product["name"]


@pytest.mark.parametrize(
    ("body", "pointer", "new"),
    [
        (
            {"type": ["Product"], "idGranularity": "item", "serialNumber": "1"},
            "/serialNumber",
            "itemNumber",
        ),
        (
            {"idGranularity": "model", "granularityLevel": "model"},
            "/granularityLevel",
            "idGranularity",
        ),
        ({"relatedParty": [], "product": {"name": "x"}}, "/product", "credentialSubject"),
        ({"itemNumber": "1", "producedByParty": {}}, "/producedByParty", "relatedParty"),
    ],
)
def test_a_070_body_with_061_names_is_a_422_naming_the_070_name(client, maker, body, pointer, new):
    response = client.post("/api/v1/passports", json=body, headers=maker.headers)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert any(
        e["pointer"] == pointer and f"UNTP 0.7.0 calls this {new}" in e["message"] for e in errors
    )


def test_a_batch_names_the_item_with_061_names(client, maker):
    body = [passport("model"), {"type": ["Product"], "idGranularity": "item", "serialNumber": "1"}]
    response = client.post("/api/v1/passports/batch", json=body, headers=maker.headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "/1/serialNumber"


def test_a_070_body_is_checked_against_our_070_schema(client, maker):
    body = {"type": ["Product"], "id": f"https://id.gs1.org/01/{GTIN}", "idGranularity": "model"}
    response = client.post("/api/v1/passports", json=body, headers=maker.headers)
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json["errors"]}
    assert {"/name", "/producedAtFacility", "/countryOfProduction"} <= pointers


def test_061_bodies_keep_working_unchanged(client, maker):
    created = issue(client, maker, passport("item", serial="9"))
    old = client.get(f"/api/v1/passports/{created['id']}?untp=0.6.1").json
    assert old["credentialSubject"]["product"]["serialNumber"] == "9"


def _jwt_payload(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def test_a_withdrawn_passport_is_revoked_in_its_bitstring_status_list(client, maker, issued):
    other = issue(client, maker, passport("item", serial="778"))
    withdrawn = client.post(f"/api/v1/passports/{issued['id']}/withdraw", headers=maker.headers)
    assert withdrawn.status_code == 200
    statuses = [
        client.get(f"/api/v1/passports/{p['id']}").json["credentialStatus"] for p in (issued, other)
    ]
    assert {s["statusListCredential"] for s in statuses} == {f"{BASE_URL}/credentials/status/1"}
    assert (
        statuses[0]["type"] == "BitstringStatusListEntry"
        and statuses[0]["statusPurpose"] == "revocation"
    )
    response = client.get("/credentials/status/1")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    credential = _jwt_payload(response.get_data(as_text=True))
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["issuer"].startswith("did:web:")
    encoded = credential["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) == 16 * 1024  # the specification's minimum, so a list hides who is asked about

    def bit(index: int) -> bool:
        return bool(bits[index // 8] & (0x80 >> (index % 8)))

    assert bit(statuses[0]["statusListIndex"]) and not bit(statuses[1]["statusListIndex"])
    assert client.get("/credentials/status/2").status_code == 404
    assert client.get("/credentials/status/0").status_code == 404


def test_the_readme_070_body_is_issued(client, maker):
    body = {
        "type": ["Product"],
        "id": f"https://id.gs1.org/01/{GTIN}/21/12346",
        "name": "K1 kettle",
        "idGranularity": "item",
        "itemNumber": "12346",
        "relatedParty": [
            {"role": "manufacturer", "party": {"id": "did:web:acme.example", "name": "Acme"}}
        ],
        "countryOfProduction": {"countryCode": "DE"},
        "idScheme": {"id": "https://id.gs1.org/01/", "name": "GTIN"},
        "productCategory": [],
        "producedAtFacility": {"id": "https://acme.example/plant/1", "name": "Plant 1"},
    }
    created = issue(client, maker, body)
    served = client.get(f"/api/v1/passports/{created['id']}").json
    assert untp07_errors(served) == []
    assert served["credentialSubject"]["itemNumber"] == "12346"


def test_an_item_inherits_what_its_070_model_passport_kept_as_sent(client, maker):
    product = _product(SAMPLES[1]) | {"id": f"https://id.gs1.org/01/{GTIN}"}
    product.pop("batchNumber")
    issue(client, maker, product)
    item = issue(client, maker, passport("item", serial="780"))
    served = client.get(f"/api/v1/passports/{item['id']}").json
    assert untp07_errors(served) == []
    back = served["credentialSubject"]
    assert back["modelNumber"] == product["modelNumber"]
    assert back["relatedDocument"] == product["relatedDocument"]  # with its mediaType
    assert back["itemNumber"] == "780" and back["name"] != product["name"]


def test_characteristics_of_any_shape_expand_with_the_official_context(client, maker):
    """UNTP 0.7.0's context reads characteristics as a node with its own @vocab, so a key
    that is a JSON-LD keyword or a blank node id would be taken as JSON-LD: refused in both
    versions, by name."""

    def served(url: str) -> dict[str, Any]:
        document: dict[str, Any] = client.get(url.removeprefix(BASE_URL)).json
        return document

    body = full_061()
    nested = {"power": {"value": 2.2, "unit": "KWT"}, "modes": [{"name": "eco"}, 3, None]}
    body["product"]["characteristics"] = nested | {"a:b": "c", "": "empty", "x y": True, "x@": 1}
    created = issue(client, maker, body)
    doc = client.get(f"/api/v1/passports/{created['id']}").json
    assert doc["credentialSubject"]["characteristics"] == body["product"]["characteristics"]
    assert safe_mode_problems(doc, published_loader(served)) == []
    for key in ("@id", "@type", "@context", "@x", "_:b0"):
        old = full_061()
        old["product"]["characteristics"] = {"modes": [{key: "x"}]}
        new = _product(SAMPLES[0]) | {"characteristics": {key: "x"}}
        for sent, pointer in (
            (old, f"/product/characteristics/modes/0/{key}"),
            (new, f"/characteristics/{key}"),
        ):
            answer = client.post("/api/v1/passports", json=sent, headers=maker.headers)
            assert answer.status_code == 422
            assert any(
                e["pointer"] == pointer and "reads as JSON-LD" in e["message"]
                for e in answer.json["errors"]
            ), answer.json
