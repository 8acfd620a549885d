"""Issuer marks (validation), stored views (search text, exports) and event measurements."""

from __future__ import annotations

import pytest

from passport.disclosure import marking
from passport.disclosure.tiers import Tier
from passport.disclosure.views import epcis_view, event_details_view, stored_view
from passport.errors import InvalidDocument

SUBJECT = {
    "product": {"name": "K1", "id": "https://x/01/1", "characteristics": {"recipe": "r"}},
    "materialsProvenance": [{"name": "steel"}, {"name": "glass"}],
}


def _errors(marks: object) -> dict[str, str]:
    with pytest.raises(InvalidDocument) as caught:
        marking.check(SUBJECT, marks)
    return {e.pointer: e.message for e in caught.value.errors}


def test_marks_are_checked_against_the_document() -> None:
    good = [
        {"path": "/product/characteristics/recipe", "tier": "legitimate-interest"},
        {"path": "/materialsProvenance/*/name", "tier": "authority"},
    ]
    assert marking.check(SUBJECT, good) == good
    assert marking.check(SUBJECT, None) == []


def test_bad_marks_are_422_naming_each_field_and_rule() -> None:
    assert _errors({"path": "/x"}) == {"/restricted": "must be a list of at most 200 marks"}
    problems = _errors(
        [
            {"path": "/product/characteristics/recipe", "tier": "friends"},
            {"path": "/product/nothing", "tier": "issuer"},
            {"path": "/product/name", "tier": "issuer"},
            {"path": "product", "tier": "issuer"},
            {"path": "/product/characteristics/recipe"},
            {"path": "/product/characteristics/recipe", "tier": "public"},
        ]
    )
    assert problems == {
        "/restricted/0/tier": "must be one of legitimate-interest, authority, issuer",
        "/restricted/1/path": "points at nothing in the document",
        "/restricted/2/path": "names the product's identity: public",
        "/restricted/3/path": "must be a JSON Pointer starting with '/'",
        "/restricted/4": "must be an object with exactly 'path' and 'tier'",
        "/restricted/5/tier": "must be one of legitimate-interest, authority, issuer",
    }


def test_split_attach_and_the_stored_view() -> None:
    marks = [{"path": "/product/characteristics/recipe", "tier": "authority"}]
    subject, given = marking.split({**SUBJECT, "restricted": marks})
    assert subject == SUBJECT and given == marks
    stored = marking.attach(SUBJECT, marks)
    assert marking.attach(SUBJECT, []) is SUBJECT
    public = stored_view(stored, Tier.PUBLIC)
    assert "restricted" not in public and public["product"]["characteristics"] == {}
    assert stored_view(stored, Tier.AUTHORITY) == SUBJECT
    assert stored_view(SUBJECT, Tier.PUBLIC) is SUBJECT  # nothing restricted: no copy


def test_event_measurements_are_for_legitimate_interest() -> None:
    details = {"outcome": "fixed", "measurements": {"stateOfHealth": 0.91}}
    assert event_details_view(details, Tier.PUBLIC) == {"outcome": "fixed"}
    assert event_details_view(details, Tier.LEGITIMATE_INTEREST) == details
    assert event_details_view(None, Tier.PUBLIC) is None
    epcis = {
        "epcisBody": {
            "eventList": [
                {"kreislauf:details": {"kreislauf:measurements": {"x": 1}, "kreislauf:o": 2}},
                {"type": "ObjectEvent"},
            ]
        }
    }
    public = epcis_view(epcis, Tier.PUBLIC)
    assert public["epcisBody"]["eventList"][0]["kreislauf:details"] == {"kreislauf:o": 2}
    assert epcis_view(epcis, Tier.AUTHORITY) is epcis
