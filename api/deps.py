"""What API views need from the request besides its session: the caller and the JSON body."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Response, request
from flask import json as flask_json
from werkzeug.exceptions import UnsupportedMediaType

from edge.body import parse_json, read_body
from edge.request import session, settings
from passport import idempotency
from passport.access import authenticate
from passport.credentials import untp07
from passport.credentials.reading import Reading
from passport.errors import FieldError, InvalidDocument, NotAuthenticated
from passport.models import Organisation


def caller() -> Organisation:
    """The organisation behind the request's API key (401 without a valid one)."""
    header = request.headers.get("Authorization", "").strip()
    scheme, _, key = header.partition(" ")
    if header and scheme.lower() != "bearer":
        # Never echo the header: without its scheme it is the key itself.
        raise NotAuthenticated(
            "The Authorization header lacks the 'Bearer' scheme: "
            "send 'Authorization: Bearer <key>'."
        )
    return authenticate(session(), key.strip() or None)


def reader() -> Organisation | None:
    """Who reads: the organisation behind an API key if one is sent (401 if it is invalid),
    else nobody (a public reader). Reads never require a key."""
    if not request.headers.get("Authorization", "").strip():
        return None
    return caller()


def preflight() -> Response:
    """The answer to OPTIONS on a route that answers it itself (for CORS): 204, and ``Allow``
    naming exactly the matched route's methods."""
    methods = sorted(request.url_rule.methods) if request.url_rule else []
    return Response(status=204, headers={"Allow": ", ".join(methods)})


def view_headers(seen: Reading) -> dict[str, str]:
    """Caching headers for a passport view: private and varying by key when another reader
    could see another view; nothing extra when the passport has nothing restricted."""
    if not seen.varies:
        return {}
    return {"Cache-Control": "private, no-cache", "Vary": "Accept, Authorization"}


def json_body() -> Any:
    """Parse the body as JSON: 415 for another media type, 400 if malformed, too deep or with a
    number out of bounds (edge.body), 413 past the operation's size limit."""
    mimetype = request.mimetype or ""
    if not (mimetype == "application/json" or mimetype.endswith("+json")):
        raise UnsupportedMediaType(
            f"Send the body as application/json (got '{mimetype or 'no Content-Type'}')."
        )
    return parse_json(read_body())


def answer_once(org: Organisation, body: Any, write: Callable[[], idempotency.Answer]) -> Response:
    """Run a write and commit it, once per Idempotency-Key: a request that repeats the key and
    the body (and path) of an earlier one gets that request's stored answer (status, body,
    Location) with ``Idempotency-Replayed: true``, and nothing is written again."""
    db = session()
    fingerprint = idempotency.request_fingerprint(body, request.path)
    answer = idempotency.once(db, org, idempotency_key(), fingerprint, write)
    db.commit()
    headers = {"Location": answer.location} if answer.location else {}
    if answer.replayed:
        headers["Idempotency-Replayed"] = "true"
    body_text = flask_json.dumps(answer.body)
    return Response(body_text, answer.status, headers, mimetype="application/json")


def idempotency_key() -> str | None:
    """The request's Idempotency-Key header, if any (at most 200 characters)."""
    key = request.headers.get("Idempotency-Key")
    if key and len(key) > 200:
        raise InvalidDocument(
            "Idempotency-Key is too long.",
            [FieldError("/headers/Idempotency-Key", "at most 200 characters")],
        )
    return key or None


IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "schema": {"type": "string", "maxLength": 200},
    "description": "Repeat a request safely: the same key, path and body get the first "
    "answer again (status, body, Location, and `Idempotency-Replayed: true`) and nothing is "
    "written twice, also when the repeats arrive while the first is still at work (they wait "
    "for it); the same key with another body is a 422; a repeat still waiting after 60 s is a "
    "409 (retry later). Keys belong to the organisation and are kept.",
}
REPLAYED = {
    "Idempotency-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the "
        "same Idempotency-Key (nothing was written this time)",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def untp_version() -> str:
    """The UNTP version the reader asks for: ``?untp=0.6.1``, else the ``profile`` parameter of
    an accepted JSON-LD media type (the version's UNTP context URL), else 0.7.0."""
    profile = None
    for value, quality in request.accept_mimetypes:
        kind, _, parameters = value.partition(";")
        found = re.search(r'profile\s*=\s*"?([^";,]+)', parameters)
        if quality and found and kind.strip() in ("application/ld+json", "application/json"):
            profile = found.group(1)
            break
    return untp07.version_of(request.args.get("untp"), profile, settings().untp_default)


def passport_body() -> Any:
    """The passport body, a UNTP 0.7.0 Product (or credential) mapped to the stored form."""
    return untp07.incoming(json_body())
