"""Other registries' passports, served read-only by this registry as their mirror, under
``/mirror/{origin-host}/`` with the origin's own sub-paths (issue 14, docs/FEDERATION.md).

Bodies are the origin's bytes: its checkpoint exactly as it signed it, each credential exactly
as it served it. So the body says nothing of the mirror; the headers do: ``Kreislauf-Mirror-Of``
names the origin and ``Last-Modified`` is the time of the last sync. An origin, passport or
version the mirror does not hold is a 404 problem.
"""

from __future__ import annotations

from email.utils import format_datetime

from flask import Blueprint, Response, json, request

from edge.request import session
from passport.errors import InvalidRequest
from passport.mirrors import reads
from passport.mirrors.documents import JSON_LD, VC_JWT
from passport.routes import API, DID_DOCUMENT, LOG, MIRRORS, ORGANISATIONS, REGISTRY_DID

bp = Blueprint("mirror", __name__, url_prefix=f"{MIRRORS}/<host>")
MIRROR_OF = "Kreislauf-Mirror-Of"


@bp.after_request
def _cors(response: Response) -> Response:
    """Every answer, a 404 too, is readable from any origin's page (a copy of public data)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _served(found: reads.Served) -> Response:
    response = Response(found.body, content_type=found.media_type)
    response.headers[MIRROR_OF] = found.origin
    if found.synced_at is not None:
        response.headers["Last-Modified"] = format_datetime(found.synced_at, usegmt=True)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _version() -> int | None:
    value = request.args.get("version")
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**31:
        raise InvalidRequest(f"'version' must be a positive integer, got {value!r}")
    return int(value)


def _signed() -> bool:
    """``?format=jwt`` or ``Accept: application/vc+jwt``: the credential the origin signed."""
    fmt = request.args.get("format")
    if fmt not in (None, "jsonld", "jwt"):
        raise InvalidRequest(f"'format' must be 'jsonld' or 'jwt' on a mirror, got {fmt!r}")
    best = request.accept_mimetypes.best_match([JSON_LD, VC_JWT], default=JSON_LD)
    return fmt == "jwt" or (fmt is None and best == VC_JWT)


@bp.get(f"{API}/passports/<passport_id>")
def passport(host: str, passport_id: str) -> Response:
    """A mirrored passport's credential (``?version=N``, else the newest held), as the origin
    served it: JSON-LD, or its VC-JWT (``?format=jwt``, ``Accept: application/vc+jwt``)."""
    found = reads.version(session(), host, passport_id, _version(), signed=_signed())
    response = _served(found)
    response.headers["Vary"] = "Accept"
    return response


@bp.get(f"{API}/passports/<passport_id>/events")
def events(host: str, passport_id: str) -> Response:
    """A mirrored passport's events that the mirrored log commits to, each checked with it."""
    return _served(reads.events(session(), host, passport_id))


@bp.get(f"{LOG}/checkpoint")
def checkpoint(host: str) -> Response:
    """The origin's checkpoint the mirror holds every leaf of, byte for byte as it signed it."""
    return _served(reads.checkpoint(session(), host))


@bp.get(REGISTRY_DID)
def registry_did(host: str) -> Response:
    """The origin's own did:web document, as it was when it last verified a credential."""
    return _served(reads.did_document(session(), host, REGISTRY_DID))


@bp.get(f"{ORGANISATIONS}/<org_id>/{DID_DOCUMENT}")
def organisation_did(host: str, org_id: str) -> Response:
    """An issuer's did:web document at the origin, whose key verifies its VC-JWTs."""
    path = f"{ORGANISATIONS}/{org_id}/{DID_DOCUMENT}"
    return _served(reads.did_document(session(), host, path))


@bp.get("/evidence")
def evidence(host: str) -> Response:
    """Pairs of checkpoints the origin signed that cannot both be true (empty: none seen)."""
    body = json.dumps(reads.evidence(session(), host))
    return Response(body, mimetype="application/json")
