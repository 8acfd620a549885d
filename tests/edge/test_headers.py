"""Headers added by the hooks of every request: the same headers werkzeug's own calls write,
in the same places, whatever the response already has."""

from __future__ import annotations

import pytest
from flask import Response

from edge.headers import Fixed, add_vary

CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD"}
START = [
    [],
    [("Content-Type", "application/ld+json"), ("Vary", "Accept")],
    [("Vary", "accept, Cookie"), ("access-control-allow-origin", "https://a.example")],
    [("Access-Control-Allow-Methods", "POST"), ("Vary", "Accept, Accept-Language")],
]


@pytest.mark.parametrize("start", START)
def test_fixed_headers_are_put_as_headers_update_puts_them(start):
    ours, werkzeugs = Response(headers=start), Response(headers=start)
    Fixed(CORS).put(ours)
    werkzeugs.headers.update(CORS)
    assert list(ours.headers.items()) == list(werkzeugs.headers.items())


@pytest.mark.parametrize("start", START)
@pytest.mark.parametrize("names", [("Accept", "Accept-Language"), ("Accept-Language", "Cookie")])
def test_vary_gains_what_response_vary_update_would_give_it(start, names):
    ours, werkzeugs = Response(headers=start), Response(headers=start)
    for _ in range(2):  # the second time from the cache
        add_vary(ours, names)
    werkzeugs.vary.update(names)
    werkzeugs.vary.update(names)
    assert list(ours.headers.items()) == list(werkzeugs.headers.items())
