"""GS1 element strings as people copy them from a label: ``(01)04098765000010(21)K1-000104``
(the human-readable interpretation under a barcode, with brackets), ``0104098765000010
21K1-000104`` (without brackets, a space or "^" or the GS character where a variable-length
value ends) or the raw string a barcode scanner types (``]d2``/``]Q3`` prefix, GS separators).

Only the identification of a product counts here (01 with 22, 10, 21, 235, or 8013); other
AIs on the label, a best-before date (17) for instance, are checked and left out.
"""

from __future__ import annotations

import re

from passport.errors import InvalidIdentifier
from passport.gs1.dictionary import AI_TABLE
from passport.gs1.digital_link import DigitalLink
from passport.gs1.values import check_value

_FIELDS = {"01": "gtin", "22": "cpv", "10": "lot", "21": "serial", "235": "tpx", "8013": "gmn"}
_BRACKETED = re.compile(r"\((\d{2,4})\)([^()]*)")
_SEPARATORS = " ^\x1d\t"
_SYMBOLOGY = re.compile(r"^\][A-Za-z]\d")  # "]d2", "]Q3", "]C1": a scanner's symbology prefix


def looks_like_element_string(text: str) -> bool:
    """Cheap test: bracketed AIs, or digits that start with AI 01 and a 14-digit GTIN."""
    text = _SYMBOLOGY.sub("", text.strip())
    return bool(re.match(r"\(\d{2,4}\)", text) or re.match(r"(01|02)\d{14}", text))


def _ai_at(text: str, start: int) -> str:
    """The AI that begins at ``start``: GS1 AIs are prefix-free, so the first that fits."""
    for length in (2, 3, 4):
        candidate = text[start : start + length]
        if candidate in AI_TABLE:
            return candidate
    raise InvalidIdentifier(f"no GS1 Application Identifier at {text[start : start + 4]!r}")


def _unbracketed(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        if text[at] in _SEPARATORS:
            at += 1
            continue
        ai = _ai_at(text, at)
        entry = AI_TABLE[ai]
        at += len(ai)
        if entry.fixed_length:
            end = at + entry.max_length
        else:
            found = [text.find(sep, at) for sep in _SEPARATORS]
            end = min([i for i in found if i >= 0], default=len(text))
            end = min(end, at + entry.max_length)
        pairs.append((ai, text[at:end]))
        at = end
    return pairs


def parse_element_string(text: str) -> DigitalLink:
    """The product a GS1 element string identifies; InvalidIdentifier if it is not one."""
    text = _SYMBOLOGY.sub("", text.strip())
    if text.startswith("("):
        pairs = [(ai, value.strip()) for ai, value in _BRACKETED.findall(text)]
        if _BRACKETED.sub("", text).strip():
            raise InvalidIdentifier("text outside the bracketed GS1 element string")
    else:
        pairs = _unbracketed(text)
    if not pairs:
        raise InvalidIdentifier("no GS1 element string")
    fields: dict[str, str] = {}
    seen: set[str] = set()
    for ai, value in pairs:
        if ai not in AI_TABLE:
            raise InvalidIdentifier(f"({ai}) is not a GS1 Application Identifier")
        if ai in seen:
            raise InvalidIdentifier(f"({ai}) appears twice")
        seen.add(ai)
        if ai in _FIELDS:
            fields[_FIELDS[ai]] = value
        else:
            check_value(ai, value)
    if "gtin" not in fields and "gmn" not in fields:
        raise InvalidIdentifier("the element string names no product: (01) GTIN or (8013) GMN")
    return DigitalLink(
        gtin=fields.get("gtin"),
        cpv=fields.get("cpv"),
        lot=fields.get("lot"),
        serial=fields.get("serial"),
        gmn=fields.get("gmn"),
        tpx=fields.get("tpx"),
    )
