"""Moving a passport between registries (issue 14, point 5; docs/FEDERATION.md): the old
registry records the move and redirects, the new one issues it from the old proof bundle."""

from __future__ import annotations

from typing import Any

from flask import Response, json, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from api import deps
from edge.request import session, settings
from passport.disclosure.readers import tier_of
from passport.ledger import log, proof_bundle
from passport.moves import arriving, moving
from passport.moves.tables import PassportMove as Move
from passport.passports import lookup
from passport.routes import PASSPORTS

blp = Blueprint(
    "moves",
    __name__,
    url_prefix=PASSPORTS,
    description="Moving a passport to another registry: the move, the import, the history before",
)

PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
MOVED = {"description": "The passport moved to another registry (its history stays)", **PROBLEM}
MOVE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["to"],
                "additionalProperties": False,
                "properties": {
                    "to": {"type": "string", "format": "uri", "description": "The new registry"}
                },
            },
            "example": {"to": "https://dpp.new-registry.example"},
        }
    },
}
IMPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["bundle"],
                "additionalProperties": False,
                "properties": {
                    "bundle": {
                        "type": "object",
                        "description": "The old registry's proof bundle, ending in its move here",
                    },
                    "logKey": {"type": "string", "description": "The old log's vkey (C2SP)"},
                },
            }
        }
    },
}
ERRORS = {
    400: {
        "description": "Malformed JSON, nested over 64 levels, or a number out of bounds",
        **PROBLEM,
    },
    401: {"description": "No or unknown API key", **PROBLEM},
    403: {"description": "Not allowed for this organisation", **PROBLEM},
}


@blp.route("/<string:passport_id>/move")
class PassportMove(MethodView):
    @blp.doc(
        requestBody=MOVE_BODY,
        security=[{"bearer": []}],
        responses=ERRORS
        | {
            200: {"description": "Moved: the dpp.moved entry is in the log"},
            404: {"description": "Unknown passport", **PROBLEM},
            409: {"description": "Moved already, withdrawn, or a community passport", **PROBLEM},
            413: {"description": "Body over 1 MiB, refused before it is read", **PROBLEM},
            422: {"description": "`to` is not another registry's http(s) base URL", **PROBLEM},
        },
    )
    def post(self, passport_id: str) -> dict[str, Any]:
        """Move a passport to another registry (issuer only): its history stays here, served
        and verifiable; its resolver paths, page and API address redirect (308) there."""
        db = session()
        move = moving.move_passport(db, settings(), deps.caller(), passport_id, deps.json_body())
        db.commit()
        history = moving.history_url(settings().base_url, passport_id)
        return {"id": passport_id, "to": move.to_url, "uri": move.new_uri, "history": history}


@blp.route("/import")
class PassportImport(MethodView):
    @blp.doc(
        requestBody=IMPORT_BODY,
        security=[{"bearer": []}],
        responses=ERRORS
        | {
            201: {"description": "Issued here, with a dpp.moved-in entry linking back"},
            409: {"description": "The product already has a passport here", **PROBLEM},
            413: {"description": "Body over 64 MiB, refused before it is read", **PROBLEM},
            422: {
                "description": "The bundle does not verify, moves elsewhere, or lacks "
                "the newest document; nothing was stored",
                **PROBLEM,
            },
        },
    )
    def post(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Issue a passport moved here from another registry, from that registry's proof
        bundle of its history (which must end in its move here)."""
        db = session()
        passport = arriving.import_passport(db, settings(), deps.caller(), deps.json_body())
        db.commit()
        location = url_for("passports.PassportById", passport_id=passport.public_id)
        body = {"id": passport.public_id, "uri": passport.uri, "version": 1}
        return body, 201, {"Location": location}


@blp.route("/<string:passport_id>/previous-history")
class PreviousHistory(MethodView):
    @blp.doc(
        security=[{}, {"bearer": []}],
        responses={
            200: {
                "description": "The old registry's proof bundle of the passport, as handed "
                "over (documents the reader's tier may not see withheld)",
                "content": {proof_bundle.MEDIA_TYPE: {"schema": {"type": "object"}}},
            },
            404: {"description": "Unknown passport, or issued here", **PROBLEM},
        },
    )
    def get(self, passport_id: str) -> Response:
        """The passport's history at the registry it moved here from, to verify offline."""
        db = session()
        passport = lookup.get_passport(db, passport_id)
        text = arriving.previous_text(db, passport, tier_of(db, deps.reader(), passport))
        response = Response(text, mimetype=proof_bundle.MEDIA_TYPE)
        response.headers.update({"Cache-Control": "private, no-cache", "Vary": "Authorization"})
        response.add_etag()
        return response.make_conditional(request)


def moved_away(target: str, move: Move) -> Response:
    """308 to where a moved passport is now, saying so: ``Link`` to its new URI and a JSON
    body naming the new registry, the time of the move and where its history stays."""
    body = {
        "detail": f"The passport moved to {move.to_url} on {move.moved_at:%Y-%m-%d}; its "
        "history before the move stays here (its proof bundle).",
        "to": move.to_url,
        "uri": move.new_uri,
        "movedAt": log.format_time(move.moved_at),
    }
    headers = {"Location": target, "Link": f'<{move.new_uri}>; rel="canonical"'}
    headers["Kreislauf-Moved-To"] = move.new_uri
    return Response(json.dumps(body), 308, headers, mimetype="application/json")


def to_new_home(passport_pk: int) -> Response:
    """A moved passport's page or API address: 308 to its resolver URI at the new registry."""
    move = moving.new_home(session(), passport_pk)
    assert move is not None  # its status says it moved
    return moved_away(move.new_uri, move)


def forwarded(passport_pk: int, path: str) -> Response:
    """A moved passport's resolver path: 308 to the same path and query on the new host."""
    move = moving.new_home(session(), passport_pk)
    assert move is not None  # its status says it moved
    return moved_away(move.to_url + path, move)
