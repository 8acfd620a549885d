"""The passport page marks the product's texts with the language the passport records
(``inLanguage``) where it is not the page's (WCAG 2.1 SC 3.1.2), never with a guess; a
passport that records none falls back to the guess, and so do events' free texts."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from passport.access import authenticate
from passport.events import history
from tests.conftest import settings_of
from tests.helpers import GTIN
from tests.web.conftest import issue
from web.languages import foreign, lang_attr

GS1 = f"https://id.gs1.org/01/{GTIN}"
ENGLISH = "A kettle with a switch that is easy to replace and the lid of steel."
GERMAN = "Ein Wasserkocher mit einem Schalter, der sich leicht ersetzen lässt, und einem Deckel."


def repaired(session, cafe, pid, problem):
    """A repair with this problem text, recorded on the passport by the café."""
    repair = {"outcome": "fixed", "problem": problem}
    event = {"type": "repair", "eventTime": "2026-05-03T14:00:00+01:00", "repair": repair}
    history.record_event(session, settings_of(session), authenticate(session, cafe.key), pid, event)


def product(name: str, description: str, serial: str = "12345") -> dict[str, Any]:
    return {
        "id": f"{GS1}/21/{serial}",
        "name": name,
        "description": description,
        "productImage": {"linkURL": "https://acme.example/k1.jpg", "linkName": name},
        "furtherInformation": [{"linkURL": "https://acme.example/k1", "linkName": "Manual"}],
    }


def page(client: Any, pid: str, language: str) -> str:
    response = client.get(f"/passports/{pid}", headers={"Accept-Language": language})
    assert response.status_code == 200
    body: str = response.get_data(as_text=True)
    assert f'<html lang="{language}">' in body
    return body


def marks(body: str) -> str:
    """The page without its own ``<html lang>`` and language menu: what marks product text."""
    return body.partition("<main")[2]


def test_a_german_page_marks_an_english_passport_s_texts_en(client, session, maker):
    pid = issue(session, maker, product=product("Acme K1 kettle", ENGLISH), inLanguage="en")
    german = marks(page(client, pid, "de"))
    # The bare name has no words to guess by: the recorded language marks it all the same.
    assert '<h1 lang="en">Acme K1 kettle</h1>' in german
    assert f'<p lang="en">{ENGLISH}</p>' in german
    assert 'alt="Acme K1 kettle" lang="en"' in german
    assert '<span lang="en">Manual</span></a>' in german
    english = marks(page(client, pid, "en"))
    assert 'lang="' not in english


def test_an_english_page_marks_a_german_passport_s_texts_de(client, session, maker):
    pid = issue(session, maker, product=product("Wasserkocher K1", GERMAN), inLanguage="de-AT")
    english = marks(page(client, pid, "en"))
    assert '<h1 lang="de-AT">Wasserkocher K1</h1>' in english
    assert f'<p lang="de-AT">{GERMAN}</p>' in english
    german = marks(page(client, pid, "de"))
    assert 'lang="' not in german  # de-AT is German: the page's language


def test_the_recorded_language_wins_over_the_guess(client, session, maker):
    """English words in a passport that says its texts are German: the issuer knows best."""
    pid = issue(session, maker, product=product("Acme K1 kettle", ENGLISH), inLanguage="de")
    assert 'lang="' not in marks(page(client, pid, "de"))
    english = marks(page(client, pid, "en"))
    assert '<h1 lang="de">' in english and f'<p lang="de">{ENGLISH}</p>' in english


def test_a_passport_without_a_language_falls_back_to_the_guess(client, session, maker, make_org):
    pid = issue(session, maker, product=product("Acme K1 kettle", ENGLISH))
    cafe = make_org("Repair Café Wien", "repairer")
    repaired(session, cafe, pid, "Der Schalter war defekt und wurde ersetzt.")
    session.commit()
    german = marks(page(client, pid, "de"))
    assert "<h1>Acme K1 kettle</h1>" in german  # no evidence: unmarked
    assert f'<p lang="en">{ENGLISH}</p>' in german  # clear evidence: guessed
    english = marks(page(client, pid, "en"))
    assert '<span lang="de">Der Schalter war defekt und wurde ersetzt</span>' in english


def test_event_texts_keep_the_guess_on_a_passport_with_a_language(client, session, maker, make_org):
    pid = issue(session, maker, product=product("Wasserkocher K1", GERMAN), inLanguage="de")
    cafe = make_org("Repair Café Cardiff", "repairer")
    problem = "The switch did not click off and was replaced."
    repaired(session, cafe, pid, problem)
    session.commit()
    german = marks(page(client, pid, "de"))
    assert '<span lang="en">The switch did not click off and was replaced</span>' in german
    assert "<h1>Wasserkocher K1</h1>" in german


def test_the_filters_compare_primary_languages(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert lang_attr("Colour", "en-GB") == Markup("")
        assert lang_attr("Farbe", "de-CH") == Markup(' lang="de-CH"')
        assert lang_attr("Kleur", "nl") == Markup(' lang="nl"')
        assert lang_attr("", "de") == Markup("")
        assert foreign("Farbe", "gsw") == Markup('<span lang="gsw">Farbe</span>')
        assert foreign("<b>", "de") == Markup('<span lang="de">&lt;b&gt;</span>')
        # None: no language recorded, so the words decide
        assert foreign("Der Schalter ist defekt und wurde ersetzt", None) == Markup(
            '<span lang="de">Der Schalter ist defekt und wurde ersetzt</span>'
        )
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert lang_attr("Farbe", "de-AT") == Markup("")
        assert lang_attr("Colour", "en-GB") == Markup(' lang="en-GB"')
