"""GS1 identifiers: GTIN and GMN check characters, AI values and GS1 Digital Link URIs.

Standard library only. Every rejection raises ``InvalidIdentifier`` whose message says why,
so the edges can show it to the person who typed or scanned the identifier.

Two layers of Digital Link parsing:

* ``parse_digital_link_elements`` is the GS1 syntax as the GS1 Barcode Syntax Engine checks it
  with its default flags (gs1/gs1-syntax-engine ``src/c-lib/dl.c``): any primary key of the
  GS1 Barcode Syntax Dictionary, unknown AIs rejected, GTIN-8/12/13 in the path rejected
  unless ``allow_short_gtin`` is set.
* ``parse_digital_link`` and ``parse_digital_link_path`` are what the registry accepts: the
  same syntax, path and query string, restricted to the product keys 01 (GTIN) and 8013 (GMN).
  AI 01 in a URI is 14 digits, as GS1 writes it; GTIN-8/12/13 are padded only where a GTIN
  arrives as a plain field (``normalise_gtin``, ``DigitalLink(gtin=...)``).

Every rule comes from the GS1 Barcode Syntax Dictionary: formats and linters of each AI,
``dlpkey`` (primary keys and their key-qualifier sequences), ``req``/``ex`` (mandatory
associations and invalid pairs) and the "?" flag (permitted as a data attribute).

Compressed Digital Link URIs are recognised and rejected, not decompressed.
"""

from __future__ import annotations

import calendar
import json
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from passport.errors import InvalidIdentifier

__all__ = [
    "CSET_32",
    "CSET_39",
    "CSET_82",
    "GS1_SYNTAX_DICTIONARY",
    "GTIN_IN_URI_RULE",
    "GTIN_LENGTHS",
    "DigitalLink",
    "DigitalLinkElements",
    "build_digital_link",
    "check_ai_combination",
    "check_key_path",
    "gs1_check_digit",
    "lint",
    "looks_like_digital_link",
    "normalise_gtin",
    "parse_digital_link",
    "parse_digital_link_elements",
    "parse_digital_link_path",
    "validate_ai_value",
    "validate_gmn",
]

GTIN_LENGTHS = (8, 12, 13, 14)

# GS1 General Specifications, figure 7.11-1: the order is the value used by csumalpha.
CSET_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CSET_39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CSET_32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_BASE64URL = string.ascii_letters + string.digits + "-_"
_CHARSETS: dict[str, tuple[frozenset[str], str]] = {
    "N": (frozenset(string.digits), "digits"),
    "X": (frozenset(CSET_82), "characters from GS1 character set 82"),
    "Y": (frozenset(CSET_39), "characters from GS1 character set 39"),
    # CSET 64 is base64url with "=" padding (AI 8030, digital signature).
    "Z": (frozenset(_BASE64URL + "="), "characters from GS1 character set 64"),
}
_CSET_82_VALUE = {char: value for value, char in enumerate(CSET_82)}
# Weights of csumalpha: the primes 2, 3, 5, ... from the right (the last character before the
# pair weighs 2); lint_csumalpha has the first 97, enough for the longest AI value (99).
_CSUMALPHA_WEIGHTS = tuple(
    n for n in range(2, 510) if all(n % d for d in range(2, int(n**0.5) + 1))
)
# A GS1 Company Prefix has at least 4 digits; the syntax engine checks no more without a
# prefix list (lint_gcppos1).
_GCP_MIN_LENGTH = 4

# The GS1 Barcode Syntax Dictionary (gs1/gs1-syntax-dictionary @ff2eb4bf, Apache-2.0), shipped
# as a data file in `schemas/`: a new GS1 release is a file swap, not a code change. Syntax of
# a line: AIs [flags] components [attributes] # title; flag "*" = fixed length (no FNC1 needed
# after it), "?" = allowed as a Digital Link data attribute.
GS1_SYNTAX_DICTIONARY = (files("schemas") / "gs1-syntax-dictionary.txt").read_text(encoding="utf-8")

_FLAG_CHARACTERS = frozenset("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")
_COMPONENT = re.compile(r"^(\[)?([NXYZ])(\.\.)?(\d+)(\])?((?:,[a-z0-9]+)*)$")


@dataclass(frozen=True)
class _Component:
    charset: str
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True)
class _AIEntry:
    ai: str
    title: str
    spec: str
    fixed_length: bool
    data_attribute: bool
    components: tuple[_Component, ...]
    # Each "req=" attribute: alternatives, each a group of AI patterns that must all be present.
    requires: tuple[tuple[tuple[str, ...], ...], ...]
    excludes: tuple[str, ...]
    # None: not a Digital Link primary key; otherwise the alternative qualifier sequences.
    dl_qualifiers: tuple[tuple[str, ...], ...] | None

    @property
    def min_length(self) -> int:
        return sum(c.min_length for c in self.components if not c.optional)

    @property
    def max_length(self) -> int:
        return sum(c.max_length for c in self.components)


def _load_dictionary(text: str) -> dict[str, _AIEntry]:
    table: dict[str, _AIEntry] = {}
    for line in text.splitlines():
        body, _, title = line.partition("#")
        tokens = body.split()
        if not tokens:
            continue
        ai_range = tokens.pop(0)
        flags = tokens.pop(0) if tokens and set(tokens[0]) <= _FLAG_CHARACTERS else ""
        components: list[_Component] = []
        spec: list[str] = []
        while tokens and (match := _COMPONENT.match(tokens[0])):
            spec.append(tokens.pop(0))
            optional, charset, variable, length, _, linters = match.groups()
            components.append(
                _Component(
                    charset=charset,
                    min_length=1 if variable else int(length),
                    max_length=int(length),
                    optional=optional is not None,
                    linters=tuple(linters.split(",")[1:]),
                )
            )
        requires: list[tuple[tuple[str, ...], ...]] = []
        excludes: list[str] = []
        qualifiers: tuple[tuple[str, ...], ...] | None = None
        for attribute in tokens:
            key, _, value = attribute.partition("=")
            if key == "req":
                requires.append(tuple(tuple(group.split("+")) for group in value.split(",")))
            elif key == "ex":
                excludes.extend(value.split(","))
            elif key == "dlpkey":
                qualifiers = tuple(
                    tuple(alternative.split(",")) if alternative else ()
                    for alternative in value.split("|")
                )
        first, _, last = ai_range.partition("-")
        for number in range(int(first), int(last or first) + 1):
            ai = str(number).zfill(len(first))
            table[ai] = _AIEntry(
                ai=ai,
                title=title.strip(),
                spec=" ".join(spec),
                fixed_length="*" in flags,
                data_attribute="?" in flags,
                components=tuple(components),
                requires=tuple(requires),
                excludes=tuple(excludes),
                dl_qualifiers=qualifiers,
            )
    return table


_AI_TABLE = _load_dictionary(GS1_SYNTAX_DICTIONARY)

# Names people use, for messages; other AIs are named by their dictionary title.
_NAMES = {
    "00": "SSCC",
    "01": "GTIN",
    "10": "batch/lot",
    "21": "serial number",
    "22": "CPV",
    "235": "TPX",
    "253": "GDTI",
    "254": "GLN extension",
    "255": "GCN",
    "401": "GINC",
    "402": "GSIN",
    "414": "GLN",
    "415": "GLN of the invoicing party",
    "417": "party GLN",
    "8003": "GRAI",
    "8004": "GIAI",
    "8006": "ITIP",
    "8010": "CPID",
    "8011": "CPID serial",
    "8013": "GMN",
    "8017": "GSRN of the provider",
    "8018": "GSRN of the recipient",
    "8019": "SRIN",
    "8020": "payment slip reference",
}

# Deprecated alphabetic path names (gs1-syntax-engine dl.c, alpha_ai_map); only named in errors.
_CONVENIENCE_ALPHAS = {
    "cpid": "8010",
    "cpsn": "8011",
    "cpv": "22",
    "gcn": "255",
    "gdti": "253",
    "giai": "8004",
    "ginc": "401",
    "gln": "414",
    "glnx": "254",
    "gmn": "8013",
    "grai": "8003",
    "gsin": "402",
    "gsrn": "8018",
    "gsrnp": "8017",
    "gtin": "01",
    "itip": "8006",
    "lot": "10",
    "party": "417",
    "refno": "8020",
    "ser": "21",
    "srin": "8019",
    "sscc": "00",
}

# Primary keys that identify a product; the registry keeps passports for nothing else.
_PRODUCT_KEYS = ("01", "8013")
_FIELD_BY_AI = {"01": "gtin", "8013": "gmn", "22": "cpv", "10": "lot", "21": "serial", "235": "tpx"}


def _name(ai: str) -> str:
    entry = _AI_TABLE.get(ai)
    return _NAMES.get(ai) or (entry.title if entry is not None and entry.title else "unknown")


def _label(ai: str) -> str:
    return f"AI {ai} ({_name(ai)})"


def _subject(ai: str, value: str) -> str:
    """How a value of ``ai`` is introduced in a message about its content."""
    if ai in ("01", "8013"):
        return f"{_NAMES[ai]} {value}"
    return f"{_label(ai)} value {value}"


def _entry(ai: str, where: str = "") -> _AIEntry:
    entry = _AI_TABLE.get(ai)
    if entry is None:
        place = f" {where}" if where else ""
        raise InvalidIdentifier(
            f"unknown AI {ai}{place}: it is not in the GS1 Barcode Syntax Dictionary"
        )
    return entry


def _is_digits(value: str) -> bool:
    # str.isdigit alone accepts "²" and other Unicode digits.
    return value.isascii() and value.isdigit()


# --- check digits -------------------------------------------------------------------------


def gs1_check_digit(digits_without_check: str) -> int:
    """The GS1 mod-10 check digit: weights 3, 1, 3, ... from the rightmost digit."""
    if not _is_digits(digits_without_check):
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


def normalise_gtin(value: str) -> str:
    """A GTIN-8, -12, -13 or -14 as its 14-digit form, after checking its check digit."""
    if not value:
        raise InvalidIdentifier("GTIN is empty")
    for position, char in enumerate(value, start=1):
        if not _is_digits(char):
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


# --- AI values ----------------------------------------------------------------------------


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
    return len(part) == length and _is_digits(part)


def _piece_of_total(part: str) -> bool:
    """PPTT, PPPTTT, ...: piece and total of equal width, neither zero, piece <= total."""
    half = len(part) // 2
    if not part or len(part) % 2 or not _is_digits(part):
        return False
    piece, total = int(part[:half]), int(part[half:])
    return 0 < piece <= total


def _lint_csum(part: str) -> str | None:
    expected = gs1_check_digit(part[:-1])
    if int(part[-1]) == expected:
        return None
    return f"fails its check digit: expected {expected}, got {part[-1]}"


def _lint_csumalpha(part: str) -> str | None:
    if len(part) < 2:
        return "is too short to carry its two check characters"
    if len(part) - 2 > len(_CSUMALPHA_WEIGHTS):
        return "is too long for its check character pair"
    expected = _check_pair(part[:-2])
    if part[-2:] == expected:
        return None
    return f"fails its check characters: expected {expected}, got {part[-2:]}"


def _lint_gcp(part: str) -> str | None:
    if len(part) >= _GCP_MIN_LENGTH and _is_digits(part[:_GCP_MIN_LENGTH]):
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
    if not (slash and _is_digits(position) and _is_digits(total)):
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
    bad = next((char for char in data if char not in _BASE64URL), None)
    return None if bad is None else f"has {bad!r}, which is not in GS1 character set 64"


def _lint_charset(charset: str) -> Callable[[str], str | None]:
    allowed, description = _CHARSETS[charset]
    return lambda part: next(
        (f"has {c!r}, which is not among the {description}" for c in part if c not in allowed),
        None,
    )


# The linters the dictionary names, as gs1/gs1-syntax-dictionary src/lint_*.c define them (their
# unit tests run against these: tests/passport/test_gs1_syntax_engine_vectors.py).
_LINTERS: dict[str, Callable[[str], str | None]] = {
    "csum": _lint_csum,
    "csumalpha": _lint_csumalpha,
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
        lambda p: _is_digits(p) and not p.startswith("0") or p == "",
        "must be digits without a leading 0, got {part}",
    ),
    "hasnondigit": _rule(lambda p: not _is_digits(p) and p != "", "must contain a non-digit"),
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
        lambda p: len(p) == 10 and _is_digits(p) and int(p) <= 1_800_000_000,
        "is not a latitude (10 digits, at most 1800000000)",
    ),
    "longitude": _rule(
        lambda p: len(p) == 10 and _is_digits(p) and int(p) <= 3_600_000_000,
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
_UNIMPLEMENTED_LINTERS = frozenset({"couponcode", "couponposoffer"})


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


def _format_rule(entry: _AIEntry) -> str:
    if len(entry.components) != 1:
        return f"in the GS1 format {entry.spec}"
    component = entry.components[0]
    if component.min_length == component.max_length:
        count = f"{component.max_length}"
    else:
        count = f"{component.min_length} to {component.max_length}"
    return f"{count} {_CHARSETS[component.charset][1]}"


def _check_characters(
    part: str, charset: str, offset: int, fail: Callable[[str], InvalidIdentifier]
) -> None:
    allowed = _CHARSETS[charset][0]
    for index, char in enumerate(part):
        if char not in allowed:
            raise fail(f"{char!r} at position {offset + index + 1} is not allowed")


def _validate_value(ai: str, value: str, where: str = "") -> None:
    entry = _entry(ai, where)

    def fail(detail: str) -> InvalidIdentifier:
        return InvalidIdentifier(f"{_label(ai)} must be {_format_rule(entry)}: {detail}")

    charsets = {component.charset for component in entry.components}
    if len(charsets) == 1:
        # A stray character says more about what went wrong than the length it causes.
        _check_characters(value, charsets.pop(), 0, fail)
    if not entry.min_length <= len(value) <= entry.max_length:
        raise fail(f"got {len(value)} characters" if value else "it is empty")
    position = 0
    for component in entry.components:
        if position == len(value) and component.optional:
            break
        part = value[position : position + component.max_length]
        if len(part) < component.min_length:
            raise fail(f"got {len(value)} characters")
        _check_characters(part, component.charset, position, fail)
        linters = ("cset64", *component.linters) if component.charset == "Z" else component.linters
        for linter in linters:
            if linter not in _LINTERS and linter not in _CHARSET_LINTERS:
                continue  # _UNIMPLEMENTED_LINTERS (a test keeps that list complete)
            problem = lint(linter, part)
            if problem is not None:
                raise InvalidIdentifier(f"{_subject(ai, value)} {problem}")
        position += len(part)
    if position != len(value):
        raise fail(f"got {len(value)} characters")


def validate_ai_value(ai: str, value: str) -> str:
    """Check ``value`` against the format of ``ai`` in the GS1 Barcode Syntax Dictionary.

    Covers every AI of the dictionary, e.g. 10 (lot), 21 (serial) and 22 (CPV) are X..20 and
    235 (TPX) is X..28, all from GS1 character set 82. Returns ``value`` unchanged.
    """
    _validate_value(ai, value)
    return value


def validate_gmn(value: str) -> str:
    """Check a GMN (AI 8013): X..25 from CSET 82, a GS1 Company Prefix first, csumalpha last."""
    return validate_ai_value("8013", value)


# --- Digital Link structure ---------------------------------------------------------------


def _is_ordered_subset(ais: Sequence[str], sequence: Sequence[str]) -> bool:
    remaining = iter(sequence)
    return all(ai in remaining for ai in ais)


def _qualifier_alternatives(primary_key: str) -> tuple[tuple[str, ...], ...]:
    return _entry(primary_key).dl_qualifiers or ((),)


def _is_key_qualifier_sequence(primary_key: str, qualifiers: Sequence[str]) -> bool:
    return any(
        _is_ordered_subset(qualifiers, alternative)
        for alternative in _qualifier_alternatives(primary_key)
    )


def _describe_alternatives(alternatives: tuple[tuple[str, ...], ...]) -> str:
    described = [
        " -> ".join(alternative) + (" (any of them, in this order)" if len(alternative) > 1 else "")
        for alternative in alternatives
        if alternative
    ]
    return " or ".join(described)


def _check_qualifiers(primary_key: str, qualifiers: Sequence[str]) -> None:
    if _is_key_qualifier_sequence(primary_key, qualifiers):
        return
    alternatives = _qualifier_alternatives(primary_key)
    allowed = {ai for alternative in alternatives for ai in alternative}
    for ai in qualifiers:
        if ai in allowed:
            continue
        hint = (
            f"; as a data attribute it belongs in the query string (?{ai}=...)"
            if _entry(ai).data_attribute
            else ""
        )
        if not allowed:
            raise InvalidIdentifier(
                f"{_label(ai)} cannot follow {_label(primary_key)} in the path: "
                f"{primary_key} takes no key qualifiers{hint}"
            )
        raise InvalidIdentifier(
            f"{_label(ai)} is not a key qualifier of {_label(primary_key)}: after "
            f"/{primary_key}/ the path may carry {_describe_alternatives(alternatives)}{hint}"
        )
    _check_duplicates([primary_key, *qualifiers])
    for alternative in alternatives:
        if not all(ai in alternative for ai in qualifiers):
            continue
        for index, earlier in enumerate(qualifiers):
            for later in qualifiers[index + 1 :]:
                if alternative.index(earlier) > alternative.index(later):
                    raise InvalidIdentifier(
                        f"qualifier {earlier} must come after {later}: after /{primary_key}/ "
                        f"the order is {' -> '.join(alternative)}"
                    )
    raise InvalidIdentifier(
        f"qualifiers {', '.join(qualifiers)} cannot be combined after /{primary_key}/: use "
        f"{_describe_alternatives(alternatives)}"
    )


def _check_duplicates(ais: Sequence[str]) -> None:
    seen: set[str] = set()
    for ai in ais:
        if ai in seen:
            raise InvalidIdentifier(f"duplicate AI {ai} ({_name(ai)}): each AI may appear once")
        seen.add(ai)


def _check_attribute_placement(primary_key: str, qualifiers: Sequence[str], ai: str) -> None:
    entry = _entry(ai, "in the query string")
    # As the syntax engine does: an AI that would form a valid key-qualifier sequence at
    # some position of the path must be written there, never in the query.
    for position in range(len(qualifiers) + 1):
        trial = [*qualifiers[:position], ai, *qualifiers[position:]]
        if _is_key_qualifier_sequence(primary_key, trial):
            raise InvalidIdentifier(
                f"{_label(ai)} is a key qualifier of {_label(primary_key)} and must be in the "
                f"path (/{primary_key}/.../{ai}/...), not in the query string"
            )
    if not entry.data_attribute:
        raise InvalidIdentifier(
            f"{_label(ai)} is not allowed as a data attribute in the query string of a GS1 "
            "Digital Link URI"
        )


def _matches(pattern: str, ai: str) -> bool:
    """Dictionary AI patterns use "n" for any digit, e.g. "310n" or "31nn"."""
    return len(pattern) == len(ai) and all(p in ("n", a) for p, a in zip(pattern, ai, strict=True))


def _present(pattern: str, ais: Sequence[str], ai: str) -> bool:
    # As the syntax engine's existsInAIdata: an AI never satisfies or breaks its own rule.
    return any(other != ai and _matches(pattern, other) for other in ais)


def _check_associations(ais: Sequence[str], values: dict[str, str] | None = None) -> None:
    """The dictionary's ``req=`` (mandatory associations) and ``ex=`` (invalid pairs)."""
    for ai in ais:
        entry = _entry(ai)
        for pattern in entry.excludes:
            for other in ais:
                if other != ai and _matches(pattern, other):
                    raise InvalidIdentifier(
                        f"{_label(ai)} cannot be combined with {_label(other)} (invalid AI "
                        f"pair: the GS1 syntax dictionary says ex={','.join(entry.excludes)} "
                        f"for AI {ai})"
                    )
        for alternatives in entry.requires:
            if not any(all(_present(p, ais, ai) for p in group) for group in alternatives):
                needed = [" with ".join(group) for group in alternatives]
                choice = (
                    needed[0] if len(needed) == 1 else (f"{', '.join(needed[:-1])} or {needed[-1]}")
                )
                raise InvalidIdentifier(
                    f"{_label(ai)} requires AI {choice} in the same GS1 Digital Link URI "
                    f"(mandatory association req={','.join('+'.join(g) for g in alternatives)})"
                )
    if values is not None and _DIGITAL_SIGNATURE in values:
        for key in _SERIALISED_KEYS:
            if key in values and len(values[key]) == _entry(key).min_length:
                raise InvalidIdentifier(
                    f"{_label(_DIGITAL_SIGNATURE)} signs a serialised item: {_label(key)} "
                    "needs its serial component"
                )


# The one association the dictionary cannot express: a digital signature (AI 8030) needs the
# serial component of a key whose serial is optional (gs1-syntax-engine ai.c,
# validateDigSigRequiresSerialisedKey, enabled and locked by default).
_DIGITAL_SIGNATURE = "8030"
_SERIALISED_KEYS = ("253", "255", "8003")

# GS1 Digital Link 1.2 (and the syntax engine, dl.c) carry AI 01 as 14 digits; GTIN-8/12/13
# are accepted only with the engine's legacy zero-suppression flag.
GTIN_IN_URI_RULE = (
    "AI 01 in a GS1 Digital Link URI must be 14 digits (pad GTIN-8/12/13 with leading zeros)"
)


def _gtin_in_uri(value: str, *, allow_short_gtin: bool) -> str:
    padded = normalise_gtin(value)  # GTIN wording for digits, length and check digit
    if padded != value and not allow_short_gtin:
        raise InvalidIdentifier(
            f"{GTIN_IN_URI_RULE}: GTIN {value} has {len(value)} digits, write {padded}"
        )
    return padded


def check_key_path(ais: Sequence[str]) -> None:
    """Check that ``ais`` is a primary key and key qualifiers in an order of its ``dlpkey``."""
    if not ais or _entry(ais[0]).dl_qualifiers is None:
        first = ais[0] if ais else "(none)"
        raise InvalidIdentifier(
            f"AI {first} is not a GS1 Digital Link primary key (no dlpkey in the GS1 Barcode "
            "Syntax Dictionary)"
        )
    for ai in ais[1:]:
        _entry(ai, "in the path")
    _check_qualifiers(ais[0], ais[1:])


def check_ai_combination(elements: Sequence[tuple[str, str]]) -> None:
    """Check AI/value pairs against the dictionary's ``req=`` and ``ex=`` attributes.

    Also applies the digital-signature rule of the syntax engine. Values are not checked
    here (see ``validate_ai_value``), nor are repeats: a Digital Link forbids every duplicate.
    """
    for ai, _ in elements:
        _entry(ai)
    _check_associations([ai for ai, _ in elements], dict(elements))


def _check_elements(
    path: Sequence[tuple[str, str]],
    attributes: Sequence[tuple[str, str]],
    *,
    allow_short_gtin: bool,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Validate a key-qualifier path and its data attributes; return them normalised."""
    primary_key, key_value = path[0]

    def value_of(ai: str, value: str, where: str = "") -> str:
        if ai == "01":
            return _gtin_in_uri(value, allow_short_gtin=allow_short_gtin)
        _validate_value(ai, value, where)
        return value

    # The key value first: a wrong GTIN is the most useful thing to hear about.
    key_value = value_of(primary_key, key_value)
    qualifiers = [ai for ai, _ in path[1:]]
    _check_qualifiers(primary_key, qualifiers)
    _check_duplicates([primary_key, *qualifiers, *(ai for ai, _ in attributes)])
    for ai, _ in attributes:
        _check_attribute_placement(primary_key, qualifiers, ai)
    for ai, value in path[1:]:
        _validate_value(ai, value)
    attributes = [(ai, value_of(ai, value, "in the query string")) for ai, value in attributes]
    everything = [(primary_key, key_value), *path[1:], *attributes]
    _check_associations([ai for ai, _ in everything], dict(everything))
    return ((primary_key, key_value), *path[1:]), tuple(attributes)


# --- URI syntax ---------------------------------------------------------------------------

_URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
_BAD_HOST_CHARACTERS = frozenset("_~?#@!$&'()*+,;=%")
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEMES = ("https://", "http://", "HTTPS://", "HTTP://")


def _check_uri_characters(text: str, what: str) -> None:
    for position, char in enumerate(text, start=1):
        if char not in _URI_CHARACTERS:
            raise InvalidIdentifier(
                f"{what} contains {char!r} at position {position}, which is not allowed in a "
                "URI: percent-encode it"
            )


def _split_uri(uri: str) -> tuple[str, str]:
    """Return the path and query of a Digital Link URI, after checking scheme and host."""
    _check_uri_characters(uri, "GS1 Digital Link URI")
    scheme = next((s for s in _SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        if uri.lower().startswith(_SCHEMES[:2]):
            raise InvalidIdentifier(
                f"GS1 Digital Link URI scheme {uri.split(':', 1)[0]!r} must be written in one "
                "case: http, https, HTTP or HTTPS"
            )
        raise InvalidIdentifier(
            f"a GS1 Digital Link URI starts with http:// or https://, got {uri[:40]!r}"
        )
    rest = uri[len(scheme) :]
    end = next((i for i, char in enumerate(rest) if char in "/?#"), len(rest))
    host = rest[:end]
    if not host:
        raise InvalidIdentifier("GS1 Digital Link URI has no host")
    bad = next((char for char in host if char in _BAD_HOST_CHARACTERS), None)
    if bad is not None:
        raise InvalidIdentifier(f"host {host!r} contains {bad!r}, which a host name cannot have")
    if not rest[end:].startswith("/"):
        raise InvalidIdentifier(
            "GS1 Digital Link URI has no path: expected e.g. /01/{GTIN-14} after the host"
        )
    return _split_path(rest[end:])


def _split_path(path: str) -> tuple[str, str]:
    without_fragment = path.partition("#")[0]  # fragments never carry GS1 data
    path_part, _, query = without_fragment.partition("?")
    return path_part, query


def _looks_like_ai(segment: str) -> bool:
    return 2 <= len(segment) <= 4 and _is_digits(segment)


def _locate_primary_key(segments: Sequence[str]) -> int | None:
    # Walk back over "/AI/value" pairs from the end, as the syntax engine does: the rightmost
    # primary key starts the key path, whatever custom path comes before it.
    index = len(segments) - 2
    while index >= 0 and _looks_like_ai(segments[index]):
        entry = _AI_TABLE.get(segments[index])
        if entry is not None and entry.dl_qualifiers is not None:
            return index
        index -= 2
    return None


def _looks_compressed(segment: str) -> bool:
    # Compressed DL data is one long base64url segment; mixed-case letters tell it from
    # ordinary slugs and numbers.
    return (
        len(segment) >= 10
        and set(segment) <= set(_BASE64URL)
        and any(char.isupper() for char in segment)
        and any(char.islower() for char in segment)
    )


def _no_primary_key(segments: Sequence[str]) -> InvalidIdentifier:
    for index in range(len(segments) - 2, -1, -2):
        ai = _CONVENIENCE_ALPHAS.get(segments[index].lower())
        if ai is not None:
            return InvalidIdentifier(
                f"alphabetic AI names such as /{segments[index]}/ are not supported: use the "
                f"numeric AI /{ai}/"
            )
    if segments and _looks_compressed(segments[-1]):
        return InvalidIdentifier(
            "compressed GS1 Digital Link URIs are not supported: use the uncompressed form "
            "with numeric AIs, e.g. /01/{GTIN-14}/21/{serial}"
        )
    return InvalidIdentifier(
        "no GS1 Digital Link primary key found in the path: expected /AI/value pairs that "
        "start with a primary key such as /01/{GTIN-14} or /8013/{GMN}"
    )


def _key_path(path: str, *, allow_trailing_slash: bool) -> list[tuple[str, str]]:
    """The "/AI/value" pairs from the primary key on, values still percent-encoded."""
    if not path.startswith("/"):
        raise InvalidIdentifier(f"a GS1 Digital Link path starts with '/', got {path[:40]!r}")
    trailing = len(path) > 1 and path.endswith("/")
    segments = (path[:-1] if trailing else path).split("/")[1:]
    if "" in segments and path != "/":
        raise InvalidIdentifier(f"path {path!r} has an empty segment ('//')")
    segments = [segment for segment in segments if segment]
    if trailing:
        if _locate_primary_key(segments) is not None:
            if not allow_trailing_slash:
                raise InvalidIdentifier(
                    "a GS1 Digital Link URI must not end with '/' (strict GS1 syntax)"
                )
        elif segments and _locate_primary_key([*segments, ""]) is not None:
            ai = segments[-1]
            raise InvalidIdentifier(f"{_label(ai)} has an empty value in the path")
    start = _locate_primary_key(segments)
    if start is None:
        raise _no_primary_key(segments)
    pairs = list(zip(segments[start::2], segments[start + 1 :: 2], strict=True))
    for ai, _ in pairs:
        _entry(ai, "in the path")
    return pairs


def _decode(raw: str, ai: str, *, in_query: bool) -> str:
    bad = _MALFORMED_ESCAPE.search(raw)
    if bad is not None:
        raise InvalidIdentifier(
            f"{_label(ai)} has a malformed percent-escape "
            f"{raw[bad.start() : bad.start() + 3]!r} in {raw!r}: write '%' as %25"
        )
    if in_query:
        raw = raw.replace("+", " ")  # form encoding; "%2B" still decodes to "+"
    value = unquote_to_bytes(raw).decode("utf-8", errors="replace")
    if "\x00" in value:
        raise InvalidIdentifier(
            f"{_label(ai)} decodes to a NUL character (%00), which no AI value may contain"
        )
    return value


def _query_attributes(query: str) -> list[tuple[str, str]]:
    attributes: list[tuple[str, str]] = []
    for parameter in query.split("&"):
        key, equals, raw = parameter.partition("=")
        # Parameters that are not numeric keys with a value (linkType, context, a bare
        # flag, empty "&&") are the resolver's business, not GS1 data.
        if equals and not key:
            # Neither an AI nor an extension parameter of the GS1 Digital Link grammar
            # (extensionKey has a non-digit); the syntax engine rejects it too.
            raise InvalidIdentifier(
                f"query parameter {parameter!r} has a value but no name: a GS1 Digital Link "
                "query string carries AI=value or name=value pairs"
            )
        if not equals or not _is_digits(key):
            continue
        if key not in _AI_TABLE:
            raise InvalidIdentifier(
                f"unknown AI {key} in the query string: numeric query parameters of a GS1 "
                "Digital Link URI are Application Identifiers, and this one is not in the GS1 "
                "Barcode Syntax Dictionary"
            )
        if not raw:
            raise InvalidIdentifier(f"{_label(key)} has an empty value in the query string")
        value = _decode(raw, key, in_query=True)
        if " " in value and "+" in raw:
            raise InvalidIdentifier(
                f"{_label(key)} in the query string contains '+', which a query string "
                "decodes as a space, and a space is not in GS1 character set 82: write a "
                "literal plus as %2B"
            )
        attributes.append((key, value))
    return attributes


@dataclass(frozen=True)
class DigitalLinkElements:
    """The GS1 data of a Digital Link URI of any primary key, in the order written."""

    path: tuple[tuple[str, str], ...]
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def primary_key(self) -> tuple[str, str]:
        return self.path[0]

    def element_string(self) -> str:
        """GS1 element string with "^" for FNC1, as the GS1 syntax engine writes it."""
        parts = ["^"]
        separator_needed = False
        for ai, value in (*self.path, *self.attributes):
            if separator_needed:
                parts.append("^")
            parts.append(ai + value)
            separator_needed = not _AI_TABLE[ai].fixed_length
        return "".join(parts)


def _parse_elements(
    path: str, query: str, *, allow_trailing_slash: bool, allow_short_gtin: bool
) -> DigitalLinkElements:
    key_path = [
        (ai, _decode(raw, ai, in_query=False))
        for ai, raw in _key_path(path, allow_trailing_slash=allow_trailing_slash)
    ]
    checked_path, attributes = _check_elements(
        key_path, _query_attributes(query), allow_short_gtin=allow_short_gtin
    )
    return DigitalLinkElements(checked_path, attributes)


def parse_digital_link_elements(
    uri: str, *, allow_trailing_slash: bool = False, allow_short_gtin: bool = False
) -> DigitalLinkElements:
    """Parse any GS1 Digital Link URI with the GS1 syntax engine's default strictness.

    ``allow_short_gtin`` is the engine's legacy flag for GTIN-8/12/13 in the path (they are
    left-padded); ``allow_trailing_slash`` tolerates one "/" at the end, as resolvers should.
    """
    path, query = _split_uri(uri)
    return _parse_elements(
        path, query, allow_trailing_slash=allow_trailing_slash, allow_short_gtin=allow_short_gtin
    )


# --- the registry's Digital Links ---------------------------------------------------------


def _check_base(base: str) -> str:
    if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", base, flags=re.IGNORECASE):
        raise InvalidIdentifier(
            f"base URL {base!r} must be an http:// or https:// URL without query or fragment"
        )
    return base.removesuffix("/")


@dataclass(frozen=True)
class DigitalLink:
    """A product identifier as a GS1 Digital Link: GTIN with qualifiers, or a GMN.

    Construction validates and normalises (``gtin`` is always 14 digits), so an instance
    always has a canonical URI.
    """

    gtin: str | None = None
    cpv: str | None = None
    lot: str | None = None
    serial: str | None = None
    gmn: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    tpx: str | None = None  # AI 235, the alternative to 22/10/21 after a GTIN

    def __post_init__(self) -> None:
        if self.gtin is not None:
            object.__setattr__(self, "gtin", normalise_gtin(self.gtin))
        object.__setattr__(self, "attributes", tuple((ai, v) for ai, v in self.attributes))
        if self.gtin is None and self.gmn is None:
            raise InvalidIdentifier(
                "a GS1 Digital Link needs a primary key: a GTIN (AI 01) or a GMN (AI 8013)"
            )
        if self.gtin is not None and self.gmn is not None:
            raise InvalidIdentifier(
                "GTIN and GMN are exclusive: a GMN (AI 8013) identifies a model on its own"
            )
        if self.gmn is not None and any(
            value is not None for value in (self.cpv, self.lot, self.serial, self.tpx)
        ):
            raise InvalidIdentifier(
                "a GMN (AI 8013) takes no qualifiers: CPV, lot, serial and TPX qualify a GTIN"
            )
        _check_elements(self._key_path(), self.attributes, allow_short_gtin=False)

    def _key_path(self) -> list[tuple[str, str]]:
        if self.gmn is not None:
            return [("8013", self.gmn)]
        candidates = (
            ("01", self.gtin),
            ("22", self.cpv),
            ("10", self.lot),
            ("21", self.serial),
            ("235", self.tpx),
        )
        return [(ai, value) for ai, value in candidates if value is not None]

    def path(self) -> str:
        """The canonical path, values percent-encoded except RFC 3986 unreserved characters."""
        return "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in self._key_path())

    def query(self) -> str:
        """The data attributes as a query string (without "?"), in order; "" when none."""
        return "&".join(f"{ai}={quote(value, safe='')}" for ai, value in self.attributes)

    def uri(self, base: str) -> str:
        """``base`` (one trailing "/" dropped) plus the canonical path; no query string."""
        return _check_base(base) + self.path()

    @property
    def granularity(self) -> str:
        if self.serial is not None or self.tpx is not None:
            return "item"
        if self.lot is not None:
            return "batch"
        return "model"


def build_digital_link(
    base: str,
    *,
    gtin: str | None = None,
    cpv: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    gmn: str | None = None,
    tpx: str | None = None,
) -> str:
    """The canonical Digital Link URI for these parts, after validating all of them."""
    link = DigitalLink(gtin=gtin, cpv=cpv, lot=lot, serial=serial, gmn=gmn, tpx=tpx)
    return link.uri(base)


def _to_digital_link(elements: DigitalLinkElements) -> DigitalLink:
    primary_key, _ = elements.primary_key
    if primary_key not in _PRODUCT_KEYS:
        raise InvalidIdentifier(
            f"primary key {primary_key} ({_name(primary_key)}) is not supported here: "
            "passports are identified by a GTIN (/01/) or a GMN (/8013/)"
        )
    fields: dict[str, Any] = {_FIELD_BY_AI[ai]: value for ai, value in elements.path}
    # The parser has checked every element and their combination; DigitalLink() would check
    # them all again, which doubled the cost of bulk issuance.
    link = object.__new__(DigitalLink)
    for name in ("gtin", "cpv", "lot", "serial", "gmn", "tpx"):
        object.__setattr__(link, name, fields.get(name))
    object.__setattr__(link, "attributes", tuple(elements.attributes))
    return link


def parse_digital_link(uri: str, *, allow_trailing_slash: bool = False) -> DigitalLink:
    """Parse a Digital Link URI for a product: http(s), any host, any path before the key.

    The GS1 syntax of ``parse_digital_link_elements`` with its default flags, path and query
    string alike; only the primary key is restricted to 01 and 8013.
    """
    path, query = _split_uri(uri)
    elements = _parse_elements(
        path, query, allow_trailing_slash=allow_trailing_slash, allow_short_gtin=False
    )
    return _to_digital_link(elements)


def parse_digital_link_path(path: str, *, allow_trailing_slash: bool = False) -> DigitalLink:
    """Parse the path (optionally with "?query") of a Digital Link URI, as a resolver sees it.

    Pass the raw path, before percent-decoding: a decoded "%2F" would split a value in two.
    """
    _check_uri_characters(path, "GS1 Digital Link path")
    path_part, query = _split_path(path)
    elements = _parse_elements(
        path_part, query, allow_trailing_slash=allow_trailing_slash, allow_short_gtin=False
    )
    return _to_digital_link(elements)


def looks_like_digital_link(uri: str) -> bool:
    """Cheap test: does the path have an /01/ or /8013/ segment followed by a value?"""
    if "://" in uri:
        uri = "/" + uri.split("://", 1)[1].partition("/")[2]
    segments = _split_path(uri)[0].split("/")
    return any(
        segment in _PRODUCT_KEYS and index + 1 < len(segments) and segments[index + 1] != ""
        for index, segment in enumerate(segments)
    )
