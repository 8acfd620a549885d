"""What API views need from the request besides its session: the caller and the JSON body."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from edge.body import parse_json, read_body
from edge.request import session
from passport.access import authenticate
from passport.credentials.reading import Reading
from passport.errors import NotAuthenticated
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
