"""The registry's W3C Bitstring Status Lists (revocation): what a verifier fetches to learn
whether a passport's credential is revoked (its passport withdrawn)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from edge.request import session, settings
from passport.credentials import signed
from passport.credentials.status_list import signed_status_list
from passport.routes import STATUS_LISTS

blp = Blueprint(
    "status", __name__, url_prefix=STATUS_LISTS, description="Credential status (revocation)"
)
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@blp.route("/<int:number>")
class StatusList(MethodView):
    @blp.doc(
        responses={
            200: {
                "description": "The BitstringStatusListCredential, signed as a VC-JWT by the "
                "registry's DID (131,072 bits, GZIP, multibase base64url); a withdrawn "
                "passport's bit is set",
                "content": {signed.VC_JWT: {"schema": {"type": "string"}}},
            },
            404: {"description": "No such list", "content": PROBLEM},
            503: {"description": "The registry has no signing key", "content": PROBLEM},
        },
        security=[{}],
    )
    def get(self, number: int) -> Response:
        """Status list ``number``: bit ``statusListIndex`` is set once the passport is withdrawn."""
        token = signed_status_list(session(), settings(), number)
        headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
        return Response(token, mimetype=signed.VC_JWT, headers=headers)
