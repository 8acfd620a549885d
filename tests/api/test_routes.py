"""Every URL that passport.routes builds is one that the registry's app serves."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from passport.config import Settings
from passport.routes import Routes
from tests.conftest import BASE_URL
from web.app import create_app

AT = Routes(BASE_URL)
P = "3f2a9c1d0b7e4a65"
URLS = {
    "passport": AT.passport(P),
    "version": AT.version(P, 2),
    "versions": AT.versions(P),
    "qr": AT.qr(P),
    "page": AT.page(P),
    "claim": AT.claim(P),
    "events": AT.events(P),
    "event_receipt": AT.event_receipt(P, 1),
    "community": AT.community("abcdefghijklmnop"),
    "checkpoint": AT.checkpoint,
    "consistency_proof": AT.consistency_proof(1, 2),
    "registry_did_document": AT.registry_did_document,
    "organisation_did_document": AT.organisation_did_document("org_1a2b"),
    "kreislauf_context": AT.kreislauf_context,
    "kreislauf_context_v2": AT.kreislauf_context_v2,
    "status_list": AT.status_list(1),
    "resolver_description": AT.resolver_description,
    # a C2SP tlog-witness submission prefix: its one operation is POSTed below it
    "witness_prefix": AT.witness_prefix + "/add-checkpoint",
    # what this registry serves of another as its mirror: that registry's paths below it
    "mirrored": Routes(AT.mirrored("origin.example:8443")).checkpoint,
}
POSTED = {"witness_prefix"}


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    """The app, for its URL map only (the database is never opened)."""
    app = create_app(Settings(database_url="sqlite://", base_url=BASE_URL, testing=True))
    yield app
    app.extensions["kreislauf"].engine.dispose()


@pytest.mark.parametrize("name", sorted(URLS))
def test_the_app_serves_the_url(app: Flask, name: str) -> None:
    url = urlsplit(URLS[name])
    adapter = app.url_map.bind(url.netloc, url_scheme=url.scheme)
    method = "POST" if name in POSTED else "GET"
    endpoint, _ = adapter.match(url.path, method=method, query_args=url.query)
    assert endpoint


def test_every_url_of_routes_is_checked() -> None:
    # Not fetched: the log's name (a host and path, no scheme), an organisation's address,
    # which its did:web is made of (its document is organisation_did_document), and the host.
    names = {"log_origin", "organisation", "host"}
    built = {name for name in dir(Routes) if not name.startswith("_") and name not in names}
    assert built == set(URLS)
