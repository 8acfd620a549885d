"""Offline at the café (issue 15, point 2): in Chromium, a volunteer opens the item's page and
the repair form, loses the connection, still opens both (the service worker's copies), logs
repairs that wait on the phone, and when the connection returns each is sent once, the page
saying what was sent and what failed. The server side of "once": pages/test_offline_replay.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from passport.access import authenticate
from passport.passports import issuing
from tests.conftest import settings_of
from tests.helpers import passport
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
    try:
        page = context.new_page()
        sign_in(page, http_server, login)
        # The worker is installed and takes charge of the page; then the scan and the form.
        page.wait_for_function("navigator.serviceWorker.controller !== null")
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
        assert failed.all_inner_texts() == [
            "Not sent (please log it again): Logged for tomorrow see it"
        ]
        events = events_of(session, pid)
        assert sorted(e.details["problem"] for e in events) == [
            "Lid spring broken, replaced",
            "Switch cleaned",
        ]
        # Loading a page sends what is queued: nothing is left, nothing is sent twice.
        page.goto(item)
        page.wait_for_load_state("networkidle")
        assert page.locator("#offline-status").is_hidden()
        assert len(events_of(session, pid)) == 2
        assert "Switch cleaned" in page.locator("ol.timeline").inner_text()
    finally:
        context.close()


def queue(page: Any, problem: str) -> None:
    """Log a repair without a connection: the page says it waits on the phone."""
    page.get_by_label("Problem and what was done").fill(problem)
    page.get_by_role("button", name="Save").click()
    status = page.locator("#offline-status")
    status.get_by_text(
        f"Saved on this phone: it will be sent when the connection returns. {problem}"
    ).wait_for()
    assert page.get_by_label("Problem and what was done").input_value() == ""
