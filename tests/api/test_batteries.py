"""Battery passports through the API: issued with their BatteryPass data, served back whole
(JSON-LD, Turtle, VC-JWT), refused with a 422 naming field and rule, inherited by items."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import rdflib
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from passport.config import Settings
from tests.conftest import BASE_URL
from tests.helpers import (
    EBIKE_GTIN,
    batterypass_sample,
    count_passports,
    ebike_battery,
    ebike_passport,
    passport,
    published_loader,
    safe_mode_problems,
    untp_errors,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


BATTERY_IRI = rdflib.URIRef("https://w3id.org/kreislauf#battery")


def post(client: FlaskClient, org: Any, body: Any) -> Any:
    return client.post("/api/v1/passports", json=body, headers=org.headers)


def served_context(client: FlaskClient):  # noqa: ANN201 - a PyLD document loader
    def fetch(url: str) -> dict[str, Any]:
        response = client.get(url.removeprefix(BASE_URL))
        assert response.status_code == 200, url
        document: dict[str, Any] = json.loads(response.get_data())
        return document

    return published_loader(fetch)


def as_floats(value: Any) -> Any:
    """``value`` with every number a float: equal numbers compare equal whatever their form."""
    return json.loads(json.dumps(value), parse_int=float)


def test_a_full_battery_passport_is_issued_and_served_back_whole(client, maker):
    body = ebike_passport("item")

    created = post(client, maker, body)

    assert created.status_code == 201, created.json
    assert created.json["uri"] == f"{BASE_URL}/01/{EBIKE_GTIN}/21/EB-000123"
    document = client.get(f"/api/v1/passports/{created.json['id']}", headers=maker.headers).json
    assert document["credentialSubject"]["battery"] == body["battery"]
    assert untp_errors(document) == []
    # JSON-LD: battery is an rdf:JSON literal, so safe-mode expansion loses nothing
    assert safe_mode_problems(document, served_context(client)) == []


def test_the_official_samples_are_accepted_as_a_battery(client, maker):
    battery = {
        c: batterypass_sample(c)
        for c in ("generalProductInformation", "carbonFootprint", "labels", "circularity")
    }
    created = post(client, maker, passport("model", serial=None, battery=battery))

    assert created.status_code == 201, created.json
    served = client.get(f"/api/v1/passports/{created.json['id']}", headers=maker.headers).json
    # PostgreSQL's jsonb hands the samples' extreme floats (-1.797e308) back as integers
    assert as_floats(served["credentialSubject"]["battery"]) == as_floats(battery)


def test_the_battery_is_one_json_literal_in_turtle(client, maker):
    body = ebike_passport("item")
    pid = post(client, maker, body).json["id"]

    response = client.get(
        f"/api/v1/passports/{pid}", query_string={"format": "ttl"}, headers=maker.headers
    )

    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")
    [literal] = list(graph.objects(None, BATTERY_IRI))
    assert literal.datatype == rdflib.RDF.JSON
    assert json.loads(str(literal)) == body["battery"]


def test_a_battery_passport_is_signed_like_any_other(client, maker):
    pid = post(client, maker, ebike_passport("item")).json["id"]

    token = client.get(f"/api/v1/passports/{pid}", headers={"Accept": "application/vc+jwt"})

    assert token.status_code == 200 and token.mimetype == "application/vc+jwt"
    assert token.text.count(".") == 2


def test_an_invalid_battery_is_a_422_naming_field_and_rule_and_stores_nothing(client, maker):
    body = ebike_passport("item")
    body["battery"]["performance"]["batteryCondition"]["stateOfCharge"]["stateOfChargeValue"] = (
        "80 %"
    )
    body["battery"]["generalProductInformation"]["batteryStatus"] = "Broken"
    body["battery"]["stateOfHealth"] = 97
    before = count_passports(client)

    response = post(client, maker, body)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"] == [
        {
            "pointer": "/battery/generalProductInformation/batteryStatus",
            "message": "'batteryStatus' must be one of: Original, Repurposed, Reused, "
            "Remanufactured, Waste",
        },
        {
            "pointer": "/battery/performance/batteryCondition/stateOfCharge/stateOfChargeValue",
            "message": "'stateOfChargeValue' must be a number",
        },
        {
            "pointer": "/battery/stateOfHealth",
            "message": "unknown property 'stateOfHealth' "
            "(not part of the BatteryPass 1.2 battery passport)",
        },
    ]
    assert count_passports(client) == before


def test_the_official_invalid_sample_is_a_422(client, maker):
    battery = {"materialComposition": batterypass_sample("materialComposition")}

    response = post(client, maker, passport("model", serial=None, battery=battery))

    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["pointer"] == (
        "/battery/materialComposition/batteryMaterials/0/batteryMaterialIdentifier"
    )
    assert error["message"].startswith("'batteryMaterialIdentifier' must match the pattern")


def test_an_item_inherits_the_model_s_battery_categories_but_not_its_own_battery_s(client, maker):
    model_body = passport("model", gtin_=EBIKE_GTIN, serial=None, battery=ebike_battery())
    assert post(client, maker, model_body).status_code == 201
    own = ebike_battery(serial="EB-000124")
    own["performance"]["batteryCondition"]["stateOfCharge"]["stateOfChargeValue"] = 55
    item_body = passport(
        "item",
        gtin_=EBIKE_GTIN,
        serial="EB-000124",
        battery={
            "generalProductInformation": own["generalProductInformation"],
            "performance": own["performance"],
            "labels": own["labels"] | {"labels": []},  # its own, even if emptier
        },
    )
    created = post(client, maker, item_body)
    assert created.status_code == 201, created.json

    document = client.get(f"/api/v1/passports/{created.json['id']}", headers=maker.headers).json

    battery = document["credentialSubject"]["battery"]
    assert battery["performance"] == own["performance"]
    assert battery["generalProductInformation"] == own["generalProductInformation"]
    assert battery["labels"]["labels"] == []
    assert battery["carbonFootprint"] == model_body["battery"]["carbonFootprint"]
    assert {
        "battery.carbonFootprint",
        "battery.circularity",
        "battery.materialComposition",
        "battery.supplyChainDueDiligence",
    } <= set(document["inheritedProperties"])
    assert not {"battery.labels", "battery.performance", "battery.generalProductInformation"} & (
        set(document["inheritedProperties"])
    )
    assert untp_errors(document) == []


def test_an_item_without_a_battery_of_its_own_gets_the_model_s_static_categories(client, maker):
    assert (
        post(
            client, maker, passport("model", gtin_=EBIKE_GTIN, serial=None, battery=ebike_battery())
        ).status_code
        == 201
    )
    created = post(client, maker, passport("item", gtin_=EBIKE_GTIN, serial="EB-9"))

    battery = client.get(f"/api/v1/passports/{created.json['id']}").json["credentialSubject"][
        "battery"
    ]

    assert sorted(battery) == [
        "carbonFootprint",
        "circularity",
        "labels",
        "materialComposition",
        "supplyChainDueDiligence",
    ]


def test_openapi_describes_the_battery_as_a_component_of_its_own(client):
    spec = client.get("/api/openapi.json").json
    components = spec["components"]["schemas"]
    assert components["ProductPassport"]["properties"]["battery"]["$ref"] == (
        "#/components/schemas/Battery"
    )
    assert set(components["Battery"]["properties"]) == set(ebike_battery())
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/ProductPassport", "components": spec["components"]}
    )
    good = passport("model", serial=None, battery=ebike_battery())
    assert list(validator.iter_errors(good)) == []
    bad = passport("model", serial=None, battery={"stateOfHealth": {}})
    assert [e.validator for e in validator.iter_errors(bad)] == ["additionalProperties"]


def test_a_battery_s_health_is_a_restricted_measurement_never_a_public_battery_health(
    client, maker, make_org
):
    """On a battery passport (its own ``battery`` or its model's) ``batteryHealth`` would
    publish what Annex XIII restricts: it is refused, naming the measurement to use."""
    shop = make_org("Second Life", "refurbisher")
    model = passport("model", gtin_=EBIKE_GTIN, serial=None, battery=ebike_battery())
    assert post(client, maker, model).status_code == 201
    item = post(client, maker, passport("item", gtin_=EBIKE_GTIN, serial="EB-9"))
    kettle = post(client, maker, passport("item", serial="K-9"))
    for pid in (item.json["id"], kettle.json["id"]):
        client.post(
            f"/api/v1/passports/{pid}/events",
            json={"type": "commissioning", "eventTime": "2026-02-01T10:00:00+01:00"},
            headers=maker.headers,
        )
    refurbished = {"type": "refurbishment", "eventTime": "2026-05-03T14:00:00+01:00"}
    refurbished["refurbishment"] = {"condition": "Refurbished", "batteryHealth": 87}
    refused = client.post(
        f"/api/v1/passports/{item.json['id']}/events", json=refurbished, headers=shop.headers
    )
    assert refused.status_code == 422
    [error] = refused.json["errors"]
    assert error["pointer"] == "/refurbishment/batteryHealth"
    assert "'measurements.stateOfHealth'" in error["message"]
    assert (
        client.get(f"/api/v1/passports/{item.json['id']}/events").json["events"][-1]["type"]
        == "commissioning"
    )  # nothing written
    # A kettle's (or a phone's) seller may still state it publicly.
    kept = client.post(
        f"/api/v1/passports/{kettle.json['id']}/events", json=refurbished, headers=shop.headers
    )
    assert kept.status_code == 201, kept.json
    # On the battery, the same value goes in as a measurement, for legitimate interest only.
    refurbished["refurbishment"] = {
        "condition": "Refurbished",
        "measurements": {"stateOfHealth": 87},
    }
    measured = client.post(
        f"/api/v1/passports/{item.json['id']}/events", json=refurbished, headers=shop.headers
    )
    assert measured.status_code == 201, measured.json
