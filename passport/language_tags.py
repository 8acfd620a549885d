"""BCP 47 language tags (RFC 5646): whether a tag is well-formed, and its canonical case.

A passport records the language of its texts (``inLanguage``), and an organisation the one of
the passports it issues, as such a tag. The grammar is RFC 5646's ABNF (section 2.1), written
out below as one regular expression; on top of it, three checks that need no registry data
(sections 2.2.1 and 2.2.9): a primary language subtag of four to eight letters is refused, as
none is registered (so ``german`` or ``deutsch`` is an error, not a language), and so is a tag
that repeats a variant or an extension's singleton. Whether each subtag is in the IANA registry
is not checked: that needs the registry's data, and a well-formed tag of an unlisted language
does no harm (a screen reader reads it in its default voice).
"""

from __future__ import annotations

import re

_IRREGULAR = (
    "en-GB-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn "
    "i-tao i-tay i-tsu sgn-BE-FR sgn-BE-NL sgn-CH-DE"
)
_REGULAR = "art-lojban cel-gaulish no-bok no-nyn zh-guoyu zh-hakka zh-min zh-min-nan zh-xiang"
# The grandfathered tags, as wholes (RFC 5646 2.2.8): well-formed though the grammar of
# langtag does not produce them all.
GRANDFATHERED = frozenset(tag.lower() for tag in f"{_IRREGULAR} {_REGULAR}".split())

_LANGTAG = re.compile(
    r"""
    (?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})   # with up to three extlangs
    (?:-(?P<script>[a-z]{4}))?
    (?:-(?P<region>[a-z]{2}|[0-9]{3}))?
    (?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)
    (?P<extensions>(?:-[a-wyz0-9](?:-[a-z0-9]{2,8})+)*)
    (?:-x(?:-[a-z0-9]{1,8})+)?
    """,
    re.VERBOSE,
)
_PRIVATE_USE = re.compile(r"x(?:-[a-z0-9]{1,8})+")
# 35 characters is what RFC 5646 4.4.1 asks every implementation to take; extensions and
# private use may be longer, but not in any real passport.
MAX_LENGTH = 64
RULE = (
    "must be a BCP 47 language tag (RFC 5646) with an ISO 639 language code, such as en, "
    "de or de-AT"
)


def well_formed(tag: object) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 language tag (RFC 5646 2.1) whose primary
    language subtag could be registered, with no variant or singleton given twice."""
    if not isinstance(tag, str) or not 0 < len(tag) <= MAX_LENGTH or not tag.isascii():
        return False
    lower = tag.lower()
    if lower in GRANDFATHERED or _PRIVATE_USE.fullmatch(lower):
        return True
    match = _LANGTAG.fullmatch(lower)
    if match is None or len(match["language"].split("-")[0]) > 3:
        return False
    variants = match["variants"].split("-")[1:]
    singletons = [s for s in match["extensions"].split("-")[1:] if len(s) == 1]
    return len(set(variants)) == len(variants) and len(set(singletons)) == len(singletons)


def canonical_case(tag: str) -> str:
    """``tag`` in the case RFC 5646 2.1.1 recommends: lower case, but a region upper case and a
    script title case (``zh-hant-tw`` -> ``zh-Hant-TW``), except in extensions and private use."""
    out: list[str] = []
    for index, subtag in enumerate(tag.lower().split("-")):
        after_singleton = any(len(s) == 1 for s in out)
        if index == 0 or after_singleton:
            out.append(subtag)
        elif len(subtag) == 2:
            out.append(subtag.upper())
        elif len(subtag) == 4 and subtag.isalpha():
            out.append(subtag.title())
        else:
            out.append(subtag)
    return "-".join(out)


def primary_language(tag: str) -> str:
    """The primary language subtag of a tag, lower case (``de-AT`` -> ``de``)."""
    return tag.split("-", 1)[0].lower()
