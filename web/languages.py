"""Which language a product's free text is in, so that a page marks text in another language
than its own with ``lang`` (WCAG 2.1 SC 3.1.2, Language of Parts): a screen reader then reads
English product text on a German page with an English voice.

A passport may record the language of its texts: ``inLanguage``, a BCP 47 tag (RFC 5646) its
issuer sends, or its issuer's default (``create-org --language``), or its model passport's.
Neither UNTP 0.6.1 nor 0.7.0 has such a field; the Kreislauf contexts map it to
``https://schema.org/inLanguage``. The passport page gives it to :func:`lang_attr` and
:func:`foreign` for the product's texts (name, description, link and material names): the
text is then marked with that tag whenever its primary language differs from the page's
(``de-AT`` on an English page, ``en`` on a German one, never ``en-GB`` on an English one), and
nothing is guessed.

Where no language is recorded (older passports, issuers that send none) and for text no
passport speaks for (the free text of events, such as a repair's notes: events carry no
language), the pages recognise the two languages they are written in (English, German) by their
most frequent short words, and only when the evidence is clear (at least two such words, three
times as many as of the other language); anything else (a bare product name, another language)
stays unmarked and is read in the page's language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flask_babel import get_locale
from markupsafe import Markup

from passport.language_tags import primary_language

# Short words frequent in one of the two languages and not words of the other.
_WORDS = {
    "en": frozenset(
        "the and of to with for not did does was were is are it its this that from by after "
        "when would could replaced broken works no yes".split()
    ),
    "de": frozenset(
        "der die das und ist nicht mit ein eine einen zu von den dem im für auf wurde war "
        "nach bei sich auch ersetzt defekt geht funktioniert kein keine".split()
    ),
}
_WORD = re.compile(r"[a-zäöüß]+")


@lru_cache(maxsize=4096)
def text_language(text: str) -> str | None:
    """ "en" or "de" when ``text`` is clearly in that language, else None."""
    words = _WORD.findall(text.lower())
    hits = {lang: sum(word in known for word in words) for lang, known in _WORDS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    rest = sum(count for lang, count in hits.items() if lang != best)
    return best if hits[best] >= 2 and hits[best] >= 3 * rest else None


def _page_language() -> str:
    return primary_language(str(get_locale() or "en").replace("_", "-"))


def _foreign_language(text: Any, language: str | None = None) -> str | None:
    """The language to mark ``text`` with on this page: ``language`` (the passport's, a BCP 47
    tag) when given and its primary language is not the page's, else the guess, else None."""
    if not text:
        return None
    page = _page_language()
    if language:
        return language if primary_language(language) != page else None
    guessed = text_language(str(text))
    return guessed if guessed is not None and guessed != page else None


def lang_attr(text: Any, language: str | None = None) -> Markup:
    """` lang="en"` for an element holding ``text`` in another language than the page's
    (``language``: the passport's, when it records one; else guessed)."""
    found = _foreign_language(text, language)
    return Markup(' lang="{}"').format(found) if found else Markup("")


def foreign(text: Any, language: str | None = None) -> Any:
    """``text`` in a ``<span lang>`` when it is in another language than the page's
    (``language``: the passport's, when it records one; else guessed)."""
    found = _foreign_language(text, language)
    if found is None:
        return text
    return Markup('<span lang="{}">{}</span>').format(found, text)


def in_english(text: str) -> Markup | str:
    """A term known to be English (an Open Repair Alliance fault type), marked on other pages."""
    if str(get_locale() or "en") == "en":
        return text
    return Markup('<span lang="en">{}</span>').format(text)
