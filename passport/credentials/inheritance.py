"""What a batch or item passport inherits from its model passport when served as a credential."""

from __future__ import annotations

import copy
from typing import Any

# A batch or item passport may leave these to its model passport: they describe the design,
# not the individual item, and repeating them in thousands of item passports invites drift.
INHERITABLE = (
    "conformityClaim",
    "emissionsScorecard",
    "circularityScorecard",
    "dueDiligenceDeclaration",
    "materialsProvenance",
    "traceabilityInformation",
    # The language of the texts: an item that names none shows its model's texts (description,
    # links, materials), which are in the model's language.
    "inLanguage",
)
PRODUCT_INHERITABLE = (
    "description",
    "productImage",
    "productCategory",
    "furtherInformation",
    "producedByParty",
    "producedAtFacility",
    "countryOfProduction",
    "dimensions",
    "characteristics",
)

# A battery passport's categories are inherited one by one. Not these two: they hold what
# belongs to the individual battery (its passport and battery identifiers, manufacturing date,
# status; its measured condition: state of charge, cycles, remaining capacity...), the
# attributes BatteryPass's access list marks as dynamic, so a model's value would be a false
# statement about the item. (tests/passport/batteries/test_inheritance.py derives this from the
# list.)
BATTERY_NOT_INHERITED = ("generalProductInformation", "performance")


def inherit(
    subject: dict[str, Any], model_subject: dict[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """Fill what ``subject`` leaves out from its model passport; say what was filled in.

    Returns a deep copy of ``subject`` and the sorted names of the inherited properties
    (product ones as ``product.<name>``, battery categories as ``battery.<category>``). The
    subject's own values always win, even empty ones: an empty list is a statement ("no
    claims"), not an omission.
    """
    result = copy.deepcopy(subject)
    inherited: list[str] = []
    if not model_subject:
        return result, inherited

    for name in INHERITABLE:
        if name not in result and name in model_subject:
            result[name] = copy.deepcopy(model_subject[name])
            inherited.append(name)

    model_battery = model_subject.get("battery")
    battery = result.get("battery", {})
    if isinstance(model_battery, dict) and isinstance(battery, dict):
        for name, value in model_battery.items():
            if name not in BATTERY_NOT_INHERITED and name not in battery:
                battery[name] = copy.deepcopy(value)
                inherited.append(f"battery.{name}")
        if battery:
            result["battery"] = battery

    product = result.get("product")
    model_product = model_subject.get("product")
    if isinstance(product, dict) and isinstance(model_product, dict):
        for name in PRODUCT_INHERITABLE:
            if name not in product and name in model_product:
                product[name] = copy.deepcopy(model_product[name])
                inherited.append(f"product.{name}")

    return result, sorted(inherited)
