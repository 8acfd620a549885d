"""Every page audited by axe-core (Deque's, pinned by .ci/system-deps) in Chromium, against
WCAG 2.0 and 2.1 A and AA, at phone and desktop size: no violation.

The registry is the demo's (web.demo.seed: kettles, batteries with BatteryPass data, a
recall, repairs with fault types), served on a real socket; the signed-in pages as the demo
café's volunteer, the forms also after a failed submit and at the fault-type step. axe is
injected into each page (the context bypasses the registry's CSP for that one script: the
pages themselves keep theirs). SQLite once: the database does not change what a page is.
Each page is a test of its own (xdist spreads them); the registry, its Chromium and the
volunteer's signed-in tab are made once per worker.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from passport.config import Settings
from passport.db import make_engine, make_session_factory
from passport.models import Passport
from passport.signing.keys import ensure_keys
from tests.web.test_browser import PHONE, serving, sign_in
from web.app import create_app
from web.demo import CAFE_LOGIN, CAFE_PASSWORD, seed

NODE = Path(os.environ.get("KREISLAUF_NODE_PREFIX") or Path.home() / ".cache" / "kreislauf-node")
AXE = NODE / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The demo registry on a real socket: its address and passports by name."""
    folder = tmp_path_factory.mktemp("axe")
    shutil.copy(sqlite_template, folder / "k.db")
    ensure_keys(folder)
    settings = Settings(
        database_url=f"sqlite:///{folder / 'k.db'}",
        base_url="http://127.0.0.1",
        data_dir=folder,
        testing=True,
        write_rate="1000000/minute",
    )
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        seed(session, settings)
        session.commit()
        rows = session.execute(select(Passport.public_id, Passport.name, Passport.granularity))
        found = {(name or "", level): pid for pid, name, level in rows}
    engine.dispose()
    app = create_app(settings)
    try:
        with serving(app) as url:
            yield url, found
    finally:
        app.extensions["kreislauf"].engine.dispose()


def _find(found: dict[tuple[str, str], str], word: str, level: str = "item") -> str:
    return next(pid for (name, lvl), pid in sorted(found.items()) if word in name and lvl == level)


def audit(page: Any, where: str) -> list[str]:
    """axe's violations on the page as it stands, at phone and desktop width. Only the
    violations are gathered in full (``resultTypes``): the passes, incomplete and inapplicable
    rules are still run, axe just stops listing every node of them, which nothing here reads."""
    problems = []
    for size in (PHONE["viewport"], DESKTOP):
        page.set_viewport_size(size)
        if not page.evaluate("typeof axe !== 'undefined'"):  # once per document
            page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            TAGS,
        )
        for violation in result["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            problems.append(
                f"{where} at {size['width']} px: {violation['id']} ({violation['impact']}) "
                f"{violation['help']}: {targets}"
            )
    return problems


# Each page is a test of its own, so that xdist spreads them over its workers (one test of
# every page took 20 s, and a test that starts last decides when the suite ends). The paths
# name passports by word; ``{group}`` is the first group the impact page links to.
PUBLIC = [
    "/",
    "/passports/{kettle}",
    "/passports/{battery}",
    "/passports/{kettle}/proof",
    "/impact",
    "/impact/method",
    "/signin",
    "/no-such-page",
    "/api/docs",
    "{group}",
]
SIGNED_IN = [
    "/repairs/start",
    "/passports/{laptop}/repairs/new",
    "/passports/{kettle}/record/resale",
    "/passports/{kettle}/claim",
    "/passports/new/community",
    "/labels",
]


@pytest.fixture(scope="module")
def public_page(one_chromium: Any) -> Iterator[Any]:
    """A phone-sized page in German, kept for the module's public pages as one reader's tab
    would be (the context bypasses the pages' CSP for the axe script)."""
    context = one_chromium.new_context(**PHONE, locale="de-DE", bypass_csp=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def signed_in_page(demo: Any, one_chromium: Any) -> Iterator[Any]:
    """The same, signed in once as the demo café's volunteer through the sign-in page."""
    url, _ = demo
    context = one_chromium.new_context(**PHONE, locale="de-DE", bypass_csp=True)
    try:
        page = context.new_page()
        sign_in(page, url, CAFE_LOGIN, CAFE_PASSWORD)
        assert page.url == f"{url}/repairs/start"  # signed in
        yield page
    finally:
        context.close()


def _path(demo: Any, page: Any, template: str) -> str:
    url, found = demo
    if template == "{group}":
        page.goto(f"{url}/impact")
        group = page.locator("a[href*='/impact/groups/']").first
        return (group.get_attribute("href") if group.count() else None) or "/impact"
    names = {"kettle": "kettle", "battery": "Akkuwerk EB36", "laptop": "Book 14"}
    return template.format(**{key: _find(found, word) for key, word in names.items()})


def _visit(demo: Any, page: Any, template: str) -> list[str]:
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `bash .ci/system-deps`"
    url, _ = demo
    path = _path(demo, page, template)
    page.goto(f"{url}{path}")
    assert page.url == f"{url}{path}", f"{path} went to {page.url}"  # audited, not a redirect
    return audit(page, path)


@pytest.mark.parametrize("template", PUBLIC)
def test_every_public_page_passes_axe_at_phone_and_desktop_size(demo, public_page, template):
    problems = _visit(demo, public_page, template)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("template", SIGNED_IN)
def test_every_signed_in_page_passes_axe_at_phone_and_desktop_size(demo, signed_in_page, template):
    problems = _visit(demo, signed_in_page, template)
    assert problems == [], "\n".join(problems)


def test_the_repair_form_passes_axe_after_a_failed_submit_and_at_its_fault_type_step(
    demo, signed_in_page
):
    url, found = demo
    laptop = _find(found, "Book 14")
    page = signed_in_page
    page.goto(f"{url}/passports/{laptop}/repairs/new")
    assert page.url == f"{url}/passports/{laptop}/repairs/new"  # signed in
    problems: list[str] = []
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 1
    problems.extend(audit(page, "the repair form after a failed submit"))
    page.locator("textarea").first.fill("Das Display bleibt schwarz, Lüfter läuft")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("input[type=radio]").count() >= 2  # the suggestions
    problems.extend(audit(page, "the repair form's fault-type step"))
    assert problems == [], "\n".join(problems)


def test_the_offline_page_for_a_scanned_code_passes_axe_with_its_form(demo, signed_in_page):
    """The worker's page for a code scanned offline, with the form a signed-in volunteer sees."""
    url, _ = demo
    page = signed_in_page
    page.goto(f"{url}/offline/en")
    page.locator("#offline-repair").wait_for()
    problems = audit(page, "/offline/en")
    assert problems == [], "\n".join(problems)
