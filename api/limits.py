"""Rate limits on API writes, per API key (Flask-Limiter).

Every unsafe request (POST, PUT, PATCH, DELETE) to the JSON API that carries an
``Authorization`` header counts against that key's budget, ``Settings.write_rate``
(``KREISLAUF_WRITE_RATE``, "600/minute" by default); a batch of 10,000 passports is one write.
Reads, the pages (people sign in there: ``passport.throttle`` slows down guessing) and requests
without a key (refused anyway) are not counted, and Flask-Limiter is not asked about them at
all: its three hooks are wrapped so that they run only for a request that counts (they cost
about a tenth of a millisecond on every read otherwise, to find no limit). Over the limit the
answer is a 429 problem document with ``Retry-After``, before the body is read and before
anything is written.

The counts live in memory (each worker process counts for itself) or, when
``KREISLAUF_REDIS_URL`` is set, in Redis, where every worker shares them. They are keyed by a
SHA-256 of the header, never by the key itself. If Redis cannot be reached, writes are let
through rather than refused: the limit protects the registry, it must not take it down.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse_many

from api.errors import problem
from edge.request import UNSAFE_METHODS
from passport.config import Settings
from passport.routes import API

__all__ = ["document", "init_app"]


def _key() -> str:
    header = request.headers.get("Authorization", "").strip()
    return "key-" + hashlib.sha256(header.encode()).hexdigest()[:40]


def _not_counted() -> bool:
    """Only writes to the JSON API with a key count."""
    return (
        request.method not in UNSAFE_METHODS
        or not request.path.startswith(API + "/")
        or not request.headers.get("Authorization", "").strip()
    )


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Limit API writes per key; a bad ``write_rate`` stops the app from starting."""
    try:
        parse_many(settings.write_rate)
    except ValueError as exc:
        raise ValueError(
            f"KREISLAUF_WRITE_RATE must read like '600/minute', not {settings.write_rate!r}"
        ) from exc
    limiter = Limiter(
        key_func=_key,
        app=app,
        application_limits=[settings.write_rate],
        application_limits_exempt_when=_not_counted,
        storage_uri=settings.redis_url or "memory://",
        key_prefix=settings.rate_limit_prefix,
        swallow_errors=True,
    )
    # The same rule, asked twice: by Flask-Limiter itself, and before any of its hooks runs.
    limiter.request_filter(_not_counted)
    _only_when_counted(app, limiter)

    def too_many(_error: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        wait = max(1, math.ceil(current.reset_at - time.time())) if current else 60
        response = problem(
            429,
            "Too many requests",
            f"This API key may make {settings.write_rate} writes; try again in {wait} s.",
            "rate-limited",
        )
        response.headers["Retry-After"] = str(wait)
        return response

    app.register_error_handler(RateLimitExceeded, too_many)
    return limiter


def _only_when_counted(app: Flask, limiter: Limiter) -> None:
    """Wrap Flask-Limiter's before, after and teardown hooks, in their places, so that a
    request that does not count never enters them. Flask-Limiter's request filter lets such a
    request through too, but only after resolving the limits of its endpoint, and its other two
    hooks run regardless; with the filter they find nothing to do on such a request (no limit
    was looked at, no header is sent: ``RATELIMIT_HEADERS_ENABLED`` is off)."""
    hooks = (
        (app.before_request_funcs, lambda f: f == limiter._check_request_limit),
        (app.after_request_funcs, lambda f: isinstance(f, partial) and f.args == (limiter,)),
        (app.teardown_request_funcs, lambda f: getattr(f, "__self__", None) is limiter),
    )
    for registered, is_limiters in hooks:
        funcs: list[Any] = registered.get(None, [])  # type: ignore[assignment]
        found = [n for n, f in enumerate(funcs) if is_limiters(f)]
        if len(found) != 1:  # a Flask-Limiter that registers its hooks otherwise
            raise RuntimeError("api.limits found not exactly one of Flask-Limiter's hooks")
        funcs[found[0]] = _when_counted(funcs[found[0]])


def _when_counted(hook: Callable[..., Any]) -> Callable[..., Any]:
    """``hook``, run only for a request that counts. Else it hands back what it was given: the
    response to an ``after_request`` hook, nothing to a ``before_request`` hook (which then lets
    the request through), the error to a teardown hook (which returns nothing Flask reads)."""

    @wraps(hook)
    def guarded(*args: Any) -> Any:
        if _not_counted():
            return args[0] if args else None
        return hook(*args)

    return guarded


def document(spec: Any) -> None:
    """Describe the 429 on every API write that takes a key (after the blueprints are in)."""
    refused = {
        "description": "Too many writes with this API key: wait Retry-After seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    for operations in spec.to_dict()["paths"].values():  # the spec's own paths, not a copy
        for method, operation in operations.items():
            if method.upper() in UNSAFE_METHODS and operation.get("security"):
                operation.setdefault("responses", {}).setdefault("429", refused)
