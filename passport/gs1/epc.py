"""GS1 identifiers as the CBV 2.0 event hash writes them: constrained canonical Digital Links.

The EPCIS event hash turns every EPC URI, EPC class URI, EPC pattern URI and GS1 Digital Link
it meets into one form: ``https://id.gs1.org/{AI}/{key}`` with only the finest level of
identification, no query string and no CPV (CBV 2.0 event hash rules 17 and 18).

This module follows the reference generator (RalphTro/epcis-event-hash-generator, its GS1
Digital Link normaliser) rule for rule, quirks included, because an event hash is only useful
when others compute the same one. The quirks are named where they occur: a value the reference
does not recognise is hashed as written, so "recognised" must mean exactly the same here.
``tests/passport/gs1/test_epc.py`` holds the cases that pin the behaviour down.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

__all__ = ["constrained_digital_link"]

# EPC Tag Data Standard URI characters: the GS1 AI encodable set, URN-escaped.
_EPC = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]"
    r"|[!')(*+,.0-9:;=A-Za-z_-])"
)
# The component/part reference character set (CPI), URN-escaped.
_CPI = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
# What the reference accepts in a finished Digital Link: GS1 AI characters, not percent-escapes.
_DL = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_DL_CPI = r"[\x23\x2D\x2F\x30-\x39\x41-\x5A]"
# The reference writes the host as the regular expression "id.gs1.org", whose dots match any
# character; kept, so that exactly the same strings count as already canonical.
_ID = r"https://id.gs1.org/"


def _escape(value: str) -> str:
    """GS1 Digital Link 1.2 table 7-1: what an EPC URI leaves bare but a path segment may not."""
    for char, escaped in (
        ("!", "%21"),
        ("(", "%28"),
        (")", "%29"),
        ("*", "%2A"),
        ("+", "%2B"),
        (",", "%2C"),
        (":", "%3A"),
    ):
        value = value.replace(char, escaped)
    return value


def _check(digits: str) -> str:
    """``digits`` and their GS1 mod-10 check digit (weights 3, 1, 3, ... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return digits + str((10 - total % 10) % 10)


def _split(total: int, *, twelve: str = r"\d{12}\.") -> str:
    """Company prefix (6 to 12 digits), a dot, and the rest of ``total`` digits.

    With a 12-digit prefix nothing is left; the reference writes that case as ``twelve``
    (for GRAI, GDTI and the SGCN pattern with a second dot, a quirk kept here).
    """
    options = [
        rf"\d{{{prefix}}}\.\d{{{total - prefix}}}" if prefix < total else twelve
        for prefix in range(6, 13)
    ]
    return "(?:" + "|".join(options) + ")"


# GRAI, GDTI and the SGCN pattern: the reference wants two dots after a 12-digit company prefix.
_GRAI_GDTI = _split(12, twelve=r"\d{12}\.\.")


def _varying(chars: str, total: int) -> str:
    """A company prefix and a reference of ``chars`` that together hold at most ``total``."""
    return "(?:" + "|".join(rf"\d{{{n}}}\.{chars}{{1,{total - n}}}" for n in range(6, 13)) + ")"


@dataclass(frozen=True)
class _Parts:
    """An EPC URI taken apart the way the reference does: by fixed positions."""

    text: str
    start: int  # where the company prefix starts (the length of the scheme prefix)

    @property
    def dot(self) -> int:
        return self.text.index(".")

    @property
    def prefix(self) -> str:
        return self.text[self.start : self.dot]

    def reference(self, total: int) -> str:
        """The ``total - len(prefix)`` characters after the first dot."""
        return self.text[self.dot + 1 : self.dot + 1 + total - len(self.prefix)]

    def after(self, total: int) -> str:
        """Everything from ``total`` digits and two separators past the scheme prefix."""
        return self.text[self.start + total + 2 :]

    def gtin(self) -> str:
        item = self.reference(13)
        return _check(item[:1] + self.prefix + item[1:])


def _sgcn(parts: _Parts) -> str:
    return "255/" + _check(parts.prefix + parts.reference(12)) + parts.after(12)


def _cpi(parts: _Parts) -> tuple[str, str]:
    last = parts.text.rfind(".")
    return parts.prefix + parts.text[parts.dot + 1 : last], parts.text[last + 1 :]


# (scheme prefix, the rest as a regular expression, how to build the Digital Link path)
_EPC_SCHEMES: tuple[tuple[str, str, Callable[[_Parts], str]], ...] = (
    (
        "urn:epc:id:sgtin:",
        rf"{_split(13)}\.{_EPC}{{1,20}}",
        lambda p: f"01/{p.gtin()}/21/{_escape(p.after(13))}",
    ),
    (
        "urn:epc:id:sscc:",
        _split(17),
        lambda p: "00/" + _check(p.text[p.dot + 1] + p.prefix + p.text[p.dot + 2 :]),
    ),
    (
        "urn:epc:id:sgln:",
        rf"{_split(12)}\.{_EPC}{{1,20}}",
        lambda p: (
            "414/"
            + _check(p.prefix + p.reference(12))
            + ("" if p.after(12) == "0" else "/254/" + _escape(p.after(12)))
        ),
    ),
    (
        "urn:epc:id:grai:",
        rf"{_GRAI_GDTI}\.{_EPC}{{1,16}}",
        lambda p: "8003/" + _check("0" + p.prefix + p.reference(12)) + _escape(p.after(12)),
    ),
    (
        "urn:epc:id:giai:",
        _varying(_EPC, 30),
        lambda p: "8004/" + p.prefix + _escape(p.text[p.dot + 1 :]),
    ),
    ("urn:epc:id:gsrn:", _split(17), lambda p: "8018/" + _check(p.prefix + p.text[p.dot + 1 :])),
    ("urn:epc:id:gsrnp:", _split(17), lambda p: "8017/" + _check(p.prefix + p.text[p.dot + 1 :])),
    (
        # No separator before the serial: the reference lets its first character be anything
        # in the set (normally the dot) and starts the serial one position later.
        "urn:epc:id:gdti:",
        rf"{_GRAI_GDTI}{_EPC}{{1,20}}",
        lambda p: "253/" + _check(p.prefix + p.reference(12)) + _escape(p.after(12)),
    ),
    (
        "urn:epc:id:cpi:",
        rf"{_varying(_CPI, 30)}\.\d{{1,12}}",
        lambda p: "8010/" + _escape(_cpi(p)[0]) + "/8011/" + _cpi(p)[1],
    ),
    ("urn:epc:id:sgcn:", rf"{_split(12)}\.\d{{1,12}}", _sgcn),
    (
        "urn:epc:id:ginc:",
        _varying(_EPC, 30),
        lambda p: "401/" + p.prefix + _escape(p.text[p.dot + 1 :]),
    ),
    ("urn:epc:id:gsin:", _split(16), lambda p: "402/" + _check(p.prefix + p.text[p.dot + 1 :])),
    (
        "urn:epc:id:itip:",
        rf"{_split(13)}\.\d{{2}}\.\d{{2}}\.{_EPC}{{1,20}}",
        lambda p: f"8006/{p.gtin()}{p.text[31:33]}{p.text[34:36]}/21/{_escape(p.text[37:])}",
    ),
    (
        "urn:epc:id:upui:",
        rf"{_split(13)}\.{_EPC}{{1,28}}",
        lambda p: f"01/{p.gtin()}/235/{_escape(p.after(13))}",
    ),
    ("urn:epc:id:pgln:", _split(12), lambda p: "417/" + _check(p.prefix + p.reference(12))),
    (
        "urn:epc:class:lgtin:",
        rf"{_split(13)}\.{_EPC}{{1,20}}",
        lambda p: f"01/{p.gtin()}/10/{_escape(p.after(13))}",
    ),
    ("urn:epc:idpat:sgtin:", rf"{_split(13)}\.\*", lambda p: f"01/{p.gtin()}"),
    (
        "urn:epc:idpat:grai:",
        rf"{_GRAI_GDTI}\.\*",
        lambda p: "8003/" + _check("0" + p.prefix + p.reference(12)),
    ),
    (
        "urn:epc:idpat:gdti:",
        rf"{_GRAI_GDTI}\.\*",
        lambda p: "253/" + _check(p.prefix + p.reference(12)),
    ),
    (
        "urn:epc:idpat:sgcn:",
        rf"{_GRAI_GDTI}\.\*",
        lambda p: "255/" + _check(p.prefix + p.reference(12)),
    ),
    (
        "urn:epc:idpat:cpi:",
        rf"{_varying(_CPI, 30)}\.\*",
        lambda p: "8010/" + _escape(_cpi(p)[0]),
    ),
    (
        "urn:epc:idpat:itip:",
        rf"{_split(13)}\.\d{{2}}\.\d{{2}}\.\*",
        lambda p: f"8006/{p.gtin()}{p.text[34:36]}{p.text[37:39]}",
    ),
    ("urn:epc:idpat:upui:", rf"{_split(13)}\.\*", lambda p: f"01/{p.gtin()}"),
)
_EPC_PATTERNS = tuple(
    (prefix, re.escape(prefix) + rest, build) for prefix, rest, build in _EPC_SCHEMES
)

_KEYS = (
    "01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253"
    "|gdti|401|ginc|402|gsin|8003|grai|8004|giai"
)
# A GS1 Digital Link: http(s), and a primary key followed by at least four digits and more,
# before any query or fragment. (The reference also admits compressed links, which then never
# pass its final check, so they are left out here.)
_DIGITAL_LINK = rf"https?:[^?#]*/(?:{_KEYS})/\d{{4}}[^/]"
_SHORT_NAMES = (
    ("/gtin/", "/01/"),
    ("/itip/", "/8006/"),
    ("/cpid/", "/8010/"),
    ("/gln/", "/414/"),
    ("/party/", "/417/"),
    ("/gsrnp/", "/8017/"),
    ("/gsrn/", "/8018/"),
    ("/gcn/", "/255/"),
    ("/sscc/", "/00/"),
    ("/gdti/", "/253/"),
    ("/ginc/", "/401/"),
    ("/gsin/", "/402/"),
    ("/grai/", "/8003/"),
    ("/giai/", "/8004/"),
    ("/cpv/", "/22/"),
    ("/lot/", "/10/"),
    ("/ser/", "/21/"),
)
_CANONICAL = _ID + r"(?:01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)/\d{4}[^/]"
# The primary key the path is cut at when the host is someone else's, in this order of search.
_PRIMARY = (
    *("00", "01", "253", "255", "401", "402", "414", "417"),
    *("8003", "8004", "8006", "8010", "8017", "8018"),
)
_CPV_LAST = (
    _ID + rf"8006/\d{{18}}/22/{_DL}{{0,20}}$",
    _ID + rf"01/\d{{14}}/22/{_DL}{{0,20}}$",
)
_CPV_BEFORE = (
    _ID + rf"8006/\d{{18}}/22/[/{_DL[1:-1]}]{{0,20}}$",
    _ID + rf"01/\d{{14}}/22/[/{_DL[1:-1]}]{{0,20}}$",
)
_LOT_AND_SERIAL = (
    _ID + rf"8006/\d{{18}}/10/{_DL}{{0,20}}/21/{_DL}{{0,20}}$",
    _ID + rf"01/\d{{14}}/10/{_DL}{{0,20}}/21/{_DL}{{0,20}}$",
)
# What a constrained canonical Digital Link may be (rule 18's list of keys and qualifiers).
_CONSTRAINED = tuple(
    _ID + pattern + "$"
    for pattern in (
        r"00/\d{18}",
        rf"01/\d{{14}}/21/{_DL}{{0,20}}",
        rf"01/\d{{14}}/10/{_DL}{{0,20}}",
        r"01/\d{14}",
        rf"01/\d{{14}}/235/{_DL}{{0,28}}",
        rf"253/\d{{13}}{_DL}{{0,17}}",
        r"255/\d{13}\d{0,12}",
        rf"401/{_DL}{{0,30}}",
        r"402/\d{17}",
        r"414/\d{13}",
        rf"414/\d{{13}}/254/{_DL}{{0,20}}",
        r"417/\d{13}",
        rf"8003/\d{{14}}{_DL}{{0,16}}",
        rf"8004/{_DL}{{0,30}}",
        rf"8006/\d{{18}}/21/{_DL}{{0,20}}",
        rf"8006/\d{{18}}/10/{_DL}{{0,20}}",
        r"8006/\d{18}",
        rf"8010/{_DL_CPI}{{0,30}}/8011/\d{{0,12}}",
        rf"8010/{_DL_CPI}{{0,30}}",
        r"8017/\d{18}",
        r"8018/\d{18}",
    )
)


# Compiled on first use: importing this module (and the CLI) stays fast.
_re = cache(re.compile)


def _from_epc_uri(text: str) -> str | None:
    for prefix, pattern, build in _EPC_PATTERNS:
        if text.startswith(prefix) and _re(pattern).fullmatch(text):
            return "https://id.gs1.org/" + build(_Parts(text, len(prefix)))
    return None


def _from_digital_link(text: str) -> str | None:
    if not _re(_DIGITAL_LINK).match(text):
        return None
    uri = text.split("?", 1)[0]  # the query string goes; a fragment stays (and then fails)
    for short, numeric in _SHORT_NAMES:
        uri = uri.replace(short, numeric)
    if not _re(_CANONICAL).match(uri):
        for key in _PRIMARY:
            at = uri.find(f"/{key}/")
            if at != -1:
                uri = "https://id.gs1.org" + uri[at:]
                break
    # GTIN-8, -12 and -13 become GTIN-14 (every "/01/" is padded, as in the reference).
    if not _re(_ID + r"01/\d{14}").match(uri):
        for digits, zeros in ((13, "0"), (12, "00"), (8, "000000")):
            if _re(_ID + rf"01/\d{{{digits}}}").match(uri):
                uri = uri.replace("/01/", "/01/" + zeros)
                break
    # The CPV goes, whether last or followed by other qualifiers.
    after_cpv = uri[uri.find("/22/") + 4 :]
    if any(_re(pattern).match(uri) for pattern in _CPV_LAST):
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") : -1]
    if any(_re(pattern).match(uri) for pattern in _CPV_BEFORE):
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") :]
    # A serial is finer than a lot: the lot goes.
    if any(_re(pattern).match(uri) for pattern in _LOT_AND_SERIAL):
        after_lot = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + after_lot[after_lot.find("/") :]
    return uri if any(_re(pattern).match(uri) for pattern in _CONSTRAINED) else None


def constrained_digital_link(text: str) -> str | None:
    """The constrained canonical GS1 Digital Link of an EPC URI or Digital Link, else None.

    None means "not an identifier the event hash rewrites": the value is then hashed as is.
    """
    if "." not in text:
        return None
    if text.startswith("urn:epc:"):
        return _from_epc_uri(text)
    return _from_digital_link(text)
