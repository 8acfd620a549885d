"""Structured logs: one JSON object per line, and a request id on every request.

Each request gets an id (a sane incoming ``X-Request-ID`` is kept, anything else is replaced
by a new one), echoed in the response's ``X-Request-ID`` and written with every line logged
while it runs. One line per request says how it went: time, level, request id, method, path
(never the query string), status and duration. Nothing else of the request is logged: no
header (so no API key, cookie or ``Authorization``), no body (so no password), no client
address, no query (search terms may be personal). SQLAlchemy is held at WARNING, since at INFO
it would log statements with their parameters.

``LOG_CONFIG`` is a ``logging.config.dictConfig`` document; ``kreislauf run`` gives it to
gunicorn so its own lines are JSON too.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

from edge.log_format import LOG_CONFIG, JsonFormatter  # the line's format, without Flask

__all__ = ["LOG_CONFIG", "JsonFormatter", "configure", "init_app", "request_id"]

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,128}")

logger = logging.getLogger("kreislauf.requests")


def configure() -> None:
    """Log JSON lines to standard error (what ``kreislauf run`` does, through gunicorn)."""
    import logging.config

    logging.config.dictConfig(LOG_CONFIG)


def request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    if not has_request_context():
        return None
    return g.get("request_id")  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    """Give every request an id, echo it, and log one line per request."""
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    rid = g.get("request_id") or uuid.uuid4().hex
    response.headers[HEADER] = rid
    if not logger.isEnabledFor(logging.INFO):
        return response
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    method, path, status = request.method, request.path[:300], response.status_code
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration}
    logger.info("%s %s %s", method, path, status, extra={"request_id": rid, **fields})
    return response
