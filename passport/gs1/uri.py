"""The URI syntax of a GS1 Digital Link: scheme and host, path segments, escapes, query string.

Takes a URI apart into the raw "/AI/value" pairs of its key path (from the rightmost primary
key on, whatever custom path comes before it) and the AI attributes of its query string,
percent-decoded; whether those elements make sense together is for ``passport.gs1.elements``
to say. Compressed Digital Link URIs and alphabetic AI names are recognised and rejected with
a hint, not decoded.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from urllib.parse import unquote_to_bytes

from passport.errors import InvalidIdentifier
from passport.gs1.charsets import BASE64URL, is_digits
from passport.gs1.dictionary import AI_TABLE, entry, label

_URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
_BAD_HOST_CHARACTERS = frozenset("_~?#@!$&'()*+,;=%")
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEMES = ("https://", "http://", "HTTPS://", "HTTP://")


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


def check_uri_characters(text: str, what: str) -> None:
    """Only characters a URI may hold; anything else must be percent-encoded."""
    if _URI_CHARACTERS.issuperset(text):  # the common case, decided in C
        return
    for position, char in enumerate(text, start=1):
        if char not in _URI_CHARACTERS:
            raise InvalidIdentifier(
                f"{what} contains {char!r} at position {position}, which is not allowed in a "
                "URI: percent-encode it"
            )


def split_uri(uri: str) -> tuple[str, str]:
    """Return the path and query of a Digital Link URI, after checking scheme and host."""
    check_uri_characters(uri, "GS1 Digital Link URI")
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
    return split_path(rest[end:])


def split_path(path: str) -> tuple[str, str]:
    """The path and the query of a path as a resolver sees it; the fragment goes."""
    without_fragment = path.partition("#")[0]  # fragments never carry GS1 data
    path_part, _, query = without_fragment.partition("?")
    return path_part, query


def _looks_like_ai(segment: str) -> bool:
    return 2 <= len(segment) <= 4 and is_digits(segment)


def _locate_primary_key(segments: Sequence[str]) -> int | None:
    # Walk back over "/AI/value" pairs from the end, as the syntax engine does: the rightmost
    # primary key starts the key path, whatever custom path comes before it.
    index = len(segments) - 2
    while index >= 0 and _looks_like_ai(segments[index]):
        found = AI_TABLE.get(segments[index])
        if found is not None and found.dl_qualifiers is not None:
            return index
        index -= 2
    return None


def _looks_compressed(segment: str) -> bool:
    # Compressed DL data is one long base64url segment; mixed-case letters tell it from
    # ordinary slugs and numbers.
    return (
        len(segment) >= 10
        and set(segment) <= set(BASE64URL)
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


def key_path(path: str, *, allow_trailing_slash: bool) -> list[tuple[str, str]]:
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
            raise InvalidIdentifier(f"{label(ai)} has an empty value in the path")
    start = _locate_primary_key(segments)
    if start is None:
        raise _no_primary_key(segments)
    pairs = list(zip(segments[start::2], segments[start + 1 :: 2], strict=True))
    for ai, _ in pairs:
        entry(ai, "in the path")
    return pairs


def decode(raw: str, ai: str, *, in_query: bool) -> str:
    """A value of ``ai`` percent-decoded (and "+" as a space in the query string)."""
    bad = _MALFORMED_ESCAPE.search(raw)
    if bad is not None:
        raise InvalidIdentifier(
            f"{label(ai)} has a malformed percent-escape "
            f"{raw[bad.start() : bad.start() + 3]!r} in {raw!r}: write '%' as %25"
        )
    if in_query:
        raw = raw.replace("+", " ")  # form encoding; "%2B" still decodes to "+"
    value = unquote_to_bytes(raw).decode("utf-8", errors="replace")
    if "\x00" in value:
        raise InvalidIdentifier(
            f"{label(ai)} decodes to a NUL character (%00), which no AI value may contain"
        )
    return value


def query_attributes(query: str) -> list[tuple[str, str]]:
    """The AI=value pairs of a query string, decoded; other parameters are not GS1 data."""
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
        if not equals or not is_digits(key):
            continue
        if key not in AI_TABLE:
            raise InvalidIdentifier(
                f"unknown AI {key} in the query string: numeric query parameters of a GS1 "
                "Digital Link URI are Application Identifiers, and this one is not in the GS1 "
                "Barcode Syntax Dictionary"
            )
        if not raw:
            raise InvalidIdentifier(f"{label(key)} has an empty value in the query string")
        value = decode(raw, key, in_query=True)
        if " " in value and "+" in raw:
            raise InvalidIdentifier(
                f"{label(key)} in the query string contains '+', which a query string "
                "decodes as a space, and a space is not in GS1 character set 82: write a "
                "literal plus as %2B"
            )
        attributes.append((key, value))
    return attributes
