"""A repair's fault type against its category's Open Repair Alliance fault list.

No database: ``passport.events.faults`` through ``passport.events.parsing``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest

from passport.errors import InvalidDocument
from passport.events.bare_words import bare_word_matches
from passport.events.catalogue import emitted_vocabulary
from passport.events.faults import FAULT_TYPE, fault_list
from passport.events.parsing import parse_event
from repairs.faults.data import lists_document
from repairs.faults.suggestion import shipped_model
from repairs.ords.records import categories
from tests.passport.events.examples import NOW


def repair(**fields: Any) -> dict[str, Any]:
    return {
        "type": "repair",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "repair": {"outcome": "fixed", "problem": "Hinge broken"} | fields,
    }


def refused(body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidDocument) as caught:
        parse_event(body, now=NOW)
    return [(e.pointer, e.message) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("category", "fault"),
    [
        ("Laptop", "Integrated screen"),
        ("Desktop computer", "Boot"),
        ("Mobile", "Screen"),
        ("Tablet", "USB/charging port"),
        ("Printer/scanner", "Paper feed"),
        ("Vacuum", "Blockage"),
    ],
)
def test_a_fault_type_from_the_categorys_list_is_kept(category: str, fault: str) -> None:
    new = parse_event(repair(category=category, faultType=fault), now=NOW)
    assert (new.details["category"], new.details["faultType"]) == (category, fault)


def test_case_and_spacing_are_forgiven_and_the_lists_spelling_stored() -> None:
    body = repair(category=" laptop ", faultType="integrated  SCREEN ")
    new = parse_event(body, now=NOW)
    assert new.details["faultType"] == "Integrated screen"
    assert new.details["category"] == " laptop "  # stored as given, as ever
    assert body["repair"]["faultType"] == "integrated  SCREEN "  # the request is left alone


def test_a_fault_type_off_the_list_is_refused_naming_the_field_and_the_list() -> None:
    ((pointer, message),) = refused(repair(category="Laptop", faultType="Broken hinge"))
    assert pointer == FAULT_TYPE == "/repair/faultType"
    assert message.startswith("'faultType' must be one of the 18 fault types of the category")
    assert "'Laptop'" in message and "Case/chassis" in message and "Integrated screen" in message
    assert "or be left out" in message


def test_another_categorys_fault_type_is_refused() -> None:
    ((pointer, message),) = refused(repair(category="Vacuum", faultType="Integrated screen"))
    assert pointer == "/repair/faultType" and "'Vacuum'" in message and "Blockage" in message


def test_labels_that_are_not_faults_are_not_on_the_list() -> None:
    for label in ("Unknown", "Poor data", "Multiple"):
        assert refused(repair(category="Mobile", faultType=label))[0][0] == "/repair/faultType"


def test_it_is_reported_with_the_events_other_problems() -> None:
    body = repair(category="Laptop", faultType="Hinge")
    body["eventTime"] = "yesterday"
    pointers = [pointer for pointer, _ in refused(body)]
    assert pointers == ["/eventTime", "/repair/faultType"]


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "Kettle", "faultType": "Broken hinge"},  # a category without a list
        {"category": "Lapptop", "faultType": "Broken hinge"},  # not a category with a list
        {"faultType": "Broken hinge"},  # no category
        {"category": "Laptop"},  # no fault type: nothing to check
        {"category": "Kettle", "faultType": "x" * 100},
    ],
)
def test_without_a_list_the_fault_type_stays_free_text(fields: dict[str, Any]) -> None:
    new = parse_event(repair(**fields), now=NOW)
    assert new.details.get("faultType") == fields.get("faultType")


def test_free_text_is_still_limited_to_100_characters() -> None:
    ((pointer, message),) = refused(repair(category="Kettle", faultType="x" * 101))
    assert pointer == "/repair/faultType" and "100" in message
    # a type the schema refuses is not checked against a list as well
    ((pointer, _),) = refused(repair(category="Laptop", faultType=7))
    assert pointer == "/repair/faultType"


def test_other_event_types_are_not_checked() -> None:
    body = {
        "type": "correction",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "correction": {"corrects": 1, "reason": "incorrect_data"},
    }
    assert parse_event(body, now=NOW).type == "correction"


def test_the_shipped_lists_are_the_fault_models() -> None:
    """``kreislauf train-faults`` writes both; the web form offers the model's list."""
    model = shipped_model()
    shipped = (resources.files("schemas") / "ords" / "fault_types.json").read_bytes()
    assert shipped == lists_document({c: model.faults(c) for c in model.categories})
    for category in model.categories:
        assert fault_list(category) == (category, tuple(model.faults(category)))
        assert category in categories().values()  # an ORDS category, spelt as ORDS does


def test_no_fault_type_is_spelt_like_a_cbv_term() -> None:
    """The list's spelling is stored after the CBV look-alike check has read the request's."""
    vocabulary = emitted_vocabulary()
    for category in shipped_model().categories:
        found = fault_list(category)
        assert found is not None
        for title in found[1]:
            assert not bare_word_matches(title, vocabulary), title
