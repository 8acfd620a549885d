from __future__ import annotations

from pathlib import Path

from repairs.faults import data
from repairs.faults.language import UNDETERMINED, guess_language, language_of


def test_common_words_tell_the_language() -> None:
    assert guess_language("The screen does not turn on") == "en"
    assert guess_language("Der Akku lädt nicht mehr") == "de"
    assert guess_language("Het scherm doet het niet meer") == "nl"
    assert guess_language("L'écran ne fonctionne pas") == "fr"
    assert guess_language("1234") == UNDETERMINED


def test_stated_language_first_then_the_guess_then_the_country() -> None:
    assert language_of("Akku", stated="de") == "de"
    assert language_of("Akku", country="DEU") == "de"
    assert language_of("Akku") == UNDETERMINED


def test_agrees_with_most_stated_languages(quests: Path) -> None:
    stated = [r for r in data.load_records(quests) if r.language]
    agree = sum(language_of(r.problem, "", r.country) == r.language for r in stated)
    assert agree / len(stated) > 0.9
