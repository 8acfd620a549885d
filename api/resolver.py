"""The GS1-conformant resolver at the Digital Link paths printed in QR codes.

Community passports (products without a GS1 number, registered by a repairer) have URIs
minted by this registry, ``/c/{key}``, answered the same way.

Browsers are redirected (307) to the product's page, JSON-LD clients get the passport,
linkset clients get an RFC 9264 linkset; `?linkType=` picks one link. A URI that breaks the
GS1 Digital Link syntax anywhere, path or query string (the rules of the GS1 Barcode Syntax
Dictionary, as GS1's syntax engine applies them), is a 400 naming the rule; unknown products
are 404 (a helpful page for browsers).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache, partial
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, Response, json, redirect, render_template, request, url_for
from werkzeug.routing import PathConverter

from api import deps, errors, moves
from edge import views
from edge.headers import Fixed, add_vary
from edge.request import one_read, session, settings
from passport import links
from passport.credentials import reading, signed
from passport.disclosure.readers import tier_of
from passport.disclosure.tiers import ORDER, Tier, roles_for
from passport.errors import (
    InvalidDigitalLink,
    InvalidIdentifier,
    InvalidRequest,
    InvalidRequestedIdentifier,
    KreislaufError,
    NoSuchLink,
    NotFound,
)
from passport.gs1.digital_link import parse_digital_link_path
from passport.gs1.identity import candidate_keys
from passport.models import MAX_ROW_NUMBER as MAX_VERSION
from passport.models import Passport
from passport.moves.tables import MOVED
from passport.passports import community
from passport.routes import (
    COMMUNITY,
    DID_DOCUMENT,
    ORGANISATIONS,
    REGISTRY_DID,
    RESOLVER_DESCRIPTION,
    Routes,
)
from passport.signing import registry
from passport.views_cache import keys

bp = Blueprint("resolver", __name__)

LINKSET = "application/linkset+json"
JSONLD = "application/ld+json"
# did:web documents are plain JSON (DID Core's application/did+json is not what resolvers expect).
DID_JSON = "application/json"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Authorization",
    "Access-Control-Expose-Headers": "Link, Location, Deprecation",
}
_CORS = Fixed(CORS)


@bp.before_request
def _preflight() -> Response | None:
    """OPTIONS on any resolver route: 204 with the route's methods, and the CORS headers."""
    return deps.preflight() if request.method == "OPTIONS" else None


@bp.after_request
def _cors(response: Response) -> Response:
    _CORS.put(response)
    add_vary(response, ("Accept", "Accept-Language"))
    return response


@bp.route(RESOLVER_DESCRIPTION, methods=["GET", "HEAD", "OPTIONS"])
def description() -> Response:
    """Describe this resolver (GS1-Conformant Resolver 1.2)."""
    body = links.resolver_description(settings().base_url, mirrors=settings().mirrors)
    return Response(json.dumps(body), mimetype="application/json")


@bp.route(REGISTRY_DID, methods=["GET", "HEAD", "OPTIONS"])
def registry_did() -> Response:
    """Show the registry's did:web document: its passport key (vc) as the one assertion method,
    and its checkpoint key (log), published in no verification relationship."""
    body = registry.registry_did_document(settings())
    return Response(json.dumps(body), mimetype=DID_JSON)


@bp.route(f"{ORGANISATIONS}/<org_id>/{DID_DOCUMENT}", methods=["GET", "HEAD", "OPTIONS"])
def organisation_did(org_id: str) -> Response:
    """An organisation's did:web document (the registry's VC key signs on its behalf)."""
    body = registry.organisation_did_document(session(), settings(), org_id)
    return Response(json.dumps(body), mimetype=DID_JSON)


class _AnyPath(PathConverter):
    """Everything after the key, even nothing or a leading "/" (an empty segment)."""

    regex = ".*?"
    part_isolating = False  # werkzeug would infer True: the regex has no "/"


# The converter must exist before the rules below are added to the app's map.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("dlpath", _AnyPath))
# Werkzeug would redirect "/01//…" to "/01/…" (merge_slashes) and answer 404 to "/01/": an
# empty segment or a key without its value is a syntax error to report (400), not to repair.
_RESOLVER_ROUTE = {"methods": ["GET", "HEAD", "OPTIONS"], "merge_slashes": False}


@bp.route("/01/<dlpath:_rest>", **_RESOLVER_ROUTE)
@bp.route("/8013/<dlpath:_rest>", **_RESOLVER_ROUTE)
def resolve(_rest: str) -> Response:
    """Resolve a GS1 Digital Link to the passport, its page, a linkset or one link."""
    path, query = _requested_link()
    try:
        # GS1 syntax, path and query, with one exception: the GS1-Conformant Resolver standard
        # 1.2 says a resolver SHOULD tolerate a trailing slash (the syntax engine rejects it).
        candidates, link_path = _parsed(path + query)
    except InvalidIdentifier as exc:
        return _refuse(InvalidDigitalLink(exc.detail), path, exc.detail)
    try:
        found, exact = keys.by_identity(one_read(), candidates, link_path)
    except NotFound as exc:
        return _refuse(exc, path, None)
    if found.status == MOVED:  # to the same path and query at its new registry
        return moves.forwarded(found.pk, path + query)
    return _answer(found, exact, path, link_path)


@lru_cache(maxsize=4096)
def _parsed(text: str) -> tuple[tuple[str, ...], str]:
    """The identity keys a Digital Link path resolves to and its canonical path: GS1's syntax
    checked once per distinct path (a QR code is scanned again and again; errors are not kept)."""
    link = parse_digital_link_path(text, allow_trailing_slash=True)
    return tuple(candidate_keys(link)), link.path()


def _requested_link() -> tuple[str, str]:
    """The request's path and query (``?…`` or empty) exactly as sent, still percent-encoded:
    the raw path keeps %2F inside a lot or serial (Flask's decoded path would split it), and
    the query's AIs are GS1 data too."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    query = request.query_string.decode("latin-1")
    return urlsplit(raw).path, f"?{query}" if query else ""


@bp.route(f"{COMMUNITY}<key>", methods=["GET", "HEAD", "OPTIONS"])
def resolve_community(key: str) -> Response:
    """Resolve a community passport's URI (minted by this registry) as a GS1 path resolves."""
    try:
        passport = community.resolve_community(session(), key)
    except InvalidIdentifier as exc:
        return _refuse(InvalidRequestedIdentifier(exc.detail), request.path, exc.detail)
    except NotFound as exc:
        return _refuse(exc, request.path, None)
    if passport.status == MOVED:
        return moves.forwarded(passport.pk, request.full_path.rstrip("?"))
    found = keys.by_pk(session(), passport.pk)
    assert found is not None  # read in this request's transaction
    return _answer(found, True, request.path, request.path)


def _refuse(error: KreislaufError, uri: str, reason: str | None) -> Response:
    """A browser gets the not-found page, with the status of ``error`` in the one error table;
    any other client gets ``error`` raised, as a problem document."""
    if _best() != "text/html":
        raise error
    page = render_template("not_found.html", uri=uri, reason=reason)
    return Response(page, status=errors.status_of(error)[0], mimetype="text/html")


RESOLVER_WAYS = {signed.VC_JWT: "resolver-vc-jwt", signed.VC_SD_JWT: "resolver-vc-sd-jwt"}


def _answer(found: keys.Found, exact: bool, path: str, link_path: str) -> Response:
    """The passport as the reader (an optional API key) may see it, in the form asked for:
    served from the stored views while nothing it depends on changed (edge.views)."""
    reader = deps.reader()
    tier = Tier.PUBLIC if reader is None else tier_of(session(), reader, found)
    accept = request.headers.get("Accept", "")
    parts = ("resolver", path, request.query_string, accept, exact, link_path)
    slot = views.Slot(parts, vary="Authorization")
    build = partial(_built, found, tier, exact, path, link_path)
    return views.serve(found, reader, tier, slot, build, kept=_unsigned)


def _built(found: keys.Found, tier: Tier, exact: bool, path: str, link_path: str) -> views.Built:
    """The answer built from the passport's reading (a redirect shows no passport data)."""
    db = session()
    passport = db.get(Passport, found.pk)
    assert passport is not None  # found in this request
    seen = reading.read(db, settings().base_url, passport, _version(), tier=tier)
    response = _view(passport, seen, exact, path, link_path)
    response.headers.update(deps.view_headers(seen))
    return views.Built(response, seen, RESOLVER_WAYS.get(response.mimetype, "resolver"))


def _unsigned(response: Response) -> bool:
    """Signed answers are signed afresh (keys rotate, SD-JWT salts are new each time)."""
    return response.mimetype not in RESOLVER_WAYS


def _version() -> int | None:
    """``?version=n``: that version of the passport, whose linkset names the one before it."""
    text = request.args.get("version")
    if text is None:
        return None
    if not re.fullmatch("[1-9][0-9]{0,9}", text) or int(text) > MAX_VERSION:
        raise InvalidRequest(
            f"Query parameter 'version' must be a version number from 1 to {MAX_VERSION}; "
            f"got {text[:20]!r}."
        )
    return int(text)


def _view(passport: Any, seen: reading.Reading, exact: bool, path: str, link_path: str) -> Response:
    """The passport, its page, its linkset or one of its links, as the request asks."""
    base = settings().base_url
    if request.args.get("format") == "sd-jwt" or (
        request.args.get("linkType") is None and _best() == signed.VC_SD_JWT
    ):
        where = {} if exact else {"Content-Location": passport.uri}
        token = signed.disclose_reading(session(), settings(), passport, seen, deps.untp_version())
        return Response(token, mimetype=signed.VC_SD_JWT, headers=where)
    if request.args.get("format") == "jwt" or (
        request.args.get("linkType") is None and _best() == signed.VC_JWT
    ):
        # When a batch or model passport answers, the token is about that passport.
        where = {} if exact else {"Content-Location": passport.uri}
        out = reading.in_version(seen, base, deps.untp_version(), passport)
        token = signed.sign_reading(settings(), passport, out)
        return Response(token, mimetype=signed.VC_JWT, headers=where)
    document = reading.in_version(seen, base, deps.untp_version(), passport).credential
    available = _restricted_roles(passport, seen, _links(base, passport, seen))
    linkset_href = f"{base}{path.rstrip('/')}?linkType=linkset"
    if _version() is not None:  # an earlier version's linkset
        linkset_href += f"&version={_version()}"
    headers = {"Link": links.link_header(available, linkset_href)}
    if not exact:
        headers["Content-Location"] = passport.uri  # answered by a batch or model passport

    link_type = request.args.get("linkType")
    untp = _untp_profile()
    if link_type == "all":
        _deprecate_all(headers, linkset_href)
    if link_type in ("linkset", "all") or (link_type is None and (untp or _best() == LINKSET)):
        anchor = passport.uri if exact else f"{base}{link_path}"
        body = links.linkset(anchor, available, untp=untp)
        kind = f'{LINKSET}; profile="{links.UNTP_LINKSET_PROFILE}"' if untp else LINKSET
        return Response(json.dumps(body), content_type=kind, headers=headers)
    if link_type:
        # An IANA name or a URI relation (the mirrors') is asked for as it is in the linkset.
        wanted = links.parse_link_type(link_type) or link_type
        chosen = next((k for k in available if k.rel == wanted), None)
        if chosen is None:
            raise NoSuchLink(
                f"{passport.uri} has no link of type {link_type}; its types are "
                + ", ".join(sorted({k.rel for k in available}))
            )
        return _redirect(chosen.href, headers)
    if _best() in (JSONLD, "application/json"):
        return Response(json.dumps(document), mimetype=JSONLD, headers=headers)
    # A batch or model passport answering for an item: its page says so first (?for=).
    asked = {} if exact else {"for": link_path}
    page = url_for("pages.passport_page", passport_id=passport.public_id, **asked)
    return _redirect(page, headers)


def _deprecate_all(headers: dict[str, str], linkset_href: str) -> None:
    """``linkType=all`` answers as ``linkset`` does, marked deprecated (RFC 9745) with a link
    to its successor, ``linkType=linkset`` (UNTP 0.7 / ISO/IEC 18975)."""
    headers["Deprecation"] = f"@{links.LINK_TYPE_ALL_DEPRECATED}"
    successor = f'<{linkset_href}>; rel="{links.SUCCESSOR_VERSION}"; type="{LINKSET}"'
    headers["Link"] = f"{headers['Link']}, {successor}"


def _links(base: str, passport: Any, seen: reading.Reading) -> list[links.Link]:
    """The passport's links as one reader sees it (inherited links count too), then the
    links between its versions: the previous version's credential and the latest one's, then
    its copy at each registry that mirrors this one (KREISLAUF_MIRRORS)."""
    routes = Routes(base)
    found = links.passport_links(
        uri=passport.uri,
        passport_href=routes.passport(passport.public_id),
        page_href=routes.page(passport.public_id),
        events_href=routes.events(passport.public_id) + "?format=epcis",
        traceability_href=routes.events(passport.public_id) + "?format=dte",
        qr_href=routes.qr(passport.public_id),
        subject=seen.credential["credentialSubject"],
    )
    current = passport.current_version
    hrefs = [routes.version(passport.public_id, n) for n in range(1, current + 1)]
    copies = [
        (Routes(m).host, Routes(Routes(m).mirrored(routes.host)).passport(passport.public_id))
        for m in settings().mirrors
    ]
    return found + links.version_links(hrefs, _version() or current) + links.mirror_links(copies)


def _restricted_roles(
    passport: Any, seen: reading.Reading, available: list[links.Link]
) -> list[links.Link]:
    """Mark each link a lower tier would not see with the roles that may follow it (UNTP IDR
    ``accessRole``); a public reader's links are all public and stay as they are."""
    if not seen.varies or seen.tier == Tier.PUBLIC:
        return available
    base = settings().base_url
    needed: dict[links.Link, Tier] = {}
    for tier in ORDER[: ORDER.index(seen.tier)]:  # the highest tier not shown it decides
        lower = reading.read(session(), base, passport, _version(), tier=tier)
        shown = {(k.rel, k.href) for k in _links(base, passport, lower)}
        hidden = [k for k in available if (k.rel, k.href) not in shown]
        needed.update({k: ORDER[ORDER.index(tier) + 1] for k in hidden})
    return [replace(k, access_role=roles_for(needed[k])) if k in needed else k for k in available]


def _redirect(target: str, headers: dict[str, str]) -> Response:
    """307 to a link, passing the request's query on (less linkType), as GS1 requires."""
    query = [(k, v) for k, v in parse_qsl(request.query_string.decode()) if k != "linkType"]
    if query:
        target += ("&" if "?" in target else "?") + urlencode(query)
    response = redirect(target, code=307)
    response.headers.update(headers)
    return response


def _untp_profile() -> bool:
    """Whether the reader asked for UNTP IDR's linkset profile, with its ``accessRole``s:
    ``Accept: application/linkset+json; profile="<UNTP_LINKSET_PROFILE>"`` (RFC 9264 §4.2)."""
    for value, quality in request.accept_mimetypes:
        kind, _, parameters = value.partition(";")
        if quality and kind.strip() == LINKSET and links.UNTP_LINKSET_PROFILE in parameters:
            return True
    return False


def _best() -> str:
    return (
        request.accept_mimetypes.best_match(
            ["text/html", JSONLD, LINKSET, "application/json", signed.VC_JWT, signed.VC_SD_JWT],
            default="text/html",
        )
        or "text/html"
    )
