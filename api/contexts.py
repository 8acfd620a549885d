"""The registry's own JSON-LD contexts, served from its own origin so that anyone can expand
what it serves.

A passport names ``{base_url}/contexts/kreislauf/v1`` beside the published W3C VC 2.0 and UNTP
contexts (which their publishers serve). JSON-LD processors fetch contexts from wherever a
document was found, browsers included, so every origin may read them (CORS). The bytes are
the packaged file, unchanged; they only change with a release, hence a day's caching and a
strong ETag so that a cache can check cheaply after that. Not immutable: v1 may still gain
terms, and a stale copy would make a reader drop them.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from api import deps
from passport import contexts
from passport.errors import NotFound
from passport.routes import CONTEXTS

bp = Blueprint("contexts", __name__)

JSONLD = "application/ld+json"
MAX_AGE = 86400
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept",
    "Access-Control-Expose-Headers": "ETag",
}


@bp.route(f"{CONTEXTS}/<path:name>", methods=["GET", "HEAD", "OPTIONS"])
def context(name: str) -> Response:
    """Serve one of the registry's own JSON-LD contexts (application/ld+json, any origin)."""
    path = f"{CONTEXTS}/{name}"
    file = contexts.OWN.get(path)
    if file is None:
        known = ", ".join(sorted(contexts.OWN))
        raise NotFound(f"No context {path}; this registry serves {known}.")
    if request.method == "OPTIONS":
        return deps.preflight()
    response = Response(contexts.read(file), mimetype=JSONLD)
    response.set_etag(contexts.etag(file))
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response.make_conditional(request)


@bp.after_request
def _cors(response: Response) -> Response:
    # After the view and after api.errors, so a 404 problem is readable cross-origin too.
    response.headers.update(CORS)
    return response
