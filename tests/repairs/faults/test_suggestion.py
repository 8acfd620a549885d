from __future__ import annotations

import pytest

from passport.errors import InvalidDocument, UnsupportedProductCategory
from repairs.faults.suggestion import parse_request, suggest, supported_categories


def test_supported_categories() -> None:
    assert supported_categories() == sorted(
        ["Laptop", "Desktop computer", "Mobile", "Tablet", "Printer/scanner", "Vacuum"]
    )


@pytest.mark.parametrize(
    ("category", "problem", "fault"),
    [
        ("Laptop", "Keyboard keys not working", "Integrated keyboard"),
        ("Mobile", "Display gebrochen", "Screen"),
        ("Printer/scanner", "paper jam, does not feed paper", "Paper feed"),
        ("Vacuum", "zuigt niet meer, verstopt", "Blockage"),
        ("Tablet", "forgot password, locked out", "Access issue"),
        ("Desktop computer", "won't power on", "Power/battery"),
    ],
)
def test_suggests_the_fault_in_many_languages(category: str, problem: str, fault: str) -> None:
    found = suggest(category, problem)
    assert len(found) == 3
    assert fault in [s.fault_type for s in found]


def test_refuses_what_it_cannot_answer() -> None:
    with pytest.raises(UnsupportedProductCategory, match="Laptop, Mobile"):
        suggest("Kettle", "leaks")
    with pytest.raises(InvalidDocument, match="empty"):
        suggest("Laptop", " ")
    with pytest.raises(InvalidDocument, match="longer"):
        suggest("Laptop", "x" * 2001)
    with pytest.raises(InvalidDocument) as error:
        parse_request({"problem": 3})
    assert [e.pointer for e in error.value.errors] == ["/productCategory", "/problem"]
