"""The API describes itself (OpenAPI 3.1) and its docs work without any CDN."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator


def test_openapi_document_lists_the_passport_endpoints(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/passports"])
    assert "post" in paths["/api/v1/passports/batch"]
    assert {"get", "put"} <= set(paths["/api/v1/passports/{passport_id}"])
    assert "get" in paths["/api/v1/passports/{passport_id}/versions"]
    assert "post" in paths["/api/v1/passports/{passport_id}/withdraw"]
    params = {p["name"] for p in paths["/api/v1/passports"]["get"]["parameters"]}
    assert {"gtin", "lot", "serial", "q", "issuer", "cursor"} <= params
    body = paths["/api/v1/passports"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/ProductPassport"


def test_the_request_schema_in_openapi_is_usable_json_schema(client, maker):
    """The ProductPassport component, with its refs re-rooted, validates real documents."""
    spec = client.get("/api/openapi.json").json
    component = {
        "$ref": "#/components/schemas/ProductPassport",
        **{"components": spec["components"]},
    }
    validator = Draft202012Validator(component)
    good = {"granularityLevel": "model", "product": {"name": "Kettle", "registeredId": "1"}}
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({"granularityLevel": "x", "product": {}}))


def test_swagger_ui_is_served_from_the_package(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for src in sources:
        assert src.startswith("/"), f"external asset {src}"
        asset = client.get(src)
        assert asset.status_code == 200 and asset.content_length, src
        asset.close()
    assert not re.search(r"unpkg|jsdelivr|cdnjs|googleapis", html)


def test_error_bodies_match_the_documented_problem_schema(client, maker):
    spec = client.get("/api/openapi.json").json
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/Problem", "components": spec["components"]}
    )
    invalid = client.post(
        "/api/v1/passports", json={"granularityLevel": "x"}, headers=maker.headers
    )
    unauthorised = client.post("/api/v1/passports", json={})
    for response in (invalid, unauthorised, client.get("/api/v1/passports/none")):
        assert response.mimetype == "application/problem+json"
        assert list(validator.iter_errors(response.json)) == [], response.json
    assert invalid.json["errors"]
