"""The GS1 syntax of a Digital Link of any primary key, as GS1's syntax engine checks it.

``parse_digital_link_elements`` follows the GS1 Barcode Syntax Engine with its default flags
(gs1/gs1-syntax-engine ``src/c-lib/dl.c``): any primary key of the GS1 Barcode Syntax
Dictionary, unknown AIs rejected, GTIN-8/12/13 in the path rejected unless
``allow_short_gtin`` is set. ``check_elements`` is the one check of a key path and its data
attributes, shared with the registry's own ``passport.gs1.digital_link.DigitalLink``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from passport.errors import InvalidIdentifier
from passport.gs1.check_digits import normalise_gtin
from passport.gs1.combinations import (
    check_associations,
    check_attribute_placement,
    check_duplicates,
    check_qualifiers,
)
from passport.gs1.dictionary import AI_TABLE
from passport.gs1.uri import decode, key_path, query_attributes, split_uri
from passport.gs1.values import check_value

# GS1 Digital Link 1.2 (and the syntax engine, dl.c) carry AI 01 as 14 digits; GTIN-8/12/13
# are accepted only with the engine's legacy zero-suppression flag.
GTIN_IN_URI_RULE = (
    "AI 01 in a GS1 Digital Link URI must be 14 digits (pad GTIN-8/12/13 with leading zeros)"
)


@lru_cache(maxsize=4096)  # a batch repeats its GTIN: check it once
def _gtin_in_uri(value: str, *, allow_short_gtin: bool) -> str:
    padded = normalise_gtin(value)  # GTIN wording for digits, length and check digit
    if padded != value and not allow_short_gtin:
        raise InvalidIdentifier(
            f"{GTIN_IN_URI_RULE}: GTIN {value} has {len(value)} digits, write {padded}"
        )
    return padded


def check_elements(
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
        check_value(ai, value, where)
        return value

    # The key value first: a wrong GTIN is the most useful thing to hear about.
    key_value = value_of(primary_key, key_value)
    qualifiers = tuple(ai for ai, _ in path[1:])
    _check_placement(primary_key, qualifiers, tuple(ai for ai, _ in attributes))
    for ai, value in path[1:]:
        check_value(ai, value)
    attributes = [(ai, value_of(ai, value, "in the query string")) for ai, value in attributes]
    everything = [(primary_key, key_value), *path[1:], *attributes]
    check_associations([ai for ai, _ in everything], dict(everything))
    return ((primary_key, key_value), *path[1:]), tuple(attributes)


@lru_cache(maxsize=1024)  # which AIs stand where: the same for every item of a batch
def _check_placement(
    primary_key: str, qualifiers: tuple[str, ...], attributes: tuple[str, ...]
) -> None:
    """The key qualifiers' order, no AI twice, and where each data attribute may stand (a
    result of None is cached; an error is raised again on every call)."""
    check_qualifiers(primary_key, qualifiers)
    check_duplicates([primary_key, *qualifiers, *attributes])
    for ai in attributes:
        check_attribute_placement(primary_key, qualifiers, ai)


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
            separator_needed = not AI_TABLE[ai].fixed_length
        return "".join(parts)


def parse_elements(
    path: str, query: str, *, allow_trailing_slash: bool, allow_short_gtin: bool
) -> DigitalLinkElements:
    """The checked elements of a raw path (percent-encoded) and query string."""
    pairs = [
        (ai, decode(raw, ai, in_query=False))
        for ai, raw in key_path(path, allow_trailing_slash=allow_trailing_slash)
    ]
    checked_path, attributes = check_elements(
        pairs, query_attributes(query), allow_short_gtin=allow_short_gtin
    )
    return DigitalLinkElements(checked_path, attributes)


def parse_digital_link_elements(
    uri: str, *, allow_trailing_slash: bool = False, allow_short_gtin: bool = False
) -> DigitalLinkElements:
    """Parse any GS1 Digital Link URI with the GS1 syntax engine's default strictness.

    ``allow_short_gtin`` is the engine's legacy flag for GTIN-8/12/13 in the path (they are
    left-padded); ``allow_trailing_slash`` tolerates one "/" at the end, as resolvers should.
    """
    path, query = split_uri(uri)
    return parse_elements(
        path, query, allow_trailing_slash=allow_trailing_slash, allow_short_gtin=allow_short_gtin
    )
