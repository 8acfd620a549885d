"""The calling organisation's API keys: list them, make a new one (shown once), revoke one.

An organisation sees and changes only its own keys; another organisation's key is not found.
It may revoke the key it is calling with (after making a new one), never its last active key:
see ``passport.organisations``.
"""

from __future__ import annotations

from flask import Response, json
from flask.views import MethodView
from flask_smorest import Blueprint

from api import deps
from edge.request import session, settings
from passport import organisations
from passport.access import KEY_PREFIX_LEN
from passport.routes import API

blp = Blueprint(
    "keys",
    __name__,
    url_prefix=f"{API}/keys",
    description="The calling organisation's API keys: list, create (the key is shown once), revoke",
)
PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
AUTH = {401: {"description": "No, unknown or revoked API key", **PROBLEM}}
KEY = {
    "type": "object",
    "properties": {
        "prefix": {"type": "string", "description": "The key's first characters: its name"},
        "created": {"type": "string", "format": "date-time"},
        "revoked": {"type": ["string", "null"], "format": "date-time"},
    },
}
NEW_KEY = {
    "type": "object",
    "required": ["api_key", "prefix"],
    "properties": {
        "api_key": {"type": "string", "description": "The key; shown this once, never again"},
        "prefix": {"type": "string"},
    },
}
NO_STORE = {"Cache-Control": "no-store"}


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=NO_STORE)


@blp.route("")
class Keys(MethodView):
    @blp.doc(
        security=[{"bearer": []}],
        responses={
            200: {
                "description": "The caller's keys, active and revoked, oldest first",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"keys": {"type": "array", "items": KEY}},
                        }
                    }
                },
            },
            **AUTH,
        },
    )
    def get(self) -> Response:
        """List the calling organisation's API keys (prefixes and dates, never the keys)."""
        rows = organisations.list_keys(session(), deps.caller())
        return _json({"keys": [organisations.key_as_dict(r) for r in rows]})

    @blp.doc(
        security=[{"bearer": []}],
        responses={
            201: {
                "description": "The new key, shown this once: only its hash is stored",
                "content": {"application/json": {"schema": NEW_KEY}},
            },
            **AUTH,
        },
    )
    def post(self) -> Response:
        """Make a new API key for the calling organisation (to rotate keys)."""
        db = session()
        key = organisations.issue_api_key(db, deps.caller(), settings())
        db.commit()
        return _json({"api_key": key, "prefix": key[:KEY_PREFIX_LEN]}, 201)


@blp.route("/<string:prefix>")
class KeyByPrefix(MethodView):
    @blp.doc(
        security=[{"bearer": []}],
        responses={
            204: {"description": "Revoked: the key is refused from now on"},
            **AUTH,
            404: {"description": "No active key of the caller has this prefix", **PROBLEM},
            409: {"description": "The caller's last active key: make a new one first", **PROBLEM},
        },
    )
    def delete(self, prefix: str) -> Response:
        """Revoke one of the calling organisation's keys (the one it calls with included)."""
        db = session()
        organisations.revoke_key(db, prefix, deps.caller(), settings=settings())
        db.commit()
        return Response(status=204)
