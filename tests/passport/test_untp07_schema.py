"""Our UNTP 0.7.0 Product schema (schemas/, written by us) is at least as strict as the official
0.7.0 DigitalProductPassport schema (a GPL-3.0 test fixture): every mutation of the official
samples that the official schema rejects, ours rejects too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from passport.documents import V07_PRODUCT_SCHEMA, schema_validator
from tests.helpers import UNTP07, UNTP07_SCHEMA
from tests.schema_sweep import DELETE, apply, first_items

SAMPLES = [
    "samples/pre-release/dpp/DigitalProductPassport_instance.json",
    "samples/pre-release/dpp/DigitalProductPassport_cathode_instance.json",
    "samples/pre-release/dpp/DigitalProductPassport_battery_instance.json",
]


@cache
def official() -> Draft202012Validator:
    schema = json.loads(UNTP07_SCHEMA.read_text(encoding="utf-8"))
    product = {"$ref": "#/$defs/Product", "$defs": schema["$defs"]}
    return Draft202012Validator(product, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _mutations(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, replacement) pairs; ``DELETE`` removes the key. Lists: first item only."""
    if path:
        if isinstance(node, dict):
            yield path, "x"
            yield path, []
        elif isinstance(node, list):
            yield path, {}
            yield path, [*node, 42]
        elif isinstance(node, bool):
            yield path, "true"
        elif isinstance(node, int | float):
            yield path, str(node)
            yield path, True
            yield path, 2
        elif isinstance(node, str):
            for bad in (42, "not a uri", "2025-02-30"):
                yield path, bad
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key), DELETE
            if key != "characteristics":  # free in shape in both: nothing to compare inside
                yield from _mutations(value, (*path, key))
    elif isinstance(node, list) and node:
        yield from _mutations(node[0], (*path, 0))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.rsplit("/", 1)[-1])
def test_sweep_our_070_schema_is_at_least_as_strict(sample: str) -> None:
    document = json.loads((UNTP07 / sample).read_text(encoding="utf-8"))
    product = first_items(document["credentialSubject"])
    ours = schema_validator(V07_PRODUCT_SCHEMA)
    assert ours.is_valid(product) and official().is_valid(product)
    laxer: list[str] = []  # we accept, UNTP rejects: must never happen
    both_reject = 0
    for path, value in _mutations(product):
        mutated = apply(product, path, value)
        ours_ok, theirs_ok = ours.is_valid(mutated), official().is_valid(mutated)
        if ours_ok and not theirs_ok:
            laxer.append("/" + "/".join(map(str, path)) + f" = {value!r:.40}")
        both_reject += not ours_ok and not theirs_ok
    assert laxer == []
    assert both_reject > 100, "the sweep hardly exercised UNTP's constraints"
