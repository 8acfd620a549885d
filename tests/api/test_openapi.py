"""The API describes itself (OpenAPI 3.1) and its docs work without any CDN."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator

from tests.helpers import described_rules


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


# Page routes: the web's HTML pages and forms (web/pages/routes.py: the `pages` and `forms`
# blueprints, the transfer-code and claim forms among them), static files, and Swagger UI's page
# and assets. Every other route of the app is an API operation and must be described.
PAGE_BLUEPRINTS = {"pages", "forms"}
PAGE_ENDPOINTS = {"static", "swagger_assets", "api-docs.openapi_swagger_ui"}
NOT_OPERATIONS = {"HEAD", "OPTIONS"}  # answered for every route by Flask (and CORS), not described
# A value each kind of path argument takes, to call a route by its URL rule.
ARGUMENTS = {"int": "1", "any": None, "dlpath": "09520123456788/21/1", "path": "kreislauf/v1"}


def _is_page(rule: Any) -> bool:
    return rule.endpoint in PAGE_ENDPOINTS or rule.endpoint.split(".")[0] in PAGE_BLUEPRINTS


def test_every_route_but_the_pages_is_described_and_every_description_is_a_route(app, client):
    rules = described_rules(app, client.get("/api/openapi.json").json)
    assert "/passports/<passport_id>" not in rules.values()  # no page answers a description
    described = {(rule, method) for (method, _), rule in rules.items()}
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if not _is_page(rule)
        for method in rule.methods - NOT_OPERATIONS
    }
    assert routes - described == set()
    assert described <= routes
    assert len(routes) >= 35


def _url(rule: Any) -> str:
    """A URL that the rule matches (its first choice where it has ``any(...)``)."""

    def value(match: re.Match[str]) -> str:
        converter, choices = match.group(1) or "default", match.group(2)
        if converter == "any":
            return choices.split(",")[0].strip()
        return ARGUMENTS.get(converter) or "x"

    return re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>", value, rule.rule)


def test_options_lists_exactly_the_methods_of_the_route(app, client):
    """OPTIONS /api/v1/passports/batch offered GET and PUT: werkzeug listed the methods of
    every rule the path matches (also /api/v1/passports/<passport_id>)."""
    wrong = {}
    for rule in app.url_map.iter_rules():
        answer = client.options(_url(rule))
        allowed = {m.strip() for m in answer.headers.get("Allow", "").split(",") if m.strip()}
        if answer.status_code not in (200, 204) or allowed != rule.methods:
            wrong[rule.rule] = (answer.status_code, sorted(allowed), sorted(rule.methods))
    assert wrong == {}
    batch = client.options("/api/v1/passports/batch")
    assert set(batch.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


# Errors that are not problem documents, on purpose: a browser's page from the resolver, the
# witness's size (C2SP tlog-witness) and /readyz's checks.
OTHER_ERRORS = {"text/html", "text/x.tlog.size"}


def test_every_documented_error_is_a_problem_document(client):
    """flask-smorest documented its errors (a bad query argument's 422, the default response)
    as application/json; they are sent as application/problem+json."""
    spec = client.get("/api/openapi.json").json
    wrong = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    name = response["$ref"].rsplit("/", 1)[1]
                    response = spec["components"]["responses"][name]
                kinds = set(response.get("content", {}))
                problem = kinds and kinds - OTHER_ERRORS <= {"application/problem+json"}
                if status[0] in "45" and path != "/readyz" and not problem:
                    wrong.append((method, path, status, sorted(kinds)))
    assert wrong == []


def test_a_passport_read_as_plain_json_is_documented(client, maker):
    """?format=json answers application/json, which the description did not list."""
    spec = client.get("/api/openapi.json").json
    content = spec["paths"]["/api/v1/passports/{passport_id}"]["get"]["responses"]["200"]["content"]
    assert "application/json" in content


def test_operations_on_one_passport_document_its_404(client):
    """Schemathesis found 404s (unknown passport) that these operations did not document."""
    paths = client.get("/api/openapi.json").json["paths"]
    for path, method in [
        ("/api/v1/passports/{passport_id}", "put"),
        ("/api/v1/passports/{passport_id}/withdraw", "post"),
        ("/api/v1/passports/{passport_id}/versions", "get"),
        ("/api/v1/passports/{passport_id}/events", "post"),
    ]:
        assert "404" in paths[path][method]["responses"], (method, path)


def test_the_request_examples_issue_passports(client, maker):
    """A fuzzer never guessed a GTIN with a valid check digit, so it issued no passport: the
    description's examples are real requests that issue passports (with the GS1 prefix)."""
    paths = client.get("/api/openapi.json").json["paths"]
    body = paths["/api/v1/passports"]["post"]["requestBody"]["content"]["application/json"]
    for example in body["examples"].values():
        response = client.post("/api/v1/passports", json=example["value"], headers=maker.headers)
        assert response.status_code == 201, response.json
