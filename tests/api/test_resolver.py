"""The GS1 resolver: content negotiation, linksets, fallbacks, errors."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, validators

from tests.conftest import BASE_URL
from tests.helpers import CIRCULARITY, FIXTURES, GTIN, passport, untp_errors

ITEM = f"/01/{GTIN}/21/12345"


@cache
def linkset_validator() -> Any:
    schema = json.loads((FIXTURES / "standards/gs1-resolver/linkset-schema.json").read_text())
    cls = validators.validator_for(schema, default=Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def issue(client: Any, org: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def test_browsers_are_sent_to_the_product_page(client, maker):
    created = issue(client, maker, passport("item"))
    response = client.get(ITEM + "?lang=de", headers={"Accept": "text/html"})
    assert response.status_code == 307
    assert response.headers["Location"].endswith(f"/passports/{created['id']}?lang=de")
    assert 'rel="linkset"' in response.headers["Link"]
    assert "application/linkset+json" in response.headers["Link"]


def test_json_ld_clients_get_the_passport(client, maker):
    issue(client, maker, passport("item"))
    response = client.get(ITEM, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert untp_errors(response.json) == []
    assert response.json["credentialSubject"]["product"]["id"] == BASE_URL + ITEM


def test_linkset_by_accept_or_link_type_validates(client, maker):
    issue(client, maker, passport("item", circularityScorecard=CIRCULARITY))
    by_accept = client.get(ITEM, headers={"Accept": "application/linkset+json"})
    by_param = client.get(ITEM + "?linkType=linkset")
    for response in (by_accept, by_param):
        assert response.status_code == 200 and response.mimetype == "application/linkset+json"
        assert list(linkset_validator().iter_errors(response.json)) == []
    linkset = by_param.json["linkset"][0]
    assert linkset["anchor"] == BASE_URL + ITEM
    assert "https://ref.gs1.org/voc/dpp" in linkset
    assert "https://ref.gs1.org/voc/epcis" in linkset
    assert "https://ref.gs1.org/voc/serviceInfo" in linkset


def test_link_type_redirects_to_that_link(client, maker):
    created = issue(client, maker, passport("item"))
    response = client.get(ITEM + "?linkType=gs1:dpp")
    assert response.status_code == 307
    assert response.headers["Location"].endswith(f"/api/v1/passports/{created['id']}")
    epcis = client.get(ITEM + "?linkType=gs1:epcis")
    assert epcis.status_code == 307 and "/events" in epcis.headers["Location"]
    assert client.get(ITEM + "?linkType=gs1:nothing").status_code == 404


def test_an_item_without_a_passport_resolves_up_to_batch_then_model(client, maker):
    model = issue(client, maker, passport("model", serial=None))
    response = client.get(
        f"/01/{GTIN}/10/B1/21/NOPASSPORT", headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200
    assert response.json["credentialSubject"]["product"]["id"] == model["uri"]
    batch = issue(client, maker, passport("batch", lot="B1", serial=None))
    response = client.get(
        f"/01/{GTIN}/10/B1/21/NOPASSPORT", headers={"Accept": "application/ld+json"}
    )
    assert response.json["credentialSubject"]["product"]["id"] == batch["uri"]


def test_trailing_slash_head_options_and_cors(client, maker):
    issue(client, maker, passport("item"))
    slash = client.get(ITEM + "/", headers={"Accept": "application/ld+json"})
    assert slash.status_code == 200
    assert slash.headers["Access-Control-Allow-Origin"] == "*"
    head = client.head(ITEM, headers={"Accept": "application/ld+json"})
    assert head.status_code == 200 and head.get_data() == b""
    options = client.options(ITEM)
    assert options.status_code == 204
    assert "GET" in options.headers["Access-Control-Allow-Methods"]


def test_malformed_and_unknown_paths(client, maker):
    bad_digit = client.get("/01/09520123456789/21/1", headers={"Accept": "application/json"})
    assert bad_digit.status_code == 400 and "check digit" in bad_digit.json["detail"]
    unknown = client.get(f"/01/{GTIN}/21/NOBODY", headers={"Accept": "application/json"})
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    page = client.get(f"/01/{GTIN}/21/NOBODY", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<html" in page.get_data(as_text=True)
    garbage = client.get("/01/notagtin", headers={"Accept": "text/html"})
    assert garbage.status_code == 400 and garbage.mimetype == "text/html"


def test_a_lot_with_a_slash_resolves(client, maker):
    body = passport("batch", lot="A/B", serial=None, via_uri=False)
    created = issue(client, maker, body)
    assert created["uri"].endswith(f"/01/{GTIN}/10/A%2FB")
    response = client.get(f"/01/{GTIN}/10/A%2FB", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.json["credentialSubject"]["product"]["batchNumber"] == "A/B"


def test_well_known_resolver_description(client):
    response = client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    assert response.json["resolverRoot"].rstrip("/") == BASE_URL
