"""Products without a passport: a repairer registers them, the registry mints the URI, and
every rendering says the passport was not issued by the manufacturer."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from passport.access import authenticate
from passport.config import Settings
from passport.errors import Forbidden, InvalidDocument
from passport.models import Passport
from passport.passports import community, issuing, lookup
from passport.signing import registry
from tests.conftest import BASE_URL, settings_of
from tests.helpers import GTIN, untp_errors
from tests.web.conftest import field_error, form_defaults, sign_in


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


KEY = re.compile(r"[a-z2-7]{16}")


@pytest.fixture
def volunteer(client, cafe, make_user):
    sign_in(client, make_user(cafe))
    return client


def register(client, **typed: str) -> str:
    """Register an item through the form; returns the new passport's id."""
    sent = form_defaults(client.get("/passports/new/community").text) | typed
    response = client.post("/passports/new/community", data=sent)
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/passports/([0-9a-f]{16})/repairs/new", response.location)
    assert found, response.location
    return found.group(1)


def test_a_repairer_registers_an_item_and_logs_its_repair_at_once(volunteer, session, cafe):
    form = volunteer.get("/passports/new/community")
    assert form.status_code == 200
    assert set(form_defaults(form.text)) == {"csrf_token", "category", "brand", "model", "year"}
    assert "GTIN" not in form.text  # no GS1 number asked for
    pid = register(volunteer, category="Kettle", brand="Philips", model="HD4646", year="2012")

    repair_form = volunteer.get(f"/passports/{pid}/repairs/new")
    assert "The item has a passport now." in repair_form.text  # said once, after the redirect
    assert f'href="/api/v1/passports/{pid}/qr.svg"' in repair_form.text  # print its label
    sent = form_defaults(repair_form.text)
    assert sent["category"] == "Kettle"  # taken from the new passport
    response = volunteer.post(
        f"/passports/{pid}/repairs/new", data=sent | {"problem": "Lid hinge broken, glued"}
    )
    assert response.status_code == 303
    session.rollback()
    passport = lookup.get_passport(session, pid)
    assert passport.community and passport.granularity == "item"
    assert passport.issuer.public_id == cafe.id
    assert passport.gtin is None and passport.name == "Philips HD4646"
    assert KEY.fullmatch(passport.uri.removeprefix(f"{BASE_URL}/c/"))
    assert "The item has a passport now." not in volunteer.get(f"/passports/{pid}").text


def test_the_passport_says_who_registered_it_everywhere(volunteer, client, session, cafe):
    pid = register(volunteer, category="Hair dryer", brand="Braun", model="", year="")
    session.rollback()
    passport = lookup.get_passport(session, pid)
    did = registry.issuer_did(BASE_URL, passport.issuer)

    doc = client.get(f"/api/v1/passports/{pid}").json
    assert untp_errors(doc) == []
    assert doc["registeredBy"] == did == doc["issuer"]["id"]
    assert doc["issuer"]["name"] == "Repair Café Cardiff"
    assert f"{BASE_URL}/contexts/kreislauf/v1" in doc["@context"]
    product = doc["credentialSubject"]["product"]
    assert product["id"] == passport.uri and product["name"] == "Braun"
    assert product["characteristics"] == {"type": ["Characteristics"], "brand": "Braun"}
    (category,) = product["productCategory"]
    assert category["name"] == "Hair dryer" and category["code"] == "39"
    assert category["schemeID"] == community.ORDS_SCHEME
    assert doc["credentialSubject"]["granularityLevel"] == "item"

    page = client.get(f"/passports/{pid}").text
    assert "Registered by Repair Café Cardiff, a repairer. Not issued by the manufacturer" in page
    facts = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Category Hair dryer" in facts and "Brand Braun" in facts
    assert "Registered by Repair Café Cardiff" in facts and "Made by" not in facts
    german = client.get(f"/passports/{pid}?lang=de").text
    assert "Kategorie" in german and "Haartrockner" in german
    front = client.get("/?lang=en").text
    assert "(registered by a repairer)" in front


def test_the_resolver_serves_community_uris_like_gs1_ones(volunteer, client, session):
    pid = register(volunteer, category="Toaster", brand="Severin", model="AT 2515", year="2009")
    session.rollback()
    uri = lookup.get_passport(session, pid).uri
    path = uri.removeprefix(BASE_URL)
    assert path.startswith("/c/")

    browser = client.get(path, headers={"Accept": "text/html"})
    assert browser.status_code == 307 and browser.location == f"/passports/{pid}"
    data = client.get(path, headers={"Accept": "application/ld+json"})
    assert data.status_code == 200 and data.mimetype == "application/ld+json"
    assert data.json["credentialSubject"]["product"]["id"] == uri and "registeredBy" in data.json
    linkset = client.get(path, query_string={"linkType": "linkset"})
    assert linkset.mimetype == "application/linkset+json"
    anchor = json.loads(linkset.data)["linkset"][0]["anchor"]
    assert anchor == uri
    assert client.options(path).status_code == 204
    assert client.get(path).headers["Access-Control-Allow-Origin"] == "*"

    unknown = client.get("/c/" + "a" * 16, headers={"Accept": "application/json"})
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    malformed = client.get("/c/NOT-A-KEY", headers={"Accept": "application/json"})
    assert malformed.status_code == 400
    assert client.get("/c/NOT-A-KEY").status_code == 400  # a page for browsers
    qr = client.get(f"/api/v1/passports/{pid}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    # and nothing GS1 is shadowed: GS1 paths still resolve as before
    assert client.get(f"/01/{GTIN}", headers={"Accept": "application/json"}).status_code == 404


def test_the_form_checks_what_was_typed(volunteer, session):
    sent = form_defaults(volunteer.get("/passports/new/community").text)
    response = volunteer.post(
        "/passports/new/community",
        data=sent | {"category": "Spaceship", "year": "2999", "brand": "<b>Bold</b>"},
    )
    assert response.status_code == 400
    assert field_error(response.text, "category") == "Choose one of the options."
    assert "from 1900 to" in field_error(response.text, "year")
    assert 'value="&lt;b&gt;Bold&lt;/b&gt;"' in response.text
    session.rollback()
    assert session.query(Passport).count() == 0


def test_only_repairers_and_refurbishers_register_items(client, maker, make_user, session):
    sign_in(client, make_user(maker, login="office@acme.example"))
    assert client.get("/passports/new/community").status_code == 403
    with pytest.raises(Forbidden):
        community.issue_community_passport(
            session,
            settings_of(session),
            authenticate(session, maker.key),
            category="Kettle",
            brand=None,
            model=None,
            year=None,
        )


def test_the_service_validates_and_mints_unique_uris(session, cafe):
    org = authenticate(session, cafe.key)
    with pytest.raises(InvalidDocument) as bad:
        community.issue_community_passport(
            session, settings_of(session), org, category=" ", brand="x" * 201, model=None, year=1850
        )
    assert {e.pointer for e in bad.value.errors} == {"/category", "/brand", "/year"}
    uris = {
        community.issue_community_passport(
            session, settings_of(session), org, category="Misc", brand=None, model=None, year=None
        ).uri
        for _ in range(20)
    }
    assert len(uris) == 20
    session.commit()
    # the GS1 rules are untouched: a repairer still cannot issue a GS1 passport
    with pytest.raises(Forbidden):
        issuing.issue_passport(session, settings_of(session), org, {"granularityLevel": "item"})


def test_an_unknown_scanned_code_offers_registration_to_repairers(client, cafe, make_user):
    path = f"/01/{GTIN}/21/NEW-1"
    anonymous = client.get(path)
    assert anonymous.status_code == 404 and "/passports/new/community" not in anonymous.text
    sign_in(client, make_user(cafe))
    signed = client.get(path)
    assert signed.status_code == 404
    assert 'href="/passports/new/community"' in signed.text
    start = client.get("/repairs/start").text
    assert 'href="/passports/new/community"' in start
