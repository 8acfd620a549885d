from __future__ import annotations

from repairs.faults.features import features, normalise


def test_words_and_letter_groups_inside_words() -> None:
    found = features("Écran cassé")
    assert "w:écran" in found and "w:cassé" in found
    assert "c:<éc" in found and "c:ssé>" in found
    assert not any(" " in feature for feature in found)


def test_same_note_same_features_each_once() -> None:
    note = "Screen broken, screen BROKEN"
    assert features(note) == features(note)
    assert len(features(note)) == len(set(features(note)))
    assert features(note) == features("screen broken")


def test_case_and_unicode_forms_do_not_matter() -> None:
    assert features("Straße") == features("STRASSE")
    assert normalise("ﬁx") == "fix"  # NFKC: the ligature is two letters


def test_one_letter_words_and_empty_notes() -> None:
    assert features("") == []
    assert "w:a" not in features("a b")
