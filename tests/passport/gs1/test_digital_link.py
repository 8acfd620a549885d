"""GS1 Digital Link URIs: the GS1 syntax layer and the registry's own links, built and parsed.

The URI, compression and element-string vectors come from public GS1 repositories and live in
``tests/fixtures/standards`` (provenance in ``tests/fixtures/SOURCES.md``); every URI vector
is run through both the strict GS1 syntax layer and the registry's own parser.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from passport.errors import InvalidIdentifier
from passport.gs1.check_digits import normalise_gtin
from passport.gs1.digital_link import (
    DigitalLink,
    build_digital_link,
    looks_like_digital_link,
    parse_digital_link,
    parse_digital_link_path,
)
from passport.gs1.elements import GTIN_IN_URI_RULE, parse_digital_link_elements
from passport.gs1.values import validate_ai_value
from tests.helpers import FIXTURES

DIGITAL_LINK = FIXTURES / "standards" / "gs1-digital-link"
VECTORS: dict[str, Any] = json.loads(
    (DIGITAL_LINK / "digital-link-test-vectors.json").read_text(encoding="utf-8")
)
URI_VECTORS: list[dict[str, Any]] = VECTORS["uri_vectors"]
COMPRESSION_VECTORS: list[dict[str, Any]] = VECTORS["compression_vectors"]
ELEMENT_STRING_VECTORS: list[dict[str, Any]] = VECTORS["element_string_vectors"]

FIELD_BY_AI = {"01": "gtin", "22": "cpv", "10": "lot", "21": "serial", "235": "tpx", "8013": "gmn"}

# Value lengths of the predefined-length AIs that occur in the vectors' element strings; every
# other AI there is variable-length and ends at "^" (FNC1) or at the end.
FIXED_LENGTH_AIS = {"00": 18, "01": 14, "15": 6, "17": 6, "414": 13, "3103": 6}
VARIABLE_LENGTH_AIS = {"10", "21", "22", "98", "99", "235", "240", "254", "3923", "8004"}

# digital-link.js accepts 8/12/13-digit GTINs in a URI; the GS1 syntax engine rejects them
# unless a legacy flag is set. The strict syntax layer rejects these URIs by default and accepts
# them with allow_short_gtin=True (the legacy flag); the registry rejects them too (issue 8,
# point 6): a GTIN is padded only where it arrives as a plain field (registeredId).
SHORT_GTIN_URIS = {
    "https://brand.example.com/some-extra/pathinfo/01/9520123456788",
    "https://a/01/2112345678900",
    "https://a/01/02345673",
    "https://example.com/01/012345678905",
    "https://example.com/01/01234565/10/12345/21/4512",
    "https://example.com/01/12345670/10/4512?240=ABCD",
    "https://example.com/01/12345670/10/4512?linkType=ABCD",
}

# Where parse_digital_link (what the registry accepts) departs from a vector's `valid` flag, or
# the vector is not from the strict profile. Every other vector behaves as its flag says.
REGISTRY_DECISIONS: dict[str, bool] = {
    # Strict GS1: AI 01 in a URI is 14 digits. This overrides the vectors of the lenient
    # digital-link.js and of the engine's legacy flag, which accept zero-suppressed GTINs.
    **dict.fromkeys(SHORT_GTIN_URIS, False),
    # Lenient only: alphabetic AI names stay rejected, as the strict vector /gtin/... demands;
    # a GLN or an SSCC would not identify a product passport anyway.
    "https://example.com/gln/0123456789128": False,
    "https://example.com/sscc/012345678912345675": False,
    # Valid GS1 Digital Links whose primary key is not a product: passports are identified by
    # a GTIN (/01/) or a GMN (/8013/) only (DESIGN, resolver routes).
    "https://id.gs1.org/414/9520123456788/254/32a%2Fb": False,
    "https://example.com/8004/9520614141234567?01=09520123456788": False,
}

# What the message of each rejected vector must say, so that a user learns why.
REJECTION_KEYWORDS = {
    "https://example.com/01/09520123456788?10=ABC123": "must be in the path",
    "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123": "duplicate AI 10",
    "https://brand.example.com/some-extra/pathinfo/01/9520123456788": GTIN_IN_URI_RULE,
    "https://a/01/2112345678900": "write 02112345678900",
    "https://a/01/02345673": "write 00000002345673",
    "https://a/gtin/12312312312333": "use the numeric AI /01/",
    "https://a/stem/00/006141411234567890/": "must not end with '/'",
    "https://a/01/12312312312333/99/ABC": "not a key qualifier of AI 01",
    "https://a/01/12312312312333/10/": "AI 10 (batch/lot) has an empty value",
    "https://a/01//12312312312333": "empty segment",
    "https://a/01/12312312312333?99=ABC&999=faux": "unknown AI 999",
    "https://example.com/01/09520123456788/89/ABC123?99=XYZ": "unknown AI 89",
    "https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ+987": "decodes as a space",
    "https://id.gs1.org/414/9520123456788/254/32a%2Fb": "primary key 414 (GLN) is not supported",
    "https://example.com/8004/9520614141234567?01=09520123456788": "primary key 8004",
    "HtTp://a/b/00/006141411234567890": "scheme",
    "https://example.com/01/012345678905": "write 00012345678905",
    "https://example.com/01/012345678906": "check digit: expected 5, got 6",
    "https://example.com/gln/0123456789128": "use the numeric AI /414/",
    "https://example.com/gln/0123456789123": "use the numeric AI /414/",
    "https://example.com/sscc/012345678912345675": "use the numeric AI /00/",
    "https://example.com/sscc/012345678912345673": "use the numeric AI /00/",
    "https://example.com/01/01234565/10/12345/21/4512": "write 00000001234565",
    "https://example.com/01/01234567/21/12345/10/4512": "check digit: expected 5, got 7",
    "https://example.com/00/123456789123456789/10/4512": "00 takes no key qualifiers",
    "https://example.com/01/12345678/10/4512?4321=2": "check digit: expected 0, got 8",
    "https://example.com/01/12345670/10/4512?240=ABCD": GTIN_IN_URI_RULE,
    "https://example.com/01/12345670/10/4512?linkType=ABCD": "write 00000012345670",
    "https://example.com/my/custom/path/01/0123456789d/21/12345/10/4512": "digits only",
}

# Registry results for accepted vectors that carry no element string.
EXPECTED_PARTS: dict[str, dict[str, Any]] = {
    "https://example.com/some/other/path/info/01/01234567890128/21/12345": {
        "gtin": "01234567890128",
        "serial": "12345",
    },
}


def element_pairs(element_string: str) -> list[tuple[str, str]]:
    """Split a GS1 element string with "^" for FNC1 into (AI, value) pairs."""
    assert element_string.startswith("^")
    rest = element_string[1:]
    pairs: list[tuple[str, str]] = []
    while rest:
        ai = next(
            rest[:n]
            for n in (2, 3, 4)
            if rest[:n] in FIXED_LENGTH_AIS or rest[:n] in VARIABLE_LENGTH_AIS
        )
        rest = rest[len(ai) :]
        if ai in FIXED_LENGTH_AIS:
            length = FIXED_LENGTH_AIS[ai]
            value, rest = rest[:length], rest[length:]
        else:
            value, _, rest = rest.partition("^")
        pairs.append((ai, value))
    return pairs


def bracketed_pairs(element_string: str) -> list[tuple[str, str]]:
    """Split a human-readable element string like "(01)...(21)..." into (AI, value) pairs."""
    return re.findall(r"\((\d{2,4})\)([^(]*)", element_string)


def query_keys(uri: str) -> set[str]:
    query = uri.partition("?")[2]
    return {parameter.partition("=")[0] for parameter in query.split("&") if parameter}


def parts(link: DigitalLink) -> dict[str, Any]:
    """The fields of a link that are set, to compare with an expectation."""
    fields = ("gtin", "cpv", "lot", "serial", "gmn", "tpx", "attributes")
    return {name: getattr(link, name) for name in fields if getattr(link, name)}


def expected_parts(uri: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """What the registry must read from a URI whose element string gives ``pairs``."""
    in_query = query_keys(uri)
    expected: dict[str, Any] = {FIELD_BY_AI[ai]: value for ai, value in pairs if ai not in in_query}
    attributes = tuple((ai, value) for ai, value in pairs if ai in in_query)
    if attributes:
        expected["attributes"] = attributes
    return expected


def stem_of(uri: str) -> str:
    match = re.match(r"https?://[^/]+", uri, flags=re.IGNORECASE)
    assert match is not None
    return match.group(0)


def vector_id(vector: dict[str, Any]) -> str:
    return str(vector["reason"])


# --- the vectors --------------------------------------------------------------------------


def test_every_decision_and_keyword_refers_to_a_vector() -> None:
    # A typo in a table key would silently fall back to the vector's own flag.
    uris = {vector["uri"] for vector in URI_VECTORS}
    assert set(REGISTRY_DECISIONS) <= uris
    assert set(REJECTION_KEYWORDS) <= uris
    assert set(EXPECTED_PARTS) <= uris


@pytest.mark.parametrize("vector", URI_VECTORS, ids=vector_id)
def test_uri_vector_strict_syntax(vector: dict[str, Any]) -> None:
    """The syntax layer behaves as the GS1 syntax engine with its default flags."""
    uri = vector["uri"]
    # Lenient and legacy-flag vectors are, by definition, rejected with default flags.
    expected_valid = vector["valid"] if vector["profile"] == "strict" else False
    if not expected_valid:
        with pytest.raises(InvalidIdentifier) as caught:
            parse_digital_link_elements(uri)
        assert REJECTION_KEYWORDS[uri] in caught.value.detail
        return
    elements = parse_digital_link_elements(uri)
    if "element_string" in vector:
        assert elements.element_string() == vector["element_string"]
        assert list(elements.path + elements.attributes) == element_pairs(vector["element_string"])


@pytest.mark.parametrize("vector", URI_VECTORS, ids=vector_id)
def test_uri_vector_short_gtin_flag(vector: dict[str, Any]) -> None:
    """With the legacy flag, exactly the zero-suppressed GTIN vectors change outcome."""
    uri = vector["uri"]
    syntax_valid = vector["valid"] if vector["profile"] == "strict" else False
    if uri in SHORT_GTIN_URIS:
        elements = parse_digital_link_elements(uri, allow_short_gtin=True)
        gtin = elements.primary_key[1]
        assert len(gtin) == 14 and gtin.lstrip("0") in uri
        if "element_string" in vector:
            assert elements.element_string() == vector["element_string"]
    elif syntax_valid:
        parse_digital_link_elements(uri, allow_short_gtin=True)
    else:
        with pytest.raises(InvalidIdentifier):
            parse_digital_link_elements(uri, allow_short_gtin=True)


@pytest.mark.parametrize("vector", URI_VECTORS, ids=vector_id)
def test_uri_vector_registry(vector: dict[str, Any]) -> None:
    """What the registry accepts: see REGISTRY_DECISIONS for every departure from the flag."""
    uri = vector["uri"]
    if not REGISTRY_DECISIONS.get(uri, vector["valid"]):
        with pytest.raises(InvalidIdentifier) as caught:
            parse_digital_link(uri)
        assert caught.value.detail
        assert REJECTION_KEYWORDS[uri] in caught.value.detail
        return
    link = parse_digital_link(uri)
    if "element_string" in vector:
        assert parts(link) == expected_parts(uri, element_pairs(vector["element_string"]))
    else:
        assert parts(link) == EXPECTED_PARTS[uri]
    # Whatever was accepted has a canonical form that reads back the same.
    canonical = link.uri(stem_of(uri)) + (f"?{link.query()}" if link.attributes else "")
    assert parse_digital_link(canonical) == link


@pytest.mark.parametrize(
    "vector", [v for v in ELEMENT_STRING_VECTORS if "dl_uri" in v], ids=vector_id
)
def test_element_string_vector_builds_its_uri(vector: dict[str, Any]) -> None:
    pairs = bracketed_pairs(vector["element_string"])
    key = {FIELD_BY_AI[ai]: value for ai, value in pairs if ai in FIELD_BY_AI}
    # AIs that are not key or qualifier become data attributes, in the order given.
    attributes = tuple((ai, value) for ai, value in pairs if ai not in FIELD_BY_AI)
    path_uri, _, query = vector["dl_uri"].partition("?")
    stem = stem_of(vector["dl_uri"])

    assert build_digital_link(stem, **key) == path_uri
    # uri() never carries a query; the attributes are rendered separately by query().
    link = DigitalLink(**key, attributes=attributes)
    assert link.uri(stem) == path_uri
    assert link.query() == query
    assert parse_digital_link(vector["dl_uri"]) == link


def test_element_string_vector_with_bad_gtin_is_rejected() -> None:
    (vector,) = [v for v in ELEMENT_STRING_VECTORS if not v["valid"]]
    ((ai, value),) = element_pairs(vector["element_string"])
    with pytest.raises(InvalidIdentifier, match="fails its check digit: expected 1, got 4"):
        validate_ai_value(ai, value)
    with pytest.raises(InvalidIdentifier, match="expected 1, got 4"):
        normalise_gtin(value)


@pytest.mark.parametrize("vector", COMPRESSION_VECTORS, ids=lambda v: str(v["compressed"]))
def test_compressed_uris_are_rejected_and_their_uncompressed_forms_parse(
    vector: dict[str, Any],
) -> None:
    with pytest.raises(
        InvalidIdentifier, match="compressed GS1 Digital Link URIs are not supported"
    ):
        parse_digital_link(vector["compressed"])
    uncompressed = vector["uncompressed"]
    if "/01/9780345418913/" in uncompressed:
        # digital-link.js writes the GTIN-13 unpadded; strict GS1 syntax needs 14 digits.
        with pytest.raises(InvalidIdentifier, match=re.escape(GTIN_IN_URI_RULE)):
            parse_digital_link(uncompressed)
        elements = parse_digital_link_elements(uncompressed, allow_short_gtin=True)
        assert elements.primary_key == ("01", "09780345418913")
    else:
        assert parse_digital_link(uncompressed).gtin == "09780345418913"


# --- building and parsing -----------------------------------------------------------------

LINKS = [
    pytest.param(DigitalLink(gtin="09520123456788"), "model", id="model"),
    pytest.param(DigitalLink(gtin="09520123456788", cpv="2A"), "model", id="variant"),
    pytest.param(DigitalLink(gtin="09520123456788", lot="A/B"), "batch", id="batch"),
    pytest.param(DigitalLink(gtin="09520123456788", lot="ABC1", serial="12345"), "item", id="item"),
    pytest.param(
        DigitalLink(gtin="09520123456788", serial="!\"%&'()*+,-./:;<=>?"),
        "item",
        id="item-punctuation",
    ),
    pytest.param(
        DigitalLink(gtin="12312312312333", cpv="T", lot="L&+1", serial="X/Y"),
        "item",
        id="all-qualifiers",
    ),
    pytest.param(DigitalLink(gtin="12312312312333", tpx="TEST"), "item", id="tpx"),
    pytest.param(DigitalLink(gmn="1987654Ad4X4bL5ttr2310c2K"), "model", id="gmn"),
]


@pytest.mark.parametrize(("link", "granularity"), LINKS)
@pytest.mark.parametrize(
    "base", ["https://id.gs1.org", "http://127.0.0.1:5000/", "https://registry.example/dl"]
)
def test_round_trip(link: DigitalLink, granularity: str, base: str) -> None:
    fields = {name: value for name, value in parts(link).items() if name != "attributes"}
    uri = build_digital_link(base, **fields)
    assert uri == base.removesuffix("/") + link.path()
    assert parse_digital_link(uri) == link
    assert parse_digital_link_path(link.path()) == link
    assert link.granularity == granularity


def test_round_trip_with_data_attributes() -> None:
    link = DigitalLink(
        gtin="09520123456788", lot="ABC1", attributes=(("17", "261231"), ("3103", "000189"))
    )
    uri = f"{link.uri('https://id.gs1.org')}?{link.query()}"
    assert uri == "https://id.gs1.org/01/09520123456788/10/ABC1?17=261231&3103=000189"
    assert parse_digital_link(uri) == link


def test_canonical_path_percent_encodes_all_but_unreserved_characters() -> None:
    assert DigitalLink(gtin="09520123456788", lot="A/B").path() == "/01/09520123456788/10/A%2FB"
    # "~" is unreserved too, but not in GS1 character set 82.
    assert DigitalLink(gtin="09520123456788", serial="a-b.c_d").path() == (
        "/01/09520123456788/21/a-b.c_d"
    )
    assert DigitalLink(gtin="05412345000013", lot="ABC&+123").path() == (
        "/01/05412345000013/10/ABC%26%2B123"
    )


def test_space_is_not_gs1_and_cannot_be_built() -> None:
    with pytest.raises(InvalidIdentifier, match="' ' at position 4 is not allowed"):
        build_digital_link("https://id.gs1.org", gtin="09520123456788", lot="A/B 1")


def test_short_gtin_is_padded_when_building() -> None:
    assert build_digital_link("https://id.gs1.org/", gtin="9520123456788", serial="1") == (
        "https://id.gs1.org/01/09520123456788/21/1"
    )
    assert DigitalLink(gtin="96385074").gtin == "00000096385074"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs a primary key"),
        ({"gtin": "09520123456788", "gmn": "1987654Ad4X4bL5ttr2310c2K"}, "exclusive"),
        ({"gmn": "1987654Ad4X4bL5ttr2310c2K", "lot": "1"}, "takes no qualifiers"),
        ({"gtin": "09520123456788", "tpx": "T", "serial": "1"}, "cannot be combined"),
        ({"gtin": "09520123456789"}, "expected 8, got 9"),
        ({"gtin": "09520123456788", "serial": ""}, "it is empty"),
    ],
)
def test_build_rejects_what_is_not_a_product_identifier(
    fields: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        build_digital_link("https://id.gs1.org", **fields)


@pytest.mark.parametrize("base", ["id.gs1.org", "ftp://id.gs1.org", "https://x.org/?a=1", ""])
def test_build_rejects_a_base_that_is_not_an_http_url(base: str) -> None:
    # A bad base would be printed into QR codes that can never be corrected.
    with pytest.raises(InvalidIdentifier, match="base URL"):
        build_digital_link(base, gtin="09520123456788")


def test_qualifier_order_is_enforced_with_a_clear_message() -> None:
    with pytest.raises(InvalidIdentifier, match="qualifier 21 must come after 10"):
        parse_digital_link("https://id.gs1.org/01/09520123456788/21/S1/10/L1")


def test_trailing_slash_is_strict_by_default_and_tolerated_on_request() -> None:
    uri = "https://id.gs1.org/01/09520123456788/21/12345/"
    with pytest.raises(InvalidIdentifier, match="must not end with '/'"):
        parse_digital_link(uri)
    expected = DigitalLink(gtin="09520123456788", serial="12345")
    assert parse_digital_link(uri, allow_trailing_slash=True) == expected
    assert (
        parse_digital_link_path("/01/09520123456788/21/12345/", allow_trailing_slash=True)
        == expected
    )
    with pytest.raises(InvalidIdentifier, match="empty segment"):
        parse_digital_link(uri + "/", allow_trailing_slash=True)


def test_path_may_have_a_custom_prefix_and_escapes() -> None:
    link = parse_digital_link_path("/some/other/path/info/01/09520123456788/10/A%2fB")
    assert link == DigitalLink(gtin="09520123456788", lot="A/B")


def test_query_keeps_gs1_attributes_and_ignores_everything_else() -> None:
    link = parse_digital_link(
        "https://id.gs1.org/01/09520123456788?&&linkType=gs1:dpp&flag&17=261231&context=x&"
    )
    assert link.attributes == (("17", "261231"),)


def test_plus_is_literal_in_the_path_and_encoded_plus_is_literal_in_the_query() -> None:
    link = parse_digital_link("https://a.example/01/09520123456788/10/A+1?240=B%2B2")
    assert (link.lot, link.attributes) == ("A+1", (("240", "B+2"),))


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("https://a.example/01/09520123456788/10/50%OFF", "malformed percent-escape"),
        ("https://a.example/01/09520123456788/10/A%20B", "' ' at position 2 is not allowed"),
        ("https://a.example/01/09520123456788/10/Ä", "'Ä' at position 40, which is not allowed"),
        # %FF is not UTF-8: it decodes to U+FFFD, which GS1 character set 82 refuses.
        ("https://a.example/01/09520123456788/10/%FF", "'\ufffd' at position 1 is not allowed"),
        ("https://a.example/01/09520123456788?=1", "has a value but no name"),
        # ...and says why a numeric parameter is taken for an AI at all.
        ("https://a.example/01/09520123456788?4444=1", "unknown AI 4444 in the query string: num"),
        # A space from %20 is refused as a space; only a "+" gets the hint about "+".
        ("https://a.example/01/09520123456788?99=A%20B", "' ' at position 2 is not allowed"),
        # The key path ends at the first segment from the right that is not an AI (2 to 4
        # digits): "abc" and "12345" are custom path, so there is no key path after them.
        ("https://a.example/01/09520123456788/abc/1", "no GS1 Digital Link primary key"),
        ("https://a.example/01/09520123456788/12345/1", "no GS1 Digital Link primary key"),
        # Alphabetic AI names are looked for where an AI would stand, not in a value's place.
        ("https://a.example/x/y/gtin", "no GS1 Digital Link primary key"),
        ("https://a.example/x/gtin/y", "use the numeric AI /01/"),
        ("https://a.example/gtin/1/x/y/z/w", "use the numeric AI /01/"),
        # Compressed links: one base64url segment of 10 or more characters, mixed case.
        ("https://a.example/AbCdEfGhIj", "compressed GS1 Digital Link URIs are not supported"),
        ("https://a.example/AbCdEfGhI", "no GS1 Digital Link primary key"),
        (
            "https://a.example/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            "compressed GS1 Digital Link URIs are not supported",
        ),
        # Hosts: no userinfo, no characters a host name cannot have.
        ("https://a.example@evil.example/01/09520123456788", "contains '@'"),
        ("https://a_b.example/01/09520123456788", "contains '_'"),
        ("https:///01/09520123456788", "has no host"),
        ("https://a.example/01/09520123456788?21=1", "must be in the path"),
        ("https://a.example/01/09520123456788?3103=000189&3102=000189", "cannot be combined"),
        ("https://a.example/01/09520123456788?17=", "empty value"),
        ("https://a.example/8013/1987654Ad4X4bL5ttr2310c2K/21/1", "takes no key qualifiers"),
        ("https://a.example/8013/1987654Ad4X4bL5ttr2310c2K?10=1", "requires AI 01"),
        ("https://a.example/products/kettle", "no GS1 Digital Link primary key"),
        ("https://a.example", "has no path"),
        ("ftp://a.example/01/09520123456788", "starts with http:// or https://"),
    ],
)
def test_malformed_links_are_rejected_with_a_reason(uri: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=re.escape(message)):
        parse_digital_link(uri)


def test_a_path_as_a_resolver_sees_it_starts_with_a_slash_and_drops_the_fragment() -> None:
    with pytest.raises(InvalidIdentifier, match="path starts with '/'"):
        parse_digital_link_path("01/09520123456788")
    # A fragment never carries GS1 data, in the path or after the query.
    assert parse_digital_link_path("/01/09520123456788/10/A#/21/1").serial is None
    link = parse_digital_link("https://a.example/01/09520123456788?17=261231#&3103=000189")
    assert link.attributes == (("17", "261231"),)


def test_any_host_name_is_read_up_to_the_path() -> None:
    # Any letters and digits make a host (the registry takes Digital Links of any brand's
    # domain); the host ends at the first "/", "?" or "#", never at a letter.
    for host in ("EXAMPLE.COM", "xn--bcher-kva.example", "10.0.0.1:8080", "[::1]"):
        link = parse_digital_link(f"https://{host}/01/09520123456788")
        assert link.gtin == "09520123456788", host


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://id.gs1.org/01/09520123456788", True),
        ("/01/09520123456788/21/1", True),
        ("http://127.0.0.1:5000/8013/1987654Ad4X4bL5ttr2310c2K", True),
        ("https://brand.example/c/01/09520123456788?linkType=all", True),
        ("https://registry.example/api/v1/passports/01", False),
        ("https://registry.example/gtin/09520123456788", False),
        ("https://registry.example/", False),
        ("", False),
        # A key without a value is not a Digital Link, with or without the host.
        ("/01/", False),
        ("https://registry.example/01/", False),
        # The host is not a path segment, even when it is spelt like an AI...
        ("https://01/09520123456788", False),
        # ...and only the first "://" ends the scheme: a later one is part of the path.
        ("https://brand.example/a://b/01/09520123456788", True),
    ],
)
def test_looks_like_digital_link(uri: str, expected: bool) -> None:
    assert looks_like_digital_link(uri) is expected


def test_attributes_given_as_a_list_are_kept_as_a_tuple() -> None:
    link = DigitalLink(gtin="09520123456788", attributes=[("3103", "000189")])  # type: ignore[arg-type]
    assert link.attributes == (("3103", "000189"),)
    assert hash(link) == hash(DigitalLink(gtin="09520123456788", attributes=(("3103", "000189"),)))


def test_a_gtin_among_the_attributes_must_be_14_digits_too() -> None:
    # "?01=" is padded nowhere: a GTIN-13 in the query string is refused, as in the path.
    gmn = "1987654Ad4X4bL5ttr2310c2K"
    with pytest.raises(InvalidIdentifier, match=re.escape(GTIN_IN_URI_RULE)):
        DigitalLink(gmn=gmn, attributes=(("01", "9520123456788"),))
    with pytest.raises(InvalidIdentifier, match=re.escape(GTIN_IN_URI_RULE)):
        parse_digital_link(f"https://id.example/8013/{gmn}?01=9520123456788")


def test_an_attribute_may_rely_on_a_qualifier_in_the_path() -> None:
    # AI 250 (secondary serial) needs 01 with 21: the serial in the path counts.
    link = parse_digital_link("https://a.example/01/09520123456788/21/1?250=A")
    assert (link.serial, link.attributes) == ("1", (("250", "A"),))
    with pytest.raises(InvalidIdentifier, match=r"requires AI 01 with 21"):
        parse_digital_link("https://a.example/01/09520123456788?250=A")
