"""Issue 15's small defects: the favicon, a browser's 404, the timeline's punctuation, the
checkpoint line's link, the item page's batch link."""

from __future__ import annotations

import re

from markupsafe import Markup

from passport.access import authenticate
from passport.events import history
from tests.conftest import settings_of
from tests.helpers import GTIN
from tests.web.conftest import issue
from web.languages import text_language
from web.pages.timeline import _joined

GS1 = f"https://id.gs1.org/01/{GTIN}"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_the_favicon_is_served_and_kept(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg") and "max-age=86400" in icon.headers["Cache-Control"]
    page = client.get("/", headers={"Accept": BROWSER}).text
    assert '<link rel="icon" href="/favicon.ico" type="image/svg+xml">' in page


def test_a_browser_gets_a_404_page_and_an_api_client_a_problem(client):
    page = client.get("/no/such/page", headers={"Accept": BROWSER})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<h1>" in page.text and "Content-Security-Policy" in page.headers
    for accept in ("application/json", "*/*", "application/problem+json", None):
        headers = {"Accept": accept} if accept else {}
        problem = client.get("/no/such/page", headers=headers)
        assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    german = client.get("/no/such/page", headers={"Accept": BROWSER, "Accept-Language": "de"})
    assert 'lang="de"' in german.text
    # under /api/ every client gets the problem document the API describes, a browser too
    api = client.get("/api/v1/passports/x/events/R/receipt", headers={"Accept": BROWSER})
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


def test_details_join_without_doubled_punctuation(app):
    with app.test_request_context():
        assert _joined(["Lid bent. I bent the hinge back.", "fixed"]) == (
            "Lid bent. I bent the hinge back, fixed"
        )
        assert _joined(["Does it boil?", "fixed"]) == "Does it boil? fixed"
        assert _joined(["Wait...", None, "", "fixed"]) == "Wait..., fixed"
        assert _joined([None, ""]) is None
        assert _joined(["<b>x</b>.", Markup("<i>y</i>")]) == "&lt;b&gt;x&lt;/b&gt;, <i>y</i>"


def test_text_in_another_language_than_the_page_is_marked(client, session, maker, make_org):
    cafe = make_org("Repair Café Cardiff", "repairer")
    description = "A kettle with a switch that is easy to replace and the lid of steel."
    product = {"name": "Acme K1 kettle", "description": description, "id": f"{GS1}/21/12345"}
    pid = issue(session, maker, product=product)
    history.record_event(
        session,
        settings_of(session),
        authenticate(session, cafe.key),
        pid,
        {
            "type": "repair",
            "eventTime": "2026-05-03T14:00:00+01:00",
            "repair": {"outcome": "fixed", "problem": "The lid was bent. I bent the hinge back."},
        },
    )
    session.commit()
    german = client.get(f"/passports/{pid}", headers={"Accept-Language": "de"}).text
    assert '<html lang="de">' in german
    assert f'<p lang="en">{description}</p>' in german
    assert '<span lang="en">The lid was bent. I bent the hinge back</span>, repariert' in german
    assert "<h1>Acme K1 kettle</h1>" in german  # a bare name: no evidence, not marked
    english = client.get(f"/passports/{pid}", headers={"Accept-Language": "en"}).text
    assert 'lang="en">' not in english.replace('<html lang="en">', "")
    assert "The lid was bent. I bent the hinge back, fixed" in english


def test_the_language_of_a_text_needs_clear_evidence():
    assert text_language("Kettle switch did not click off; replaced the switch") == "en"
    assert text_language("Der Schalter ist defekt und wurde ersetzt") == "de"
    for unclear in ("Acme K1 kettle", "Wasserkocher K1", "", "De waterkoker is kapot", "the die"):
        assert text_language(unclear) is None


def test_the_checkpoint_line_links_to_the_proof_page(client, session, maker):
    pid = issue(session, maker)
    for headers in ({}, {"Cookie": "x=1"}):
        body = client.get(f"/passports/{pid}", headers=headers).text
        line = re.search(r'<p class="verified"><a href="([^"]+)">History verified', body)
        assert line and line.group(1) == f"/passports/{pid}/proof"
        assert "/log/v1/checkpoint" not in body
