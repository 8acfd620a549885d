"""A recall recorded on a batch (or a model) reaches every item of it (issue 15): the item's
page shows the banner and the entry, its credential (JSON-LD) lists the recall, and the item
page links to its batch. An unknown item says so before its model's or batch's page."""

from __future__ import annotations

import re

import pytest

from passport.access import authenticate
from passport.events import history
from passport.passports import lookup
from tests.conftest import BASE_URL, settings_of
from tests.helpers import GTIN
from tests.web.conftest import issue

LOT = "2026W14"
SERIAL = "K1-000103"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def family(session, maker):
    """A model, its batch 2026W14 and an item of the batch."""
    model = issue(session, maker, granularity="model", serial=None)
    batch = issue(session, maker, granularity="batch", lot=LOT, serial=None)
    item = issue(session, maker, lot=LOT, serial=SERIAL)
    return model, batch, item


def record(session, org, pid, body):
    event = history.record_event(session, settings_of(session), org, pid, body)
    session.commit()
    return event


def recall(session, maker, pid, reason="Lid may come loose"):
    body = {
        "type": "recall",
        "eventTime": "2026-04-10T09:00:00Z",
        "recall": {"reason": reason, "severity": "danger", "url": "https://acme.example/r"},
    }
    return record(session, authenticate(session, maker.key), pid, body)


def test_a_batch_recall_reaches_the_items_page_timeline_and_credential(
    client, session, maker, family
):
    _model, batch, item = family
    path = f"/01/{GTIN}/10/{LOT}/21/{SERIAL}"
    before = client.get(f"/passports/{item}").text
    assert "Safety recall" not in before
    # the item page links to its batch, not only its model
    assert f'href="{BASE_URL}/01/{GTIN}/10/{LOT}"' in before
    assert f"Passport of batch {LOT}" in before

    event = recall(session, maker, batch)
    page = client.get(f"/passports/{item}").text  # the kept page is not served again
    assert "Safety recall: Lid may come loose" in page and 'role="alert"' in page
    assert f'id="batch-event-{event.seq}"' in page
    assert f"Recorded on the passport of batch {LOT}" in page
    # through the resolver, as a phone scans it
    scanned = client.get(path, headers={"Accept": BROWSER}, follow_redirects=True)
    assert "Safety recall: Lid may come loose" in scanned.text

    data = client.get(path, headers={"Accept": "application/ld+json"}).get_json()
    (listed,) = data["recalls"]
    assert listed["reason"] == "Lid may come loose" and listed["severity"] == "danger"
    assert listed["recordedOn"].endswith(f"/01/{GTIN}/10/{LOT}")
    assert listed["eventID"] == event.event_id
    api = client.get(f"/api/v1/passports/{item}").get_json()
    assert api["recalls"] == data["recalls"]
    # the batch's own credential lists it too; a passport with no recall has no section
    assert client.get(f"/api/v1/passports/{batch}").get_json()["recalls"][0]["reason"]
    assert "recalls" not in client.get(f"/api/v1/passports/{_model}").get_json()


def test_a_model_recall_reaches_the_item_and_a_corrected_one_does_not(
    client, session, maker, family
):
    model, _batch, item = family
    event = recall(session, maker, model, reason="Switch may stick")
    page = client.get(f"/passports/{item}").text
    assert "Safety recall: Switch may stick" in page
    assert "Recorded on the passport of the product model" in page
    correction = {
        "type": "correction",
        "eventTime": "2026-04-11T09:00:00Z",
        "correction": {"corrects": event.seq, "reason": "did_not_occur"},
    }
    record(session, authenticate(session, maker.key), model, correction)
    after = client.get(f"/passports/{item}").text
    assert "Safety recall: Switch may stick" not in after
    assert "recalls" not in client.get(f"/api/v1/passports/{item}").get_json()


def test_an_unknown_item_says_so_before_its_model(client, session, maker):
    model = issue(session, maker, granularity="model", serial=None)
    answer = client.get(f"/01/{GTIN}/21/UNKNOWN", headers={"Accept": BROWSER})
    assert answer.status_code == 307
    assert answer.location == f"/passports/{model}?for=/01/{GTIN}/21/UNKNOWN"
    page = client.get(answer.location).text
    notice = page.index("No passport is registered for the item you scanned")
    assert notice < page.index("<h1")
    assert f"<code>/01/{GTIN}/21/UNKNOWN</code>" in page
    assert "passport of its product model" in page
    # the plain page (and a ?for= that names nothing this passport stands in for) has none
    for plain in (f"/passports/{model}", f"/passports/{model}?for=/01/{GTIN}", "?for=x"):
        shown = client.get(plain if plain.startswith("/") else f"/passports/{model}{plain}")
        assert "No passport is registered for the item" not in shown.text
    # an exact scan goes to the page without the notice
    item = issue(session, maker, serial="K1-1")
    exact = client.get(f"/01/{GTIN}/21/K1-1", headers={"Accept": BROWSER})
    assert exact.location == f"/passports/{item}"
    assert lookup.get_passport(session, item).model_pk is not None
    assert re.search(r"Model passport", client.get(f"/passports/{item}").text)
