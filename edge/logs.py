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

import json
import logging
import math
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

__all__ = ["LOG_CONFIG", "JsonFormatter", "configure", "init_app", "request_id"]

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_FIELDS = ("method", "path", "status", "duration_ms")

logger = logging.getLogger("kreislauf.requests")
# One encoder for every line: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time (UTC, ISO 8601), level, logger, message, the
    request id when there is a request, and the request fields given as ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id()
        if rid:
            entry["request_id"] = rid
        given = record.__dict__
        for name in _FIELDS:
            if name in given:
                entry[name] = given[name]
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return _encode(entry)


_second: list[tuple[int, str]] = [(0, "1970-01-01T00:00:00")]  # the last second written


def _utc_iso(created: float) -> str:
    """``datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")``, rounded as
    it rounds, with the date and time of day formatted once a second, not once a line."""
    second = math.floor(created)
    micro = round((created - second) * 1e6)
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    last, text = _second[-1]
    if second != last:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second[-1] = (second, text)
    return f"{text}.{micro // 1000:03d}+00:00"


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        # gunicorn's own loggers hand their lines to the root's JSON handler
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
        # at INFO SQLAlchemy would log every statement with its parameters
        "sqlalchemy": {"level": "WARNING"},
    },
}


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
