"""Offline at the café (issue 15, point 2): in Chromium, a volunteer opens the item's page and
the repair form, loses the connection, still opens both (the service worker's copies), logs
repairs that wait on the phone, and when the connection returns each is sent once, the page
saying what was sent and what failed. A code scanned offline whose page was never on the phone
still takes the repair; the worker sends the queue with the page closed (Background Sync); the
app is installable. The server side of "once": pages/test_offline_replay.py. docs/OFFLINE.md.
"""

from __future__ import annotations

import json
import struct
import time
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from passport.access import authenticate
from passport.passports import issuing
from tests.conftest import settings_of
from tests.helpers import GTIN, passport
from tests.web.pages.test_repairs import events_of
from tests.web.test_browser import PHONE, browser, http_server, sign_in  # noqa: F401 (fixtures)


def test_repairs_logged_offline_are_sent_once_when_back_online(
    http_server,  # noqa: F811
    session,
    maker,
    make_org,
    make_user,
    browser,  # noqa: F811
):
    login = make_user(make_org("Repair Café Cardiff", "repairer"))
    body = passport("item")
    body["product"]["name"] = "Acme K1 electric kettle"
    issuer = authenticate(session, maker.key)
    pid = issuing.issue_passport(session, settings_of(session), issuer, body).public_id
    session.commit()
    item, form = f"{http_server}/passports/{pid}", f"{http_server}/passports/{pid}/repairs/new"

    context = browser.new_context(**PHONE, locale="en-GB")
    # As in Firefox and Safari, no Background Sync: the pages send the queue themselves.
    context.add_init_script("delete ServiceWorkerRegistration.prototype.sync")
    try:
        page = context.new_page()
        sign_in(page, http_server, login)
        # The worker is installed and takes charge of the page; then the scan and the form.
        controlled(page)
        assert page.evaluate("navigator.serviceWorker.ready.then(r => r.sync === undefined)")
        page.goto(item)
        page.goto(form)

        context.set_offline(True)
        kept = page.goto(item)  # no network: the kept copy
        assert kept is not None and kept.from_service_worker and kept.status == 200
        assert page.get_by_role("heading", level=1).inner_text() == "Acme K1 electric kettle"
        kept = page.goto(form)
        assert kept is not None and kept.from_service_worker
        with pytest.raises(PlaywrightError):  # truly offline: a page never visited fails
            page.goto(f"{http_server}/impact")
        page.wait_for_url("chrome-error://**")
        page.goto(form)
        queue(page, "Lid spring broken, replaced")
        queue(page, "Switch cleaned")
        page.get_by_label("Problem and what was done").fill("Logged for tomorrow")
        page.get_by_label("Date").fill("2999-01-01")  # refused when sent: in the future
        page.get_by_role("button", name="Save").click()
        assert len(events_of(session, pid)) == 0

        context.set_offline(False)  # the "online" event sends the queue, oldest first
        sent = page.locator("#offline-status li.offline-sent")
        failed = page.locator("#offline-status li.offline-failed")
        sent.nth(1).wait_for()
        failed.first.wait_for()
        assert sent.all_inner_texts() == [
            "Sent: Lid spring broken, replaced see it",
            "Sent: Switch cleaned see it",
        ]
        # Refused: said with the registry's reason, and kept on the phone until removed.
        assert failed.all_inner_texts() == [
            "Not sent (please log it again): Logged for tomorrow — Date: This date is in the "
            "future. see it Remove"
        ]
        events = events_of(session, pid)
        assert sorted(e.details["problem"] for e in events) == [
            "Lid spring broken, replaced",
            "Switch cleaned",
        ]
        # Loading a page sends what is queued: nothing is sent twice; the refused one is still
        # there until the volunteer removes it.
        page.goto(item)
        failed.first.get_by_role("button", name="Remove").click()
        page.locator("#offline-status").wait_for(state="hidden")
        page.reload()
        page.wait_for_load_state("networkidle")
        assert page.locator("#offline-status").is_hidden()
        assert len(events_of(session, pid)) == 2
        assert "Switch cleaned" in page.locator("ol.timeline").inner_text()
    finally:
        context.close()


def controlled(page: Any) -> None:
    """Wait until the worker is active and controls the page. A page whose navigation began
    before the worker activated stays uncontrolled: it is loaded again. (Not wait_for_function:
    its polling evaluates a string, which the pages' CSP, without 'unsafe-eval', refuses.)"""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")


# The cache names once the worker has activated (it deletes the others as it does).
KEPT_CACHES = """async () => {
  for (let i = 0; i < 50 && (await caches.keys()).includes("kreislauf-v1"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return caches.keys();
}"""


def queue(page: Any, problem: str) -> None:
    """Log a repair without a connection: the page says it waits on the phone."""
    page.get_by_label("Problem and what was done").fill(problem)
    page.get_by_role("button", name="Save").click()
    status = page.locator("#offline-status")
    status.get_by_text(
        f"Saved on this phone: it will be sent when the connection returns. {problem}"
    ).wait_for()
    assert page.get_by_label("Problem and what was done").input_value() == ""


def test_a_code_scanned_offline_for_the_first_time_still_takes_the_repair(
    http_server,  # noqa: F811
    session,
    maker,
    make_org,
    make_user,
    browser,  # noqa: F811
):
    """Gap 1: the item's page was never opened on this phone and there is no connection. The
    worker shows its kept page (in the pages' language) saying so; the volunteer writes the
    repair down, and it is sent with the code when the connection returns; a code the
    registry does not know is reported, with why, and kept."""
    login = make_user(make_org("Repair Café Cardiff", "repairer"))
    body = passport("item", serial="K1-77", name="Acme K1 electric kettle")
    issuer = authenticate(session, maker.key)
    pid = issuing.issue_passport(session, settings_of(session), issuer, body).public_id
    session.commit()

    context = browser.new_context(**PHONE, locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, http_server, login)
        controlled(page)
        page.reload()  # a page the worker saw: it knows who is signed in, and the language

        context.set_offline(True)
        shown = page.goto(f"{http_server}/01/{GTIN}/21/K1-77")
        assert shown is not None and shown.from_service_worker and shown.status == 200
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == "This item’s page is not on this phone"
        expect(page.locator("#offline-code")).to_have_text(f"/01/{GTIN}/21/K1-77")
        queue(page, "Descaled, lid seal replaced")
        page.goto(f"{http_server}/01/{GTIN}/21/NOT-HERE?lang=de")  # the language links work
        assert heading.inner_text() == "Die Seite dieses Geräts ist nicht auf diesem Telefon"
        page.get_by_label("Problem und was getan wurde").fill("Kabel getauscht")
        page.get_by_role("button", name="Speichern").click()
        page.locator("#offline-status li.offline-queued").wait_for()
        assert len(events_of(session, pid)) == 0

        context.set_offline(False)
        sent = page.locator("#offline-status li.offline-sent")
        failed = page.locator("#offline-status li.offline-failed")
        sent.first.wait_for()
        failed.first.wait_for()
        assert sent.all_inner_texts() == [
            f"Gesendet: Descaled, lid seal replaced (/01/{GTIN}/21/K1-77) ansehen"
        ]
        assert failed.all_inner_texts() == [
            f"Nicht gesendet (bitte noch einmal eintragen): Kabel getauscht "
            f"(/01/{GTIN}/21/NOT-HERE) — Der Code des Geräts: Kein Produktpass hat diesen "
            "Code. Registrieren Sie das Gerät unten. ansehen Entfernen"
        ]
        (event,) = events_of(session, pid)
        repair = event.details
        assert repair["problem"] == "Descaled, lid seal replaced"
        assert repair["category"] == "Kettle"  # guessed from the passport when it was sent

        # Signed out: the kept page still says where the item's page is, but takes no repair.
        page.goto(f"{http_server}/repairs/start?lang=en")
        page.locator("form.account button").click()
        page.wait_for_load_state("networkidle")
        context.set_offline(True)
        page.goto(f"{http_server}/c/{'k' * 12}")
        expect(page.locator("#offline-code")).to_have_text(f"/c/{'k' * 12}")
        expect(page.locator("#offline-repair")).to_be_hidden()
        expect(page.locator("#offline-sign-in")).to_be_visible()
    finally:
        context.close()


def test_the_worker_sends_the_queue_with_the_page_closed(
    http_server,  # noqa: F811
    session,
    maker,
    make_org,
    make_user,
    browser,  # noqa: F811
):
    """Gap 2: Background Sync. The repair is queued, the page closed, the connection returns:
    the worker sends it; the next page opened says it was sent."""
    login = make_user(make_org("Repair Café Cardiff", "repairer"))
    body = passport("item", name="Acme K1 electric kettle")
    issuer = authenticate(session, maker.key)
    pid = issuing.issue_passport(session, settings_of(session), issuer, body).public_id
    session.commit()
    form = f"{http_server}/passports/{pid}/repairs/new"

    context = browser.new_context(**PHONE, locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, http_server, login)
        controlled(page)
        page.goto(form)
        context.set_offline(True)
        page.goto(form)
        queue(page, "Fuse replaced")
        page.close()
        time.sleep(0.5)  # the sync fires at once where Chromium thinks the phone is online
        assert events_of(session, pid) == []

        context.set_offline(False)
        deadline = time.monotonic() + 10
        while not events_of(session, pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [e.details["problem"] for e in events_of(session, pid)] == ["Fuse replaced"]
        page = context.new_page()
        page.goto(f"{http_server}/repairs/start")
        page.locator("#offline-status li.offline-sent").wait_for()
    finally:
        context.close()


def test_the_app_is_installable_with_its_icons(http_server, browser):  # noqa: F811
    """Gap 3: Chromium reads the manifest without an error, finds nothing against installing
    the app, and every icon it names is served with its type and, for a PNG, its size."""
    context = browser.new_context(**PHONE, locale="en-GB")
    try:
        page = context.new_page()
        # What an older worker kept (before this version's cache names): a file, no script.
        page.goto(f"{http_server}/static/kreislauf.css")
        page.evaluate("caches.open('kreislauf-v1').then(c => c.put('/old', new Response('x')))")
        page.goto(f"{http_server}/")
        assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null)")
        cdp = context.new_cdp_session(page)
        read = cdp.send("Page.getAppManifest")
        assert read["errors"] == []
        # Nothing against installing, but that a test's browser context is incognito.
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert [e["errorId"] for e in errors] == ["in-incognito"]
        icons = json.loads(read["data"])["icons"]
        assert {(i["sizes"], i["purpose"]) for i in icons if i["type"] == "image/png"} == {
            ("192x192", "any"),
            ("512x512", "any"),
            ("512x512", "maskable"),
        }
        for icon in icons:
            served = page.request.get(f"{http_server}{icon['src']}")
            assert served.ok and served.headers["content-type"].split(";")[0] == icon["type"]
            if icon["type"] == "image/png":
                body = served.body()
                width, height = struct.unpack(">II", body[16:24])  # the PNG's IHDR chunk
                assert f"{width}x{height}" == icon["sizes"] and len(body) < 8000
        # The worker's caches are this version's: the older one went when it activated.
        names = page.evaluate(KEPT_CACHES)
        assert "kreislauf-v2-static" in names and set(names) <= {
            "kreislauf-v2-static",
            "kreislauf-v2",
        }
    finally:
        context.close()
