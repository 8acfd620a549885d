"""Test helpers shared by the API and web tests."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

FIXTURES = Path(__file__).resolve().parent / "fixtures"  # official artefacts; see SOURCES.md there
UNTP_SCHEMA = FIXTURES / "standards" / "untp" / "dpp" / "untp-dpp-schema.json"
UNTP_CONTEXT = FIXTURES / "standards" / "untp" / "dpp" / "context.jsonld"


@cache
def untp_validator() -> Draft202012Validator:
    schema = json.loads(UNTP_SCHEMA.read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def untp_errors(document: dict[str, Any]) -> list[str]:
    """Violations of the official UNTP DPP 0.6.1 schema, as readable strings."""
    return [f"{e.json_path}: {e.message}" for e in untp_validator().iter_errors(document)]


def check_digit(body: str) -> str:
    """GS1 mod-10, computed independently of passport.identifiers."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gtin(body13: str) -> str:
    """A valid GTIN-14 with indicator 0 from 12 digits."""
    assert len(body13) == 12
    return "0" + body13 + check_digit("0" + body13)


GTIN = "09520123456788"  # GS1's own example GTIN, company prefix 9520123


def passport(
    granularity: str = "item",
    *,
    gtin_: str = GTIN,
    lot: str | None = None,
    serial: str | None = "12345",
    name: str = "Acme K1 kettle",
    via_uri: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A valid UNTP ProductPassport request body."""
    product: dict[str, Any] = {"name": name}
    if via_uri:
        path = f"/01/{gtin_}" + (f"/10/{lot}" if lot else "") + (f"/21/{serial}" if serial else "")
        product["id"] = "https://id.gs1.org" + path
    else:
        product["registeredId"] = gtin_
        if lot:
            product["batchNumber"] = lot
        if serial:
            product["serialNumber"] = serial
    if granularity == "model":
        product.pop("serialNumber", None)
    body: dict[str, Any] = {"granularityLevel": granularity, "product": product}
    body.update(copy.deepcopy(extra))
    return body


CIRCULARITY = {
    "type": ["CircularityPerformance"],
    "repairInformation": {
        "linkURL": "https://acme.example/k1/repair",
        "linkName": "Repair guide",
        "linkType": "https://ref.gs1.org/voc/serviceInfo",
    },
    "recyclableContent": 0.9,
    "recycledContent": 0.3,
}


def count_passports(client: Any) -> int:
    """How many passports the search API lists, walking every page."""
    total, cursor = 0, None
    while True:
        query = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/passports", query_string=query).json
        total += len(page["items"])
        cursor = page["next"]
        if not cursor:
            return total
