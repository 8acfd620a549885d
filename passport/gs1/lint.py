"""The linters of the GS1 Barcode Syntax Dictionary: dates, prefixes, code lists and more.

Each linter reads one component of an AI value, as the dictionary's format has shaped it, and
says what is wrong with it (None: nothing). They follow gs1/gs1-syntax-dictionary
``src/lint_*.c``, whose unit tests run against them
(``tests/passport/gs1/test_gs1_syntax_engine_vectors.py``); the check-character linters live
in ``passport.gs1.check_digits``.
"""

from __future__ import annotations

import calendar
import json
import string
from collections.abc import Callable
from importlib.resources import files

from passport.errors import InvalidIdentifier
from passport.gs1.charsets import BASE64URL, CHARSETS, is_digits
from passport.gs1.check_digits import lint_csum, lint_csumalpha

# A GS1 Company Prefix has at least 4 digits; the syntax engine checks no more without a
# prefix list (lint_gcppos1).
_GCP_MIN_LENGTH = 4


def _valid_yymmdd(part: str, *, zero_day: bool) -> bool:
    month, day = int(part[2:4]), int(part[4:6])
    if not 1 <= month <= 12:
        return False
    if day == 0:
        return zero_day  # "00" means the last day of the month where yymmd0 allows it
    # Century 2000 gets every leap year right for the GS1 sliding window until 2050.
    return day <= calendar.monthrange(2000 + int(part[:2]), month)[1]


def _valid_yyyymmdd(part: str) -> bool:
    month, day = int(part[4:6]), int(part[6:8])
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(int(part[:4]), month)[1]


def _digits_of(part: str, length: int) -> bool:
    return len(part) == length and is_digits(part)


def _piece_of_total(part: str) -> bool:
    """PPTT, PPPTTT, ...: piece and total of equal width, neither zero, piece <= total."""
    half = len(part) // 2
    if not part or len(part) % 2 or not is_digits(part):
        return False
    piece, total = int(part[:half]), int(part[half:])
    return 0 < piece <= total


def _lint_gcp(part: str) -> str | None:
    if len(part) >= _GCP_MIN_LENGTH and is_digits(part[:_GCP_MIN_LENGTH]):
        return None
    return f"must begin with a GS1 Company Prefix (at least {_GCP_MIN_LENGTH} digits)"


def _rule(check: Callable[[str], bool], problem: str) -> Callable[[str], str | None]:
    return lambda part: None if check(part) else problem.format(part=part)


# The code lists some linters check against (ISO 3166, ISO 4217, media and package types),
# read from the linters' own tables in gs1/gs1-syntax-dictionary (see the file's "_about").
_CODE_LISTS: dict[str, frozenset[str]] = {
    name: frozenset(codes)
    for name, codes in json.loads(
        (files("schemas") / "gs1-linter-code-lists.json").read_text(encoding="utf-8")
    ).items()
    if name != "_about"
}
_HEX = frozenset(string.hexdigits)
_IMPORTER_INDEX = frozenset(
    "-" + string.digits + string.ascii_uppercase + "_" + string.ascii_lowercase
)
# IBAN (ISO 13616): lint_iban's bounds; the shortest real IBAN is longer than 10.
_IBAN_LENGTHS = (11, 34)


def _lint_code(name: str, what: str) -> Callable[[str], str | None]:
    codes = _CODE_LISTS[name]
    return lambda part: None if part in codes else f"{part!r} is not {what}"


def _lint_pcenc(part: str) -> str | None:
    index = part.find("%")
    while index != -1:
        escape = part[index + 1 : index + 3]
        if len(escape) < 2 or not set(escape) <= _HEX:
            return f"has a malformed percent-escape at position {index + 1}"
        index = part.find("%", index + 3)
    return None


def _lint_iban(part: str) -> str | None:
    if len(part) < 4:
        return "is too short for an IBAN"
    if part[:2] not in _CODE_LISTS["iso3166alpha2"]:
        return "does not start with an ISO 3166 alpha-2 country code (IBAN)"
    low, high = _IBAN_LENGTHS
    if not low <= len(part) <= high:
        return f"has {len(part)} characters: an IBAN has {low} to {high}"
    rotated = part[4:] + part[:4]
    if not all(char in string.digits or "A" <= char <= "Z" for char in rotated):
        return "may contain only digits and capital letters (IBAN)"
    if int("".join(str(int(char, 36)) for char in rotated)) % 97 != 1:
        return "fails its IBAN check digits"
    return None


def _lint_position_in_sequence(part: str) -> str | None:
    position, slash, total = part.partition("/")
    if not (slash and is_digits(position) and is_digits(total)):
        return "must be 'position/total' in digits"
    if position.startswith("0") or total.startswith("0"):
        return "must not have a leading zero"
    if int(position) > int(total):
        return f"has position {position} after the end of the sequence ({total})"
    return None


def _lint_cset64(part: str) -> str | None:
    """GS1 character set 64 (base64url): at most two "=" of padding, and only at the end."""
    data = part.rstrip("=")
    pads = len(part) - len(data)
    if pads > 2 or (pads and len(part) % 3):
        return "has invalid base64 padding"
    bad = next((char for char in data if char not in BASE64URL), None)
    return None if bad is None else f"has {bad!r}, which is not in GS1 character set 64"


def _lint_charset(charset: str) -> Callable[[str], str | None]:
    allowed, description = CHARSETS[charset]
    return lambda part: next(
        (f"has {c!r}, which is not among the {description}" for c in part if c not in allowed),
        None,
    )


# The linters the dictionary names, as gs1/gs1-syntax-dictionary src/lint_*.c define them (their
# unit tests run against these: tests/passport/gs1/test_gs1_syntax_engine_vectors.py).
_LINTERS: dict[str, Callable[[str], str | None]] = {
    "csum": lint_csum,
    "csumalpha": lint_csumalpha,
    "gcppos1": _lint_gcp,
    "gcppos2": lambda part: _lint_gcp(part[1:]),
    "yymmd0": _rule(
        lambda p: _digits_of(p, 6) and _valid_yymmdd(p, zero_day=True),
        "has an impossible date {part} (expected YYMMDD)",
    ),
    "yymmdd": _rule(
        lambda p: _digits_of(p, 6) and _valid_yymmdd(p, zero_day=False),
        "has an impossible date {part} (expected YYMMDD)",
    ),
    "yyyymmd0": _rule(
        lambda p: _digits_of(p, 8) and (p[6:] == "00" or _valid_yyyymmdd(p)),
        "has an impossible date {part} (expected YYYYMMDD)",
    ),
    "yyyymmdd": _rule(
        lambda p: _digits_of(p, 8) and _valid_yyyymmdd(p),
        "has an impossible date {part} (expected YYYYMMDD)",
    ),
    "hhmi": _rule(
        lambda p: _digits_of(p, 4) and int(p[:2]) < 24 and int(p[2:]) < 60,
        "has an impossible time {part} (expected HHMI)",
    ),
    "hh": _rule(lambda p: _digits_of(p, 2) and int(p) < 24, "has an impossible hour {part}"),
    "mi": _rule(lambda p: _digits_of(p, 2) and int(p) < 60, "has an impossible minute {part}"),
    "ss": _rule(lambda p: _digits_of(p, 2) and int(p) < 60, "has an impossible second {part}"),
    "yesno": _rule(lambda p: p in ("0", "1"), "must be 0 (no) or 1 (yes), got {part}"),
    "zero": _rule(lambda p: p != "" and set(p) == {"0"}, "must be zero here, got {part}"),
    "nonzero": _rule(lambda p: int(p) != 0, "must not be zero here, got {part}"),
    "winding": _rule(
        lambda p: p in ("0", "1", "9"), "has a winding direction {part} that is not 0, 1 or 9"
    ),
    "hyphen": _rule(lambda p: p != "" and set(p) == {"-"}, "may only be '-', got {part!r}"),
    "nozeroprefix": _rule(
        lambda p: is_digits(p) and not p.startswith("0") or p == "",
        "must be digits without a leading 0, got {part}",
    ),
    "hasnondigit": _rule(lambda p: not is_digits(p) and p != "", "must contain a non-digit"),
    "pieceoftotal": _rule(_piece_of_total, "has piece {part} that is not 'piece of total'"),
    "pcenc": _lint_pcenc,
    "iso3166": _lint_code("iso3166", "an ISO 3166-1 numeric country code"),
    "iso3166999": lambda part: (
        None
        if part == "999"
        else _lint_code("iso3166", "an ISO 3166-1 numeric country code or 999")(part)
    ),
    "iso3166alpha2": _lint_code("iso3166alpha2", "an ISO 3166-1 alpha-2 country code"),
    "iso4217": _lint_code("iso4217", "an ISO 4217 numeric currency code"),
    "iso5218": _rule(lambda p: p in ("0", "1", "2", "9"), "is not an ISO 5218 sex code {part}"),
    "mediatype": _lint_code("mediatype", "a media type code (AI 7241)"),
    "packagetype": _lint_code("packagetype", "a package type code (AI 7041)"),
    "importeridx": _rule(
        lambda p: len(p) == 1 and p in _IMPORTER_INDEX, "is not an importer index {part!r}"
    ),
    "latitude": _rule(
        lambda p: len(p) == 10 and is_digits(p) and int(p) <= 1_800_000_000,
        "is not a latitude (10 digits, at most 1800000000)",
    ),
    "longitude": _rule(
        lambda p: len(p) == 10 and is_digits(p) and int(p) <= 3_600_000_000,
        "is not a longitude (10 digits, at most 3600000000)",
    ),
    "posinseqslash": _lint_position_in_sequence,
    "iban": _lint_iban,
}
# The character-set linters, as the dictionary's components name their sets.
_CHARSET_LINTERS: dict[str, Callable[[str], str | None]] = {
    "csetnumeric": _lint_charset("N"),
    "cset82": _lint_charset("X"),
    "cset39": _lint_charset("Y"),
    "cset64": _lint_cset64,
}
# Not implemented: the North American coupon linters of AIs 8110 and 8112 (couponcode,
# couponposoffer); those values are still checked for character set and length.


def implemented(linter: str) -> bool:
    """Whether :func:`lint` runs ``linter``: every linter the dictionary names but the coupons."""
    return linter in _LINTERS or linter in _CHARSET_LINTERS


def lint(linter: str, value: str) -> str | None:
    """Run one linter of the GS1 Barcode Syntax Dictionary: None if ``value`` passes.

    Otherwise a phrase saying what is wrong ("fails its check digit: ..."). Linters read the
    component as the dictionary's format has already shaped it; anything they cannot read
    fails.
    """
    check = _LINTERS.get(linter) or _CHARSET_LINTERS.get(linter)
    if check is None:
        raise KeyError(f"no linter {linter!r}")
    try:
        return check(value)
    except (ValueError, IndexError, KeyError, InvalidIdentifier):
        return f"is not what linter {linter} expects"
