"""Handing an item over with a transfer code: shown once, works once, names nobody."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update

from passport import throttle, transfers
from passport.access import authenticate
from passport.errors import CodeRefused, Forbidden, TooManyAttempts
from passport.events import history
from passport.models import Event, TransferCode, utcnow
from passport.passports import lookup
from tests.conftest import BASE_URL, settings_of
from tests.web.conftest import form_defaults, issue, sign_in, token

CODE = re.compile(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>")


def create_code(client, pid: str) -> str:
    page = client.get(f"/passports/{pid}").text
    assert f'action="/passports/{pid}/transfer-code"' in page
    response = client.post(f"/passports/{pid}/transfer-code", data={"csrf_token": token(page)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "It is shown only now." in response.text
    assert f"{BASE_URL}/passports/{pid}/claim" in response.text  # where the next holder goes
    return CODE.search(response.text).group(1)


def claim(app, pid: str, code: str, **typed: str):
    """Claim with a fresh browser: no account, no earlier cookies."""
    browser = app.test_client()
    form = browser.get(f"/passports/{pid}/claim")
    assert form.status_code == 200
    sent = form_defaults(form.text) | {"code": code} | typed
    return browser.post(f"/passports/{pid}/claim", data=sent)


def resales(session, pid: str) -> list[Event]:
    session.rollback()
    rows = history.list_events(session, lookup.get_passport(session, pid))
    return [e for e in rows if e.type == "resale"]


@pytest.fixture
def shop_client(client, shop, make_user):
    sign_in(client, make_user(shop, login="staff@shop.example"))
    return client


def test_the_code_is_shown_once_and_stored_only_as_a_hash(shop_client, session, maker):
    pid = issue(session, maker)
    code = create_code(shop_client, pid)
    session.rollback()
    stored = session.scalars(select(TransferCode)).one()
    assert stored.code_hash == transfers.hash_code(code) and code not in stored.code_hash
    assert stored.created_by is not None and stored.created_by.name == "Second Life Electronics"
    for table in ("transfer_codes", "events", "passports", "passport_versions"):
        dump = str(session.execute(text(f"SELECT * FROM {table}")).all())
        assert code not in dump and code.replace("-", "") not in dump
    assert code not in shop_client.get(f"/passports/{pid}").text  # not shown again


def test_the_next_holder_records_the_handover_and_gets_the_next_code(
    app, shop_client, session, maker
):
    pid = issue(session, maker)
    code = create_code(shop_client, pid)
    public = app.test_client().get(f"/passports/{pid}").text
    assert f'href="/passports/{pid}/claim"' in public
    response = claim(
        app,
        pid,
        code,
        channel="second_hand_shop",
        condition="Used",
        grade="B",
        battery_health="81",
    )
    assert response.status_code == 200, response.text
    assert "The handover is recorded" in response.text
    next_code = CODE.search(response.text).group(1)
    assert next_code != code
    (event,) = resales(session, pid)
    # recorded under the shop that created the code: it handed the item over
    assert event.recorder.name == "Second Life Electronics"
    assert event.details == {
        "channel": "second_hand_shop",
        "condition": "Used",
        "grade": "B",
        "batteryHealth": 81.0,
    }
    assert set(event.details) <= {"channel", "condition", "grade", "batteryHealth"}
    # no personal data anywhere in what was stored about the claim
    dump = str(session.execute(text("SELECT * FROM events")).all())
    assert "127.0.0.1" not in dump and "localhost" not in dump
    body = app.test_client().get(f"/passports/{pid}").text
    assert "Resold by Second Life Electronics" in body and "grade B" in body
    assert "Changed hands once." in body

    # A private holder passes it on with the new code: the registry records that.
    again = claim(app, pid, next_code, channel="private", condition="Damaged")
    assert again.status_code == 200
    first, second = resales(session, pid)
    assert second.recorder.public_id == transfers.REGISTRY_ORG_ID
    assert second.recorder.role == "registry"
    assert second.details == {"channel": "private", "condition": "Damaged"}
    body = app.test_client().get(f"/passports/{pid}").text
    assert "Changed hands with a transfer code, " in body and "privately, damaged" in body
    assert "Changed hands 2 times." in body
    listed = app.test_client().get(f"/api/v1/passports/{pid}/events").json
    assert listed["events"][-1]["recordedBy"] == {
        "id": "org_registry",
        "name": "Kreislauf registry",
    }


def test_a_used_code_is_refused_and_the_item_stays_as_it_was(app, shop_client, session, maker):
    pid = issue(session, maker)
    code = create_code(shop_client, pid)
    assert claim(app, pid, code).status_code == 200
    before = len(resales(session, pid))
    reused = claim(app, pid, code)
    assert reused.status_code == 409
    assert "This code has been used already" in reused.text
    assert CODE.search(reused.text) is None  # no new code handed out
    assert len(resales(session, pid)) == before


def test_a_wrong_code_is_refused(app, shop_client, session, maker):
    pid = issue(session, maker)
    create_code(shop_client, pid)
    other = issue(session, maker, serial="OTHER-1")
    other_code = create_code(shop_client, other)
    for wrong in ("AAAA-BBBB-CCCC-DDDD", other_code):  # another item's code opens nothing here
        response = claim(app, pid, wrong)
        assert response.status_code == 400
        assert "This is not the transfer code of this item" in response.text
    assert resales(session, pid) == []
    passport = lookup.get_passport(session, pid)
    assert passport.life_status == "active"


def test_codes_are_forgiving_about_how_they_are_typed(app, shop_client, session, maker):
    pid = issue(session, maker)
    code = create_code(shop_client, pid)
    sloppy = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert claim(app, pid, sloppy).status_code == 200


def test_a_new_code_replaces_the_old_one(app, shop_client, session, maker):
    pid = issue(session, maker)
    old = create_code(shop_client, pid)
    new = create_code(shop_client, pid)
    assert claim(app, pid, old).status_code == 409
    assert claim(app, pid, new).status_code == 200


def test_guessing_codes_is_rate_limited(app, shop_client, session, maker):
    pid = issue(session, maker)
    code = create_code(shop_client, pid)
    for n in range(throttle.LIMITS["claim"].subject):
        assert claim(app, pid, f"AAAA-AAAA-AAAA-AAA{n}").status_code == 400
    locked = claim(app, pid, code)
    assert locked.status_code == 429 and "Try again in 15 minutes" in locked.text
    assert resales(session, pid) == []


def test_the_lock_lifts_and_the_right_code_then_works(session, maker, shop):
    pid = issue(session, maker)
    passport = lookup.get_passport(session, pid)
    code = transfers.create_code(session, passport, authenticate(session, shop.key))
    t0 = datetime.now(UTC) - timedelta(minutes=20)

    def attempt(guess: str, at: datetime):
        return transfers.claim(
            session,
            settings_of(session),
            pid,
            guess,
            channel="private",
            condition="Used",
            address="192.0.2.1",
            now=at,
        )

    for n in range(throttle.LIMITS["claim"].subject):
        with pytest.raises(CodeRefused):
            attempt(f"WRONG{n}", t0)
    with pytest.raises(TooManyAttempts):
        attempt(code, t0 + timedelta(minutes=1))
    handover = attempt(code, t0 + timedelta(minutes=16))
    assert handover.event.type == "resale" and handover.next_code != code
    session.commit()


def test_who_may_create_codes(client, session, maker, cafe, make_user):
    pid = issue(session, maker)
    sign_in(client, make_user(cafe))
    page = client.get(f"/passports/{pid}").text
    assert "transfer-code" not in page  # a repair café does not hand items over
    response = client.post(f"/passports/{pid}/transfer-code", data={"csrf_token": token(page)})
    assert response.status_code == 403
    session.rollback()
    assert session.scalars(select(TransferCode)).all() == []  # the refusal stored no code
    client.post("/signout", data={"csrf_token": token(page)})
    # the issuer does, at the first sale
    sign_in(client, make_user(maker, login="sales@acme.example"))
    assert create_code(client, pid)
    with pytest.raises(Forbidden):
        transfers.create_code(
            session, lookup.get_passport(session, pid), authenticate(session, cafe.key)
        )


def test_only_an_item_whose_life_goes_on_changes_hands(app, client, session, maker, shop):
    model = issue(session, maker, "model", serial=None)
    assert "/claim" not in app.test_client().get(f"/passports/{model}").text
    pid = issue(session, maker)
    passport = lookup.get_passport(session, pid)
    code = transfers.create_code(session, passport, authenticate(session, shop.key))
    history.record_event(
        session,
        settings_of(session),
        passport.issuer,
        pid,
        {"type": "destruction", "eventTime": "2026-01-01T10:00:00Z"},
    )
    session.commit()
    refused = claim(app, pid, code)
    assert refused.status_code == 409
    assert resales(session, pid) == []


def test_the_page_of_a_new_code_says_until_when_it_is_valid(app, shop_client, session, maker):
    pid = issue(session, maker)
    before = datetime.now(UTC)
    page = shop_client.post(
        f"/passports/{pid}/transfer-code",
        data={"csrf_token": token(shop_client.get(f"/passports/{pid}").text)},
    ).text
    session.rollback()
    (stored,) = session.scalars(select(TransferCode)).all()
    assert before + timedelta(days=90) <= stored.expires_at <= utcnow() + timedelta(days=90)
    until = stored.expires_at.astimezone(ZoneInfo(settings_of(session).time_zone))
    assert f"It is valid until {until.day} {until:%B %Y}, {until:%H:%M}." in page
    # the next holder's code has no end: they have no account to make another
    code = CODE.search(page).group(1)
    after = claim(app, pid, code)
    assert "It does not expire: it works until it is used" in after.text
    assert "valid until" not in after.text


def test_the_german_page_says_it_too(app, shop_client, session, maker):
    pid = issue(session, maker)
    page = shop_client.get(f"/passports/{pid}", headers={"Accept-Language": "de"}).text
    shown = shop_client.post(
        f"/passports/{pid}/transfer-code",
        data={"csrf_token": token(page)},
        headers={"Accept-Language": "de"},
    ).text
    assert re.search(r"Er gilt bis \d+\. \w+ \d{4}, \d\d:\d\d Uhr\.", shown), shown


def _expired_code(session, maker, shop, pid: str) -> str:
    """A shop's code made 91 days ago: the default validity has run out."""
    code = transfers.create_code(
        session,
        lookup.get_passport(session, pid),
        authenticate(session, shop.key),
        utcnow() - timedelta(days=91),
    )
    session.commit()
    return code


def test_an_expired_code_is_refused_with_its_own_message(app, session, maker, shop):
    pid = issue(session, maker)
    code = _expired_code(session, maker, shop, pid)
    refused = claim(app, pid, code)
    assert refused.status_code == 410
    assert "This code expired on " in refused.text and "for a new code" in refused.text
    assert "used already" not in refused.text and "not the transfer code" not in refused.text
    assert CODE.search(refused.text) is None
    assert resales(session, pid) == []

    browser = app.test_client()
    form = browser.get(f"/passports/{pid}/claim", headers={"Accept-Language": "de"})
    sent = form_defaults(form.text) | {"code": code}
    german = browser.post(
        f"/passports/{pid}/claim", data=sent, headers={"Accept-Language": "de"}
    ).text
    assert "Dieser Code ist am " in german and "Uhr abgelaufen" in german


def test_a_code_from_before_expiry_existed_still_opens_the_item(app, session, maker, shop):
    pid = issue(session, maker)
    code = _expired_code(session, maker, shop, pid)
    session.execute(update(TransferCode).values(expires_at=None))  # as migration 0022 left it
    session.commit()
    assert claim(app, pid, code).status_code == 200
    assert len(resales(session, pid)) == 1
