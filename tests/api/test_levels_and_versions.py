"""Model, batch and item passports, and versions that stay readable forever."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from passport.config import Settings
from tests.conftest import BASE_URL
from tests.helpers import CIRCULARITY, GTIN, passport, untp_errors


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


def post(client: Any, org: Any, body: Any) -> Any:
    response = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert response.status_code == 201, response.json
    return response.json


def read(client: Any, pid: str, **query: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/passports/{pid}", query_string=query)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


def test_an_item_links_to_its_model_and_batch_and_shows_what_it_inherits(client, maker):
    model_body = passport("model", serial=None, circularityScorecard=CIRCULARITY)
    model_body["product"]["description"] = "A kettle you can repair"
    model = post(client, maker, model_body)
    batch = post(client, maker, passport("batch", lot="B1", serial=None))
    item_body = passport("item", lot="B1", serial="S1")
    item_body["product"]["description"] = "Demonstration unit"  # its own value wins
    item = post(client, maker, item_body)

    doc = read(client, item["id"])
    assert untp_errors(doc) == []
    assert doc["modelPassport"] == model["uri"] == f"{BASE_URL}/01/{GTIN}"
    assert doc["batchPassport"] == batch["uri"]
    subject = doc["credentialSubject"]
    assert subject["circularityScorecard"]["recycledContent"] == 0.3
    assert subject["product"]["description"] == "Demonstration unit"
    assert "circularityScorecard" in doc["inheritedProperties"]
    assert "product.description" not in doc["inheritedProperties"]

    batch_doc = read(client, batch["id"])
    assert batch_doc["modelPassport"] == model["uri"]
    assert "batchPassport" not in batch_doc
    model_doc = read(client, model["id"])
    assert "modelPassport" not in model_doc and "inheritedProperties" not in model_doc


def test_a_model_issued_after_its_items_still_gets_linked(client, maker):
    item = post(client, maker, passport("item", serial="EARLY"))
    assert "modelPassport" not in read(client, item["id"])
    model = post(client, maker, passport("model", serial=None, circularityScorecard=CIRCULARITY))
    doc = read(client, item["id"])
    assert doc["modelPassport"] == model["uri"]
    assert doc["inheritedProperties"] == ["circularityScorecard"]


def test_put_writes_a_new_version_and_old_versions_stay_readable(client, maker):
    created = post(client, maker, passport("item"))
    pid = created["id"]
    body = passport("item", name="Acme K1 kettle (revised)")
    response = client.put(f"/api/v1/passports/{pid}", json=body, headers=maker.headers)
    assert response.status_code == 200, response.json
    assert response.json["version"] == 2

    assert read(client, pid)["credentialSubject"]["product"]["name"] == "Acme K1 kettle (revised)"
    v1 = read(client, pid, version=1)
    assert v1["credentialSubject"]["product"]["name"] == "Acme K1 kettle"
    assert v1["passportVersion"] == 1 and "previousVersion" not in v1
    v2 = read(client, pid, version=2)
    assert v2["previousVersion"] == v1["id"]
    assert untp_errors(v1) == [] and untp_errors(v2) == []

    versions = client.get(f"/api/v1/passports/{pid}/versions").json
    assert versions["current"] == 2
    assert [v["version"] for v in versions["versions"]] == [1, 2]
    assert all(v["createdAt"].endswith("Z") for v in versions["versions"])


def test_a_new_version_cannot_change_the_product(client, maker):
    pid = post(client, maker, passport("item", serial="A"))["id"]
    response = client.put(
        f"/api/v1/passports/{pid}", json=passport("item", serial="B"), headers=maker.headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "/product"
    assert client.get(f"/api/v1/passports/{pid}/versions").json["current"] == 1


def test_withdrawing_is_a_status_and_the_history_stays(client, maker):
    pid = post(client, maker, passport("item"))["id"]
    response = client.post(f"/api/v1/passports/{pid}/withdraw", headers=maker.headers)
    assert response.status_code == 200 and response.json["version"] == 2
    doc = read(client, pid)
    assert doc["passportStatus"] == "withdrawn"
    assert read(client, pid, version=1)["passportStatus"] == "active"
    again = client.put(f"/api/v1/passports/{pid}", json=passport("item"), headers=maker.headers)
    assert again.status_code == 409
    assert (
        client.post(f"/api/v1/passports/{pid}/withdraw", headers=maker.headers).status_code == 409
    )
    # Nothing is ever deleted: there is no DELETE.
    assert client.delete(f"/api/v1/passports/{pid}", headers=maker.headers).status_code == 405
    assert client.get(f"/api/v1/passports/{pid}/versions").json["current"] == 2
