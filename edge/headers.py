"""Headers every answer of a kind gets, added in a few microseconds: the ``after_request``
hooks (CORS, ``Vary``) run on every request, so they do werkzeug's work once per distinct
input instead of once per request, with werkzeug's own semantics (the same headers, in the
same order)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from flask import Response
from werkzeug.http import parse_set_header


class Fixed:
    """A fixed set of headers, put on a response as ``response.headers.update`` puts them: a
    header the response already has is replaced in place, the others are appended in order."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.items = tuple(headers.items())
        self.names = frozenset(name.lower() for name in headers)

    def put(self, response: Response) -> None:
        """Set the headers on ``response``."""
        headers = response.headers
        if self.names.isdisjoint([name.lower() for name, _ in headers.items()]):
            headers.extend(self.items)  # none there yet: appending is what update would do
        else:
            headers.update(dict(self.items))


def add_vary(response: Response, names: tuple[str, ...]) -> None:
    """``response.vary.update(names)``: ``Vary`` gains the names it lacks (set in place, or
    appended), and is left as it is when it has them all."""
    merged = _merged(response.headers.get("Vary"), names)
    if merged is not None:
        response.headers["Vary"] = merged


@lru_cache(maxsize=256)
def _merged(current: str | None, names: tuple[str, ...]) -> str | None:
    """The ``Vary`` werkzeug's HeaderSet would write for ``current`` plus ``names``; None when
    it would write nothing (it had them all)."""
    written: list[str] = []
    parse_set_header(current, lambda header: written.append(header.to_header())).update(names)
    return written[-1] if written else None
