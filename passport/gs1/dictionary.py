"""The GS1 Barcode Syntax Dictionary: every AI's format, linters, associations and key role.

The dictionary (gs1/gs1-syntax-dictionary @ff2eb4bf, Apache-2.0) is shipped as a data file in
``schemas/``: a new GS1 release is a file swap, not a code change. Every rule of this package
comes from it: formats and linters of each AI, ``dlpkey`` (primary keys and their
key-qualifier sequences), ``req``/``ex`` (mandatory associations and invalid pairs) and the
"?" flag (permitted as a data attribute). This module also names AIs for messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files

from passport.errors import InvalidIdentifier

# Syntax of a line: AIs [flags] components [attributes] # title; flag "*" = fixed length (no
# FNC1 needed after it), "?" = allowed as a Digital Link data attribute.
GS1_SYNTAX_DICTIONARY = (files("schemas") / "gs1-syntax-dictionary.txt").read_text(encoding="utf-8")

_FLAG_CHARACTERS = frozenset("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")
_COMPONENT = re.compile(r"^(\[)?([NXYZ])(\.\.)?(\d+)(\])?((?:,[a-z0-9]+)*)$")


@dataclass(frozen=True)
class Component:
    """One component of an AI's format, e.g. ``N13,csum,gcppos1``."""

    charset: str
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True)
class AIEntry:
    """One AI of the dictionary."""

    ai: str
    title: str
    spec: str
    fixed_length: bool
    data_attribute: bool
    components: tuple[Component, ...]
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


def load_dictionary(text: str) -> dict[str, AIEntry]:
    """Every AI of a dictionary in GS1's text format (AI ranges expanded), by AI."""
    table: dict[str, AIEntry] = {}
    for line in text.splitlines():
        body, _, title = line.partition("#")
        tokens = body.split()
        if not tokens:
            continue
        ai_range = tokens.pop(0)
        flags = tokens.pop(0) if tokens and set(tokens[0]) <= _FLAG_CHARACTERS else ""
        components: list[Component] = []
        spec: list[str] = []
        while tokens and (match := _COMPONENT.match(tokens[0])):
            spec.append(tokens.pop(0))
            optional, charset, variable, length, _, linters = match.groups()
            components.append(
                Component(
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
            table[ai] = AIEntry(
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


AI_TABLE = load_dictionary(GS1_SYNTAX_DICTIONARY)

# Names people use, for messages; other AIs are named by their dictionary title.
NAMES = {
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


def name(ai: str) -> str:
    """What people call ``ai``: "GTIN", "batch/lot", else the dictionary's title."""
    entry = AI_TABLE.get(ai)
    return NAMES.get(ai) or (entry.title if entry is not None and entry.title else "unknown")


def label(ai: str) -> str:
    """``ai`` as messages name it: "AI 10 (batch/lot)"."""
    return f"AI {ai} ({name(ai)})"


def subject(ai: str, value: str) -> str:
    """How a value of ``ai`` is introduced in a message about its content."""
    if ai in ("01", "8013"):
        return f"{NAMES[ai]} {value}"
    return f"{label(ai)} value {value}"


def entry(ai: str, where: str = "") -> AIEntry:
    """The dictionary's entry for ``ai``; an unknown AI (found ``where``) is rejected."""
    found = AI_TABLE.get(ai)
    if found is None:
        place = f" {where}" if where else ""
        raise InvalidIdentifier(
            f"unknown AI {ai}{place}: it is not in the GS1 Barcode Syntax Dictionary"
        )
    return found
