"""The compiled validator (jsonschema-rs) decides exactly as python-jsonschema does.

``passport.documents`` accepts a document when the compiled validator says it is valid and
asks python-jsonschema only for the errors of a rejected one. That is sound only if both give
the same verdict on every document; this sweep proves it on the suite's whole corpus: the
official UNTP 0.6.1 and 0.7.0 samples, the kettle, the suite's model, batch, item and battery
passports, and every one-place mutation of each (wrong types, bad formats, bounds, patterns,
enum values, removed and unknown properties), fed to both of our schemas. The quick shape check
(``shape_ok``) is likewise checked against the full walk it stands in for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passport.documents import (
    SUBJECT_SCHEMA,
    V07_PRODUCT_SCHEMA,
    compiled_validator,
    schema_validator,
    shape_ok,
    shape_walk,
    validate_subject,
)
from passport.errors import InvalidDocument
from tests.helpers import UNTP07, ebike_passport, passport
from tests.passport.kettle import KETTLE, official_instance_subject
from tests.schema_sweep import DELETE, apply, first_items

SAMPLES_070 = [
    "samples/pre-release/dpp/DigitalProductPassport_instance.json",
    "samples/pre-release/dpp/DigitalProductPassport_cathode_instance.json",
    "samples/pre-release/dpp/DigitalProductPassport_battery_instance.json",
    "samples/release/sample-digital-product-passport-v0.7.0.payload.json",
]

# What a value is replaced with: every JSON type, and strings that probe each format
# (uri, date, date-time), the patterns (GTINs, country codes, language tags) and the bounds;
# numbers that probe "integer" (1.0 is one to both) and the ranges.
STRINGS = [
    "",
    "x",
    "x" * 10001,
    "not a uri",
    "https://example.org/a b",
    "https://example.org/ok",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    "http://[::1",
    "mailto:someone@example.org",
    "2025-02-30",
    "2025-02-05",
    "2025-02-05T09:30:00",
    "2025-02-05T09:30:00+01:00",
    "2025-02-05T09:30:00.123Z",
    "2025-02-05t09:30:00z",
    "09520123456788",
    "DE",
    "de",
    "en-GB",
    "KGM",
    "é",
]
NUMBERS = [0, -1, 1.0, 0.5, 101, -1e12, 1.7976931348623157e308]
OTHERS: list[Any] = [None, True, False, {}, [], [42], {"x": 1}]


def mutations(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, replacement) pairs; ``DELETE`` removes the key. Every array item is visited."""
    if path:
        # A leaf is replaced by every probe; an object or array by one value of each type.
        leaf = not isinstance(node, dict | list)
        for value in (*STRINGS, *NUMBERS, *OTHERS) if leaf else ("x", 1, 0.5, *OTHERS):
            if value != node:
                yield path, value
        if isinstance(node, list):
            yield path, [*node, *node[:1]]  # a duplicate item (uniqueItems)
    if isinstance(node, dict):
        yield (*path, "colour"), "red"
        for key, value in node.items():
            yield (*path, key), DELETE
            yield from mutations(value, (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from mutations(item, (*path, i))


def subjects_061() -> list[dict[str, Any]]:
    return [
        official_instance_subject(),
        KETTLE,
        passport("model"),
        passport("batch", lot="L1"),
        passport("item", serial="S1"),
        ebike_passport(),
    ]


def products_070() -> list[dict[str, Any]]:
    docs = [json.loads((UNTP07 / s).read_text(encoding="utf-8")) for s in SAMPLES_070]
    return [d.get("credentialSubject", d) for d in docs]


# The suite checks every STRIDE-th mutation (about 7,800 documents, seconds); the whole corpus
# (about 31,000) with KREISLAUF_WHOLE_CORPUS=1: no disagreement either way (docs/PERFORMANCE.md).
STRIDE = 1 if os.environ.get("KREISLAUF_WHOLE_CORPUS") == "1" else 4


def corpus(name: str) -> Iterator[dict[str, Any]]:
    """Every sample of the schema's UNTP version and its mutations (arrays cut to their first
    item, as in the schema sweeps: the samples repeat each item's shape), and the other
    version's samples as they are."""
    own, other = subjects_061(), products_070()
    if name == V07_PRODUCT_SCHEMA:
        own, other = other, own
    yield from other
    for whole in own:
        yield whole
        subject = first_items(whole)
        for n, (path, value) in enumerate(mutations(subject)):
            if n % STRIDE == 0:
                yield apply(subject, path, value)


@pytest.mark.parametrize("name", [SUBJECT_SCHEMA, V07_PRODUCT_SCHEMA])
def test_compiled_and_python_validators_agree_on_the_whole_corpus(name: str) -> None:
    compiled, python = compiled_validator(name), schema_validator(name)
    disagree: list[str] = []
    verdicts = {True: 0, False: 0}
    for document in corpus(name):
        ours = compiled.is_valid(document)
        verdicts[ours] += 1
        if ours != python.is_valid(document):
            disagree.append(f"compiled {ours}: {json.dumps(document)[:300]}")
    assert disagree == []
    # Both verdicts are well exercised: the sweep proves something either way.
    assert verdicts[True] > 200 // STRIDE and verdicts[False] > 2000 // STRIDE, verdicts


def test_the_samples_are_valid_to_both() -> None:
    for subject in subjects_061():
        assert compiled_validator(SUBJECT_SCHEMA).is_valid(subject)
        assert schema_validator(SUBJECT_SCHEMA).is_valid(subject)
    for product in products_070():
        assert compiled_validator(V07_PRODUCT_SCHEMA).is_valid(product)


def test_formats_are_checked_by_python_jsonschema_checker() -> None:
    # jsonschema-rs's own "uri" accepts what python-jsonschema's refuses (and back); the
    # compiled validator is handed python-jsonschema's checkers, so formats cannot differ.
    subject = passport("item", serial="S1")
    for bad in ("not a uri", "https://example.org/a b"):
        mutated = apply(subject, ("product", "id"), bad)
        assert not compiled_validator(SUBJECT_SCHEMA).is_valid(mutated)
        assert not schema_validator(SUBJECT_SCHEMA).is_valid(mutated)


def test_a_rejected_document_gets_python_jsonschema_errors() -> None:
    subject = passport("item", serial="S1")
    del subject["product"]["name"]
    with pytest.raises(InvalidDocument) as caught:
        validate_subject(subject)
    assert [(e.pointer, e.message) for e in caught.value.errors] == [
        ("/product/name", "'name' is required")
    ]


# --- the quick shape check decides as the full walk does ----------------------------------

SHAPE_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5)
    | st.sampled_from(["\x00", "a\ud800", "ok"])
)
SHAPES = st.recursive(
    SHAPE_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3) | st.just("\x00"), inner, max_size=3)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(SHAPES, st.integers(min_value=1, max_value=6))
def test_the_quick_shape_check_decides_as_the_walk(document: Any, limit: int) -> None:
    assert shape_ok(document, limit) == (shape_walk(document, limit) == [])
