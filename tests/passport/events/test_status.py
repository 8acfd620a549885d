"""A product's life status and ownership count, derived from its history, corrections included.

No database: ``passport.events.status``.
"""

from __future__ import annotations

from typing import Any

from passport.events.status import derive_status, ownership_changes

FIXED = {"outcome": "fixed"}


def test_status_follows_the_history() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = []
    assert derive_status(history) == "active"
    steps = [
        (("commissioning", {}, None), "in_use"),
        (("sale", {}, None), "in_use"),
        (("repair", {"outcome": "repairable"}, None), "under_repair"),
        (("maintenance", {}, None), "under_repair"),
        (("repair", FIXED, None), "in_use"),
        (("recall", {"reason": "x"}, None), "in_use"),
        (("repair", {"outcome": "end_of_life"}, None), "end_of_life"),
        (("collection", {}, None), "end_of_life"),
        (("refurbishment", {}, None), "active"),
        (("resale", {}, None), "in_use"),
        (("remanufacture", {}, None), "end_of_life"),
        (("disassembly", {}, None), "end_of_life"),
        (("recycling", {}, None), "recycled"),
    ]
    for event, status in steps:
        history.append(event)
        assert derive_status(history) == status, event
    assert derive_status([("destruction", {}, None)]) == "destroyed"


def test_a_correction_undoes_a_recycling() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = [
        ("commissioning", {}, None),  # 1
        ("sale", {}, None),  # 2
        ("recycling", {}, None),  # 3
    ]
    assert derive_status(history) == "recycled"
    history.append(("correction", {"corrects": 3, "reason": "did_not_occur"}, 3))
    assert derive_status(history) == "in_use"


def test_a_correction_undoes_a_resale() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = [
        ("sale", {}, None),  # 1
        ("resale", {}, None),  # 2
        ("resale", {}, None),  # 3
    ]
    assert ownership_changes(history) == 3
    history.append(("correction", {"corrects": 2, "reason": "did_not_occur"}, 2))
    assert ownership_changes(history) == 2
    assert ownership_changes([("repair", FIXED, None)]) == 0


def test_a_corrected_correction_restores_the_event() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = [
        ("sale", {}, None),  # 1
        ("destruction", {}, None),  # 2
        ("correction", {"corrects": 2, "reason": "did_not_occur"}, 2),  # 3
    ]
    assert derive_status(history) == "in_use"
    history.append(("correction", {"corrects": 3, "reason": "did_not_occur"}, 3))
    assert derive_status(history) == "destroyed"


def test_incorrect_data_then_the_right_event() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = [
        ("sale", {}, None),  # 1
        ("repair", {"outcome": "end_of_life"}, None),  # 2
        ("correction", {"corrects": 2, "reason": "incorrect_data"}, 2),  # 3
        ("repair", {"outcome": "repairable"}, None),  # 4, the corrective event
    ]
    assert derive_status(history) == "under_repair"
