"""What the fault model reads in a problem text: its words and the letter groups inside them.

Volunteers write in their own words and languages, misspell, run words together ("screen
broken", "Bildschirm kaputt", "scherm kapot") and write German compounds ("Netzteilbuchse"):
character 3- to 5-grams inside words catch the shared stems, whole words the rest. Text is
NFKC-normalised and case-folded, so that the same note always gives the same features.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_PROBLEM_LENGTH", "features", "normalise"]

# A problem longer than this is not a repair note (the longest labelled one has 1,122).
MAX_PROBLEM_LENGTH = 2000

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_GRAMS = (3, 4, 5)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def features(text: str) -> list[str]:
    """The features of one note, each once, in a fixed order: ``w:word`` and ``c:gram``."""
    found: dict[str, None] = {}
    for word in _WORD.findall(normalise(text)[:MAX_PROBLEM_LENGTH]):
        if len(word) > 1:
            found["w:" + word] = None
        padded = f"<{word}>"
        for size in _GRAMS:
            for start in range(len(padded) - size + 1):
                found["c:" + padded[start : start + size]] = None
    return list(found)
