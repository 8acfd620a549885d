"""The fault step of the repair form: suggested from the problem, confirmed, in the event."""

from __future__ import annotations

import re

from tests.web.conftest import form_defaults, issue, sign_in
from tests.web.pages.test_repairs import events_of, timeline

PROBLEM = "Screen cracked, display shows lines; replaced the screen"


def _form(client, pid: str) -> dict[str, str]:
    return form_defaults(client.get(f"/passports/{pid}/repairs/new").text)


def _radios(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="fault_type" value="([^"]*)"', html)


def test_a_laptop_repair_asks_to_confirm_the_suggested_fault(
    client, session, maker, cafe, make_user
):
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme L14 laptop")
    sent = _form(client, pid)
    assert sent["category"] == "Laptop" and "fault_type" not in sent  # not before the problem
    first = client.post(f"/passports/{pid}/repairs/new", data=sent | {"problem": PROBLEM})
    # not saved yet: the same form, the problem kept, at most three suggestions and Not sure
    assert first.status_code == 200 and events_of(session, pid) == []
    assert PROBLEM in first.text and 'role="alert"' not in first.text
    # the page opens on the step (focus and scroll, no script)
    assert re.findall(r"<[^>]*\bautofocus\b[^>]*>", first.text) == [
        '<fieldset class="field" id="f-fault-type" aria-describedby="f-fault-type-hint"'
        ' tabindex="-1" autofocus="">'
    ]
    choices = _radios(first.text)
    assert 2 <= len(choices) <= 4 and choices[-1] == ""
    again = form_defaults(first.text)
    best = again["fault_type"]
    assert best == choices[0] and best  # the best one is chosen
    assert again["fault_other"] == "" and again["problem"] == PROBLEM
    assert 'name="fault_other"' in first.text and "Integrated screen" in first.text

    saved = client.post(f"/passports/{pid}/repairs/new", data=again)
    assert saved.status_code == 303
    (event,) = events_of(session, pid)
    assert event.details["faultType"] == best and event.details["category"] == "Laptop"
    assert f"Fault type: {best}" in timeline(client.get(f"/passports/{pid}").text)[0]


def test_another_fault_from_the_whole_list_or_not_sure(client, session, maker, cafe, make_user):
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme L14 laptop")
    sent = _form(client, pid) | {"problem": PROBLEM}
    shown = form_defaults(client.post(f"/passports/{pid}/repairs/new", data=sent).text)
    other = shown | {"fault_other": "Power/battery"}
    assert client.post(f"/passports/{pid}/repairs/new", data=other).status_code == 303
    unsure = shown | {"fault_type": ""}
    assert client.post(f"/passports/{pid}/repairs/new", data=unsure).status_code == 303
    first, second = events_of(session, pid)
    assert first.details["faultType"] == "Power/battery"
    assert "faultType" not in second.details


def test_a_fault_not_in_the_list_is_asked_again(client, session, maker, cafe, make_user):
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme L14 laptop")
    sent = _form(client, pid) | {"problem": PROBLEM, "fault_type": "Limescale"}
    again = client.post(f"/passports/{pid}/repairs/new", data=sent)
    assert again.status_code == 200 and events_of(session, pid) == []
    assert form_defaults(again.text)["fault_type"] != "Limescale"


def test_a_category_without_a_fault_list_saves_at_once(client, session, maker, cafe, make_user):
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme K1 electric kettle")
    sent = _form(client, pid) | {"problem": "Switch broken; replaced it"}
    assert client.post(f"/passports/{pid}/repairs/new", data=sent).status_code == 303
    (event,) = events_of(session, pid)
    assert "faultType" not in event.details


def test_a_mistake_elsewhere_shows_with_the_suggestions(client, session, maker, cafe, make_user):
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme L14 laptop")
    sent = _form(client, pid) | {"problem": PROBLEM, "date": "2999-01-01"}
    page = client.post(f"/passports/{pid}/repairs/new", data=sent)
    assert page.status_code == 400 and _radios(page.text)
    assert page.text.count("autofocus") == 1 and 'id="error-summary"' in page.text
    assert events_of(session, pid) == []


def test_the_step_speaks_german_and_marks_the_english_fault_types(
    client, session, maker, cafe, make_user
):
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme V2 Staubsauger")
    url = f"/passports/{pid}/repairs/new?lang=de"
    sent = form_defaults(client.get(url).text)
    assert sent["category"] == "Vacuum"
    problem = "Saugt nicht mehr, Schlauch verstopft; gereinigt"
    page = client.post(url, data=sent | {"problem": problem})
    assert page.status_code == 200
    for german in ("Fehlerart", "Nicht sicher", "Eine andere Fehlerart", "Prüfen, dann speichern"):
        assert german in page.text, german
    assert re.search(r'name="fault_type" value="[^"]+"[^>]*> <span lang="en">', page.text)
    assert client.post(url, data=form_defaults(page.text)).status_code == 303
    body = client.get(f"/passports/{pid}?lang=de").text
    assert re.search(r'Fehlerart: <span lang="en">[^<]+</span>', body)


def test_an_item_registered_at_the_start_gets_the_step(client, session, cafe, make_user):
    """/repairs/start → "Register an item without a passport" → its repair form."""
    from tests.web.pages.test_community import register

    sign_in(client, make_user(cafe))
    assert 'href="/passports/new/community"' in client.get("/repairs/start").text
    pid = register(client, category="Mobile", brand="Fairphone", model="4", year="2022")
    sent = _form(client, pid)
    assert sent["category"] == "Mobile"
    problem = "Display cracked after a fall; new screen fitted"
    page = client.post(f"/passports/{pid}/repairs/new", data=sent | {"problem": problem})
    assert page.status_code == 200 and _radios(page.text)
    assert (
        client.post(f"/passports/{pid}/repairs/new", data=form_defaults(page.text)).status_code
        == 303
    )
    (event,) = events_of(session, pid)
    assert event.details["faultType"] == form_defaults(page.text)["fault_type"]
