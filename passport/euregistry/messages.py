"""What one registration says, and how the registry's answer to a batch reads.

The Commission has published no machine-readable interface for the registry. The entry below
uses the field names of EN 18222's registry entry (clause 7.1, Table 11: ``RegisterProductDPP``,
as OpenEPCIS's EN 18222 OpenAPI contract writes them) and adds ``granularity``, the level the
delegated act sets the passport at (ESPR Art. 9(2)(d)). Batches of at most 100 entries and the
per-entry results are our own design (docs/EU_REGISTRY.md says so).

The unique product identifier is the passport's URI: the GS1 Digital Link URI printed in its
data carrier, persistent and unique, and a web link to the passport (ESPR Art. 2(30)). At each
level it names what the passport is for:

* model: the GTIN (``/01/{gtin}``, with ``/22/{cpv}`` for a variant) or the GMN (``/8013/``);
* batch: the GTIN and the batch number (``/01/{gtin}/10/{lot}``);
* item: the GTIN and the serial number (``/01/{gtin}/21/{serial}``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

MAX_BATCH = 100
LEVELS = ("model", "batch", "item")
# The fields every entry carries (the registry refuses an entry without one).
REQUIRED = (
    "uniqueProductIdentifier",
    "digitalProductPassportId",
    "uniqueEconomicOperatorIdentifier",
    "backupUniqueEconomicOperatorIdentifier",
    "dppApiEndpoint",
    "granularity",
)

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """One passport's registration, as sent."""

    product_identifier: str
    dpp_id: str
    operator_id: str
    backup_operator_id: str
    endpoint: str
    granularity: str

    def as_json(self) -> dict[str, str]:
        return {
            "uniqueProductIdentifier": self.product_identifier,
            "digitalProductPassportId": self.dpp_id,
            "uniqueEconomicOperatorIdentifier": self.operator_id,
            "backupUniqueEconomicOperatorIdentifier": self.backup_operator_id,
            "dppApiEndpoint": self.endpoint,
            "granularity": self.granularity,
        }


@dataclass(frozen=True)
class Result:
    """The registry's answer for one entry.

    ``status`` follows HTTP: 201 registered now, 200 registered before (the existing
    ``registration_id`` comes back: this is what makes a repeated send harmless), 409 the
    identifier is registered for another passport or operator, 400 the entry is invalid
    (``errors`` name the fields).
    """

    product_identifier: str
    status: int
    registration_id: str | None = None
    errors: tuple[tuple[str, str], ...] = ()
    detail: str = ""

    @property
    def registered(self) -> bool:
        return self.status in (200, 201) and bool(self.registration_id)

    def reason(self) -> str:
        """One line for the queue's ``last_error``: the fields and what is wrong with them."""
        if self.errors:
            return "; ".join(f"{field}: {message}" for field, message in self.errors)
        return self.detail or f"refused with status {self.status}"


def body(entries: Sequence[Entry]) -> dict[str, Any]:
    """The JSON body of one batch."""
    if not 0 < len(entries) <= MAX_BATCH:
        raise ValueError(f"a batch holds 1 to {MAX_BATCH} entries, not {len(entries)}")
    return {"registrations": [e.as_json() for e in entries]}


class MalformedAnswer(ValueError):
    """The registry answered 2xx with a body that does not say what became of each entry."""


def results(answer: Any, entries: Sequence[Entry]) -> dict[str, Result]:
    """The results of a batch by product identifier; every entry sent must have one."""
    rows = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(rows, list):
        raise MalformedAnswer("the answer has no list of results")
    found: dict[str, Result] = {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("uniqueProductIdentifier"), str):
            raise MalformedAnswer("a result names no uniqueProductIdentifier")
        errors = tuple(
            (str(e.get("field", "")), str(e.get("message", "")))
            for e in row.get("errors") or ()
            if isinstance(e, dict)
        )
        rid = row.get("registrationId")
        found[row["uniqueProductIdentifier"]] = Result(
            row["uniqueProductIdentifier"],
            int(row.get("status", 0)),
            rid if isinstance(rid, str) and rid else None,
            errors,
            str(row.get("detail") or ""),
        )
    missing = [e.product_identifier for e in entries if e.product_identifier not in found]
    if missing:
        raise MalformedAnswer(f"no result for {missing[0]}")
    return found


def level_of(product_identifier: str) -> str | None:
    """The level a GS1 Digital Link URI identifies (item: a serial, batch: a lot, model:
    neither); None for a URI that is not a Digital Link."""
    parts = urlsplit(product_identifier).path.strip("/").split("/")
    for i, part in enumerate(parts):
        if part in ("01", "8013") and i + 1 < len(parts):
            ais = set(parts[i::2])
            return "item" if "21" in ais else "batch" if "10" in ais else "model"
    return None


def batches(items: Sequence[T], size: int = MAX_BATCH) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
