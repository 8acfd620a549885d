"""Health for load balancers and orchestrators: ``/healthz`` (the process answers; it asks
nothing else) and ``/readyz`` (the database answers, its schema is current, the signing keys
load). Small JSON answers, 200 or 503, no key needed, nothing private in them."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from flask.views import MethodView
from flask_smorest import Blueprint

from edge.request import session, settings
from passport import readiness

blp = Blueprint(
    "health", __name__, url_prefix="/", description="Health and readiness, for operators"
)
CHECK = {"type": "string", "description": '"ok", or why not'}
HEALTH = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string", "enum": ["ok"]}},
}
READY = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ready", "not ready"]},
        "checks": {
            "type": "object",
            "properties": {"database": CHECK, "migrations": CHECK, "keys": CHECK},
        },
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _answer(body: dict[str, Any], status: int) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("healthz")
class Health(MethodView):
    @blp.doc(responses={200: _json(HEALTH, "The process is up")}, security=[{}])
    def get(self) -> Response:
        """Liveness: the process answers (it does not touch the database)."""
        return _answer({"status": "ok"}, 200)


@blp.route("readyz")
class Ready(MethodView):
    @blp.doc(
        responses={
            200: _json(READY, "Ready: the database answers, at the newest migration, keys load"),
            503: _json(READY, "Not ready: the checks say what is wrong"),
        },
        security=[{}],
    )
    def get(self) -> Response:
        """Readiness: the database answers, its schema is current, the signing keys load."""
        checks = readiness.check(session(), settings())
        ready = all(value == "ok" for value in checks.values())
        return _answer(
            {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
        )
