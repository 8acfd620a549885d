"""What a request may send: the size of its body per operation, and bounded JSON.

Both edges share these limits, so hostile input is refused in one place, before it costs
anything:

* **Size.** :func:`limit_body` (a ``before_request`` hook) answers 413 before a byte of the
  body is read when its ``Content-Length`` is past the operation's limit, and sets the request's
  ``max_content_length`` so that a body without a length (chunked) is cut off at the same
  size. The batch endpoint may send ``Settings.max_body_bytes`` (64 MiB: 10,000 passports);
  every other request ``Settings.max_write_bytes`` (1 MiB: one passport, one event, a form).
* **JSON.** :func:`parse_json` refuses, with a 400 naming the rule, JSON nested deeper than
  :data:`MAX_JSON_DEPTH` (measured on the raw text, before any Python object is built),
  a number written with more than :data:`MAX_NUMBER_CHARS` characters, an integer outside
  I-JSON's interoperable range (RFC 7493: at most 2^53 - 1 either side of 0), a number that
  overflows a float (``1e999``) and the non-JSON constants ``NaN`` and ``Infinity``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from edge.request import settings
from passport.documents import MAX_SAFE_INTEGER, UNSTORABLE
from passport.errors import InvalidRequest

# Endpoints whose body may be as large as Settings.max_body_bytes; all others get
# Settings.max_write_bytes.
# The batch, and a passport moved here with its whole history (api.moves), may send more.
BULK_ENDPOINTS = frozenset({"passports.PassportBatch", "moves.PassportImport"})
MAX_JSON_DEPTH = 64
# A double written out in full takes up to 310 characters (-1.7976931348623157e308 as an
# integer literal, as BatteryPass's samples write it); far longer numbers only cost time.
MAX_NUMBER_CHARS = 400

# A JSON string: quotes around anything but a quote or a backslash, or an escape (unrolled, so
# the regular expression runs in linear time on a string of any length).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# \u0000 and \ud800-\udfff escapes: the only ways JSON text makes a string no database stores.
_ESCAPED_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN_CLOSE = bytes.maketrans(b"{}", b"[]")  # for counting depth, an object is an array


def body_limit() -> int:
    """The largest body the current request may send, in bytes."""
    config = settings()
    return config.max_body_bytes if request.endpoint in BULK_ENDPOINTS else config.max_write_bytes


def limit_body() -> None:
    """``before_request``: refuse a body over the operation's limit before reading it (413).

    A body without a length (chunked) is read at most one byte past the limit (werkzeug stops
    there), so that :func:`read_body` can tell a body of the limit from a longer one."""
    limit = body_limit()
    request.max_content_length = limit + 1
    length = request.content_length
    if length is not None and length > limit:
        raise _too_large(limit, f"this one has {length:,}")


def read_body() -> bytes:
    """The request's body, at most the operation's limit (413 past it, chunked or not)."""
    raw = request.get_data(cache=True)
    limit = body_limit()
    if len(raw) > limit:
        raise _too_large(limit, "this one is longer")
    return raw


def _too_large(limit: int, length: str) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"This operation accepts a body of at most {limit:,} bytes; {length}."
    )


def json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the arrays and objects of JSON text nest, counted without parsing it; any
    answer above ``limit`` means "deeper than limit" (the count stops there)."""
    skeleton = _STRING.sub(b"", raw).translate(_OPEN_CLOSE, _NOT_BRACKETS)
    # Each pass drops the empty pairs, the innermost level of every branch, in C: a few passes
    # leave little of a wide document. Once a pass drops little (one deep branch), the count
    # below takes over, which stops as soon as it is past the limit.
    passes = 0
    while skeleton and passes <= limit:
        shorter = skeleton.replace(b"[]", b"")  # left to right, no rescan: one level a pass
        if len(skeleton) - len(shorter) <= len(skeleton) // 64:
            break
        skeleton, passes = shorter, passes + 1
    depth = deepest = 0
    for byte in skeleton:  # what is left, counted with an early exit
        depth += 1 if byte == 0x5B else -1  # "["
        deepest = max(deepest, depth)
        if depth < 0 or passes + deepest > limit:
            break
    return passes + deepest if skeleton else passes


def parse_json(raw: bytes) -> Any:
    """JSON text as Python objects, within the limits above (else :class:`InvalidRequest`)."""
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise InvalidRequest(
            f"The JSON body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep."
        )
    try:
        value = json.loads(raw, parse_int=_integer, parse_float=_float, parse_constant=_constant)
        if _ESCAPED_UNSTORABLE.search(raw):
            _check_characters(value)
        return value
    except _OutOfBounds as exc:
        raise InvalidRequest(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise InvalidRequest("The body is not UTF-8 encoded JSON.") from exc
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from exc
    except RecursionError:  # deeper than the interpreter allows, though the count said not
        raise InvalidRequest("The JSON body nests too deep.") from None


def _check_characters(value: Any) -> None:
    """Refuse U+0000 and lone surrogates (only escapes make them): no database stores them."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and UNSTORABLE.search(node):
            raise _OutOfBounds(
                "The JSON body holds U+0000 or a lone surrogate (an unpaired \\ud800-\\udfff "
                "escape): neither is a character the registry can store."
            )


class _OutOfBounds(ValueError):
    """A number in the body outside the bounds the registry keeps."""


def _long(text: str) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise _OutOfBounds(
            f"A number in the JSON body is written with {len(text):,} characters; "
            f"at most {MAX_NUMBER_CHARS} are accepted."
        )


def _integer(text: str) -> int | float:
    """An integer; one beyond ±(2^53 - 1) is read as the nearest 64-bit float, as JavaScript
    and any I-JSON reader (RFC 7493 2.2) read it, so every way out serves the same number."""
    _long(text)
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        try:
            return float(value)
        except OverflowError:
            raise _OutOfBounds(
                f"The number {text[:40]}… in the JSON body overflows a 64-bit float."
            ) from None
    return value


def _float(text: str) -> float:
    _long(text)
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _OutOfBounds(f"The number {text} in the JSON body overflows a 64-bit float.")
    return value


def _constant(text: str) -> float:
    raise _OutOfBounds(f"'{text}' is not JSON: numbers are finite.")
