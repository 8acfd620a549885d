"""The one table that maps domain errors to HTTP ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from passport import errors

PROBLEM_BASE = "https://w3id.org/kreislauf/problems/"

# error class -> (HTTP status, problem type slug)
STATUS: dict[type[errors.KreislaufError], tuple[int, str]] = {
    # Subclass before its base: the first matching row wins.
    errors.UnsupportedProductCategory: (422, "unsupported-product-category"),
    errors.InvalidDocument: (422, "invalid-document"),
    errors.InvalidDigitalLink: (400, "invalid-digital-link"),
    errors.InvalidRequestedIdentifier: (400, "invalid-identifier"),
    errors.InvalidIdentifier: (422, "invalid-identifier"),
    errors.InvalidRequest: (400, "bad-request"),
    errors.IdempotencyKeyReused: (422, "idempotency-key-reused"),
    errors.IdempotencyKeyBusy: (409, "idempotency-key-in-use"),
    errors.NotAuthenticated: (401, "not-authenticated"),
    errors.Forbidden: (403, "forbidden"),
    errors.NoSuchLink: (404, "no-such-link"),
    errors.NotFound: (404, "not-found"),
    errors.PassportMoved: (409, "passport-moved"),
    errors.Conflict: (409, "conflict"),
    errors.TooManyAttempts: (429, "too-many-attempts"),
    errors.CodeUsed: (409, "transfer-code-used"),
    errors.CodeExpired: (410, "transfer-code-expired"),
    errors.CodeRefused: (400, "transfer-code-refused"),
    # C2SP tlog-witness prescribes these statuses; a size mismatch answers in its own format.
    errors.WitnessRequestMalformed: (400, "witness"),
    errors.WitnessSignatureRefused: (403, "witness"),
    errors.WitnessLogUnknown: (404, "witness"),
    errors.WitnessSizeMismatch: (409, "witness"),
    errors.WitnessProofRefused: (422, "witness"),
    errors.KeyMissing: (503, "signing-key-missing"),
    errors.SigningUnavailable: (503, "signing-unavailable"),
    errors.EuRegistryError: (502, "eu-registry"),
    errors.MirrorRefused: (502, "mirror-refused"),
}


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    field_errors: list[dict[str, str]] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field_errors:
        body["errors"] = field_errors
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kreislauf"'
    return response


def status_of(error: errors.KreislaufError) -> tuple[int, str]:
    """The HTTP status and problem type slug of a domain error: the first matching row."""
    return next((v for cls, v in STATUS.items() if isinstance(error, cls)), (400, "bad-request"))


def domain_problem(error: errors.KreislaufError) -> Response:
    status, slug = status_of(error)
    field_errors = [fe.as_dict() for fe in getattr(error, "errors", [])]
    if isinstance(error, errors.InvalidIdentifier) and error.pointer:
        field_errors = [{"pointer": error.pointer, "message": error.detail}]
    response = problem(status, error.title, error.detail, slug, field_errors)
    if isinstance(error, errors.TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def witness_size(error: errors.WitnessSizeMismatch) -> Response:
    """C2SP tlog-witness: a size mismatch answers the witness's size, as text/x.tlog.size."""
    return Response(f"{error.size}\n", status=status_of(error)[0], content_type="text/x.tlog.size")


def http_problem(error: HTTPException) -> Response:
    """Werkzeug and flask-smorest errors (400, 404, 405, 413, 415, 422 from query args)."""
    status = error.code or 500
    detail = error.description or error.name
    field_errors: list[dict[str, str]] = []
    data = getattr(error, "data", None) or {}
    # flask-smorest puts marshmallow's messages under data["messages"][location][field]
    for fields in (data.get("messages") or {}).values():
        for field, messages in fields.items():
            for message in messages if isinstance(messages, list) else [str(messages)]:
                field_errors.append({"pointer": f"/{field}", "message": f"{field}: {message}"})
    if field_errors:
        detail = "; ".join(f["message"] for f in field_errors)
    if status == 413 and detail == RequestEntityTooLarge.description:  # werkzeug's own words
        detail = "The request body is larger than this registry accepts."
    slug = error.name.lower().replace(" ", "-")
    return problem(status, error.name, detail, slug, field_errors)


def init_app(app: Flask) -> None:
    app.register_error_handler(errors.KreislaufError, domain_problem)
    app.register_error_handler(errors.WitnessSizeMismatch, witness_size)
