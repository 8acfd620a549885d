"""The collector: x-kreislauf-access annotations become restricted paths, through $ref."""

from __future__ import annotations

from typing import Any

import pytest

from passport.disclosure.annotations import collect, schema_restrictions
from passport.disclosure.redaction import Restriction
from passport.disclosure.tiers import NAMES, Tier

LI = Tier.LEGITIMATE_INTEREST
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "public": {"type": "string", "x-kreislauf-access": "public"},
        "battery": {"$ref": "#/$defs/Battery"},
        "cells": {"type": "array", "items": {"$ref": "#/$defs/Cell"}},
        "tree": {"$ref": "#/$defs/Node"},
    },
    "$defs": {
        "Battery": {
            "type": "object",
            "properties": {
                "health": {"type": "number", "x-kreislauf-access": "legitimate-interest"},
                "audit": {"allOf": [{"x-kreislauf-access": "authority"}]},
            },
        },
        "Cell": {
            "type": "object",
            "properties": {"chemistry": {"type": "string", "x-kreislauf-access": "issuer"}},
        },
        "Node": {
            "type": "object",
            "properties": {
                "secret": {"type": "string", "x-kreislauf-access": "legitimate-interest"},
                "child": {"$ref": "#/$defs/Node"},
            },
        },
    },
}


def test_annotations_through_refs_arrays_and_allof_with_cycles_cut() -> None:
    found = list(collect(SCHEMA, "test.schema.json"))
    assert found == [
        Restriction("/battery/health", LI),
        Restriction("/battery/audit", Tier.AUTHORITY),
        Restriction("/cells/*/chemistry", Tier.ISSUER),
        Restriction("/tree/secret", LI),
        # the recursive Node is followed once: its child is not annotated again below
    ]


def test_an_unknown_tier_is_refused() -> None:
    bad = {"properties": {"x": {"x-kreislauf-access": "friends"}}}
    with pytest.raises(ValueError, match="friends"):
        list(collect(bad, "bad.json"))


def test_refs_to_other_schemas_in_schemas_resolve() -> None:
    schema = {"properties": {"event": {"$ref": "event.schema.json"}}}
    assert list(collect(schema, "test.schema.json")) == []  # resolved, nothing annotated


def test_the_registry_schema_collects_valid_restrictions() -> None:
    for restriction in schema_restrictions():
        assert restriction.path.startswith("/") and restriction.tier.value in NAMES
