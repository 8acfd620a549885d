"""GS1's own unit tests, run against the registry's Digital Link parser and AI linters.

``gs1-syntax-engine-vectors.json`` transcribes, line by line, the URI cases of the engine's
``test_dl_parseDLuri``, the key-qualifier sequences of ``test_dl_testValidateDLpathAIseq`` and
the ex=/req=/digital-signature cases of ``test_ai_validateAIs``;
``gs1-syntax-dictionary-linter-vectors.json`` every unit test of the dictionary's linters
(provenance in ``tests/fixtures/SOURCES.md``). Every case must come out as GS1 says, except
where the tables below say why the registry decides otherwise.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from passport.errors import InvalidIdentifier
from passport.gs1.combinations import check_ai_combination, check_key_path
from passport.gs1.dictionary import GS1_SYNTAX_DICTIONARY
from passport.gs1.digital_link import parse_digital_link, parse_digital_link_path
from passport.gs1.elements import GTIN_IN_URI_RULE, parse_digital_link_elements
from passport.gs1.lint import lint
from passport.gs1.values import validate_ai_value
from tests.helpers import FIXTURES

ENGINE: dict[str, Any] = json.loads(
    (FIXTURES / "standards/gs1-digital-link/gs1-syntax-engine-vectors.json").read_text("utf-8")
)
URI_VECTORS: list[dict[str, Any]] = ENGINE["uri_vectors"]
SEQUENCES: list[dict[str, Any]] = ENGINE["key_qualifier_sequences"]
COMBINATIONS: list[dict[str, Any]] = ENGINE["ai_combinations"]
LINTER_VECTORS: list[list[Any]] = json.loads(
    (FIXTURES / "standards/gs1-digital-link/gs1-syntax-dictionary-linter-vectors.json").read_text(
        "utf-8"
    )
)["vectors"]
# Linters not implemented, and why. Values of their AIs are still checked for character set
# and length.
UNIMPLEMENTED_LINTERS = {
    # North American coupon codes (AIs 8110, 8112): a format of its own, no passport uses it.
    "couponcode",
    "couponposoffer",
}
# Linter cases that depend on the upstream test harness, not on the linter: a custom GS1
# Company Prefix lookup that rejects "1234567" (#ifdef GS1_LINTER_CUSTOM_GCP_LOOKUP). The
# registry has no prefix list and checks only the 4-digit minimum, as the default linter does.
HARNESS_ONLY = {("gcppos1", 221), ("gcppos1", 223), ("gcppos2", 183), ("gcppos2", 185)}

# Engine options the registry does not offer, and why; a case run with one of them on is
# expected to be rejected by the registry, with the message given.
UNOFFERED_FLAGS = {
    # Deprecated alphabetic names; the parser names the numeric AI to use instead.
    "permitConvenienceAlphas": "use the numeric AI",
    # A numeric key that is not in the syntax dictionary is never GS1 data.
    "permitUnknownAIs": "unknown AI",
}
# The registry keeps passports for products only: a valid Digital Link with another primary
# key (SSCC, GLN, GDTI, GIAI, ...) is rejected by parse_digital_link and the resolver.
PRODUCT_KEYS = ("01", "8013")

# The rule each rejected case (default flags) must name, by source line: a user learns why.
REJECTION_RULES = {
    1319: "starts with http:// or https://",
    1320: "starts with http:// or https://",
    1321: "has no host",
    1322: "has no host",
    1323: "has no path",
    1324: "no GS1 Digital Link primary key",
    1325: "no GS1 Digital Link primary key",
    1326: "no GS1 Digital Link primary key",
    1344: "must be written in one case",
    1347: "no GS1 Digital Link primary key",
    1393: "contains '%'",
    1397: "contains '$'",
    1401: "contains '$'",
    1405: "not allowed in a URI",
    1406: "not allowed in a URI",
    1407: "not allowed in a URI",
    1408: "not allowed in a URI",
    1409: "not allowed in a URI",
    1410: "not allowed in a URI",
    1411: "not allowed in a URI",
    1435: "use the numeric AI /01/",
    1455: GTIN_IN_URI_RULE,
    1465: GTIN_IN_URI_RULE,
    1475: GTIN_IN_URI_RULE,
    1490: GTIN_IN_URI_RULE,
    1500: GTIN_IN_URI_RULE,
    1525: "got 31 characters",
    1532: "must not end with '/'",
    1551: "has an empty value in the query string",
    1554: "unknown AI 999 in the query string",
    1605: "decodes as a space",
    1731: "is a key qualifier of AI 01 (GTIN) and must be in the path",
    1741: "duplicate AI 01",
    1745: "duplicate AI 10",
    1749: "duplicate AI 99",
    1754: "unknown AI 89 in the path",
    1758: "unknown AI 89 in the query string",
    1775: "empty segment",
    1778: "NUL",
    1781: "NUL",
    1796: "got 91 characters",
    1831: "duplicate AI 99",  # the engine stops at its MAX_AIS (64) first; both reject
    1854: "AI 10 (batch/lot) has an empty value",
    1860: "is not a key qualifier of AI 01",
}
# Cases whose URI fails before its path: the scheme or the host is wrong.
URI_LEVEL = {1319, 1320, 1321, 1322, 1323, 1344, 1347, 1393, 1397, 1401}


def line(vector: dict[str, Any]) -> int:
    return int(vector["source"]["line"])


def case_id(vector: dict[str, Any]) -> str:
    flags = ",".join(f"{k}={v}" for k, v in vector.get("flags", {}).items())
    return f"dl.c:{line(vector)}" + (f"[{flags}]" if flags else "")


def unoffered(vector: dict[str, Any]) -> str | None:
    """The registry's message for a case the engine accepts only with an unoffered flag."""
    flags = vector.get("flags", {})
    if not vector["valid"]:
        return None  # rejected even with the flag: any rejection agrees
    return next((message for flag, message in UNOFFERED_FLAGS.items() if flags.get(flag)), None)


def path_and_query(uri: str) -> str:
    rest = uri.split("://", 1)[1]
    return rest[rest.index("/") :]


def test_the_fixture_has_every_case_and_every_rule_refers_to_one() -> None:
    assert (len(URI_VECTORS), len(SEQUENCES), len(COMBINATIONS)) == (121, 39, 60)
    rejected = {line(v) for v in URI_VECTORS if not v["valid"] and not v.get("flags")}
    assert set(REJECTION_RULES) == rejected
    assert URI_LEVEL <= rejected


@pytest.mark.parametrize("vector", URI_VECTORS, ids=case_id)
def test_syntax_layer_agrees_with_the_engine(vector: dict[str, Any]) -> None:
    uri = vector["uri"]
    flags = vector.get("flags", {})
    short = bool(flags.get("permitZeroSuppressedGTINinDLuris"))
    message = unoffered(vector)
    if message is not None:
        with pytest.raises(InvalidIdentifier, match=re.escape(message)):
            parse_digital_link_elements(uri, allow_short_gtin=short)
        return
    if not vector["valid"]:
        with pytest.raises(InvalidIdentifier) as caught:
            parse_digital_link_elements(uri, allow_short_gtin=short)
        if not flags:
            assert REJECTION_RULES[line(vector)] in caught.value.detail
        return
    elements = parse_digital_link_elements(uri, allow_short_gtin=short)
    assert elements.element_string() == vector["element_string"]


@pytest.mark.parametrize("vector", URI_VECTORS, ids=case_id)
def test_registry_parser_agrees_with_the_engine_on_products(vector: dict[str, Any]) -> None:
    """parse_digital_link (request bodies) and parse_digital_link_path (the resolver)."""
    uri = vector["uri"]
    flags = vector.get("flags", {})
    if flags.get("permitZeroSuppressedGTINinDLuris"):
        expected = GTIN_IN_URI_RULE  # the registry never sets the legacy flag
    elif unoffered(vector) is not None:
        expected = unoffered(vector)
    elif not vector["valid"]:
        expected = REJECTION_RULES.get(line(vector), "")
    elif parse_digital_link_elements(uri).primary_key[0] not in PRODUCT_KEYS:
        expected = "is not supported here: passports are identified by a GTIN"
    else:
        expected = None
    parsers = [parse_digital_link]
    if line(vector) not in URI_LEVEL:
        parsers.append(lambda u: parse_digital_link_path(path_and_query(u)))
    for parse in parsers:
        if expected is None:
            link = parse(uri)
            assert link.gtin is not None and link.gtin in vector["element_string"]
        else:
            with pytest.raises(InvalidIdentifier) as caught:
                parse(uri)
            assert expected in caught.value.detail


@pytest.mark.parametrize("vector", SEQUENCES, ids=lambda v: "/".join(v["ais"]))
def test_every_key_qualifier_sequence_of_the_engine_is_valid(vector: dict[str, Any]) -> None:
    check_key_path(vector["ais"])


@pytest.mark.parametrize(
    ("ais", "message"),
    [
        (["01", "21", "10"], "qualifier 21 must come after 10"),
        (["01", "22", "235"], "cannot be combined after /01/"),
        (["01", "99"], "is not a key qualifier of AI 01"),
        (["8013", "21"], "8013 takes no key qualifiers"),
        (["21", "01"], "is not a GS1 Digital Link primary key"),
        (["01", "10", "10"], "duplicate AI 10"),
    ],
)
def test_sequences_outside_the_dictionarys_dlpkey_are_rejected(
    ais: list[str], message: str
) -> None:
    with pytest.raises(InvalidIdentifier, match=re.escape(message)):
        check_key_path(ais)


@pytest.mark.parametrize(
    "vector", COMBINATIONS, ids=lambda v: f"ai.c:{line(v)}:{v['element_string'][:40]}"
)
def test_ai_combinations_agree_with_the_engine(vector: dict[str, Any]) -> None:
    pairs = re.findall(r"\((\d{2,4})\)([^(]*)", vector["element_string"])
    if vector["valid"]:
        check_ai_combination(pairs)
        return
    with pytest.raises(InvalidIdentifier) as caught:
        check_ai_combination(pairs)
    detail = caught.value.detail
    if "(3338)" in vector["element_string"]:
        # The engine ran these with permitUnknownAIs: 3338 is not in the dictionary.
        assert "unknown AI 3338" in detail
    else:
        rule = {
            "validateAImutex": "cannot be combined with",
            "validateAIrequisites": "requires AI",
            "validateDigSigRequiresSerialisedKey": "needs its serial component",
        }[vector["check"]]
        assert rule in detail


def test_every_linter_the_dictionary_names_is_implemented_or_listed() -> None:
    named = {
        name
        for line in GS1_SYNTAX_DICTIONARY.splitlines()
        if line.strip() and not line.startswith("#")
        for name in re.findall(r",([a-z][a-z0-9]*)", line.partition("#")[0])
    }
    assert "csum" in named and "iso3166" in named
    for name in sorted(named - UNIMPLEMENTED_LINTERS):
        lint(name, "")  # raises KeyError for a linter the registry does not know
    assert UNIMPLEMENTED_LINTERS <= named


@pytest.mark.parametrize(
    "linter",
    sorted({row[0] for row in LINTER_VECTORS} - UNIMPLEMENTED_LINTERS),
)
def test_linters_agree_with_the_dictionarys_own_unit_tests(linter: str) -> None:
    cases = [row for row in LINTER_VECTORS if row[0] == linter]
    disagree = []
    for _, data, valid, _error, line in cases:
        if (linter, line) in HARNESS_ONLY:
            continue
        if (lint(linter, data) is None) != valid:
            disagree.append((line, data, valid))
    assert disagree == []


@pytest.mark.parametrize(
    ("ai", "value", "message"),
    [
        ("422", "999", "'999' is not an ISO 3166-1 numeric country code"),
        ("422", "276", None),
        ("4307", "ZZ", "'ZZ' is not an ISO 3166-1 alpha-2 country code"),
        ("3910", "998000", "is not an ISO 4217 numeric currency code"),
        ("3910", "978000", None),
        ("8007", "DE89370400440532013000", None),
        ("8007", "DE89370400440532013001", "fails its IBAN check digits"),
        ("4300", "ACME%2", "has a malformed percent-escape"),
        ("8030", "AB=C", "has '=', which is not in GS1 character set 64"),
        ("8030", "ABCD=", "has invalid base64 padding"),
        ("8030", "ABCDEFGH=", None),
        ("7258", "2/1", "after the end of the sequence"),
        ("8006", "095201234567880302", "is not 'piece of total'"),
        ("8011", "0123", "must be digits without a leading 0"),
        ("4309", "1800000001" + "0000000000", "is not a latitude"),
    ],
)
def test_ai_values_are_linted_as_the_dictionary_says(
    ai: str, value: str, message: str | None
) -> None:
    if message is None:
        assert validate_ai_value(ai, value) == value
        return
    with pytest.raises(InvalidIdentifier, match=re.escape(message)):
        validate_ai_value(ai, value)
