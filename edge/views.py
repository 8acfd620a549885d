"""Serving a passport's views from the store: strong ETags, ``304 Not Modified`` and the
caching headers, for the resolver, the API and the passport page alike (docs/CACHING.md).

The view itself is always built by the edge's own code over ``passport.credentials.reading``
(the one place views are built); this module only keeps what that code answered, under the
ETag of its read key and slot, and answers from it while the key stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, request

from edge.reads import note_view, shows_restricted
from edge.request import registry, session, settings
from passport.credentials.reading import Reading
from passport.disclosure.tiers import Tier
from passport.models import Organisation
from passport.views_cache import keys
from passport.views_cache.store import View

# A view every reader sees alike: shared caches may keep it a minute, then ask again (304).
PUBLIC = "public, max-age=60, must-revalidate"
# A view of a passport with restricted data: another reader may see another view at this URL.
PRIVATE = "private, no-cache"
# What a stored answer keeps of its headers (the rest is the request's, or set here).
DROPPED = frozenset({"content-length", "set-cookie", "etag", "cache-control", "vary"})
KEPT_STATUSES = (200, 307)


@dataclass(frozen=True)
class Built:
    """What the edge built for a request: the answer, the reading it showed and its way out
    (for the access log)."""

    response: Response
    seen: Reading
    way: str


@dataclass(frozen=True)
class Slot:
    """Which view of the passport a request asks for, and how to serve it."""

    parts: tuple[object, ...]  # everything in the request the view depends on
    vary: str  # what a private view varies by besides Accept ("Authorization", "Cookie")
    live: str = ""  # a part of the ETag that is filled in at serving (the page's checkpoint)
    finish: Callable[[bytes], bytes] | None = None  # fills it in


def serve(
    found: keys.Found,
    reader: Organisation | None,
    tier: Tier,
    slot: Slot,
    build: Callable[[], Built],
    kept: Callable[[Response], bool],
) -> Response:
    """The view ``slot`` of ``found`` as ``tier`` sees it: from the store while its ETag
    stands, else built (and kept if ``kept`` says it may be); 304 if the reader has it."""
    store = registry().views
    etag = found.digest(settings().base_url, tier.value, slot.parts)
    view = store.get(etag)
    if view is None:
        built = build()
        if not (built.response.status_code in KEPT_STATUSES and kept(built.response)):
            if built.response.status_code == 200:
                shows = shows_restricted(built.seen)
                note_view(reader, found.pk, tier, shows, built.way)
            return built.response
        view = _view(built)
        if _still(found):  # nothing changed while it was built: it is the key's view
            store.put(etag, view)
    if view.status == 200:
        note_view(reader, found.pk, tier, view.shows_restricted, view.way)
    return _answer(view, etag + slot.live, slot)


def _view(built: Built) -> View:
    response, seen = built.response, built.seen
    headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in DROPPED)
    shows = shows_restricted(seen)
    return View(response.status_code, response.get_data(), headers, seen.varies, shows, built.way)


def _still(found: keys.Found) -> bool:
    now = keys.by_pk(session(), found.pk)
    return now is not None and now.parts == found.parts


def _answer(view: View, etag: str, slot: Slot) -> Response:
    """The stored view, or 304 when the request's If-None-Match names its ETag."""
    if view.status != 200:
        return Response(view.body, status=view.status, headers=list(view.headers))
    headers = [
        *view.headers,
        ("ETag", f'"{etag}"'),
        ("Cache-Control", PRIVATE if view.varies else PUBLIC),
        ("Vary", f"Accept, {slot.vary}" if view.varies else "Accept"),
    ]
    # Without If-None-Match (most requests) there is nothing to parse.
    if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains_weak(etag):
        kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
        return Response(status=304, headers=kept)
    body = slot.finish(view.body) if slot.finish else view.body
    return Response(body, status=200, headers=headers)
