"""canonical_json's fast path writes exactly the bytes of rfc8785 (RFC 8785 JCS): every log leaf
and document digest depends on it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from passport.signing.jose import canonical_json

KEYS = st.text(max_size=6) | st.sampled_from(["a", "b", "\ue000", "\U0001f600", "é", "A"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0.0, -0.0, 1.0, 1e21, 1e-7, 1e16, 1e-5, 0.1, 123456789012345.6, 2**53])
    | st.text()
    | st.sampled_from(["\x00", "\x1f\x7f", "\ud800", '"\\\b\f\n\r\t', "1e5", "x.0", "\U0001f600"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


def reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except ValueError:
        return ValueError


def ours(value: Any) -> bytes | type[Exception]:
    try:
        return canonical_json(value)
    except ValueError:
        return ValueError


@settings(max_examples=800, deadline=None)
@given(JSON)
def test_fast_path_writes_the_bytes_of_rfc8785(value: Any) -> None:
    assert ours(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [1.5, 2.0, -0.0, 1e300, 5e-324], "c": "x\u2028y"},
        {"\ue000": 1, "\U0001f600": 2},  # UTF-16 order differs from code-point order
        {"n": 2**53 - 1, "m": -(2**53) + 1},
        {"big": 2**53},
        {"nan": float("nan")},
        {"s": "\ud800"},
        json.loads('{"granularityLevel":"item","product":{"name":"Kettle","x":0.9}}'),
    ],
)
def test_edges(value: Any) -> None:
    assert ours(value) == reference(value)
