"""Issue 12: the EN 18222 writes speak the UNTP version the client reads (0.7.0 by default,
0.6.1 on request), through untp07's one mapper; history keeps every version."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient

from tests.conftest import Org
from tests.helpers import passport

DPPS = "/api/v1/dpps"


def _issue(client: FlaskClient, maker: Org, body: dict[str, Any]) -> str:
    answer = client.post(
        f"{DPPS}?untp=0.6.1", json={"credentialSubject": body}, headers=maker.headers
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return str(answer.get_json()["digitalProductPassportId"])


def _subject(client: FlaskClient, dpp_id: str, untp: str = "0.7.0", **kw: Any) -> Any:
    return client.get(f"{DPPS}/{dpp_id}?untp={untp}", **kw).get_json()["credentialSubject"]


def test_a_read_passport_patched_in_0_7_0(client: FlaskClient, maker: Org) -> None:
    body = passport("item", serial="U1")
    body["product"]["description"] = "the recipe"
    body["restricted"] = [{"path": "/product/description", "tier": "issuer"}]
    dpp_id = _issue(client, maker, body)
    before = client.get(f"{DPPS}/{dpp_id}").get_json()
    assert before["credentialSubject"]["name"] == "Acme K1 kettle"  # 0.7.0: the Product
    time.sleep(1.1)  # versions a second apart: the date picks one
    patch = {"credentialSubject": {"name": "Acme K1 kettle, 0.7"}}
    answer = client.patch(f"{DPPS}/{dpp_id}", json=patch, headers=maker.headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["credentialSubject"]["name"] == "Acme K1 kettle, 0.7"
    assert _subject(client, dpp_id)["name"] == "Acme K1 kettle, 0.7"
    assert _subject(client, dpp_id, "0.6.1")["product"]["name"] == "Acme K1 kettle, 0.7"
    # the issuer's mark survived the round trip: a public reader still does not see the recipe
    assert "description" not in _subject(client, dpp_id)
    assert _subject(client, dpp_id, headers=maker.headers)["description"] == "the recipe"
    then = client.get(f"/api/v1/dppsByIdAndDate/{dpp_id}?date={quote(before['lastUpdated'])}")
    assert then.get_json() == before  # version 1 as it was
    # the same patch again changes nothing: no new version
    assert client.patch(f"{DPPS}/{dpp_id}", json=patch, headers=maker.headers).status_code == 200
    assert len(client.get(f"/api/v1/passports/{dpp_id}/versions").get_json()["versions"]) == 2
    # in 0.6.1, when the request says so
    old = {"credentialSubject": {"product": {"name": "Acme K1 kettle, 0.6"}}}
    assert (
        client.patch(f"{DPPS}/{dpp_id}?untp=0.6.1", json=old, headers=maker.headers).status_code
        == 200
    )
    assert _subject(client, dpp_id)["name"] == "Acme K1 kettle, 0.6"


def test_0_6_1_names_and_invalid_fields_are_422s(client: FlaskClient, maker: Org) -> None:
    dpp_id = _issue(client, maker, passport("item", serial="U2"))
    url = f"{DPPS}/{dpp_id}"
    for patch, pointer, named in (
        ({"serialNumber": "X"}, "/credentialSubject/serialNumber", "itemNumber"),
        ({"product": {"name": "X"}}, "/credentialSubject/product", "credentialSubject"),
        ({"relatedParty": 5}, "/credentialSubject/relatedParty", "array"),
        ({"modelNumber": 5}, "/credentialSubject/modelNumber", "string"),
    ):
        answer = client.patch(url, json={"credentialSubject": patch}, headers=maker.headers)
        assert answer.status_code == 422, answer.get_data(as_text=True)
        error = answer.get_json()["errors"][0]
        assert error["pointer"] == pointer and named in error["message"], error
    created = client.post(
        DPPS,
        json={"credentialSubject": _subject(client, dpp_id) | {"packaging": []}},
        headers=maker.headers,
    )
    assert created.status_code == 422
    assert created.get_json()["errors"][0]["pointer"] == "/credentialSubject/packaging"
    assert len(client.get(f"/api/v1/passports/{dpp_id}/versions").get_json()["versions"]) == 1


def test_what_0_6_1_cannot_say_is_kept_as_sent(client: FlaskClient, maker: Org) -> None:
    """A model number (which 0.6.1 has no place for) is a new version, served in 0.7.0 and
    absent from 0.6.1; a 0.6.1 change of a member kept as sent makes 0.7.0 serve the change."""
    dpp_id = _issue(client, maker, passport("item", serial="U5"))
    url = f"{DPPS}/{dpp_id}"
    sent = {"modelNumber": "K1", "expiryDate": "2030-01-01"}
    answer = client.patch(url, json={"credentialSubject": sent}, headers=maker.headers)
    assert answer.status_code == 200
    assert _subject(client, dpp_id).items() >= sent.items()
    assert "modelNumber" not in _subject(client, dpp_id, "0.6.1")["product"]
    country = {"countryCode": "DE", "countryName": "Germany"}
    patch = {"credentialSubject": {"countryOfProduction": country}}
    assert client.patch(url, json=patch, headers=maker.headers).status_code == 200
    assert _subject(client, dpp_id)["countryOfProduction"] == country
    old = {"credentialSubject": {"product": {"countryOfProduction": "FR"}}}
    assert client.patch(f"{url}?untp=0.6.1", json=old, headers=maker.headers).status_code == 200
    assert _subject(client, dpp_id)["countryOfProduction"] == {"countryCode": "FR"}
    assert _subject(client, dpp_id)["modelNumber"] == "K1"
    versions = client.get(f"/api/v1/passports/{dpp_id}/versions").get_json()["versions"]
    assert len(versions) == 4


def test_create_and_element_patch_in_0_7_0(client: FlaskClient, maker: Org) -> None:
    served = _subject(client, _issue(client, maker, passport("item", serial="U3")))
    product = served | {"id": served["id"].replace("/21/U3", "/21/U4"), "itemNumber": "U4"}
    created = client.post(DPPS, json={"credentialSubject": product}, headers=maker.headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    dpp_id = created.get_json()["digitalProductPassportId"]
    assert _subject(client, dpp_id, "0.6.1")["product"]["id"].endswith("/21/U4")
    url = f"{DPPS}/{dpp_id}/elements/"
    new = {"elementId": "name", "value": "Acme K1 kettle, element"}
    answer = client.patch(
        url + quote("$.credentialSubject.name", safe=""), json=new, headers=maker.headers
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["value"] == "Acme K1 kettle, element"
    assert _subject(client, dpp_id)["name"] == "Acme K1 kettle, element"
    assert _subject(client, dpp_id, "0.6.1")["product"]["name"] == "Acme K1 kettle, element"
    country = {"elementId": "countryCode", "value": "DE"}
    path = quote("$.credentialSubject.countryOfProduction.countryCode", safe="")
    assert client.patch(url + path, json=country, headers=maker.headers).status_code == 200
    assert _subject(client, dpp_id, "0.6.1")["product"]["countryOfProduction"] == "DE"
    # what the registry computes is a 409 naming it
    for path, named in (
        ("$.issuer", "/issuer"),
        ("$.validFrom", "/validFrom"),
        ("$.credentialSubject.id", "/credentialSubject/id"),
        ("$.dppStatus", "/dppStatus"),
    ):
        refused = client.patch(url + quote(path, safe=""), json=new, headers=maker.headers)
        assert refused.status_code == 409 and named in refused.get_json()["detail"], path
    versions = client.get(f"/api/v1/passports/{dpp_id}/versions").get_json()["versions"]
    assert len(versions) == 3
