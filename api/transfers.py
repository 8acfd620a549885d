"""Transfer codes through the API: an organisation selling an item (the issuer at the first
sale, a refurbisher) creates the code the buyer enters to record the handover, as the item's
page does with its button (``passport.transfers``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, json, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api import deps
from edge.request import session, settings
from passport import transfers
from passport.routes import PASSPORTS, Routes

blp = Blueprint(
    "transfers",
    __name__,
    url_prefix=PASSPORTS,
    description="Transfer codes: handing an item over to its next holder without personal data",
)
PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
CODE = {
    "type": "object",
    "required": ["passport", "code", "createdAt", "expiresAt", "claim"],
    "properties": {
        "passport": {"type": "string", "description": "The item's passport id"},
        "code": {
            "type": "string",
            "description": "The transfer code (16 characters in four groups), shown only here: "
            "give it to the buyer with the item",
            "examples": ["7K3M-Q9TX-2B4D-ZR8N"],
        },
        "createdAt": {"type": "string", "format": "date-time"},
        "expiresAt": {
            "type": "string",
            "format": "date-time",
            "description": "When the code stops opening the item (createdAt plus expiresInDays); "
            "before that, the next code created for the item, or its use, ends it",
        },
        "claim": {"type": "string", "description": "The page where the buyer enters the code"},
    },
}
BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "expiresInDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": transfers.MAX_VALIDITY_DAYS,
            "default": transfers.DEFAULT_VALIDITY_DAYS,
            "description": "How many days the code opens the item, counted from its creation",
        }
    },
}


@blp.route("/<string:passport_id>/transfer-codes")
class TransferCodes(MethodView):
    @blp.doc(
        security=[{"bearer": []}],
        requestBody={"required": False, "content": {"application/json": {"schema": BODY}}},
        responses={
            201: {
                "description": "The new code; any unused older code of the item stops working",
                "content": {"application/json": {"schema": CODE}},
            },
            400: {"description": "Malformed JSON", **PROBLEM},
            401: {"description": "No or unknown API key", **PROBLEM},
            403: {"description": "Only the item's issuer and refurbishers create codes", **PROBLEM},
            404: {"description": "Unknown passport", **PROBLEM},
            409: {"description": "Not an item's passport, or its life has ended", **PROBLEM},
            413: {"description": "Body over the limit, refused before it is read", **PROBLEM},
            415: {"description": "A body that is not application/json", **PROBLEM},
            422: {
                "description": "expiresInDays not a whole number from 1 to 365, or another field",
                **PROBLEM,
            },
        },
    )
    def post(self, passport_id: str) -> Response:
        """Create a transfer code for an item the calling organisation hands over (shown once)."""
        db = session()
        org = deps.caller()
        body = deps.json_body() if request.content_length or request.mimetype else None
        issued = transfers.code_request(db, passport_id, org, body)
        answer = _answer(issued, Routes(settings().base_url))
        db.commit()
        headers = {"Cache-Control": "no-store"}  # a secret, shown once
        return Response(json.dumps(answer), 201, headers, mimetype="application/json")


def _answer(issued: transfers.IssuedCode, routes: Routes) -> dict[str, Any]:
    pid = issued.passport.public_id
    return {
        "passport": pid,
        "code": issued.code,
        "createdAt": _time(issued.created_at),
        "expiresAt": _time(issued.expires_at),
        "claim": routes.claim(pid),
    }


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None
