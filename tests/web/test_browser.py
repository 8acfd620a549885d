"""A real phone browser scans a code: headless Chromium against a real HTTP server.

The app (the ``app`` fixture, on the test's database) is served by werkzeug's ``make_server``
in a thread on a free port of 127.0.0.1; Playwright drives Debian's Chromium. Chromium is
required: without it this test fails (CI installs it), it never skips.
"""

from __future__ import annotations

import io
import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from passport.access import authenticate
from passport.events import history
from passport.passports import issuing
from repairs.importing import import_ords
from tests.conftest import settings_of
from tests.helpers import CIRCULARITY, FIXTURES, GTIN, ebike_passport, passport
from tests.passport.carriers.test_labels import rasterise, zbarimg
from tests.web.conftest import PASSWORD
from web.app import create_app

CHROMIUM = os.environ.get("KREISLAUF_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ORDS_SAMPLE = FIXTURES / "ords" / "ords_v0.3_sample_202507.csv"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def keep_screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot in test-artifacts/ for people to look at: written whole,
    then renamed into place, as another xdist worker may be saving the same one. Once per
    name and process: the SQLite and PostgreSQL runs of a test show the same page and saved
    it under the same name (a full-page shot at twice the pixels costs about 0.3 s)."""
    if name in _SAVED:
        return
    _SAVED.add(name)
    ARTIFACTS.mkdir(exist_ok=True)
    partial = ARTIFACTS / f".{name}.{os.getpid()}"
    partial.write_bytes(page.screenshot(full_page=True))
    os.replace(partial, ARTIFACTS / name)


_SAVED: set[str] = set()  # the screenshots this process has saved


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """An app on a real socket of 127.0.0.1; yields its origin."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="kreislauf-test-server")
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    """The app on a real socket; yields its origin."""
    with serving(app) as origin:
        yield origin


@pytest.fixture
def http_server(settings: Any) -> Iterator[str]:
    """The app with a plain-http base URL, as on a repair café's laptop: its session cookie
    is then not Secure, which a browser needs to keep it on http://127.0.0.1."""
    app = create_app(replace(settings, base_url="http://127.0.0.1"))
    try:
        with serving(app) as origin:
            yield origin
    finally:
        app.extensions["kreislauf"].engine.dispose()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright; a missing browser fails the test that needs it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium "
            "(apt-get install chromium), or point KREISLAUF_CHROMIUM at a Chromium binary."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The playwright Python package is missing: pip install playwright")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser(one_chromium: Any) -> Any:
    """The worker's one Chromium (tests/web/conftest.py). Each test opens its own context, so
    nothing carries over: cookies, storage and cache belong to the context."""
    return one_chromium


def sign_in(page: Any, origin: str, login: str, password: str = PASSWORD) -> None:
    """Sign in on the sign-in page as a person would (in any language the page is in)."""
    page.goto(f"{origin}/signin")
    page.locator("input[name=login]").fill(login)
    page.locator("input[type=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


def assert_no_horizontal_scroll(page: Any) -> None:
    # A mobile browser widens its layout viewport to fit content that overflows, so
    # innerWidth must also still be the phone's width, not just at least scrollWidth.
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    phone = PHONE["viewport"]["width"]  # type: ignore[index]
    assert widths["scroll"] <= widths["inner"] == phone, f"horizontal scroll: {widths}"


def test_a_phone_opens_the_passport_from_its_qr_code(server, session, maker, make_org, browser):
    cafe = make_org("Repair Café Cardiff", "repairer")
    issuer = authenticate(session, maker.key)
    body = passport("item", circularityScorecard=CIRCULARITY)
    body["product"] |= {
        "name": "Acme K1 kettle, 1.7 litres, brushed stainless steel with a very long name",
        "productionDate": "2025-01-15",
        "furtherInformation": [
            {"linkURL": "https://acme.example/k1/parts/" + "x" * 120, "linkName": ""},
        ],
    }
    body["materialsProvenance"] = [
        {"name": "Stainless steel", "massFraction": 0.6, "recycledMassFraction": 0.25},
        {"name": "Polypropylene", "massFraction": 0.35},
    ]
    pid = issuing.issue_passport(session, settings_of(session), issuer, body).public_id
    session.commit()
    for who, event in [
        (maker, {"type": "commissioning", "eventTime": "2026-03-01T09:00:00+01:00"}),
        (
            maker,
            {
                "type": "sale",
                "eventTime": "2026-03-02T10:00:00+01:00",
                "sale": {"channel": "retail", "condition": "New"},
            },
        ),
        (
            cafe,
            {
                "type": "repair",
                "eventTime": "2026-05-03T14:00:00+01:00",
                "repair": {
                    "outcome": "fixed",
                    "problem": "kettle switch replaced",
                    "category": "Kettle",
                    "spareParts": "third_party",
                },
            },
        ),
    ]:
        org = authenticate(session, who.key)
        history.record_event(session, settings_of(session), org, pid, event, now=NOW)
        session.commit()

    context = browser.new_context(**PHONE, locale="en-GB")
    try:
        visit(server, context.new_page(), pid)
    finally:
        context.close()


def visit(server: str, page: Any, pid: str) -> None:
    """Scan, read, check the layout, take the screenshots, switch language, print."""
    # What the QR code holds, on this server: the resolver sends browsers to the page.
    response = page.goto(f"{server}/01/{GTIN}/21/12345")
    assert response is not None and response.status == 200
    assert page.url == f"{server}/passports/{pid}"
    assert page.title().endswith(": product passport")

    items = page.locator("ol.timeline > li").all_inner_texts()
    assert [" ".join(item.split()) for item in items] == [
        "Registered by Acme Kettles GmbH, 1 March 2026",
        "Sold by Acme Kettles GmbH, 2 March 2026 — in a shop, new",
        "Repaired at Repair Café Cardiff, 3 May 2026 — kettle switch replaced, fixed "
        "Spare parts came from another supplier. "
        "Avoided ≈ 22 kg CO₂e and 1.2 kg of waste (how this is estimated).",
    ]
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Acme K1 kettle")
    assert page.get_by_role("navigation", name="Language").is_visible()

    assert_no_horizontal_scroll(page)
    keep_screenshot(page, "passport-phone.png")

    # The language switch is a plain link: German, and remembered for the next scan.
    page.get_by_role("link", name="Deutsch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "de"
    assert (
        "Repariert bei Repair Café Cardiff, 3. Mai 2026" in page.locator("ol.timeline").inner_text()
    )
    page.goto(f"{server}/01/{GTIN}/21/12345")
    assert page.locator("h2#history").inner_text() == "Lebenslauf"
    assert_no_horizontal_scroll(page)
    keep_screenshot(page, "passport-phone-de.png")

    # On paper: no navigation, and every link says where it leads.
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation").is_visible()
    after = page.evaluate("getComputedStyle(document.querySelector('.links a'), '::after').content")
    assert "https://acme.example/k1/repair" in after


def test_a_volunteer_signs_in_scans_and_logs_a_repair(
    http_server, session, maker, make_org, make_user, tmp_path, browser
):
    """The whole flow on a phone: sign in, scan, log a repair in two inputs, see it, print
    the item's label; then the impact page."""
    cafe = make_org("Repair Café Cardiff", "repairer")
    login = make_user(cafe)
    issuer = authenticate(session, maker.key)
    body = passport("item")
    body["product"]["name"] = "Acme K1 electric kettle"
    created = issuing.issue_passport(session, settings_of(session), issuer, body)
    pid, uri = created.public_id, created.uri
    session.commit()
    # A year of a real repair network's records, for the impact page to show.
    with ORDS_SAMPLE.open("rb") as f:
        first = b"".join(itertools.islice(f, 201))
    import_ords(session, io.BytesIO(first), skip_invalid=False)
    session.commit()

    context = browser.new_context(**PHONE, locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, http_server, login)
        assert page.url == f"{http_server}/repairs/start"
        assert_no_horizontal_scroll(page)

        # What the QR code holds: the resolver sends the phone to the item's page.
        page.goto(f"{http_server}/01/{GTIN}/21/12345")
        assert page.url == f"{http_server}/passports/{pid}"
        page.get_by_role("link", name="Log a repair").click()
        page.wait_for_load_state()
        assert page.url == f"{http_server}/passports/{pid}/repairs/new"
        assert page.get_by_label("Product category").input_value() == "Kettle"
        assert page.get_by_label("Fixed", exact=True).is_checked()

        actions = 0
        page.get_by_label("Problem and what was done").fill("Lid spring broken, replaced")
        actions += 1
        assert_no_horizontal_scroll(page)
        keep_screenshot(page, "repair-flow-phone.png")
        page.get_by_role("button", name="Save").click()
        actions += 1
        assert actions <= 4
        page.wait_for_load_state()

        assert page.url.startswith(f"{http_server}/passports/{pid}#event-1")
        entries = page.locator("ol.timeline > li").all_inner_texts()
        assert len(entries) == 1
        entry = " ".join(entries[0].split())
        assert entry.startswith("Repaired at Repair Café Cardiff, ")
        assert "Lid spring broken, replaced, fixed" in entry
        assert "Avoided ≈ 22 kg CO₂e and 1.2 kg of waste" in entry  # a kettle
        assert login not in page.content()
        assert_no_horizontal_scroll(page)

        # Print a label: the link downloads a PDF whose code scans to this passport.
        link = page.get_by_role("link", name="Print a label")
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.suggested_filename == "labels.pdf"
        pdf_path = tmp_path / "label.pdf"
        download.save_as(pdf_path)
        response = context.request.get(http_server + link.get_attribute("href"))
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.body() == pdf_path.read_bytes()
        pages = rasterise(pdf_path.read_bytes(), tmp_path)
        assert len(pages) == 1
        # zbar finds the code anywhere on the page: one code, this passport's URI.
        assert zbarimg(pages[0]) == uri

        # The impact page on a phone: figures, the chart, the same numbers as a table.
        page.goto(f"{http_server}/impact")
        assert page.get_by_role("heading", level=1).inner_text() == "Impact of repairs"
        chart = page.get_by_role("img", name="Repairs and fix rate by year")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] <= PHONE["viewport"]["width"]  # type: ignore[index]
        assert page.get_by_role("link", name="Repair Café Cardiff").is_visible()
        assert_no_horizontal_scroll(page)
        keep_screenshot(page, "impact-phone.png")
    finally:
        context.close()


def test_a_repairer_reads_a_battery_passport_on_a_phone(
    http_server, session, maker, make_org, make_user, browser
):
    """The e-bike battery's passport: the public facts for anyone; signed in, a repairer sees
    the restricted facts in a region marked as such; no horizontal scroll, no JavaScript."""
    login = make_user(make_org("Repair Café Cardiff", "repairer"))
    issuer = authenticate(session, maker.key)
    pid = issuing.issue_passport(session, settings_of(session), issuer, ebike_passport()).public_id
    session.commit()
    mark = "Restricted: For repairers, recyclers and authorities"

    context = browser.new_context(**PHONE, locale="en-GB", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{http_server}/passports/{pid}")
        assert page.get_by_role("heading", name="Battery passport").is_visible()
        assert page.get_by_role("region", name=mark).count() == 0
        assert_no_horizontal_scroll(page)
        keep_screenshot(page, "battery-phone-public.png")

        sign_in(page, http_server, login)
        page.goto(f"{http_server}/passports/{pid}")
        region = page.get_by_role("region", name=mark)
        assert region.is_visible() and "Expected lifetime" in region.inner_text()
        assert_no_horizontal_scroll(page)
        keep_screenshot(page, "battery-phone-repairer.png")
        page.goto(f"{http_server}/passports/{pid}?lang=de")
        german = "Eingeschränkt: Für Reparaturbetriebe, Recyclingbetriebe und Behörden"
        assert page.get_by_role("region", name=german).is_visible()
        assert_no_horizontal_scroll(page)
        keep_screenshot(page, "battery-phone-repairer-de.png")
    finally:
        context.close()
