"""The seven BatteryPass 1.2 categories a passport's ``battery`` may hold, each checked against
its official schema.

The categories, and the official schema file of each, are named once, in the registry's
``schemas/battery.schema.json`` (``x-batterypass-schema``); the official schemas are the
BatteryPass 1.2 files vendored in ``schemas/batterypass/`` (JSON Schema draft-04, UTF-16 with a
byte-order mark as published). ``passport.documents`` turns what this module finds into the
errors of the passport document, so a battery error reads like every other one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: a worker that only reads never loads jsonschema
    from jsonschema import Draft4Validator
    from jsonschema.exceptions import ValidationError

BATTERY_SCHEMA = "battery.schema.json"


def read_json(path: str) -> Any:
    """A JSON file of ``schemas/`` by its relative path: UTF-16 if it starts with a byte-order
    mark (as BatteryPass publishes its files), UTF-8 otherwise."""
    data = (files("schemas") / path).read_bytes()
    return json.loads(data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"))


@cache
def battery_schema() -> dict[str, Any]:
    """The registry's battery schema (shared: copy before editing)."""
    schema: dict[str, Any] = read_json(BATTERY_SCHEMA)
    return schema


@cache
def categories() -> dict[str, str]:
    """Each category key -> the path under ``schemas/`` of its official BatteryPass schema."""
    return {
        name: str(node["x-batterypass-schema"])
        for name, node in battery_schema()["properties"].items()
    }


@cache
def official_schema(category: str) -> dict[str, Any]:
    """The official BatteryPass 1.2 schema of one category (shared: copy before editing)."""
    schema: dict[str, Any] = read_json(categories()[category])
    return schema


@cache
def category_validator(category: str) -> Draft4Validator:
    """A reusable draft-04 validator for one category, with format checking on."""
    from jsonschema import Draft4Validator

    return Draft4Validator(official_schema(category), format_checker=Draft4Validator.FORMAT_CHECKER)


def category_errors(battery: object) -> Iterator[tuple[str, ValidationError]]:
    """Every way each known category of ``battery`` breaks its official schema, as
    (category, error). What is not an object, or not a category, is the battery schema's
    business (``passport.documents`` checks it), so it is passed over here."""
    if not isinstance(battery, dict):
        return
    for category in categories():
        value = battery.get(category)
        if isinstance(value, dict):
            for error in category_validator(category).iter_errors(value):
                yield category, error
