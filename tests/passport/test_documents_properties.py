"""Property tests of the document validator: any JSON gives a result or ``InvalidDocument``.

Generated documents range from arbitrary JSON (deep, wide, with integers past 2^53 and
non-finite floats) to valid passports with one property replaced by arbitrary JSON. Whatever
comes in, validating and preparing it for issuance (passport.passports.issuing.prepare: the
schema, the issuer's marks, the GS1 identity) answers or raises a domain error, never another
exception, and every error names its field with a JSON pointer.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport.documents import MAX_DOCUMENT_DEPTH, shape_errors, validate_subject
from passport.errors import InvalidDocument, KreislaufError
from passport.models import Organisation
from passport.passports.issuing import prepare
from tests.helpers import CIRCULARITY, passport
from tests.strategies import characteristics, text

FAST = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
PATHS = [
    ("product", "name"),
    ("product", "id"),
    ("product", "characteristics"),
    ("product", "productCategory"),
    ("product", "producedByParty"),
    ("product", "dimensions"),
    ("circularityScorecard",),
    ("granularityLevel",),
    ("materialsProvenance",),
    ("battery",),
    ("x-kreislauf-restricted",),
    ("product",),
]


def deep(depth: int, leaf: Any) -> Any:
    for n in range(depth):
        leaf = [leaf] if n % 2 else {"k": leaf}
    return leaf


@st.composite
def documents(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["arbitrary", "one-change", "deep", "valid"]))
    if kind == "arbitrary":
        return draw(json_value)
    body = passport(circularityScorecard=copy.deepcopy(CIRCULARITY))
    if kind == "valid":  # within the rules: prepared, whatever its text and characteristics
        body["product"] |= {"description": draw(text), "characteristics": draw(characteristics)}
        return body
    path = draw(st.sampled_from(PATHS))
    where = body
    for key in path[:-1]:
        where = where.setdefault(key, {})
    if kind == "deep":
        where[path[-1]] = deep(draw(st.integers(1, MAX_DOCUMENT_DEPTH + 5)), draw(scalar))
    else:
        where[path[-1]] = draw(json_value)
    return body


ISSUER = Organisation(name="Acme Kettles GmbH", role="manufacturer")


@FAST
@given(documents())
def test_any_document_is_prepared_or_refused_with_pointers(document: Any) -> None:
    try:
        validate_subject(document)
    except InvalidDocument as error:
        pointers = [e.pointer for e in error.errors]
        assert pointers and all(p == "" or p.startswith("/") for p in pointers)
    try:
        prepared = prepare("https://dpp.example", ISSUER, document)
    except KreislaufError:
        return
    assert shape_errors(prepared.document) == []  # what is accepted keeps to the bounds
