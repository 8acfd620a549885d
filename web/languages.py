"""Which language a product's free text is in, so that a page marks text in another language
than its own with ``lang`` (WCAG 2.1 SC 3.1.2, Language of Parts): a screen reader then reads
English product text on a German page with an English voice.

What is missing: neither the UNTP passport (0.6.1 and 0.7.0 carry no language field) nor the
registry's organisations record the language of a product's texts. Until one of them does, the
pages recognise the two languages they are written in (English, German) by their most frequent
short words, and only when the evidence is clear (at least two such words, three times as many
as of the other language); anything else (a bare product name, another language) stays unmarked
and is read in the page's language, as before.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flask_babel import get_locale
from markupsafe import Markup

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


def _foreign_language(text: Any) -> str | None:
    language = text_language(str(text)) if text else None
    page = str(get_locale() or "en")
    return language if language is not None and language != page else None


def lang_attr(text: Any) -> Markup:
    """` lang="en"` for an element holding ``text`` in another language than the page's."""
    language = _foreign_language(text)
    return Markup(' lang="{}"').format(language) if language else Markup("")


def foreign(text: Any) -> Any:
    """``text`` in a ``<span lang>`` when it is in another language than the page's."""
    language = _foreign_language(text)
    if language is None:
        return text
    return Markup('<span lang="{}">{}</span>').format(language, text)


def in_english(text: str) -> Markup | str:
    """A term known to be English (an Open Repair Alliance fault type), marked on other pages."""
    if str(get_locale() or "en") == "en":
        return text
    return Markup('<span lang="en">{}</span>').format(text)
