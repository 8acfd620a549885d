"""The one table that maps domain errors to HTTP ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from passport import errors as e

PROBLEM_BASE = "https://w3id.org/kreislauf/problems/"

# error class -> (HTTP status, problem type slug)
STATUS: dict[type[e.KreislaufError], tuple[int, str]] = {
    e.InvalidDocument: (422, "invalid-document"),
    # Subclass before its base: the first matching row wins.
    e.InvalidDigitalLink: (400, "invalid-digital-link"),
    e.InvalidRequestedIdentifier: (400, "invalid-identifier"),
    e.InvalidIdentifier: (422, "invalid-identifier"),
    e.InvalidRequest: (400, "bad-request"),
    e.IdempotencyKeyReused: (422, "idempotency-key-reused"),
    e.NotAuthenticated: (401, "not-authenticated"),
    e.Forbidden: (403, "forbidden"),
    e.NoSuchLink: (404, "no-such-link"),
    e.NotFound: (404, "not-found"),
    e.Conflict: (409, "conflict"),
    e.TooManyAttempts: (429, "too-many-attempts"),
    e.CodeUsed: (409, "transfer-code-used"),
    e.CodeRefused: (400, "transfer-code-refused"),
    # C2SP tlog-witness prescribes these statuses; a size mismatch answers in its own format.
    e.WitnessRequestMalformed: (400, "witness"),
    e.WitnessSignatureRefused: (403, "witness"),
    e.WitnessLogUnknown: (404, "witness"),
    e.WitnessSizeMismatch: (409, "witness"),
    e.WitnessProofRefused: (422, "witness"),
    e.KeyMissing: (503, "signing-key-missing"),
    e.SigningUnavailable: (503, "signing-unavailable"),
}


def problem(
    status: int, title: str, detail: str, slug: str, errors: list[dict[str, str]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kreislauf"'
    return response


def status_of(error: e.KreislaufError) -> tuple[int, str]:
    """The HTTP status and problem type slug of a domain error: the first matching row."""
    return next((v for cls, v in STATUS.items() if isinstance(error, cls)), (400, "bad-request"))


def domain_problem(error: e.KreislaufError) -> Response:
    status, slug = status_of(error)
    field_errors = [fe.as_dict() for fe in getattr(error, "errors", [])]
    if isinstance(error, e.InvalidIdentifier) and error.pointer:
        field_errors = [{"pointer": error.pointer, "message": error.detail}]
    response = problem(status, error.title, error.detail, slug, field_errors)
    if isinstance(error, e.TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def witness_size(error: e.WitnessSizeMismatch) -> Response:
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
    if status == 413:
        detail = "The request body is larger than this registry accepts."
    slug = error.name.lower().replace(" ", "-")
    return problem(status, error.name, detail, slug, field_errors)


def init_app(app: Flask) -> None:
    app.register_error_handler(e.KreislaufError, domain_problem)
    app.register_error_handler(e.WitnessSizeMismatch, witness_size)
