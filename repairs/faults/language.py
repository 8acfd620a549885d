"""Which language a repair note is in, for the evaluation's table per language only.

Three of the quest files state each record's language, three do not; the evaluation needs one
for every note. Short notes are in few words, so the guess counts the commonest words of each
language the quests hold (a stop-word vote; ties and notes with none: ``und``, undetermined).
docs/FAULTS.md states how often it agrees with the stated language where one is given.
"""

from __future__ import annotations

import re

from repairs.faults.features import normalise

__all__ = ["UNDETERMINED", "guess_language", "language_of"]

UNDETERMINED = "und"

_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and not is to of it in on with no won't doesn't does working work broken "
        "needs was for but charge charging screen keyboard battery slow off won't turn".split()
    ),
    "de": frozenset(
        "der die das und nicht ist mehr geht kein keine ein eine defekt funktioniert mit "
        "auf lädt startet läuft zu von wird bei kaputt sich".split()
    ),
    "nl": frozenset(
        "de het een en niet is meer doet werkt geen kapot van op laadt met gaat aan "
        "scherm wil stofzuiger zuigt snoer maar".split()
    ),
    "fr": frozenset(
        "le la les et ne pas plus est un une fonctionne marche du des avec écran en "
        "panne charge aspirateur".split()
    ),
    "da": frozenset("ikke og er det virker den til med har på en et skærm".split()),
    "es": frozenset("el la no funciona y con pantalla que los se".split()),
    "it": frozenset("il non funziona e con lo schermo che gli si".split()),
}
# Where the common words do not tell, the country the repair was logged in, if it has one
# language that the notes of its repair cafés are written in.
_COUNTRY = {
    "GBR": "en", "USA": "en", "CAN": "en", "IRL": "en", "AUS": "en", "NZL": "en",
    "DEU": "de", "AUT": "de", "NLD": "nl", "FRA": "fr", "DNK": "da", "ITA": "it", "ESP": "es",
}  # fmt: skip
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_ORDER = tuple(_WORDS)  # ties go to the language listed first


def guess_language(text: str) -> str:
    """The language whose common words the note uses most (ISO 639-1), or ``und``."""
    words = _TOKEN.findall(normalise(text))
    votes = {lang: sum(word in _WORDS[lang] for word in words) for lang in _ORDER}
    best = max(votes.values(), default=0)
    if best == 0:
        return UNDETERMINED
    leaders = [lang for lang in _ORDER if votes[lang] == best]
    return leaders[0] if len(leaders) == 1 or leaders[0] == "en" else UNDETERMINED


def language_of(text: str, stated: str = "", country: str = "") -> str:
    """A note's language: the one stated, else the guess, else the country's, else ``und``."""
    if stated:
        return stated
    guessed = guess_language(text)
    return guessed if guessed != UNDETERMINED else _COUNTRY.get(country, UNDETERMINED)
