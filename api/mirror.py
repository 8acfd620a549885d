"""Other registries' passports, served read-only by this registry as their mirror, under
``/mirror/{origin-host}/`` with the origin's own sub-paths (issue 14, docs/FEDERATION.md).

Bodies are the origin's bytes: its checkpoint exactly as it signed it, each credential exactly
as it served it. So the body says nothing of the mirror; the headers do: ``Kreislauf-Mirror-Of``
names the origin and ``Last-Modified`` is the time of the last sync. An origin, passport or
version the mirror does not hold is a 404 problem.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, Response, json, redirect, request

from edge.request import session, settings
from passport import links
from passport.errors import InvalidRequest
from passport.mirrors import reads, resolving
from passport.mirrors.documents import JSON_LD, VC_JWT
from passport.routes import (
    API,
    COMMUNITY,
    DID_DOCUMENT,
    LOG,
    MIRRORS,
    ORGANISATIONS,
    REGISTRY_DID,
)

bp = Blueprint("mirror", __name__, url_prefix=f"{MIRRORS}/<host>")
MIRROR_OF = "Kreislauf-Mirror-Of"


@bp.after_request
def _cors(response: Response) -> Response:
    """Every answer, a 404 too, is readable from any origin's page (a copy of public data)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _served(found: reads.Served) -> Response:
    response = Response(found.body, content_type=found.media_type)
    return _marked(response, found.origin, found.synced_at)


def _marked(response: Response, origin: str, synced_at: datetime | None) -> Response:
    response.headers[MIRROR_OF] = origin
    if synced_at is not None:
        response.headers["Last-Modified"] = format_datetime(synced_at, usegmt=True)
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
    """Pairs of checkpoints the origin signed that cannot both be true (empty: none seen),
    and the mirror's cosigning key."""
    body = json.dumps(reads.evidence(session(), host, settings()))
    return Response(body, mimetype="application/json")


@bp.get("/01/<path:_rest>")
@bp.get("/8013/<path:_rest>")
@bp.get(f"{COMMUNITY}<_rest>")
def resolve(host: str, _rest: str) -> Response:
    """The origin's resolver path (a GS1 Digital Link, ``/c/{key}``) at its mirror: the
    linkset of the mirror's copies (``?linkType=linkset``, ``Accept: application/linkset+json``)
    or a 307 to one of them (the credential, or the link ``?linkType=`` names)."""
    path, query = _below_prefix()
    found = resolving.resolve(session(), host, path + query, settings().base_url)
    here = f"{settings().base_url}{MIRRORS}/{host}{path.rstrip('/')}?linkType=linkset"
    link_type = request.args.get("linkType")
    if link_type in ("linkset", "all") or (link_type is None and _linkset_asked()):
        response = Response(json.dumps(found.linkset()), content_type=links.LINKSET_MEDIA_TYPE)
    else:
        response = redirect(_passing_query(found.chosen(link_type).href), code=307)
    response.headers["Link"] = links.link_header(found.copies, here)
    return _marked(response, found.origin, found.synced_at)


def _below_prefix() -> tuple[str, str]:
    """The path under ``/mirror/{host}`` and the query (``?…`` or empty), as sent: still
    percent-encoded, so that a %2F inside a lot or serial stays one value."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    path = "/" + urlsplit(raw).path.split("/", 3)[3]
    query = request.query_string.decode("latin-1")
    return path, f"?{query}" if query else ""


def _linkset_asked() -> bool:
    best = request.accept_mimetypes.best_match([JSON_LD, links.LINKSET_MEDIA_TYPE])
    return best == links.LINKSET_MEDIA_TYPE


def _passing_query(target: str) -> str:
    """The request's query passed on (less ``linkType``), as the origin's resolver does."""
    query = [(k, v) for k, v in parse_qsl(request.query_string.decode()) if k != "linkType"]
    return target + ("&" if "?" in target else "?") + urlencode(query) if query else target
