"""Routes: every public URL of the registry, built in one place."""

from __future__ import annotations

import dataclasses

import pytest

from passport import routes
from passport.routes import Routes

BASE = "https://registry.example.org"
AT = Routes(BASE)
P = "3f2a9c1d0b7e4a65"


def test_every_url() -> None:
    assert AT.passport(P) == f"{BASE}/api/v1/passports/{P}"
    assert AT.version(P, 3) == f"{BASE}/api/v1/passports/{P}?version=3"
    assert AT.versions(P) == f"{BASE}/api/v1/passports/{P}/versions"
    assert AT.qr(P) == f"{BASE}/api/v1/passports/{P}/qr.svg"
    assert AT.page(P) == f"{BASE}/passports/{P}"
    assert AT.events(P) == f"{BASE}/api/v1/passports/{P}/events"
    assert AT.event_receipt(P, 7) == f"{BASE}/api/v1/passports/{P}/events/7/receipt"
    assert AT.community("abcdefghijklmnop") == f"{BASE}/c/abcdefghijklmnop"
    assert AT.checkpoint == f"{BASE}/log/v1/checkpoint"
    assert AT.consistency_proof(3, 9) == f"{BASE}/log/v1/proof/consistency?first=3&second=9"
    assert AT.log_origin == "registry.example.org/log/v1"
    assert AT.registry_did_document == f"{BASE}/.well-known/did.json"
    assert AT.organisation("org_1a2b") == f"{BASE}/orgs/org_1a2b"
    assert AT.organisation_did_document("org_1a2b") == f"{BASE}/orgs/org_1a2b/did.json"
    assert AT.kreislauf_context == f"{BASE}/contexts/kreislauf/v1"
    assert AT.resolver_description == f"{BASE}/.well-known/gs1resolver"


def test_the_path_constants_are_the_urls_paths() -> None:
    assert AT.passport(P).removeprefix(BASE) == f"{routes.PASSPORTS}/{P}"
    assert routes.PASSPORTS == routes.API + "/passports"
    assert AT.page(P).removeprefix(BASE) == f"{routes.PASSPORT_PAGES}/{P}"
    assert AT.checkpoint.removeprefix(BASE).startswith(routes.LOG + "/")
    assert AT.registry_did_document.removeprefix(BASE) == routes.REGISTRY_DID
    assert AT.resolver_description.removeprefix(BASE) == routes.RESOLVER_DESCRIPTION
    assert AT.kreislauf_context.removeprefix(BASE) == routes.KREISLAUF_V1_CONTEXT
    assert routes.KREISLAUF_V1_CONTEXT.startswith(routes.CONTEXTS + "/")
    assert AT.community("k").removeprefix(BASE) == routes.COMMUNITY + "k"
    assert AT.organisation_did_document("o").removeprefix(BASE) == (
        f"{routes.ORGANISATIONS}/o/{routes.DID_DOCUMENT}"
    )


@pytest.mark.parametrize("base", [BASE + "/", BASE + "//"])
def test_a_trailing_slash_on_the_base_url_is_dropped(base: str) -> None:
    assert Routes(base) == AT
    assert Routes(base).passport(P) == AT.passport(P)


def test_only_slashes_are_dropped_from_the_base_url() -> None:
    assert Routes("https://registry.example/DPP-X/").base_url == "https://registry.example/DPP-X"


def test_a_base_url_with_a_path_and_port_keeps_them() -> None:
    at = Routes("http://127.0.0.1:5000/registry")
    assert at.passport(P) == f"http://127.0.0.1:5000/registry/api/v1/passports/{P}"
    assert at.log_origin == "127.0.0.1:5000/log/v1"


def test_an_id_read_from_elsewhere_stays_one_path_segment() -> None:
    assert AT.events("a/b c") == f"{BASE}/api/v1/passports/a%2Fb%20c/events"
    assert AT.event_receipt("a?b", 1) == f"{BASE}/api/v1/passports/a%3Fb/events/1/receipt"


def test_routes_is_a_value() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        AT.base_url = "https://elsewhere.example"  # type: ignore[misc]
    assert hash(Routes(BASE)) == hash(AT)
