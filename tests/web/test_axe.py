"""Every page audited by axe-core (Deque's, pinned by .ci/system-deps) in Chromium, against
WCAG 2.0 and 2.1 A and AA, at phone and desktop size: no violation.

The registry is the demo's (web.demo.seed: kettles, batteries with BatteryPass data, a
recall, repairs with fault types), served on a real socket; the signed-in pages as the demo
café's volunteer, the forms also after a failed submit and at the fault-type step. axe is
injected into each page (the context bypasses the registry's CSP for that one script: the
pages themselves keep theirs). SQLite once: the database does not change what a page is.
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
from tests.web.test_browser import PHONE, chromium, serving, sign_in
from web.app import create_app
from web.demo import CAFE_LOGIN, CAFE_PASSWORD, seed

NODE = Path(os.environ.get("KREISLAUF_NODE_PREFIX") or Path.home() / ".cache" / "kreislauf-node")
AXE = NODE / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


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
    """axe's violations on the page as it stands, at phone and desktop width."""
    problems = []
    for size in (PHONE["viewport"], DESKTOP):
        page.set_viewport_size(size)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
        )
        for violation in result["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            problems.append(
                f"{where} at {size['width']} px: {violation['id']} ({violation['impact']}) "
                f"{violation['help']}: {targets}"
            )
    return problems


def test_every_page_passes_axe_at_phone_and_desktop_size(demo, browser):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `bash .ci/system-deps`"
    url, found = demo
    kettle = _find(found, "kettle")
    laptop = _find(found, "Book 14")
    battery = _find(found, "Akkuwerk EB36")
    context = browser.new_context(**PHONE, locale="de-DE", bypass_csp=True)
    problems: list[str] = []
    try:
        page = context.new_page()

        def visit(path: str) -> None:
            page.goto(f"{url}{path}")
            assert page.url == f"{url}{path}", (
                f"{path} went to {page.url}"
            )  # audited, not a redirect
            problems.extend(audit(page, path))

        for path in (
            "/",
            f"/passports/{kettle}",
            f"/passports/{battery}",
            f"/passports/{kettle}/proof",
            "/impact",
            "/impact/method",
            "/signin",
            "/no-such-page",
            "/api/docs",
        ):
            visit(path)
        group = page.goto(f"{url}/impact") and page.locator("a[href*='/impact/groups/']").first
        if group.count():
            visit(group.get_attribute("href") or "/impact")

        sign_in(page, url, CAFE_LOGIN, CAFE_PASSWORD)
        assert page.url == f"{url}/repairs/start"  # signed in
        for path in (
            "/repairs/start",
            f"/passports/{laptop}/repairs/new",
            f"/passports/{kettle}/record/resale",
            f"/passports/{kettle}/claim",
            "/passports/new/community",
            "/labels",
        ):
            visit(path)
        # The worker's page for a code scanned offline, with the form a volunteer signed in sees.
        page.goto(f"{url}/offline/en")
        page.locator("#offline-repair").wait_for()
        problems.extend(audit(page, "/offline/en"))
        # The repair form after a failed submit, then at its fault-type step.
        page.goto(f"{url}/passports/{laptop}/repairs/new")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator("#error-summary").count() == 1
        problems.extend(audit(page, "the repair form after a failed submit"))
        page.locator("textarea").first.fill("Das Display bleibt schwarz, Lüfter läuft")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator("input[type=radio]").count() >= 2  # the suggestions
        problems.extend(audit(page, "the repair form's fault-type step"))
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
