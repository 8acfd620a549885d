"""The JSON API edge: flask-smorest blueprints, OpenAPI 3.1, and the problem+json mapping."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from flask import Flask, send_from_directory
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from api import errors
from api.schemas import ProblemSchema


class RegistryApi(Api):
    """flask-smorest's Api with RFC 9457 problem documents for HTTP errors."""

    ERROR_SCHEMA = ProblemSchema  # documents the default error response as what we send
    # No catch-all "default" response: each operation lists the statuses it answers with, so
    # that a client (and tests/api/test_schemathesis.py) can tell an undocumented one.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException) -> Any:  # type: ignore[override]
        return errors.http_problem(error)

    def _register_responses(self) -> None:
        """flask-smorest's error responses (the 422 of bad query arguments, the default
        response) as what they are sent as: application/problem+json, not application/json."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()  # type: ignore[misc]
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE  # back to the class's application/json


PROBLEM_JSON = "application/problem+json"

# Schema files our schemas reference by name -> the component each becomes.
OTHER_COMPONENTS = {"battery.schema.json": "Battery"}


def _component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """Re-root a standalone JSON Schema's internal "#/$defs/..." refs for components/schemas.

    apispec copies the component it is given, so the result may be built once per process.
    """
    out = copy.deepcopy(schema)
    out.pop("$schema", None)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                node["$ref"] = f"#/components/schemas/{name}/$defs/" + ref.removeprefix("#/$defs/")
            elif ref in OTHER_COMPONENTS:  # another of our schema files, a component of its own
                node["$ref"] = f"#/components/schemas/{OTHER_COMPONENTS[ref]}"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(out)
    return out


@cache
def _passport_component() -> dict[str, Any]:
    from passport.disclosure import marking
    from passport.documents import subject_schema

    component = _component(subject_schema(), "ProductPassport")
    component["properties"][marking.KEY] = copy.deepcopy(marking.SCHEMA)
    return component


@cache
def _battery_component() -> dict[str, Any]:
    from passport.batteries.categories import battery_schema

    component = _component(battery_schema(), "Battery")
    component.pop("$id", None)  # its relative $ref is re-rooted above; the $id would re-base it
    return component


@cache
def _event_component() -> dict[str, Any]:
    from passport.events.parsing import event_schema

    return _component(event_schema(), "Event")


def init_app(app: Flask) -> None:
    """Register the API blueprints, the OpenAPI document and the local Swagger UI."""
    import swagger_ui_bundle

    from api import (
        bundles,
        contexts,
        en18222,
        events,
        faults,
        grants,
        health,
        keys,
        limits,
        log,
        mirror,
        moves,
        passports,
        paths,
        repairs,
        resolver,
        status,
        transfers,
    )

    app.config.update(
        API_TITLE="Kreislauf registry API",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Issue and read digital product passports (UNTP 0.7.0 "
                "DigitalProductPassport credentials, W3C VC 2.0, by default; UNTP DPP 0.6.1 on "
                "request with ?untp=0.6.1 or the media type's profile parameter) identified by "
                "GS1 Digital Link URIs. Writes send the "
                "organisation's API key as a bearer token (Authorization header); reads of "
                "public data need nothing.",
                "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
            },
        },
    )
    api = RegistryApi(app)
    api.spec.components.schema("ProductPassport", component=_passport_component())
    api.spec.components.schema("Battery", component=_battery_component())
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "An organisation's API key"}
    )
    api.spec.components.schema("Event", component=_event_component())
    api.register_blueprint(passports.blp)
    api.register_blueprint(events.blp)
    api.register_blueprint(bundles.blp)  # a passport's history, to verify offline
    api.register_blueprint(moves.blp)  # moving a passport to another registry, and in
    api.register_blueprint(repairs.blp)
    api.register_blueprint(faults.blp)  # fault types suggested from open repair data
    api.register_blueprint(grants.blp)
    api.register_blueprint(transfers.blp)  # transfer codes, as the item page's button
    api.register_blueprint(keys.blp)
    api.register_blueprint(en18222.blp)  # the EN 18222 DPP API, over the same use cases
    api.register_blueprint(health.blp)  # /healthz and /readyz, for operators
    api.register_blueprint(status.blp)  # W3C Bitstring Status Lists (revocation)
    app.register_blueprint(resolver.bp)  # plain Flask blueprints, described in api.paths
    app.register_blueprint(log.bp)
    app.register_blueprint(mirror.bp)  # other registries' passports, read-only
    app.register_blueprint(contexts.bp)
    errors.init_app(app)
    limits.init_app(app, app.extensions["kreislauf"].settings)  # API writes per key
    limits.document(api.spec)
    paths.document(api.spec)  # the resolver, DID documents, the log, contexts: by hand

    assets = str(swagger_ui_bundle.swagger_ui_path)

    @app.route("/api/docs/assets/<path:filename>")
    def swagger_assets(filename: str) -> Any:
        """Serve Swagger UI's files from the package (no CDN)."""
        return send_from_directory(assets, filename, max_age=86400)
