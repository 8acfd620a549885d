"""Shared examples for the event tests: realistic details of every type, request bodies, EPCIS.

``epcis_errors`` validates against the official EPCIS 2.0 JSON Schema, with its format checker.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from passport.errors import InvalidDocument
from passport.events.epcis import epcis_document, epcis_event
from passport.events.parsing import parse_event
from tests.helpers import FIXTURES

EPCIS = FIXTURES / "standards" / "gs1-epcis"
HASH_VECTORS = FIXTURES / "standards" / "epcis-event-hash"

NOW = datetime(2026, 5, 3, 13, 30, tzinfo=UTC)
COMMISSIONED = datetime(2025, 2, 10, 9, 0, tzinfo=UTC)
# A kettle's item passport: GTIN 04260123450007 has a valid check digit.
EPC = "https://registry.example.org/01/04260123450007/21/KT-000417"
PART_PASSPORT = "https://registry.example.org/01/04260123450014/21/SW-0042"
NEW_PASSPORT = "https://registry.example.org/01/04260123450021/21/KT-R-0001"
RECORDER = "did:web:registry.example.org:orgs:repair-cafe-kreuzberg"

# Realistic details for every type, as a client would send them.
DETAILS: dict[str, dict[str, Any]] = {
    "commissioning": {"description": "First switched on at the point of sale"},
    "sale": {"channel": "retail", "condition": "New"},
    "repair": {
        "outcome": "fixed",
        "problem": "Switch broken, replaced",
        "spareParts": "third_party",
        "partsReplaced": ["base switch"],
        "category": "Kettle",
    },
    "maintenance": {"description": "Descaled, lid hinge cleaned"},
    "inspection": {
        "measurements": {
            "stateOfHealth": 86.5,
            "remainingCapacity": {"value": 11.9, "unit": "Ah"},
            "numberOfFullCycles": 312,
        },
        "description": "Battery read out over the BMS",
    },
    "part_replacement": {
        "removed": {"description": "Worn lid hinge"},
        "installed": {"description": "Lid hinge, rev. B", "passport": PART_PASSPORT},
    },
    "refurbishment": {
        "condition": "Refurbished",
        "grade": "A",
        "batteryHealth": 87.5,
        "description": "New seal, tested to EN 60335",
    },
    "resale": {"channel": "second_hand_shop", "condition": "Used"},
    "remanufacture": {"description": "Body reused in WK-17R", "newPassport": NEW_PASSPORT},
    "repurpose": {"description": "Cells reused in home storage", "newPassport": NEW_PASSPORT},
    "recall": {
        "reason": "Lid may open while boiling",
        "severity": "danger",
        "url": "https://kessel.example/recall/2026-01",
    },
    "collection": {"channel": "municipal", "description": "Recycling centre Berlin-Ost"},
    "disassembly": {"description": "Heating element and switch removed for reuse"},
    "recycling": {"recoveredMaterials": ["stainless steel", "copper"]},
    "destruction": {"description": "Shredded after fire damage"},
    "correction": {"corrects": 1, "reason": "incorrect_data", "explanation": "Wrong date"},
}


def body(event_type: str, **extra: Any) -> dict[str, Any]:
    """A valid request body for ``event_type``."""
    result: dict[str, Any] = {"type": event_type, "eventTime": "2026-05-03T14:00:00+01:00"}
    result[event_type] = copy.deepcopy(DETAILS[event_type])
    result.update(extra)
    return result


def problems(request: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidDocument) as caught:
        parse_event(request, now=NOW)
    return [(e.pointer, e.message) for e in caught.value.errors]


def epcis_of(event_type: str, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "event_type": event_type,
        "event_time": datetime(2026, 5, 3, 13, 0, tzinfo=UTC),
        "offset": "+01:00",
        "epc": EPC,
        "details": DETAILS[event_type],
        "recorder": RECORDER,
        "recorded_at": datetime(2026, 5, 3, 13, 0, 2, 345000, tzinfo=UTC),
    }
    arguments.update(overrides)
    return epcis_event(**arguments)


@cache
def epcis_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((EPCIS / "EPCIS-JSON-Schema.json").read_text())
    return schema


@cache
def epcis_validator() -> Draft7Validator:
    return Draft7Validator(epcis_schema(), format_checker=Draft7Validator.FORMAT_CHECKER)


def epcis_errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{list(e.absolute_path)}: {e.message}" for e in epcis_validator().iter_errors(document)
    ]


def document_of(*event_list: dict[str, Any]) -> dict[str, Any]:
    return epcis_document(
        list(event_list),
        document_id="https://registry.example.org/api/v1/passports/p1/events",
        created=NOW,
    )


def lines(path: Path) -> list[str]:
    """The non-empty lines of a file (the reference's .hashes and .prehashes)."""
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line]


def read_document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document
