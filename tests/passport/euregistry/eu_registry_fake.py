"""A fake EU DPP registry on loopback (http.server in a thread), with the registry's rules.

It is written from the rules, not from the client (it imports nothing of passport.euregistry):

* ``POST /v1/registerDPPs`` with ``Authorization: Bearer <token>``; otherwise 401.
* A body ``{"registrations": [...]}`` of 1 to 100 entries; otherwise 400 naming the field.
* Each entry needs every field of EN 18222's registry entry plus ``granularity`` (model,
  batch or item), a ``dppApiEndpoint`` that is an http(s) URL, and a unique product identifier
  of that level (item: a serial, AI 21; batch: a lot, AI 10 without a serial; model: neither);
  otherwise that entry's result is 400 with the fields named, and the rest go on.
* Idempotent by unique product identifier: one held for the same DPP id and operator is
  answered 200 with the registrationId it got the first time; one held for another DPP or
  operator is 409. A new one is 201 with a new registrationId.
* Faults to inject, answered before anything is looked at: ``fail(503)``, ``fail(429,
  retry_after="3")``; each is used once, in order.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

PATH = "/v1/registerDPPs"
FIELDS = (
    "uniqueProductIdentifier",
    "digitalProductPassportId",
    "uniqueEconomicOperatorIdentifier",
    "backupUniqueEconomicOperatorIdentifier",
    "dppApiEndpoint",
    "granularity",
)


@dataclass
class Held:
    registration_id: str
    dpp_id: str
    operator: str
    entry: dict[str, Any]


@dataclass
class FakeRegistry:
    token: str = "test-token"
    held: dict[str, Held] = field(default_factory=dict)
    faults: list[tuple[int, str | None]] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)  # the status of every request
    accepted: list[int] = field(default_factory=list)  # the size of every batch taken
    created: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.held.clear()
            self.faults.clear()
            self.requests.clear()
            self.accepted.clear()
            self.created = 0

    def fail(self, status: int, retry_after: str | None = None) -> None:
        self.faults.append((status, retry_after))

    def answer(
        self, path: str, auth: str | None, raw: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            status, body, headers = self._answer(path, auth, raw)
            self.requests.append(status)
            return status, body, headers

    def _answer(
        self, path: str, auth: str | None, raw: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path != PATH:
            return 404, problem(404, "no such endpoint"), {}
        if auth != f"Bearer {self.token}":
            return 401, problem(401, "a valid bearer token is required"), {}
        if self.faults:
            status, retry_after = self.faults.pop(0)
            return (
                status,
                problem(status, "injected"),
                ({"Retry-After": retry_after} if retry_after else {}),
            )
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, problem(400, "the body is not JSON", [("registrations", "not JSON")]), {}
        entries = body.get("registrations") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            return 400, problem(400, "no registrations", [("registrations", "required array")]), {}
        if not 0 < len(entries) <= 100:
            message = f"1 to 100 entries per batch, not {len(entries)}"
            return 400, problem(400, message, [("registrations", message)]), {}
        self.accepted.append(len(entries))
        return 200, {"results": [self._one(e) for e in entries]}, {}

    def _one(self, entry: Any) -> dict[str, Any]:
        if not isinstance(entry, dict):
            return {
                "uniqueProductIdentifier": None,
                "status": 400,
                "errors": [{"field": "", "message": "not an object"}],
            }
        upi = entry.get("uniqueProductIdentifier")
        errors = [
            {"field": name, "message": "required: a non-empty string"}
            for name in FIELDS
            if not isinstance(entry.get(name), str) or not entry[name].strip()
        ]
        level = entry.get("granularity")
        if isinstance(level, str) and level and level not in ("model", "batch", "item"):
            errors.append({"field": "granularity", "message": "one of model, batch, item"})
        elif (
            isinstance(upi, str) and level in ("model", "batch", "item") and level_of(upi) != level
        ):
            errors.append(
                {"field": "granularity", "message": f"the identifier is not of the {level} level"}
            )
        endpoint = entry.get("dppApiEndpoint")
        if (
            isinstance(endpoint, str)
            and endpoint
            and urlsplit(endpoint).scheme not in ("http", "https")
        ):
            errors.append({"field": "dppApiEndpoint", "message": "an http(s) URL"})
        if errors:
            return {"uniqueProductIdentifier": upi, "status": 400, "errors": errors}
        held = self.held.get(upi)
        if held is not None:
            if (held.dpp_id, held.operator) == (
                entry["digitalProductPassportId"],
                entry["uniqueEconomicOperatorIdentifier"],
            ):
                return {
                    "uniqueProductIdentifier": upi,
                    "status": 200,
                    "registrationId": held.registration_id,
                }
            return {
                "uniqueProductIdentifier": upi,
                "status": 409,
                "detail": "registered for another passport or operator",
            }
        rid = f"EU-DPP-{uuid.uuid4().hex[:20].upper()}"
        self.held[upi] = Held(
            rid, entry["digitalProductPassportId"], entry["uniqueEconomicOperatorIdentifier"], entry
        )
        self.created += 1
        return {"uniqueProductIdentifier": upi, "status": 201, "registrationId": rid}


def level_of(identifier: str) -> str | None:
    parts = urlsplit(identifier).path.strip("/").split("/")
    for i, part in enumerate(parts):
        if part in ("01", "8013"):
            ais = parts[i::2]
            return "item" if "21" in ais else "batch" if "10" in ais else "model"
    return None


def problem(status: int, detail: str, errors: list[tuple[str, str]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    body: dict[str, Any] = {"status": status, "title": "Refused", "detail": detail}
    if errors:
        body["errors"] = [{"field": f, "message": m} for f, m in errors]
    return body


class Server:
    """The fake on 127.0.0.1 at a free port, served by a daemon thread until ``close``."""

    def __init__(self) -> None:
        self.registry = FakeRegistry()
        registry = self.registry

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, body, headers = registry.answer(
                    self.path, self.headers.get("Authorization"), raw
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{PATH}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
