"""A passport's whole history as one file that verifies offline (docs/FEDERATION.md)."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api import deps
from edge.reads import note_view
from edge.request import session, settings
from passport.audit import bundle
from passport.disclosure.readers import tier_of
from passport.ledger import checkpoints, proof_bundle
from passport.passports import lookup
from passport.routes import PASSPORTS

blp = Blueprint(
    "proof_bundles",
    __name__,
    url_prefix=PASSPORTS,
    description="A passport's history with its log proofs, to check with no network",
)

PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
WAY = "api-proof-bundle"


@blp.route("/<string:passport_id>/proof-bundle")
class ProofBundle(MethodView):
    @blp.doc(
        responses={
            200: {
                "description": "The proof bundle (docs/FEDERATION.md): the log's origin and "
                "key, its newest signed checkpoint, and per log entry of the passport its "
                "leaf, a C2SP tlog-proof and the document the leaf commits to, or why that "
                "is withheld from this reader. Check it with `kreislauf verify-bundle FILE`",
                "content": {proof_bundle.MEDIA_TYPE: {"schema": {"type": "object"}}},
            },
            304: {"description": "Not Modified: `If-None-Match` names the bundle's ETag"},
            401: {"description": "An API key was sent but is unknown or revoked", **PROBLEM},
            404: {"description": "Unknown passport, or no checkpoint covers it yet", **PROBLEM},
            503: {"description": "The registry has no log key", **PROBLEM},
        },
        security=[{}, {"bearer": []}],
    )
    def get(self, passport_id: str) -> Response:
        """Download a passport's history with its proofs: documents only as far as the reader
        may see them whole (send an API key for restricted ones)."""
        db = session()
        passport = lookup.get_passport(db, passport_id)
        reader = deps.reader()
        tier = tier_of(db, reader, passport)
        made = bundle.build(db, checkpoints.verifier(settings()), passport, tier)
        note_view(reader, passport.pk, tier, made.shows_restricted, WAY)
        return _download(made.body, passport.public_id)


def _download(body: bytes, public_id: str) -> Response:
    """The bundle as a file, with a strong ETag; private, as it depends on the reader."""
    response = Response(body, mimetype=proof_bundle.MEDIA_TYPE)
    name = f"{public_id}{proof_bundle.FILE_SUFFIX}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Authorization"
    response.add_etag()
    return response.make_conditional(request)
