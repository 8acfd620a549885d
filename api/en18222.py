"""The EN 18222 DPP API (EN 18222:2026, contract: OpenEPCIS's en18222-dpp-api.openapi.yaml) at
``/api/v1/``: a facade over the passport's use cases (``passport.en18222.service``).

The contract's paths are ``/v1/...`` below a service root; ours are ``/api/v1/...`` below the
registry's base URL (the service root is ``<base>/api``). ``dppId`` is the passport's public id,
``productId`` the product's GS1 Digital Link URI, percent-encoded. Errors are the registry's
problem documents with the members of EN 18222's result object (``statusCode``, ``message``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, json, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import deps
from api.errors import problem
from api.schemas import ProblemSchema
from edge.reads import note_read
from edge.request import session, settings
from passport.disclosure.readers import tier_of
from passport.en18222 import service, shapes
from passport.models import Passport
from passport.passports import lookup
from passport.routes import API

blp = Blueprint(
    "en18222",
    __name__,
    url_prefix=API,
    description="EN 18222 DPP API (EN 18223 passports): a facade over the passport API. "
    "The contract's /v1/... paths are /api/v1/... here.",
)
WAY = "api-en18222"
# EN 18222 operations this registry does not offer: they answer 501 (ServerNotImplemented).
NOT_OFFERED = ("POST /api/v1/registerDPP",)
JSON = "application/json"
JSON_LD = "application/ld+json"
OBJECT = {"content": {JSON: {"schema": {"type": "object"}}}}
# A passport read: JSON by default; JSON-LD on request (Accept), for the compressed form,
# whose @context makes it JSON-LD (EN 18216: content negotiation to JSON-LD)
PASSPORT = {
    "content": {JSON: {"schema": {"type": "object"}}, JSON_LD: {"schema": {"type": "object"}}}
}


class MessageSchema(Schema):
    """EN 18222 Table 13: a result message."""

    messageType = fields.String(required=True, validate=validate.OneOf(["Error"]))
    text = fields.String(required=True)
    code = fields.String()


class ResultProblemSchema(ProblemSchema):
    """A problem document with the members of EN 18222's result object (Table 12)."""

    statusCode = fields.String(required=True)
    message = fields.List(fields.Nested(MessageSchema), required=True)


PROBLEM = {"content": {"application/problem+json": {"schema": ResultProblemSchema}}}
REPRESENTATION = {
    "in": "query",
    "name": "representation",
    "schema": {"type": "string", "enum": list(shapes.REPRESENTATIONS), "default": "compressed"},
    "description": "EN 18222 8.1: compressed (default; the envelope plus the credential's "
    "members) or full (the envelope plus elements[], EN 18223 Annex A); another value is a 400.",
}
UNTP = {
    "in": "query",
    "name": "untp",
    "schema": {"type": "string", "enum": ["0.7.0", "0.6.1"]},
    "description": "The UNTP version of the credential read or written (its credentialSubject): "
    "0.7.0 by default, also asked for by the profile of an accepted JSON-LD media type (the "
    "version's UNTP context URL), as everywhere in the API. A write takes its body in it.",
}
DATE = {
    "in": "query",
    "name": "date",
    "required": True,
    "schema": {"type": "string", "format": "date-time"},
    "description": "The moment (ISO 8601, with a time zone) whose version is wanted.",
}
PAGING = [
    {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"in": "query", "name": "cursor", "schema": {"type": "string", "minLength": 1}},
]


def _errors(*codes: int) -> dict[int, Any]:
    text = {
        400: "Malformed request (JSON, JSONPath, date, representation, product id)",
        401: "No or unknown API key",
        403: "Not the passport's issuer (or may not issue)",
        404: "Unknown passport, product or element",
        409: "The product has a passport already, or the element is the registry's",
        415: "Not a JSON body",
        422: "The passport breaks the schema; each violation names its field",
        501: "Not offered by this registry",
    }
    return {c: {"description": text[c], **PROBLEM} for c in codes}


READ = _errors(400, 401, 404, 422)
WRITE = _errors(400, 401, 403, 404, 409, 415, 422)
KEY = [{"bearer": []}]
OPEN = [{}, {"bearer": []}]


def _status(code: int) -> str:
    names = {400: "ClientErrorBadRequest", 401: "ClientNotAuthorized", 403: "ClientForbidden"}
    names |= {404: "ClientErrorResourceNotFound", 405: "ClientMethodNotAllowed"}
    names |= {409: "ClientResourceConflict", 501: "ServerNotImplemented"}
    return names.get(code, "ClientErrorBadRequest" if code < 500 else "ServerInternalError")


@blp.after_request
def _result_members(response: Response) -> Response:
    """EN 18222 Table 12's result object, inside the problem document (RFC 9457 extension
    members): ``statusCode`` and ``message[]``, so that both kinds of client read the error."""
    if response.mimetype != "application/problem+json":
        return response
    body = json.loads(response.get_data())
    body["statusCode"] = _status(response.status_code)
    text = "; ".join([body.get("detail", "")] + [e["message"] for e in body.get("errors", [])])
    body["message"] = [{"messageType": "Error", "text": text, "code": body.get("type", "")}]
    response.set_data(json.dumps(body))
    return response


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, headers, mimetype=JSON)


def _read(passport: Passport, version: int | None = None) -> Response:
    """A passport as the caller's tier may see it, in the representation asked for."""
    db, reader = session(), deps.reader()
    form = shapes.representation(request.args.get("representation"))
    tier = tier_of(db, reader, passport)
    untp = deps.untp_version()
    served = service.read(
        db, settings().base_url, passport, form, tier=tier, version=version, untp=untp
    )
    note_read(reader, passport, served.seen, WAY)
    response = _json(served.body, headers={"Vary": "Accept"} | deps.view_headers(served.seen))
    if form == "compressed" and request.accept_mimetypes.best_match([JSON, JSON_LD]) == JSON_LD:
        response.mimetype = JSON_LD
    return response


@blp.route("/dpps")
class Dpps(MethodView):
    @blp.doc(
        parameters=[REPRESENTATION, UNTP],
        requestBody={"required": True, **OBJECT},
        responses={201: {"description": "Issued: {digitalProductPassportId}", **OBJECT}} | WRITE,
        security=KEY,
    )
    def post(self) -> Response:
        """CreateDPP (EN 18222 4.6): issue a passport; the body's credentialSubject is the
        passport as POST /api/v1/passports takes it, the envelope is the registry's."""
        db, caller = session(), deps.caller()  # the key before the body: a 401 before a 415
        body, untp = deps.json_body(), deps.untp_version()
        passport = service.create(db, settings(), caller, body, untp)
        db.commit()
        location = f"{API}/dpps/{passport.public_id}"
        body = {"digitalProductPassportId": passport.public_id}
        return _json(body, 201, {"Location": location})


@blp.route("/dpps/<string:dpp_id>")
class DppById(MethodView):
    @blp.doc(
        parameters=[REPRESENTATION, UNTP],
        responses={200: {"description": "The passport (EN 18223)", **PASSPORT}} | READ,
        security=OPEN,
    )
    def get(self, dpp_id: str) -> Response:
        """ReadDPPById (EN 18222 4.2): the current version, as the caller's tier may see it."""
        return _read(lookup.get_passport(session(), dpp_id))

    @blp.doc(
        parameters=[REPRESENTATION, UNTP],
        requestBody={"required": True, **OBJECT},
        responses={200: {"description": "The passport after the update", **PASSPORT}} | WRITE,
        security=KEY,
    )
    def patch(self, dpp_id: str) -> Response:
        """UpdateDPPById (EN 18222 4.7): an RFC 7396 merge patch of credentialSubject, stored
        as a new version; history is never rewritten (envelope members may only be echoed)."""
        db, caller = session(), deps.caller()  # the key before the body: a 401 before a 415
        passport = lookup.get_passport(db, dpp_id)
        body, untp = deps.json_body(), deps.untp_version()
        service.update(db, settings(), caller, passport, body, untp)
        db.commit()
        return _read(passport)

    @blp.doc(
        responses={200: {"description": "Withdrawn (never erased)", **OBJECT}}
        | _errors(401, 403, 404),
        security=KEY,
    )
    def delete(self, dpp_id: str) -> Response:
        """DeleteDPPById (EN 18222 4.8): a withdrawal, never an erasure. The passport gets a
        last version with dppStatus 'inactive'; every version stays readable by id and date."""
        db = session()
        passport = lookup.get_passport(db, dpp_id)
        body = service.withdraw(db, settings(), deps.caller(), passport)
        db.commit()
        return _json(body)


@blp.route("/dppsByProductId/<path:product_id>", merge_slashes=False)
class DppByProductId(MethodView):
    @blp.doc(
        parameters=[REPRESENTATION, UNTP],
        responses={200: {"description": "The product's passport", **PASSPORT}} | READ,
        security=OPEN,
    )
    def get(self, product_id: str) -> Response:
        """ReadDPPByProductId (EN 18222 4.3): the current passport of the product whose GS1
        Digital Link URI (percent-encoded) is productId."""
        return _read(service.by_product(session(), product_id))


@blp.route("/dppsByIdAndDate/<string:dpp_id>")
class DppByIdAndDate(MethodView):
    @blp.doc(
        parameters=[DATE, REPRESENTATION, UNTP],
        responses={200: {"description": "The version in force then", **PASSPORT}} | READ,
        security=OPEN,
    )
    def get(self, dpp_id: str) -> Response:
        """ReadDPPVersionByIdAndDate (EN 18222 4.4): the version in force at date."""
        passport = lookup.get_passport(session(), dpp_id)
        return _read(passport, service.version_at(session(), passport, request.args.get("date")))


@blp.route("/dppsByProductIds")
class DppIdsByProductIds(MethodView):
    @blp.doc(
        parameters=PAGING,
        requestBody={"required": True, **OBJECT},
        responses={200: {"description": "{dppIds, nextCursor}", **OBJECT}}
        | _errors(400, 401, 415, 422),
        security=OPEN,
    )
    def post(self) -> Response:
        """ReadDPPIdsByProductIds (EN 18222 4.5): the DPP ids of the products (GS1 Digital
        Link URIs) that have a passport; a read, though a POST."""
        deps.reader()  # an invalid key is a 401 here too
        limit = request.args.get("limit", type=int)
        page = service.dpp_ids(session(), deps.json_body(), limit, request.args.get("cursor"))
        return _json(page)


@blp.route("/registerDPP")
class RegisterDpp(MethodView):
    @blp.doc(responses=_errors(501), security=OPEN)
    def post(self) -> Response:
        """RegisterProductDPP (EN 18222 5.2): not offered (501). The registry server (the EU
        DPP registry) serves it; this registry is a DPP service provider and registers its
        passports there itself (``kreislauf register-eu``)."""
        detail = (
            "RegisterProductDPP is served by the EU DPP registry, not by a DPP service "
            "provider; this registry registers its passports there itself."
        )
        return problem(501, "Not Implemented", detail, "not-implemented")


@blp.route("/dpps/<string:dpp_id>/elements/<path:element_path>", merge_slashes=False)
class DataElement(MethodView):
    @blp.doc(
        parameters=[REPRESENTATION, UNTP],
        responses={200: {"description": "The data element (EN 18223)", **OBJECT}} | READ,
        security=OPEN,
    )
    def get(self, dpp_id: str, element_path: str) -> Response:
        """ReadDataElement (EN 18222 6.2): the one element an RFC 9535 JSONPath (percent-
        encoded) selects in the passport's compressed form, as the caller's tier may see it."""
        db, reader = session(), deps.reader()
        passport = lookup.get_passport(db, dpp_id)
        shapes.representation(request.args.get("representation"))
        tier, untp = tier_of(db, reader, passport), deps.untp_version()
        base = settings().base_url
        found, seen = service.element(db, base, passport, element_path, tier=tier, untp=untp)
        note_read(reader, passport, seen, WAY)
        return _json(found, headers=deps.view_headers(seen))

    @blp.doc(
        parameters=[REPRESENTATION, UNTP],
        requestBody={"required": True, **OBJECT},
        responses={200: {"description": "The element after the update", **OBJECT}} | WRITE,
        security=KEY,
    )
    def patch(self, dpp_id: str, element_path: str) -> Response:
        """UpdateDataElement (EN 18222 6.3): replace the value of one element inside
        credentialSubject, as a new version of the passport."""
        db = session()
        passport = lookup.get_passport(db, dpp_id)
        org, body = deps.caller(), deps.json_body()
        found = service.update_element(
            db, settings(), org, passport, element_path, body, deps.untp_version()
        )
        db.commit()
        return _json(found)
