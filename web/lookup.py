"""The passport a scanned or typed code names: its web address (a GS1 Digital Link, with or
without ``https://``, or a community passport's URI), a GS1 element string as printed under a
barcode (``(01)…(21)…``, with or without brackets), a GTIN with a serial, a bare GTIN, a
community passport's id, a passport id, or (for a signed-in organisation) a serial number
alone. The start page and the label page read codes the same way.
"""

from __future__ import annotations

import re

from edge.request import session
from passport.errors import InvalidIdentifier, NotFound
from passport.gs1.digital_link import (
    DigitalLink,
    looks_like_digital_link,
    parse_digital_link,
    parse_digital_link_path,
)
from passport.gs1.element_strings import looks_like_element_string, parse_element_string
from passport.models import Passport
from passport.passports import community, lookup
from passport.passports.community import COMMUNITY_KEY
from passport.routes import COMMUNITY

# Words a label prints before a value ("GTIN 0409… Serial K1-…"), in the languages of the
# pages: dropped before the code is read.
_LABEL_WORDS = re.compile(
    r"\b(gtin|ean|product number|produktnummer|serial number|serial|seriennummer|sn|s/n|"
    r"nr|no)\b\.?:?",
    re.IGNORECASE,
)
_GTIN = re.compile(r"\d{8}|\d{12,14}")
# A label's lines as ``passport.carriers.labels.label_for`` prints them: "GTIN …", "Serial …",
# "Lot …", "ID …" (a community passport), each word then its value.
_LABELLED = re.compile(
    r"\b(gtin|serial number|serial|seriennummer|lot|batch|charge|id)\b\s*:?\s*([^\s·]+)",
    re.IGNORECASE,
)
_PARTS = {"gtin": "gtin", "lot": "lot", "batch": "lot", "charge": "lot", "id": "id"}


def find(code: str) -> Passport:
    """The passport ``code`` names; raises InvalidIdentifier or NotFound."""
    return _one(code.strip())


def candidates(code: str, organisation_pk: int | None) -> list[Passport]:
    """The passports ``code`` may name: one, or several items sharing a typed serial number.

    A code that is nothing else is taken for a serial number, looked up among the
    organisation's recent items first. Raises InvalidIdentifier or NotFound.
    """
    text = code.strip()
    try:
        return [_one(text)]
    except (NotFound, InvalidIdentifier) as exc:
        serial = _without_label_words(text)
        structured = looks_like_element_string(text) or looks_like_digital_link(text)
        if structured or not serial or " " in serial or _GTIN.fullmatch(serial):
            raise
        found = lookup.items_with_serial(session(), serial, organisation_pk)
        if not found:
            raise NotFound(f"No passport has the code {serial!r}.") from exc
        return found


def _without_label_words(text: str) -> str:
    return " ".join(_LABEL_WORDS.sub(" ", text).replace("·", " ").split())


def _one(text: str) -> Passport:
    db = session()
    if COMMUNITY in text:
        return community.resolve_community(db, text.rstrip("/").rsplit("/", 1)[-1])
    link = _link(text)
    if link is not None:
        return lookup.resolve(db, link)[0]
    labelled = {_PARTS.get(k.lower(), "serial"): v for k, v in _LABELLED.findall(text)}
    if set(labelled) == {"id"}:
        return community.resolve_community(db, labelled["id"].lower())
    plain = _without_label_words(text)
    if COMMUNITY_KEY.fullmatch(plain.lower()):
        try:
            return community.resolve_community(db, plain.lower())
        except NotFound:
            pass  # a passport id can look like one too
    return lookup.get_passport(db, plain.rsplit("/", 1)[-1])


def _link(text: str) -> DigitalLink | None:
    """The GS1 identifier a code spells, in any of the ways a label prints one; None when it
    spells none (InvalidIdentifier when it tries and gets it wrong)."""
    if COMMUNITY in text:
        return None
    if looks_like_element_string(text):
        return parse_element_string(text)
    if looks_like_digital_link(text):
        if text.startswith("/"):  # the path alone, as a phone that scanned it offline sends it
            return parse_digital_link_path(text, allow_trailing_slash=True)
        if "://" not in text:
            text = "https://" + text  # the address as printed, without its scheme
        return parse_digital_link(text, allow_trailing_slash=True)
    labelled = {_PARTS.get(k.lower(), "serial"): v for k, v in _LABELLED.findall(text)}
    if "gtin" in labelled:
        return DigitalLink(
            gtin=labelled["gtin"], lot=labelled.get("lot"), serial=labelled.get("serial")
        )
    plain = _without_label_words(text)
    parts = plain.split(" ")
    if len(parts) == 2 and _GTIN.fullmatch(parts[0]):  # a GTIN and a serial number
        return DigitalLink(gtin=parts[0], serial=parts[1])
    if plain.isdigit():
        return DigitalLink(gtin=plain)
    return None


def asked_item(code: str, found: Passport) -> str | None:
    """The Digital Link path of the item (or batch) a code names, when the passport found for
    it is its batch's or model's: that page then says the item has no passport of its own."""
    try:
        link = _link(code.strip())
    except InvalidIdentifier:
        return None
    if link is None or link.granularity in ("model", found.granularity):
        return None
    return link.path()
