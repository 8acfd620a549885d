"""GS1 check digits and GTINs."""

from __future__ import annotations

import pytest

from passport.errors import InvalidIdentifier
from passport.gs1.check_digits import (
    _CSUMALPHA_WEIGHTS,
    GTIN_LENGTHS,
    gs1_check_digit,
    lint_csumalpha,
    normalise_gtin,
)

# --- GTIN ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gtin", "gtin14"),
    [
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
        ("4006381333931", "04006381333931"),
        ("09520123456788", "09520123456788"),
    ],
)
def test_valid_gtins_normalise_to_14_digits(gtin: str, gtin14: str) -> None:
    assert len(gtin) in GTIN_LENGTHS
    assert normalise_gtin(gtin) == gtin14
    assert gs1_check_digit(gtin[:-1]) == int(gtin[-1])


def test_bad_check_digit_names_the_expected_digit() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_gtin("09520123456789")
    assert caught.value.detail == "GTIN 09520123456789 fails its check digit: expected 8, got 9"


@pytest.mark.parametrize(
    "gtin",
    [
        "0952012345678A",
        "09520-23456788",
        " 09520123456788",
        "09520123456788\n",
        "０９５２０１２３４５６７８８",
    ],
)
def test_gtin_with_anything_but_ascii_digits_is_rejected(gtin: str) -> None:
    with pytest.raises(InvalidIdentifier, match="must contain digits only"):
        normalise_gtin(gtin)


@pytest.mark.parametrize("gtin", ["1234565", "12345678901", "123456789012345"])
def test_gtin_of_wrong_length_is_rejected(gtin: str) -> None:
    with pytest.raises(InvalidIdentifier, match=f"has {len(gtin)} digits: a GTIN has 8, 12"):
        normalise_gtin(gtin)


def test_empty_gtin_is_rejected() -> None:
    with pytest.raises(InvalidIdentifier, match="GTIN is empty"):
        normalise_gtin("")


def test_check_digit_needs_digits() -> None:
    with pytest.raises(InvalidIdentifier, match="digits only"):
        gs1_check_digit("95201234567X")


def test_the_check_pair_needs_two_characters_and_at_most_one_weight_per_character() -> None:
    assert lint_csumalpha("A") == "is too short to carry its two check characters"
    longest = "1" * (len(_CSUMALPHA_WEIGHTS) + 2)
    assert lint_csumalpha(longest) is not None and "expected" in lint_csumalpha(longest)
    assert lint_csumalpha(longest + "1") == "is too long for its check character pair"


def test_a_gtin_with_a_letter_names_its_position() -> None:
    with pytest.raises(InvalidIdentifier, match="'A' at position 3 is not a digit"):
        normalise_gtin("12A")
