"""Issue 11, point 2, the pages' half: every page and form × every role, against the one table.

Every page route (blueprints ``pages`` and ``forms``; tests/api/test_permission_matrix.py
checks that the table names every route of the app) is called by nobody and by a signed-in
volunteer of each organisation (the manufacturer that issued the passports, a rival
manufacturer, a repairer, a refurbisher, a remanufacturer, a recycler, an authority), each
POST with the session's valid form token, on SQLite (see ``database_url``). Allowed ->
2xx/3xx and the write stored; refused -> 403 (nobody: sent to sign in, the pages' 401) and no
row of any table changed. The registry's
organisation has no users (tests/api/test_permission_matrix.py shows that none can be made):
in the pages it acts only when somebody claims an item with a transfer code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from passport.permissions import OPEN, RULES
from tests.api.test_permission_matrix import is_web
from tests.conftest import fresh_database
from tests.permission_registry import (
    BY_NAME,
    CALLERS,
    Caller,
    Registry,
    allowed,
    build,
    client_of,
    csrf,
)
from tests.web.conftest import PASSWORD, form_defaults, sign_in

PEOPLE = [c for c in CALLERS if c.name != "registry"]
CASES = [(r.action, w) for r in RULES for w in r.ways if is_web(w)]
OPEN_CASES = [w for w in OPEN if is_web(w)]


# SQLite only: the API half (tests/api/test_permission_matrix.py) runs the same checks of the
# domain on PostgreSQL too, and both engines for the pages would take the matrix past its
# budget of 10 s per database.
@pytest.fixture(scope="module", params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database per module (the name is conftest's: a PostgreSQL run would be marked)."""
    return fresh_database(request, tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="module")
def registry(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    yield from build(database_url, tmp_path_factory.mktemp("keys"), fresh=24)


@pytest.fixture(scope="module")
def forms(registry: Registry) -> dict[str, dict[str, str]]:
    """What a browser sends with each form, read from the form as one who may fill it."""
    shop = client_of(registry, BY_NAME["refurbisher"])
    pid = registry.shared
    pages = {
        "passport.community": "/passports/new/community",
        "event.repair": f"/passports/{pid}/repairs/new",
        "event.refurbishment": f"/passports/{pid}/record/refurbishment",
        "event.resale": f"/passports/{pid}/record/resale",
        "transfer.claim": f"/passports/{pid}/claim",
    }
    sent = {
        action: form_defaults(shop.get(url).get_data(as_text=True)) for action, url in pages.items()
    }
    sent["passport.community"] |= {"category": "Kettle", "brand": "Philips", "model": "HD4646"}
    sent["event.repair"] |= {"problem": "Lid hinge broken, glued"}
    return sent


def _request(
    registry: Registry, forms: dict[str, dict[str, str]], action: str, way: str, ok: bool
) -> tuple[str, str, dict[str, str]]:
    method, path = way.split(" ", 1)
    pid = registry.shared
    scanned = path == "/repairs/start"  # the repair sent with the code of the item scanned
    if ("<passport_id>" in path or scanned) and ok and method == "POST":
        pid = registry.fresh()[0]
    data = dict(forms.get(action, {}))
    if scanned and method == "POST":
        data["code"] = f"/passports/{pid}"
    if action == "transfer.claim":
        data["code"] = registry.transfer_code(pid)
    kind = action.removeprefix("event.")
    return method, path.replace("<passport_id>", pid).replace("<kind>", kind), data


@pytest.mark.parametrize(("action", "way"), CASES, ids=[f"{a}:{w}" for a, w in CASES])
def test_every_form_as_every_role(
    registry: Registry, forms: dict[str, dict[str, str]], action: str, way: str
) -> None:
    wrong = [said for c in PEOPLE if (said := _check(registry, forms, action, way, c))]
    assert not wrong, "\n".join(wrong)


def _check(
    registry: Registry, forms: dict[str, dict[str, str]], action: str, way: str, caller: Caller
) -> str:
    ok = allowed(action, caller)
    method, url, data = _request(registry, forms, action, way, ok)
    browser = client_of(registry, caller)
    before = registry.snapshot()
    if method == "POST":
        answer = browser.post(url, data=data | {"csrf_token": csrf(browser)})
    else:
        answer = browser.get(url)
    status, said = answer.status_code, f"{caller.name} {method} {url}: {answer.status_code}"
    stored = registry.snapshot() != before
    if ok:
        if not 200 <= status < 400 or "/signin" in answer.headers.get("Location", ""):
            return f"allowed but refused: {said} {answer.get_data(as_text=True)[:2000]}"
        if method == "POST" and not stored:
            return f"allowed but nothing was stored: {said}"
        return ""
    if caller.role is None:
        if status != 303 or "/signin" not in answer.headers.get("Location", ""):
            return f"nobody was not sent to sign in: {said}"
    elif status != 403:
        return f"refused by the table but: {said}"
    return f"refused, yet the database changed: {said}" if stored else ""


@pytest.mark.parametrize("way", OPEN_CASES)
def test_open_pages_need_no_permission(registry: Registry, way: str) -> None:
    """The pages anyone reads, signing in and out: no refusal, and a read writes nothing."""
    method, path = way.split(" ", 1)
    url = path.replace("<passport_id>", registry.shared).replace("<group>", "Kettle")
    url = url.replace("<lang>", "de")
    before = registry.snapshot()
    for caller in PEOPLE:
        browser = client_of(registry, caller)
        if path == "/signout":  # a browser of its own, not to sign the shared one out
            browser = registry.app.test_client()
            if caller.role is not None:
                sign_in(browser, f"{caller.name}@example.org", PASSWORD)
            else:
                browser.get("/signin")
        data: dict[str, Any] = {"csrf_token": csrf(browser)}
        if path == "/signin":
            data |= {"login": f"{caller.name}@example.org", "password": "not the password"}
        answer = browser.open(url, method=method, data=data if method == "POST" else None)
        refused = (403,) if path == "/signin" else (401, 403)  # a wrong password: its own 401
        assert answer.status_code < 500 and answer.status_code not in refused, (caller, way)
    if method == "GET":
        assert registry.snapshot() == before, way
