"""The JSON log line and ``LOG_CONFIG``, without Flask: gunicorn's master formats its own lines
with them and never imports the app (so it stays small; docs/PERFORMANCE.md, memory).

A line written while a request is served carries that request's id (``edge.logs`` sets it);
in a process that has not imported Flask there is no request, so no id.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from datetime import UTC, datetime
from typing import Any

__all__ = ["LOG_CONFIG", "JsonFormatter"]

_FIELDS = ("method", "path", "status", "duration_ms")
# One encoder for every line: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _request_id() -> str | None:
    flask = sys.modules.get("flask")  # not imported: no app here, so no request either
    if flask is None or not flask.has_request_context():
        return None
    return flask.g.get("request_id")  # type: ignore[no-any-return]


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
        rid = getattr(record, "request_id", None) or _request_id()
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
