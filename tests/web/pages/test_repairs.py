"""Logging a repair from the scanned page: few inputs, ORDS values, validation, the timeline."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from passport.events import history
from passport.events.status import TERMINAL
from passport.passports import community, lookup
from tests.conftest import BASE_URL, settings_of
from tests.helpers import GTIN
from tests.web.conftest import field_error, form_defaults, issue, sign_in
from web.pages import categories

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def volunteer(client, cafe, make_user):
    """A client signed in for the repair café."""
    sign_in(client, make_user(cafe))
    return client


def events_of(session, pid: str) -> list:
    session.rollback()
    return history.list_events(session, lookup.get_passport(session, pid))


def timeline(body: str) -> list[str]:
    items = re.findall(r'<li id="event-\d+"[^>]*>(.*?)</li>', body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_a_typical_repair_takes_two_inputs(volunteer, session, maker):
    pid = issue(session, maker, name="Acme K1 electric kettle")
    page = volunteer.get(f"/passports/{pid}")
    assert f'class="button primary" href="/passports/{pid}/repairs/new"' in page.text
    form = volunteer.get(f"/passports/{pid}/repairs/new")
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    sent = form_defaults(form.text)
    # filled in already: the category from the product's name, Fixed, today, now
    assert sent["category"] == "Kettle" and sent["outcome"] == "fixed"
    assert sent["spare_parts"] == "none"
    assert sent["date"] == datetime.now(BERLIN).date().isoformat()
    assert re.fullmatch(r"\d\d:\d\d", sent["time"])

    typed = {"problem": "Switch did not click off; replaced the switch"}
    assert len(typed) <= 4  # inputs a volunteer makes; the fourth is the button
    response = volunteer.post(f"/passports/{pid}/repairs/new", data=sent | typed)
    assert response.status_code == 303
    assert response.location == f"/passports/{pid}#event-1"

    (event,) = events_of(session, pid)
    assert event.type == "repair" and event.recorder.name == "Repair Café Cardiff"
    assert event.details == {
        "outcome": "fixed",
        "problem": "Switch did not click off; replaced the switch",
        "category": "Kettle",
        "spareParts": "none",
    }
    # the time the form said, in the registry's time zone, with its offset kept
    assert event.time_offset in ("+01:00", "+02:00")
    local = event.event_time.astimezone(BERLIN)
    assert local.strftime("%Y-%m-%d %H:%M") == f"{sent['date']} {sent['time']}"

    body = volunteer.get(f"/passports/{pid}").text
    assert timeline(body)[0].startswith("Repaired at Repair Café Cardiff, ")
    assert "Switch did not click off; replaced the switch, fixed" in timeline(body)[0]


def test_every_ords_detail_is_recorded(volunteer, session, maker):
    pid = issue(session, maker, name="Acme K1 electric kettle")
    sent = form_defaults(volunteer.get(f"/passports/{pid}/repairs/new").text)
    sent |= {
        "category": "Small kitchen item",
        "problem": "Heating element burnt out",
        "outcome": "end_of_life",
        "barrier": "Spare parts not available",
        "spare_parts": "none",
        "parts": "element, thermostat",
        "date": "2026-01-10",
        "time": "15:30",
    }
    response = volunteer.post(f"/passports/{pid}/repairs/new", data=sent)
    assert response.status_code == 303, response.text
    (event,) = events_of(session, pid)
    assert event.details == {
        "outcome": "end_of_life",
        "problem": "Heating element burnt out",
        "category": "Small kitchen item",
        "spareParts": "none",
        "partsReplaced": ["element", "thermostat"],
        "barrier": "Spare parts not available",
    }
    assert event.event_time.astimezone(BERLIN).isoformat() == "2026-01-10T15:30:00+01:00"
    assert event.time_offset == "+01:00"  # winter time in Berlin
    body = volunteer.get(f"/passports/{pid}").text
    assert "What stopped the repair: spare parts not available" in timeline(body)[0]
    german = volunteer.get(f"/passports/{pid}?lang=de").text
    assert "Woran die Reparatur scheiterte: Ersatzteile nicht erhältlich" in timeline(german)[0]


def test_repairable_with_a_next_step_and_a_part_with_its_own_passport(volunteer, session, maker):
    pid = issue(session, maker, name="Acme K1 electric kettle")
    part = issue(session, maker, serial="SWITCH-9", name="Acme K1 switch")
    part_uri = lookup.get_passport(session, part).uri
    sent = form_defaults(volunteer.get(f"/passports/{pid}/repairs/new").text)
    sent |= {
        "problem": "Needs a new switch",
        "outcome": "repairable",
        "next_steps": "Professional help",
        "spare_parts": "manufacturer",
        "parts": "switch",
        "part_passport": part_uri,
    }
    assert volunteer.post(f"/passports/{pid}/repairs/new", data=sent).status_code == 303
    repair, replaced = events_of(session, pid)
    assert repair.details["nextSteps"] == "Professional help"
    assert repair.details["spareParts"] == "manufacturer"
    assert replaced.type == "part_replacement"
    assert replaced.details == {"installed": {"description": "switch", "passport": part_uri}}
    assert replaced.related is not None and replaced.related.public_id == part
    body = volunteer.get(f"/passports/{pid}").text
    assert "Next step: professional help" in timeline(body)[0]


def test_mistakes_are_shown_next_to_their_fields_and_what_was_typed_stays(
    volunteer, session, maker
):
    pid = issue(session, maker, name="Acme K1 electric kettle")
    url = f"/passports/{pid}/repairs/new"
    sent = form_defaults(volunteer.get(url).text)
    tomorrow = (datetime.now(BERLIN) + timedelta(days=1)).date().isoformat()
    response = volunteer.post(
        url,
        data=sent
        | {
            "category": "Toaster",
            "problem": "",
            "barrier": "Lack of equipment",  # but the outcome is Fixed
            "next_steps": "Do it yourself",
            "parts": "a <b>bold</b> part",
            "part_passport": "javascript:alert(1)",
            "date": tomorrow,
        },
    )
    assert response.status_code == 400
    body = response.text
    assert field_error(body, "problem") == "Fill this in."
    assert "End of life" in field_error(body, "barrier")
    assert "Repairable" in field_error(body, "next_steps")
    assert "https://" in field_error(body, "part_passport")
    assert field_error(body, "date") == "This date is in the future."
    assert field_error(body, "category") is None
    assert 'role="alert"' in body and 'href="#f-problem"' in body  # a summary that links
    again = form_defaults(body)
    assert again["category"] == "Toaster" and again["barrier"] == "Lack of equipment"
    assert again["parts"] == "a <b>bold</b> part" and again["date"] == tomorrow
    assert "a &lt;b&gt;bold&lt;/b&gt; part" in body
    assert events_of(session, pid) == []


def test_a_repair_before_the_product_existed_is_refused(volunteer, session, maker):
    pid = issue(session, maker, name="Acme K1 kettle")
    history.record_event(
        session,
        settings_of(session),
        lookup.get_passport(session, pid).issuer,
        pid,
        {"type": "commissioning", "eventTime": "2026-01-01T10:00:00+01:00"},
    )
    session.commit()
    url = f"/passports/{pid}/repairs/new"
    sent = form_defaults(volunteer.get(url).text)
    response = volunteer.post(url, data=sent | {"problem": "x", "date": "2025-12-24"})
    assert response.status_code == 400
    assert "its life began on 1 January 2026" in field_error(response.text, "date")
    assert [e.type for e in events_of(session, pid)] == ["commissioning"]  # no repair stored


def test_what_people_type_is_shown_as_text(volunteer, session, maker):
    pid = issue(session, maker, name="Acme K1 kettle")
    url = f"/passports/{pid}/repairs/new"
    sent = form_defaults(volunteer.get(url).text)
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    bad = volunteer.post(url, data=sent | {"problem": evil, "part_passport": "nope"})
    assert bad.status_code == 400
    assert "<script>alert(1)" not in bad.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in bad.text
    assert events_of(session, pid) == []  # the refused form stored nothing
    assert volunteer.post(url, data=sent | {"problem": evil}).status_code == 303
    assert events_of(session, pid)[0].details["problem"] == evil  # stored as typed
    body = volunteer.get(f"/passports/{pid}").text
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_form_speaks_german(volunteer, session, maker):
    pid = issue(session, maker, name="Acme K1 Wasserkocher")
    url = f"/passports/{pid}/repairs/new"
    response = volunteer.get(url, query_string={"lang": "de"})
    body = response.text
    assert '<html lang="de">' in body
    for german in (
        "Reparatur erfassen",
        "Produktkategorie",
        "Problem und was getan wurde",
        "Ergebnis",
        "Repariert",
        "Ersatzteile",
        "Speichern",
    ):
        assert german in body, german
    assert form_defaults(body)["category"] == "Kettle"  # "Wasserkocher"
    assert '<option value="Kettle" selected>Wasserkocher</option>' in body
    sent = form_defaults(body)
    again = volunteer.post(url, data=sent | {"problem": ""})
    assert field_error(again.text, "problem") == "Bitte ausfüllen."


def test_who_may_log_a_repair(client, session, maker, cafe, make_org, make_user):
    pid = issue(session, maker)
    url = f"/passports/{pid}/repairs/new"
    anonymous = client.get(url)
    assert anonymous.status_code == 303 and anonymous.location == f"/signin?next={url}"
    other_maker = make_org("Other Kettles AG", "manufacturer")
    recycler = make_org("Recycling North", "recycler")
    for org, allowed in ((other_maker, False), (recycler, False), (maker, True), (cafe, True)):
        login = make_user(org, login=f"person@{org.id}.example")
        sign_in(client, login)
        response = client.get(url)
        assert response.status_code == (200 if allowed else 403), org.name
        page = client.get(f"/passports/{pid}").text
        assert ("Log a repair" in page) is allowed
        client.post("/signout", data={"csrf_token": _token(page)})


def _token(html: str) -> str:
    from tests.web.conftest import token

    return token(html)


def test_a_model_passport_offers_to_register_the_item_instead(volunteer, session, maker):
    pid = issue(session, maker, "model", serial=None, name="Acme K1 electric kettle")
    response = volunteer.get(f"/passports/{pid}/repairs/new")
    assert response.status_code == 409
    assert f"/passports/new/community?from={pid}" in response.text
    page = volunteer.get(f"/passports/{pid}").text
    assert "Log a repair" not in page and "Register this one item" in page
    prefilled = form_defaults(volunteer.get(f"/passports/new/community?from={pid}").text)
    assert prefilled["category"] == "Kettle" and prefilled["brand"] == "Acme Kettles GmbH"
    assert prefilled["model"] == "Acme K1 electric kettle"


def test_nothing_can_be_logged_once_the_life_has_ended(volunteer, session, maker):
    pid = issue(session, maker)
    issuer = lookup.get_passport(session, pid).issuer
    history.record_event(
        session,
        settings_of(session),
        issuer,
        pid,
        {"type": "recycling", "eventTime": "2026-01-01T10:00:00Z"},
    )
    session.commit()
    assert lookup.get_passport(session, pid).life_status in TERMINAL
    assert volunteer.get(f"/passports/{pid}/repairs/new").status_code == 409
    assert "Log a repair" not in volunteer.get(f"/passports/{pid}").text


def test_the_start_page_finds_the_item_by_its_code(volunteer, session, maker):
    pid = issue(session, maker, name="Acme K1 kettle")
    uri = lookup.get_passport(session, pid).uri
    for code in (uri, f"https://id.gs1.org/01/{GTIN}/21/12345", pid):
        found = volunteer.get("/repairs/start", query_string={"code": code})
        assert found.status_code == 303 and found.location == f"/passports/{pid}/repairs/new"
    missing = volunteer.get("/repairs/start", query_string={"code": f"{BASE_URL}/01/{GTIN}/21/9"})
    assert missing.status_code == 404
    assert "No passport has this code" in field_error(missing.text, "code")
    assert 'href="/passports/new/community"' in missing.text
    unreadable = volunteer.get("/repairs/start", query_string={"code": "https://x.example/01/1"})
    assert unreadable.status_code == 400


def test_a_shop_records_resale_and_refurbishment_with_the_same_forms(
    client, session, maker, shop, make_user, cafe
):
    pid = issue(session, maker)
    sign_in(client, make_user(shop, login="staff@shop.example"))
    page = client.get(f"/passports/{pid}").text
    assert "Record a resale" in page and "Record a refurbishment" in page
    url = f"/passports/{pid}/record/refurbishment"
    sent = form_defaults(client.get(url).text)
    assert sent["condition"] == "Refurbished"
    sent |= {"grade": "A", "battery_health": "87.5", "description": "New seal"}
    assert client.post(url, data=sent).status_code == 303
    url = f"/passports/{pid}/record/resale"
    sent = form_defaults(client.get(url).text)
    assert sent["channel"] == "refurbisher"
    bad = client.post(url, data=sent | {"battery_health": "120"})
    assert bad.status_code == 400 and "100" in field_error(bad.text, "battery_health")
    assert client.post(url, data=sent | {"grade": "B"}).status_code == 303
    refurbished, resold = events_of(session, pid)
    assert refurbished.details == {
        "condition": "Refurbished",
        "grade": "A",
        "batteryHealth": 87.5,
        "description": "New seal",
    }
    assert resold.details == {"condition": "Refurbished", "channel": "refurbisher", "grade": "B"}
    body = client.get(f"/passports/{pid}").text
    assert "Resold by Second Life Electronics" in timeline(body)[1]
    assert "grade B" in timeline(body)[1]
    # a repair café does not sell
    client.post("/signout", data={"csrf_token": _token(body)})
    sign_in(client, make_user(cafe))
    assert client.get(f"/passports/{pid}/record/resale").status_code == 403


def test_the_category_is_guessed_from_the_passport(app: Flask):
    cases = {
        "Kesselwerk K1 electric kettle, 1.7 l": "Kettle",
        "Velo Circular 500 Wh e-bike battery": "Battery/charger/adapter",
        "Bosch Akkuschrauber PSR 18": "Power tool",
        "Tischlampe Luna": "Lamp",
        "Something else entirely": "Misc",
    }
    for name, expected in cases.items():
        assert categories.guess({"name": name}) == expected, name
    by_cpc = {
        "name": "Model X",
        "productCategory": [{"code": "4521", "schemeID": "https://unstats.un.org/cpc/"}],
    }
    assert categories.guess(by_cpc) == "Laptop"
    ords = {
        "name": "Whatever",
        "productCategory": [{"name": "Toy", "schemeID": community.ORDS_SCHEME}],
    }
    assert categories.guess(ords) == "Toy"
    with app.test_request_context("/?lang=de"):
        choices = dict(categories.category_choices())
    assert len(choices) == 40 and list(choices)[-1] == "Misc"
