"""Grants of legitimate interest: an issuer lets a named organisation read the restricted
properties of its passports (all of them, or one)."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from flask.views import MethodView
from flask_smorest import Blueprint

from api import deps
from edge.request import session, settings
from passport import organisations
from passport.disclosure import grants
from passport.routes import API

blp = Blueprint(
    "grants",
    __name__,
    url_prefix=f"{API}/grants",
    description="Grants of legitimate interest: which organisations an issuer lets read the "
    "restricted properties of its passports (tier 'legitimate-interest')",
)
PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
GRANT = {
    "type": "object",
    "required": ["organisation"],
    "properties": {
        "organisation": {"type": "string", "description": "The grantee organisation's id"},
        "passport": {
            "type": "string",
            "description": "One passport of the issuer; left out, the grant covers all of them",
        },
    },
    "additionalProperties": False,
}
AUTH = {401: {"description": "No or unknown API key", **PROBLEM}}


@blp.route("")
class Grants(MethodView):
    @blp.doc(
        security=[{"bearer": []}],
        responses={200: {"description": "The caller's grants, oldest first"}, **AUTH},
    )
    def get(self) -> Response:
        """List the grants the calling organisation has given."""
        rows = grants.list_grants(session(), deps.caller())
        body = {"grants": [grants.as_dict(r) for r in rows]}
        return Response(json.dumps(body), mimetype="application/json")

    @blp.doc(
        security=[{"bearer": []}],
        requestBody={"required": True, "content": {"application/json": {"schema": GRANT}}},
        responses={
            201: {"description": "The grant"},
            **AUTH,
            400: {"description": "Malformed, too deep or out-of-bounds JSON", **PROBLEM},
            409: {"description": "The organisation already holds this grant", **PROBLEM},
            413: {"description": "Body over 1 MiB, refused before it is read", **PROBLEM},
            422: {"description": "Unknown organisation or passport not the caller's", **PROBLEM},
        },
    )
    def post(self) -> tuple[dict[str, Any], int]:
        """Grant an organisation legitimate interest in the caller's passports (or one)."""
        db = session()
        issuer = deps.caller()
        row = grants.grant_request(db, issuer, deps.json_body())
        organisations.seal_grants(db, settings(), issuer, row)
        body = grants.as_dict(row)
        db.commit()
        return body, 201


@blp.route("/<string:grant_id>")
class GrantById(MethodView):
    @blp.doc(
        security=[{"bearer": []}],
        responses={
            204: {"description": "Revoked"},
            **AUTH,
            404: {"description": "No such grant of the caller", **PROBLEM},
        },
    )
    def delete(self, grant_id: str) -> Response:
        """Revoke one of the caller's grants."""
        db = session()
        issuer = deps.caller()
        grants.revoke(db, issuer, grant_id)
        organisations.seal_grants(db, settings(), issuer)
        db.commit()
        return Response(status=204)
