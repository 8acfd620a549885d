"""AI values checked against the GS1 syntax dictionary: GMNs, qualifiers, dates and measures."""

from __future__ import annotations

import pytest

from passport.errors import InvalidIdentifier
from passport.gs1.digital_link import DigitalLink, parse_digital_link
from passport.gs1.values import validate_ai_value, validate_gmn

# --- GMN ----------------------------------------------------------------------------------

# GS1's own csumalpha vectors (gs1-syntax-dictionary, lint_csumalpha unit tests) that start
# with the four digits of a GS1 Company Prefix, as AI 8013 requires; together they weigh
# every character of CSET 82. "12345ANJ": GS1 GMN library, checkCharacters("12345A") == "NJ".
VALID_GMNS = [
    "1987654Ad4X4bL5ttr2310c2K",
    "12345678901234567890123NT",
    "12345_ABCDEFGHIJKLMCP",
    "12345_NOPQRSTUVWXYZDN",
    "12345_abcdefghijklmN3",
    "12345_nopqrstuvwxyzP2",
    "12345_!\"%&'()*+,-./LC",
    "12345_0123456789:;<=>?62",
    "7907665Bm8v2AB",
    "97850l6KZm0yCD",
    "225803106GSpEF",
    "149512464PM+GH",
    "62577B8fRG7HJK",
    "23956qk1&dB!23",
    "00000!HV",
    "99999zzzzzzzzzzzzzzzzzzT2",
    "12345ANJ",
]


@pytest.mark.parametrize("gmn", VALID_GMNS)
def test_valid_gmns_pass_and_round_trip_as_model_links(gmn: str) -> None:
    assert validate_gmn(gmn) == gmn
    link = DigitalLink(gmn=gmn)
    assert link.granularity == "model"
    assert parse_digital_link(link.uri("https://id.gs1.org")) == link


@pytest.mark.parametrize(
    ("gmn", "message"),
    [
        (
            "1987654Ad4X4bL5ttr2310cXK",
            "GMN 1987654Ad4X4bL5ttr2310cXK fails its check characters: expected 2K, got XK",
        ),
        ("1987654Ad4X4bL5ttr2310c2X", "expected 2K, got 2X"),
        ("1987654Ad4X4bL5ttr2310c2KZ", "must be 1 to 25 characters from GS1 character set 82"),
        ("12345678901234567890123 T", "' ' at position 24 is not allowed"),
        ("22", "must begin with a GS1 Company Prefix"),
        ("", "it is empty"),
    ],
)
def test_invalid_gmns_say_why(gmn: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_gmn(gmn)
    assert message in caught.value.detail


# --- AI values ----------------------------------------------------------------------------


@pytest.mark.parametrize(("ai", "longest"), [("10", 20), ("21", 20), ("22", 20), ("235", 28)])
def test_qualifier_values_have_their_gs1_length(ai: str, longest: int) -> None:
    assert validate_ai_value(ai, "A" * longest) == "A" * longest
    with pytest.raises(InvalidIdentifier) as caught:
        validate_ai_value(ai, "A" * (longest + 1))
    assert f"must be 1 to {longest} characters from GS1 character set 82" in caught.value.detail
    assert f"got {longest + 1} characters" in caught.value.detail


def test_lot_message_names_the_ai_and_the_rule() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_ai_value("10", "LOT#1")
    assert caught.value.detail == (
        "AI 10 (batch/lot) must be 1 to 20 characters from GS1 character set 82: "
        "'#' at position 4 is not allowed"
    )


@pytest.mark.parametrize("value", ["", "AB C", "Ä1", "A\tB"])
def test_values_outside_cset_82_are_rejected(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="AI 21 .* must be 1 to 20 characters"):
        validate_ai_value("21", value)


def test_every_cset_82_punctuation_character_is_a_valid_serial() -> None:
    assert validate_ai_value("21", "!\"%&'()*+,-./:;<=>?_") == "!\"%&'()*+,-./:;<=>?_"


def test_unknown_ai_is_rejected() -> None:
    with pytest.raises(InvalidIdentifier, match="unknown AI 89"):
        validate_ai_value("89", "ABC")


@pytest.mark.parametrize(
    ("ai", "value", "valid"),
    [
        ("17", "261231", True),
        ("17", "200229", True),  # 2020 is a leap year
        ("17", "210229", False),
        ("17", "261301", False),
        ("17", "261200", True),  # day 00: the last day of the month
        ("11", "2612", False),
        ("7003", "2612312359", True),
        ("7003", "2612312460", False),
        ("3103", "000189", True),
    ],
)
def test_dates_and_measures_are_checked(ai: str, value: str, valid: bool) -> None:
    if valid:
        assert validate_ai_value(ai, value) == value
    else:
        with pytest.raises(InvalidIdentifier):
            validate_ai_value(ai, value)


@pytest.mark.parametrize(
    ("ai", "value", "message"),
    [
        # A stray character is named before a wrong length it also causes.
        ("17", "AB", "AI 17 (USE BY or EXPIRY) must be 6 digits: 'A' at position 1 is not allowed"),
        # An AI of several components names its whole format, and each component's characters
        # are checked where they stand.
        ("8003", "x", "must be in the GS1 format N1,zero N13,csum,gcppos1 [X..16]: got 1 char"),
        ("8003", "0A3456789012341", "[X..16]: 'A' at position 2 is not allowed"),
        ("4444", "1", "unknown AI 4444: it is not in the GS1 Barcode Syntax Dictionary"),
    ],
)
def test_a_refused_value_names_the_rule_it_broke(ai: str, value: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        validate_ai_value(ai, value)
    assert message in str(refused.value)
    assert str(refused.value).startswith(f"AI {ai} (" if ai != "4444" else "unknown AI 4444:")


def test_the_coupon_ais_whose_linters_are_not_implemented_check_their_format_only() -> None:
    # 8110 and 8112 name linters (couponcode, couponposoffer) this registry does not run.
    assert validate_ai_value("8110", "0123") == "0123"
    assert validate_ai_value("8112", "0123") == "0123"
