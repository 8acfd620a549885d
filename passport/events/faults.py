"""A repair's fault type against the fault list of its product category.

The Open Repair Alliance keeps a fault list per ORDS product category it ran a quest for
(CompCat: Laptop, Desktop computer; TabiCat: Mobile, Tablet; PrintCat: Printer/scanner;
DustUp: Vacuum). A repair event whose ``category`` has such a list takes a ``faultType`` from
it, or none: a title outside the list would be a fault type nobody can count with the
others. A category without a list (or no category) keeps the free text the schema allows.

Matching forgives what a person or a client gets wrong without meaning another fault: letter
case and spacing, in the category as in the fault type ("laptop", "integrated  SCREEN"). The
fault type is stored as the list spells it, so that counting by fault type needs no folding;
the category is stored as given, as ever (the ORDS export folds it, ``repairs.registry_rows``).

The lists are read from ``schemas/ords/fault_types.json``, which ``kreislauf train-faults``
writes with the fault model (``repairs.faults``, which this layer cannot import).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from passport.errors import FieldError

__all__ = ["FAULT_TYPE", "check_fault_type", "fault_list"]

FAULT_TYPE = "/repair/faultType"


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def _lists() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each category with a list, by its folded name: its ORDS spelling and its fault types."""
    text = (files("schemas") / "ords" / "fault_types.json").read_text("utf-8")
    categories: dict[str, list[str]] = json.loads(text)["categories"]
    return {_folded(name): (name, tuple(faults)) for name, faults in categories.items()}


def fault_list(category: str) -> tuple[str, tuple[str, ...]] | None:
    """The category as ORDS spells it and its fault types; None when it has no list."""
    return _lists().get(_folded(category))


def check_fault_type(repair: Mapping[str, Any]) -> tuple[str | None, FieldError | None]:
    """A repair's ``faultType`` against its category's list: the list's spelling of it (None
    when there is nothing to check) and the problem, if it is not on the list."""
    category, fault = repair.get("category"), repair.get("faultType")
    if not isinstance(category, str) or not isinstance(fault, str):
        return None, None  # no category, no fault type, or a type the schema already refused
    found = fault_list(category)
    if found is None:
        return None, None
    name, faults = found
    spelt = {_folded(title): title for title in faults}.get(_folded(fault))
    if spelt is not None:
        return spelt, None
    return None, FieldError(
        FAULT_TYPE,
        f"'faultType' must be one of the {len(faults)} fault types of the category "
        f"{name!r} (the Open Repair Alliance's list), or be left out: {', '.join(faults)}",
    )
