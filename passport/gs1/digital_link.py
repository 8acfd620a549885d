"""The registry's GS1 Digital Links: a product identified by a GTIN (with qualifiers) or a GMN.

``parse_digital_link`` and ``parse_digital_link_path`` accept what the registry accepts: the
GS1 syntax of ``passport.gs1.elements``, path and query string, restricted to the product
keys 01 (GTIN) and 8013 (GMN). AI 01 in a URI is 14 digits, as GS1 writes it; GTIN-8/12/13
are padded only where a GTIN arrives as a plain field (``normalise_gtin``,
``DigitalLink(gtin=...)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from passport.errors import InvalidIdentifier
from passport.gs1.check_digits import normalise_gtin
from passport.gs1.dictionary import name
from passport.gs1.elements import DigitalLinkElements, check_elements, parse_elements
from passport.gs1.uri import check_uri_characters, split_path, split_uri

# Primary keys that identify a product; the registry keeps passports for nothing else.
_PRODUCT_KEYS = ("01", "8013")
_FIELD_BY_AI = {"01": "gtin", "8013": "gmn", "22": "cpv", "10": "lot", "21": "serial", "235": "tpx"}


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
        check_elements(self._key_path(), self.attributes, allow_short_gtin=False)

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
            f"primary key {primary_key} ({name(primary_key)}) is not supported here: "
            "passports are identified by a GTIN (/01/) or a GMN (/8013/)"
        )
    fields: dict[str, Any] = {_FIELD_BY_AI[ai]: value for ai, value in elements.path}
    # The parser has checked every element and their combination; DigitalLink() would check
    # them all again, which doubled the cost of bulk issuance.
    link = object.__new__(DigitalLink)
    for field in ("gtin", "cpv", "lot", "serial", "gmn", "tpx"):
        object.__setattr__(link, field, fields.get(field))
    object.__setattr__(link, "attributes", tuple(elements.attributes))
    return link


def parse_digital_link(uri: str, *, allow_trailing_slash: bool = False) -> DigitalLink:
    """Parse a Digital Link URI for a product: http(s), any host, any path before the key.

    The GS1 syntax of ``parse_digital_link_elements`` with its default flags, path and query
    string alike; only the primary key is restricted to 01 and 8013.
    """
    path, query = split_uri(uri)
    elements = parse_elements(
        path, query, allow_trailing_slash=allow_trailing_slash, allow_short_gtin=False
    )
    return _to_digital_link(elements)


def parse_digital_link_path(path: str, *, allow_trailing_slash: bool = False) -> DigitalLink:
    """Parse the path (optionally with "?query") of a Digital Link URI, as a resolver sees it.

    Pass the raw path, before percent-decoding: a decoded "%2F" would split a value in two.
    """
    check_uri_characters(path, "GS1 Digital Link path")
    path_part, query = split_path(path)
    elements = parse_elements(
        path_part, query, allow_trailing_slash=allow_trailing_slash, allow_short_gtin=False
    )
    return _to_digital_link(elements)


def looks_like_digital_link(uri: str) -> bool:
    """Cheap test: does the path have an /01/ or /8013/ segment followed by a value?"""
    if "://" in uri:
        uri = "/" + uri.split("://", 1)[1].partition("/")[2]
    segments = split_path(uri)[0].split("/")
    return any(
        segment in _PRODUCT_KEYS and index + 1 < len(segments) and segments[index + 1] != ""
        for index, segment in enumerate(segments)
    )
