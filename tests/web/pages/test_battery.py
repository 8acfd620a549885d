"""The battery on its passport page: latest measurements and linked passports, en and de.

Every dynamic battery attribute is for persons with a legitimate interest (the BatteryPass
access list): the public page leaves them out, a signed-in repairer or refurbisher sees them.
"""

from __future__ import annotations

import html
from typing import Any

from tests.web.conftest import sign_in
from tests.web.pages.test_passport import ev, issue, page, record


def test_the_page_shows_the_latest_measurements_with_when_and_by_whom(
    client, session, maker, make_org, make_user
):
    cafe = make_org("Repair Café Cardiff", "repairer")
    pid = issue(session, maker, serial="BAT-1", name="E-bike battery 500 Wh")
    measurements: dict[str, Any] = {
        "stateOfHealth": 86.5,
        "remainingCapacity": {"value": 11.9, "unit": "Ah"},
        "numberOfFullCycles": 312,
        "timeExtremeHighTemp": 95,
    }
    record(
        session, cafe, pid, ev("inspection", "2026-05-03T14:00:00+01:00", measurements=measurements)
    )
    public = html.unescape(page(client, pid))
    assert "Battery condition" not in public and "86.5" not in public
    sign_in(client, make_user(cafe))
    english = html.unescape(page(client, pid))
    assert "Battery condition" in english
    assert "State of health" in english and "86.5 %" in english
    assert "11.9 Ah" in english and "312" in english and "95 min" in english
    assert "3 May 2026, Repair Café Cardiff" in english
    assert "Checked by Repair Café Cardiff" in english
    german = html.unescape(page(client, pid, query_string={"lang": "de"}))
    assert "Zustand der Batterie" in german and "Gesundheitszustand (SoH)" in german
    assert "86,5 %" in german and "11,9 Ah" in german
    assert "Geprüft von Repair Café Cardiff" in german


def test_a_repurposed_battery_links_both_ways_and_shows_its_status(
    client, session, maker, make_org, make_user
):
    shop = make_org("Second Life Storage", "refurbisher")
    original = issue(session, maker, serial="BAT-2")
    storage = issue(session, maker, serial="BAT-2-HOME", name="Home storage")
    record(
        session,
        shop,
        original,
        ev("inspection", "2026-05-03T14:00:00+01:00", measurements={"stateOfHealth": 71}),
    )
    new_uri = client.get(f"/api/v1/passports/{storage}").json["credentialSubject"]["id"]
    record(
        session, shop, original, ev("repurpose", "2026-06-01T10:00:00+02:00", newPassport=new_uri)
    )
    assert "Battery status" not in html.unescape(page(client, original))  # public: withheld
    sign_in(client, make_user(shop))
    old_page = html.unescape(page(client, original))
    assert "Battery status" in old_page and "repurposed" in old_page
    assert "It lives on as a repurposed battery" in old_page and new_uri in old_page
    assert "Repurposed by Second Life Storage" in old_page
    assert "Repurposed from this battery" in html.unescape(page(client, storage))
    german = html.unescape(page(client, original, query_string={"lang": "de"}))
    assert "umgewidmet" in german and "Sie lebt als umgewidmete Batterie weiter" in german


def test_a_kettle_page_has_no_battery_section(client, session, maker):
    pid = issue(session, maker, serial="K-1")
    assert "Battery condition" not in page(client, pid)


def test_the_condition_the_passport_states_shows_where_nothing_was_measured(
    client, session, make_org, make_user
):
    """The e-bike battery's passport states its condition at issue (BatteryPass
    ``batteryCondition``); a later measurement replaces a value, the rest stay as stated."""
    from tests.conftest import settings_of
    from web.demo import seed

    seed(session, settings_of(session))
    session.commit()
    items = client.get("/api/v1/passports", query_string={"limit": 200}).json["items"]
    [ebike] = [p["id"] for p in items if "/21/EB36-" in p["uri"] and "/01/0406123" in p["uri"]]
    assert "stated by" not in html.unescape(page(client, ebike))  # restricted: not public
    cafe = make_org("Repair Café Nord", "repairer")
    sign_in(client, make_user(cafe))
    english = html.unescape(page(client, ebike))
    assert "State of health" in english  # measured at the repair
    assert "State of charge" in english and "80 %" in english  # stated at issue
    assert "0.48 kWh" in english and "4.82 kWh" in english and "134 Ah" in english
    assert "10.5 Ah" in english and "13.3 Ah" not in english  # measured since: replaced
    assert "stated by Akkuwerk Demo GmbH" in english
    german = html.unescape(page(client, ebike, query_string={"lang": "de"}))
    assert "laut Akkuwerk Demo GmbH" in german and "0,48 kWh" in german
