"""A repair queued on a phone without a connection is sent later with an Idempotency-Key: the
form records it once, however often the phone sends it (issue 15, point 2; the browser side is
tests/web/test_offline.py)."""

from __future__ import annotations

import json

from tests.helpers import GTIN
from tests.web.conftest import form_defaults, issue, sign_in
from tests.web.pages.test_repairs import events_of
from web.i18n import LANGUAGES


def test_a_queued_repair_sent_twice_is_recorded_once(client, cafe, make_user, session, maker):
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme K1 electric kettle")
    action = f"/passports/{pid}/repairs/new"
    sent = form_defaults(client.get(action).text) | {"problem": "Lid spring replaced"}
    key = {"Idempotency-Key": "3b0c6a52-offline-1"}

    first = client.post(action, data=sent, headers=key)
    assert first.status_code == 303 and first.location == f"/passports/{pid}#event-1"
    again = client.post(action, data=sent, headers=key)  # the answer was lost: sent again
    assert again.status_code == 303 and again.location == first.location
    assert len(events_of(session, pid)) == 1

    # The same key with other fields is refused, nothing recorded; a new key records anew.
    other = client.post(action, data=sent | {"problem": "Something else"}, headers=key)
    assert other.status_code == 400 and "Idempotency" in other.text
    assert len(events_of(session, pid)) == 1
    fresh = client.post(action, data=sent, headers={"Idempotency-Key": "3b0c6a52-offline-2"})
    assert fresh.status_code == 303 and fresh.location == f"/passports/{pid}#event-2"
    # Without a key (a form sent online), each Save records, as before.
    assert client.post(action, data=sent).location == f"/passports/{pid}#event-3"
    assert len(events_of(session, pid)) == 3


def test_a_queued_laptop_repair_skips_the_fault_step(client, cafe, make_user, session, maker):
    """Offline, no fault type can be suggested: the phone sends "Not sure" (an empty
    fault_type), which saves at once instead of showing the suggestions."""
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme L5 laptop")
    action = f"/passports/{pid}/repairs/new"
    sent = form_defaults(client.get(action).text) | {"problem": "Screen flickers; cable reseated"}
    assert sent["category"] == "Laptop"
    headers = {"Idempotency-Key": "laptop-1"}
    response = client.post(action, data=sent | {"fault_type": ""}, headers=headers)
    assert response.status_code == 303
    (event,) = events_of(session, pid)
    assert "faultType" not in event.details


def test_the_offline_words_and_files_are_served(client):
    """The page script's words come translated in the page; the worker and the manifest are
    served from the root with their types, and checked for a newer version on every visit."""
    page = client.get("/?lang=de").text
    assert 'data-sent="Gesendet:"' in page and 'data-failed="Nicht gesendet' in page
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    worker = client.get("/sw.js")
    assert worker.mimetype == "text/javascript" and worker.headers["Cache-Control"] == "no-cache"
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["start_url"] == "/repairs/start"
    # The worker keeps the scanned-code page in every language of the pages, and no other.
    assert f"var LANGUAGES = {json.dumps(list(LANGUAGES))};" in worker.text
    for lang in LANGUAGES:
        kept = client.get(f"/offline/{lang}")
        assert kept.status_code == 200 and f'<html lang="{lang}">' in kept.text
        # fetched without cookies, it names nobody: no "Sign in" offer to a signed-in volunteer
        assert "/signin?next=" not in kept.text
    assert client.get("/offline/fr").status_code == 404


def test_a_repair_sent_with_a_scanned_code_is_recorded_once_on_its_item(
    client, cafe, make_user, session, maker
):
    """A phone that scanned a code offline, never having opened the item's page, sends the
    repair with the code to the start page: recorded on the item, the category guessed from
    its passport, once per key; a code nobody knows is refused with why, nothing recorded."""
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme K1 electric kettle")
    offline = client.get("/offline/en").text  # the worker's kept page, as a phone fills it in
    sent = form_defaults(offline) | {
        "csrf_token": form_defaults(client.get("/repairs/start").text)["csrf_token"],
        "code": f"/01/{GTIN}/21/12345",
        "problem": "Descaled",
        "fault_type": "",
    }
    assert sent["category"] == "" and "date" in sent
    key = {"Idempotency-Key": "scan-1"}
    first = client.post("/repairs/start", data=sent, headers=key)
    assert first.status_code == 303 and first.location == f"/passports/{pid}#event-1"
    assert client.post("/repairs/start", data=sent, headers=key).location == first.location
    (event,) = events_of(session, pid)
    assert event.details["category"] == "Kettle"

    unknown = client.post("/repairs/start", data=sent | {"code": f"/01/{GTIN}/21/9"})
    assert unknown.status_code == 404 and "No passport has this code" in unknown.text
    missing = client.post("/repairs/start", data=sent | {"code": ""})
    assert missing.status_code == 400
    assert len(events_of(session, pid)) == 1
