"""The GS1 Barcode Syntax Dictionary the registry ships is the one the standards folder pins."""

from __future__ import annotations

from passport.gs1.dictionary import GS1_SYNTAX_DICTIONARY
from tests.helpers import FIXTURES

DIGITAL_LINK = FIXTURES / "standards" / "gs1-digital-link"


def test_embedded_syntax_dictionary_matches_the_shared_copy() -> None:
    # The validator must check against the dictionary the standards folder pins.
    def entries(text: str) -> list[str]:
        return [
            " ".join(line.split())
            for line in text.splitlines()
            if line.strip() and not line.startswith("#")
        ]

    shared = (DIGITAL_LINK / "gs1-syntax-dictionary.txt").read_text(encoding="utf-8")
    assert entries(GS1_SYNTAX_DICTIONARY) == entries(shared)
