"""Passport endpoints: issue, batch issue, read (JSON-LD / Turtle), versions, search."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Response, json, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from api import deps, moves, summaries
from api.schemas import (
    AccessLogArgsSchema,
    BatchResultSchema,
    PassportRefSchema,
    ReadArgsSchema,
    SearchArgsSchema,
    SearchPageSchema,
    VersionListSchema,
)
from edge import views
from edge.request import one_read, session, settings, validate_first, writing
from passport import idempotency, search
from passport.carriers import qr
from passport.credentials import reading, signed, untp07
from passport.disclosure import access_log
from passport.disclosure.readers import tier_of
from passport.disclosure.tiers import Tier
from passport.errors import FieldError, InvalidDocument
from passport.models import Passport
from passport.moves.tables import MOVED
from passport.passports import issuing, lookup, versions
from passport.routes import PASSPORTS, Routes
from passport.views_cache import keys

blp = Blueprint(
    "passports",
    __name__,
    url_prefix=PASSPORTS,
    description="Digital product passports as W3C VC 2.0: UNTP 0.7.0 by default, UNTP DPP 0.6.1 "
    "on request (?untp=0.6.1 or the media type's profile), in every format",
)

# A generator cannot guess a GTIN's check digit: real examples (GS1's example GTIN, company
# prefix 9520123) let a client or a fuzzer issue a passport from the description alone.
EXAMPLE_ITEM = {
    "granularityLevel": "item",
    "product": {"id": "https://id.gs1.org/01/09520123456788/21/12345", "name": "Acme K1 kettle"},
}
EXAMPLE_MODEL = {
    "granularityLevel": "model",
    "product": {"registeredId": "09520123456788", "name": "Acme K1 kettle"},
}
PASSPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/ProductPassport"},
            "examples": {"item": {"value": EXAMPLE_ITEM}, "model": {"value": EXAMPLE_MODEL}},
        }
    },
}
BATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "maxItems": 10000,
                "items": {"$ref": "#/components/schemas/ProductPassport"},
            },
            "examples": {"two": {"value": [EXAMPLE_MODEL, EXAMPLE_ITEM]}},
        }
    },
}
PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
WRITE_ERRORS = {
    400: {
        "description": "Malformed JSON, nested over 64 levels, or a number out of bounds",
        **PROBLEM,
    },
    401: {"description": "No or unknown API key", **PROBLEM},
    403: {"description": "Not allowed for this organisation", **PROBLEM},
    409: {
        "description": "The identifier already has a passport, or a request with this "
        "Idempotency-Key is still being answered",
        **PROBLEM,
    },
    413: {"description": "Body over 1 MiB, refused before it is read", **PROBLEM},
    422: {"description": "Schema or identifier violations, each with a JSON pointer", **PROBLEM},
}
UNKNOWN = {404: {"description": "Unknown passport", **PROBLEM}}
BATCH_ERRORS = WRITE_ERRORS | {
    413: {"description": "Body over 64 MiB, refused before it is read", **PROBLEM},
}


def _ref(passport: Any) -> dict[str, Any]:
    return {"id": passport.public_id, "uri": passport.uri, "version": passport.current_version}


@blp.route("")
class Passports(MethodView):
    # Unknown parameters are errors: a misspelt filter ("gtn=") must not match everything.
    @blp.arguments(SearchArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, SearchPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search passports by GTIN, lot, serial, text and issuer, a page at a time."""
        base = settings().base_url
        page = search.search(session(), **args)
        nxt = None
        if page.next_cursor:
            query = {k: v for k, v in args.items() if k != "cursor"} | {"cursor": page.next_cursor}
            nxt = base + url_for("passports.Passports", **query)
        return {
            "items": [summaries.passport_summary(Routes(base), p) for p in page.items],
            "next": page.next_cursor,
            "nextHref": nxt,
        }

    @blp.doc(requestBody=PASSPORT_BODY, responses=WRITE_ERRORS, security=[{"bearer": []}])
    @blp.response(201, PassportRefSchema, description="Issued; Location points at it")
    def post(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Issue a passport for one product (model, batch or item)."""
        db = session()
        org = deps.caller()
        passport = issuing.issue_passport(db, settings(), org, deps.passport_body())
        db.commit()
        location = url_for("passports.PassportById", passport_id=passport.public_id)
        return _ref(passport), 201, {"Location": location}


@blp.route("/batch")
class PassportBatch(MethodView):
    @blp.doc(
        requestBody=BATCH_BODY,
        responses=BATCH_ERRORS,
        security=[{"bearer": []}],
        parameters=[deps.IDEMPOTENCY_KEY],
    )
    @blp.response(201, BatchResultSchema, headers=deps.REPLAYED)
    def post(self) -> Response:
        """Issue up to 10,000 passports in one request, all or nothing."""
        validate_first()  # the write lock is taken after validation, for the inserts only
        org = deps.caller()
        body = untp07.incoming_all(_batch(deps.json_body(), settings().max_batch))
        prepared = issuing.prepare_all(settings().base_url, org, body)
        db = writing()

        def write() -> idempotency.Answer:
            passports = issuing.store(db, settings(), org, prepared)
            result = {"count": len(passports), "passports": [_ref(p) for p in passports]}
            return idempotency.Answer(201, result)

        return deps.answer_once(org, body, write)


def _batch(body: Any, limit: int) -> list[Any]:
    """The batch body: a JSON array of 1 to ``limit`` passports."""
    if not isinstance(body, list):
        raise InvalidDocument(
            "A batch is a JSON array of passports.", [FieldError("", "must be an array")]
        )
    if not body or len(body) > limit:
        raise InvalidDocument(
            f"A batch holds 1 to {limit} passports; this one has {len(body)}.",
            [FieldError("", f"must have 1 to {limit} items")],
        )
    return body


@blp.route("/<string:passport_id>")
class PassportById(MethodView):
    @blp.arguments(ReadArgsSchema, location="query", unknown=RAISE)
    @blp.doc(
        responses={
            200: {
                "description": "The passport as a W3C VC 2.0 DigitalProductPassport (as plain "
                "application/json with ?format=json)",
                "content": {
                    "application/ld+json": {"schema": {"type": "object"}},
                    "application/json": {"schema": {"type": "object"}},
                    "text/turtle": {"schema": {"type": "string"}},
                    signed.VC_JWT: {
                        "schema": {
                            "type": "string",
                            "description": "VC-JOSE-COSE compact JWS (EdDSA); the kid is a "
                            "DID URL in the issuer's did:web document",
                        }
                    },
                    signed.VC_SD_JWT: {
                        "schema": {
                            "type": "string",
                            "description": "SD-JWT signed once (EdDSA, kid as for vc+jwt) with "
                            "the disclosures of the restricted claims the reader may see",
                        }
                    },
                },
            },
            304: {
                "description": "Not Modified: `If-None-Match` names the view's current strong "
                "ETag (every unsigned answer carries one; docs/CACHING.md). No body"
            },
            308: {
                "description": "The passport moved to another registry: `Location` is its URI "
                "there (its history stays here: /proof-bundle)"
            },
            401: {"description": "An API key was sent but is unknown or revoked", **PROBLEM},
            404: {"description": "Unknown passport or version", **PROBLEM},
            503: {"description": "The registry has no signing key (vc+jwt, vc+sd-jwt)", **PROBLEM},
        },
        security=[{}, {"bearer": []}],
    )
    def get(self, args: dict[str, Any], passport_id: str) -> Response:
        """Read a passport (or one of its versions) as JSON-LD, Turtle, a VC-JWT or an SD-JWT.

        Reads need no key; with one (`Authorization: Bearer`), the view is that organisation's:
        restricted properties appear only for the tiers that may see them."""
        found = keys.by_id(one_read(), passport_id)
        if found.status == MOVED:  # to its resolver URI at the new registry
            return moves.to_new_home(found.pk)
        reader = deps.reader()
        tier = Tier.PUBLIC if reader is None else tier_of(session(), reader, found)
        accept = request.headers.get("Accept", "")
        slot = views.Slot(("api", request.path, request.query_string, accept), "Authorization")
        build = partial(_built, found, tier, args)
        return views.serve(found, reader, tier, slot, build, kept=_unsigned)

    @blp.doc(requestBody=PASSPORT_BODY, responses=WRITE_ERRORS | UNKNOWN, security=[{"bearer": []}])
    @blp.response(200, PassportRefSchema)
    def put(self, passport_id: str) -> dict[str, Any]:
        """Write a new version of a passport (issuer only); older versions stay readable."""
        db = session()
        org = deps.caller()
        version = versions.update_passport(db, settings(), org, passport_id, deps.passport_body())
        db.commit()
        return _ref(lookup.get_passport(db, passport_id)) | {"version": version.version}


@blp.route("/<string:passport_id>/withdraw")
class PassportWithdrawal(MethodView):
    @blp.doc(responses=WRITE_ERRORS | UNKNOWN, security=[{"bearer": []}])
    @blp.response(200, PassportRefSchema)
    def post(self, passport_id: str) -> dict[str, Any]:
        """Withdraw a passport: a new version with status 'withdrawn'; nothing is deleted."""
        db = session()
        org = deps.caller()
        versions.withdraw_passport(db, org, passport_id, settings=settings())
        db.commit()
        return _ref(lookup.get_passport(db, passport_id))


@blp.route("/<string:passport_id>/versions")
class PassportVersions(MethodView):
    @blp.doc(responses=UNKNOWN)
    @blp.response(200, VersionListSchema)
    def get(self, passport_id: str) -> dict[str, Any]:
        """List every version of a passport, oldest first."""
        db = session()
        base = settings().base_url
        passport = lookup.get_passport(db, passport_id)
        rows = versions.list_versions(db, passport)
        return {
            "id": passport.public_id,
            "current": passport.current_version,
            "versions": [summaries.version_summary(Routes(base), passport, r) for r in rows],
        }


@blp.route("/<string:passport_id>/access-log")
class PassportAccessLog(MethodView):
    @blp.arguments(AccessLogArgsSchema, location="query", unknown=RAISE)
    @blp.doc(
        security=[{"bearer": []}],
        responses={
            200: {
                "description": "Reads of the passport's restricted data, oldest first, a page "
                "at a time; `next` (and a `Link: rel=next` header) is the next page's URL, or "
                "null on the last page"
            },
            401: {"description": "No or unknown API key", **PROBLEM},
            403: {"description": "Neither the issuer nor an authority", **PROBLEM},
            404: {"description": "Unknown passport", **PROBLEM},
            422: {"description": "`after` or `limit` out of range", **PROBLEM},
        },
    )
    def get(self, args: dict[str, Any], passport_id: str) -> Response:
        """Who read the passport's restricted data (organisations, not people), when, with
        which tier and which way out: for its issuer and authorities only. Kept for
        KREISLAUF_ACCESS_LOG_DAYS (default 1825) days."""
        db = session()
        passport = lookup.get_passport(db, passport_id)
        page = access_log.access_log(db, deps.caller(), passport, **args)
        url = settings().base_url + request.path
        body = summaries.access_log_page(passport, page, url, args["limit"])
        headers = {"Cache-Control": "private, no-store"}
        if body["next"]:
            headers["Link"] = f'<{body["next"]}>; rel="next"'
        return Response(json.dumps(body), mimetype="application/json", headers=headers)


@blp.route("/<string:passport_id>/qr.<any(svg, png):kind>")
class PassportQr(MethodView):
    @blp.doc(
        responses={
            200: {
                "description": "QR code of the canonical GS1 Digital Link URI (error "
                "correction M, 4-module quiet zone)",
                "content": {"image/svg+xml": {}, "image/png": {}},
            },
            404: {"description": "Unknown passport", **PROBLEM},
        }
    )
    def get(self, passport_id: str, kind: str) -> Response:
        """Draw the passport's QR code (the resolver URI, no query string)."""
        passport = lookup.get_passport(session(), passport_id)
        if kind == "svg":
            body = qr.qr_svg(passport.uri, title=passport.uri)
            mimetype = "image/svg+xml"
        else:
            body, mimetype = qr.qr_png(passport.uri), "image/png"
        # The URI never changes, so neither does the image.
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}
        return Response(body, mimetype=mimetype, headers=headers)


def _built(found: keys.Found, tier: Tier, args: dict[str, Any]) -> views.Built:
    """The view asked for, built from the passport's reading."""
    db = session()
    passport = db.get(Passport, found.pk)
    assert passport is not None  # found in this request
    seen = reading.read(db, settings().base_url, passport, args.get("version"), tier=tier)
    response = _answer(passport, seen, args.get("format"))
    response.headers.update(deps.view_headers(seen))
    return views.Built(response, seen, WAYS.get(response.mimetype, "api-jsonld"))


def _unsigned(response: Response) -> bool:
    """Signed answers are signed afresh (keys rotate, SD-JWT salts are new each time)."""
    return response.mimetype not in (signed.VC_JWT, signed.VC_SD_JWT)


WAYS = {
    signed.VC_JWT: "api-vc-jwt",
    signed.VC_SD_JWT: "api-vc-sd-jwt",
    "text/turtle": "api-turtle",
}  # else api-jsonld


def _answer(passport: Passport, seen: reading.Reading, fmt: str | None) -> Response:
    """One view of a passport in the format asked for."""
    headers = {"Link": f'<{passport.uri}>; rel="canonical"', "Vary": "Accept"}
    untp = deps.untp_version()
    if _wants(fmt, "sd-jwt", signed.VC_SD_JWT):
        token = signed.disclose_reading(session(), settings(), passport, seen, untp)
        return Response(token, mimetype=signed.VC_SD_JWT, headers=headers)
    if untp != untp07.V061:
        seen = reading.in_version(seen, settings().base_url, untp, passport)
    if _wants(fmt, "jwt", signed.VC_JWT):
        token = signed.sign_reading(settings(), passport, seen)
        return Response(token, mimetype=signed.VC_JWT, headers=headers)
    if _wants_turtle(fmt):
        from passport import rdf  # rdflib and PyLD load with the first Turtle asked for

        turtle = rdf.to_turtle(seen.credential, settings().base_url)
        return Response(turtle, mimetype="text/turtle", headers=headers)
    mimetype = "application/json" if fmt == "json" else "application/ld+json"
    body = json.dumps(seen.credential, ensure_ascii=False)
    return Response(body, mimetype=mimetype, headers=headers)


def _wants(fmt: str | None, name: str, mimetype: str) -> bool:
    if fmt is not None:
        return fmt == name
    best = request.accept_mimetypes.best_match(
        ["application/ld+json", "application/json", "text/turtle", signed.VC_JWT, signed.VC_SD_JWT],
        default="application/ld+json",
    )
    return best == mimetype


def _wants_turtle(fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "ttl"
    best = request.accept_mimetypes.best_match(
        ["application/ld+json", "application/json", "text/turtle"], default="application/ld+json"
    )
    return best == "text/turtle"
