"""Issue 11, point 2: who may do what, one table, every operation × every role.

Every route of the app (``app.url_map``, every method) is in the one table of
``passport.permissions``: in a rule's ``ways`` or in ``OPEN``; a new route without an entry
fails here. This module calls every API operation (and every other route outside the pages,
which tests/web/test_permission_matrix.py calls) as nobody, the manufacturer that issued the
passports, a rival manufacturer, a repairer, a refurbisher, a remanufacturer, a recycler, an
authority and the registry's own organisation (a forged key: none of its keys works), and
checks the table: allowed -> 2xx and the write stored; refused -> 401 (no organisation) or 403
and no row of any table changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from passport.permissions import BY_ACTION, OPEN, RULES
from tests.conftest import fresh_database
from tests.helpers import passport
from tests.permission_registry import (
    BY_NAME,
    CALLERS,
    MAKER,
    Caller,
    Registry,
    allowed,
    build,
    event_body,
    may_record_something,
    rule_path,
)

WEB = (
    "/passports/",
    "/impact",
    "/signin",
    "/signout",
    "/repairs/",
    "/labels",
    "/favicon.ico",
    "/sw.js",
    "/manifest.webmanifest",
    "/offline/",
)


def is_web(way: str) -> bool:
    """Whether a route is a page (tests/web/test_permission_matrix.py calls those)."""
    path = way.split(" ", 1)[1]
    return path == "/" or path.startswith(WEB)


CASES = [(r.action, w) for r in RULES for w in r.ways if not is_web(w)]
OPEN_CASES = [w for w in OPEN if not is_web(w)]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database per module and engine (the name marks the PostgreSQL runs, conftest)."""
    return fresh_database(request, tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="module")
def registry(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    yield from build(database_url, tmp_path_factory.mktemp("keys"), fresh=80)


@pytest.fixture(scope="module")
def api(registry: Registry) -> FlaskClient:
    return registry.app.test_client()


def test_every_route_is_in_the_table(registry: Registry) -> None:
    """A route nobody put in the table fails here, and so does a table entry with no route."""
    table = {w for r in RULES for w in r.ways} | set(OPEN)
    routes = set()
    for rule in registry.app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            way = f"{method} {rule_path(rule.rule)}"
            routes.add(way)
            page = rule.endpoint.split(".")[0] in ("pages", "forms")
            assert page == is_web(way), f"{way} ({rule.endpoint}): page or not, the tests differ"
    assert routes - table == set(), "routes without a permission (passport/permissions.py)"
    assert table - routes == set(), "permissions naming no route"
    assert len(set(OPEN)) == len(OPEN)


def _request(
    registry: Registry, action: str, way: str, caller: Caller, ok: bool
) -> tuple[str, str, Any, bool]:
    """The call (method, URL, JSON body) that takes ``action`` through ``way``, valid but for
    the permission, and whether the table's answer holds (a correction: only of one's own)."""
    from tests.api.en18222_contract import NAME as NAME_ELEMENT  # EN 18222's ways
    from tests.api.en18222_contract import name_patch

    method, path = way.split(" ", 1)
    pid, serial = registry.shared, registry.shared_serial
    if ("<passport_id>" in path or "<dpp_id>" in path) and ok and method != "GET":
        pid, serial = registry.fresh()
    body: Any = None
    if action == "passport.issue":
        one = passport(
            "item", gtin_=registry.gtin(caller.name), serial=f"S{next(registry.serials)}"
        )
        body = [one] if path.endswith("/batch") else one
        body = {"credentialSubject": one} if path.endswith("/dpps") else body  # EN 18222
    elif path.endswith("/elements/<element_path>"):  # EN 18222: the element holding the name
        body = {"elementId": "name", "value": "Acme K1, v2"}
    elif action == "passport.revise" and "<dpp_id>" in path:  # EN 18222: a merge patch
        body = name_patch(registry.app.test_client(), pid, "Acme K1, v2")
    elif action == "passport.revise":
        body = passport("item", gtin_=registry.gtin(MAKER), serial=serial, name="Acme K1, v2")
    elif action == "event.correction":
        own = may_record_something(caller)
        seq = registry.record(caller.name if own else MAKER, pid, own or "maintenance")
        body = event_body("correction", corrects=seq, reason="incorrect_data")
        ok = ok and own is not None
    elif action.startswith("event."):
        body = event_body(action.removeprefix("event."))
    elif action == "passport.move":
        body = {"to": "https://new-registry.example.net"}
    elif action == "passport.import":  # a passport moved here from a registry made up
        from tests.move_bundles import moved_bundle

        gtin_, serial = registry.gtin(caller.name), f"S{next(registry.serials)}"
        link = f"/01/{gtin_}/21/{serial}"
        body = {"bundle": moved_bundle(passport("item", gtin_=gtin_, serial=serial), link)}
    elif action == "grant.manage" and method == "POST":
        grantee = "authority" if caller.name != "authority" else "repairer"
        body = {"organisation": registry.orgs[grantee].public_id}
    url = (
        path.replace("<passport_id>", pid)
        .replace("<dpp_id>", pid)
        .replace("<element_path>", quote(NAME_ELEMENT, safe=""))
        .replace("<grant_id>", registry.grant_ids.get(caller.name, "grant_0"))
        .replace("<prefix>", registry.spare_keys.get(caller.name, "kl_nothing0"))
    )
    if action == "passport.issue" and path.endswith("/dpps"):
        url += "?untp=0.6.1"  # EN 18222 takes 0.7.0 by default; the body above is 0.6.1
    return method, url, body, ok


@pytest.mark.parametrize(("action", "way"), CASES, ids=[f"{a}:{w}" for a, w in CASES])
def test_every_operation_as_every_role(
    registry: Registry, api: FlaskClient, action: str, way: str
) -> None:
    # the refused calls on the shared passport, each allowed one on a fresh passport
    before = registry.snapshot()
    wrong = []
    for caller in CALLERS:
        said, before = _check(registry, api, action, way, caller, before)
        wrong += [said] if said else []
    assert not wrong, "\n".join(wrong)


def _check(
    registry: Registry,
    api: FlaskClient,
    action: str,
    way: str,
    caller: Caller,
    before: tuple[Any, ...],
) -> tuple[str, tuple[Any, ...]]:
    """What is wrong with ``caller`` taking ``action`` through ``way`` ('' if nothing), and
    the rows of every table afterwards."""
    method, url, body, ok = _request(registry, action, way, caller, allowed(action, caller))
    if registry.wrote:  # setting the call up wrote (a correction's event, more passports)
        before, registry.wrote = registry.snapshot(), False
    answer = api.open(url, method=method, json=body, headers=registry.headers(caller))
    after = before if ok and method == "GET" else registry.snapshot()
    said = f"{caller.name} {method} {url}: {answer.status_code} {answer.get_data(as_text=True)}"
    if ok:
        if not 200 <= answer.status_code < 400:
            return f"allowed but refused: {said}", after
        if method != "GET" and after == before:
            return f"allowed but nothing was stored: {said}", after
        return "", after
    nobody = caller.role is None or caller.name == "registry"
    if answer.status_code != (401 if nobody else 403):
        return f"refused by the table but: {said}", after
    if after != before:
        return f"refused, yet the database changed: {said}", after
    return "", after


def _open_url(registry: Registry, path: str) -> str:
    fill = {
        "<passport_id>": registry.shared,
        "<dpp_id>": registry.shared,
        "<element_path>": quote("$.digitalProductPassportId", safe=""),
        "<product_id>": quote(f"https://id.gs1.org/01/{registry.gtin(MAKER)}/21/S1", safe=""),
        "<seq>": "1",
        "<kind>": "svg",
        "<_rest>": f"01/{registry.gtin(MAKER)}/21/{registry.shared_serial}",
        "<key>": registry.community_key,
        "<name>": "kreislauf/v1",
        "<org_id>": registry.orgs[MAKER].public_id,
        "<index>": "0",
        "<level>": "0",
        "<rest>": "000.p/1",
        "<filename>": "swagger-ui.css" if path.startswith("/api") else "kreislauf.css",
    }
    for name, value in fill.items():
        path = path.replace(name, value)
    return path


@pytest.mark.parametrize("way", OPEN_CASES)
def test_open_routes_need_no_permission(registry: Registry, api: FlaskClient, way: str) -> None:
    """Reads of public data, the log, the resolver: the same for everyone, and they write
    nothing (a key that is not valid, as the registry's, is refused where a key is read)."""
    from api.en18222 import NOT_OFFERED  # EN 18222's 501 for what is not offered

    method, path = way.split(" ", 1)
    url = _open_url(registry, path)
    before = registry.snapshot()
    for caller in CALLERS:
        answer = api.open(url, method=method, headers=registry.headers(caller))
        answer.close()  # a file sent from disk
        status = answer.status_code
        assert status < 500 or way in NOT_OFFERED, (caller.name, way, status)
        assert status != 403, (caller.name, way, status)
        assert status != 401 or caller.name == "registry", (caller.name, way)
    assert registry.snapshot() == before, way


def test_nothing_acts_as_the_registry_but_a_transfer_code(registry: Registry) -> None:
    """The registry's organisation gets no key and no person; a claim is its only act."""
    from passport import accounts, organisations
    from passport.errors import Forbidden

    org = registry.orgs["registry"]
    with pytest.raises(Forbidden):
        organisations.issue_api_key(registry.db, org)
    with pytest.raises(Forbidden):
        accounts.create_user(registry.db, org, "registry@example.org", "x" * 20, str)
    registry.db.rollback()
    acts = {r.action for r in RULES if "registry" in r.anyone}
    assert acts == {"event.resale", "transfer.claim"}
    assert BY_ACTION["transfer.claim"].anyone >= {"none"}  # a holder with a code, no account
    assert BY_NAME["registry"].role == "registry"


def test_the_matrix_covers_every_rule() -> None:
    covered = {a for a, _ in CASES}
    pages_only = {r.action for r in RULES if r.ways and all(is_web(w) for w in r.ways)}
    readers = {r.action for r in RULES if not r.ways}  # tests/web/test_tiers_matrix.py
    assert covered | pages_only | readers == {r.action for r in RULES}
    assert Path(__file__).name == "test_permission_matrix.py"
