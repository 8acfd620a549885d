"""GS1 check characters: the mod-10 check digit (GTIN and others) and csumalpha (GMN)."""

from __future__ import annotations

from passport.errors import InvalidIdentifier
from passport.gs1.charsets import CSET_32, CSET_82, is_digits

GTIN_LENGTHS = (8, 12, 13, 14)

_CSET_82_VALUE = {char: value for value, char in enumerate(CSET_82)}
# Weights of csumalpha: the primes 2, 3, 5, ... from the right (the last character before the
# pair weighs 2); lint_csumalpha has the first 97, enough for the longest AI value (99).
_CSUMALPHA_WEIGHTS = tuple(
    n for n in range(2, 510) if all(n % d for d in range(2, int(n**0.5) + 1))
)


def gs1_check_digit(digits_without_check: str) -> int:
    """The GS1 mod-10 check digit: weights 3, 1, 3, ... from the rightmost digit."""
    if not is_digits(digits_without_check):
        raise InvalidIdentifier(
            f"a GS1 check digit is computed over digits only, got {digits_without_check!r}"
        )
    total = sum(
        int(digit) * (3 if position % 2 == 0 else 1)
        for position, digit in enumerate(reversed(digits_without_check))
    )
    return (10 - total % 10) % 10


def _check_pair(data: str) -> str:
    """GS1 csumalpha: the two CSET 32 check characters of ``data`` (GenSpecs 7.9.5)."""
    weights = reversed(_CSUMALPHA_WEIGHTS[: len(data)])
    total = sum(_CSET_82_VALUE[char] * weight for char, weight in zip(data, weights, strict=True))
    total %= 1021
    return CSET_32[total // 32] + CSET_32[total % 32]


def lint_csum(part: str) -> str | None:
    """The dictionary's ``csum`` linter: None, or what is wrong with the check digit."""
    expected = gs1_check_digit(part[:-1])
    if int(part[-1]) == expected:
        return None
    return f"fails its check digit: expected {expected}, got {part[-1]}"


def lint_csumalpha(part: str) -> str | None:
    """The dictionary's ``csumalpha`` linter: None, or what is wrong with the check pair."""
    if len(part) < 2:
        return "is too short to carry its two check characters"
    if len(part) - 2 > len(_CSUMALPHA_WEIGHTS):
        return "is too long for its check character pair"
    expected = _check_pair(part[:-2])
    if part[-2:] == expected:
        return None
    return f"fails its check characters: expected {expected}, got {part[-2:]}"


def normalise_gtin(value: str) -> str:
    """A GTIN-8, -12, -13 or -14 as its 14-digit form, after checking its check digit."""
    if not value:
        raise InvalidIdentifier("GTIN is empty")
    for position, char in enumerate(value, start=1):
        if not is_digits(char):
            raise InvalidIdentifier(
                f"GTIN {value!r} must contain digits only: {char!r} at position {position} "
                "is not a digit"
            )
    if len(value) not in GTIN_LENGTHS:
        raise InvalidIdentifier(
            f"GTIN {value} has {len(value)} digits: a GTIN has 8, 12, 13 or 14 digits"
        )
    _check_gtin_digit(value)
    return value.zfill(14)


def _check_gtin_digit(value: str) -> None:
    expected = gs1_check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise InvalidIdentifier(
            f"GTIN {value} fails its check digit: expected {expected}, got {value[-1]}"
        )
