"""The HTTP transport to the EU registry: one JSON POST per batch, with the standard library.

``urllib.request`` rather than a new dependency: the client sends one request per batch of
100 (no connection pool, streaming or HTTP/2 is needed), and httpx is not a dependency of the
registry. A transport answers with the status, the JSON body (None if there is none) and the
``Retry-After`` delay; it raises ``ConnectionError`` when no answer came (refused, reset,
timed out), which the runner treats as transient.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None
    retry_after: float | None = None


class Transport(Protocol):
    def post(self, url: str, body: dict[str, Any], token: str | None) -> Answer: ...


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class UrllibTransport:
    """POST JSON with ``urllib``; ``timeout`` seconds for the whole answer."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    def post(self, url: str, body: dict[str, Any], token: str | None) -> Answer:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return Answer(response.status, _json(response.read()), None)
        except urllib.error.HTTPError as exc:
            with exc:
                text = exc.read()
            return Answer(exc.code, _json(text), retry_after(exc.headers.get("Retry-After")))
        except (urllib.error.URLError, OSError) as exc:
            raise ConnectionError(f"no answer from {url}: {getattr(exc, 'reason', exc)}") from exc


def _json(text: bytes) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
