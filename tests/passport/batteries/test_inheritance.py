"""What a batch or item battery passport inherits from its model: each BatteryPass category it
does not carry itself, but never the two that describe the individual battery."""

from __future__ import annotations

import copy

from passport.batteries.attributes import attributes
from passport.credentials.inheritance import BATTERY_NOT_INHERITED, inherit
from passport.documents import validate_subject
from tests.helpers import ebike_battery, ebike_passport, passport
from tests.passport.batteries.test_access_levels import rows_on_schema


def test_the_categories_never_inherited_are_those_holding_dynamic_attributes() -> None:
    """A dynamic attribute (status, state of charge, cycles...) is measured on the individual
    battery: a model's value would be a false statement about the item. Derived from the
    access list and the schema's mapping, so the rule cannot drift from them."""
    on_schema = rows_on_schema()
    dynamic = {
        path[0] for row in attributes() if row.dynamic for path in on_schema.get(row.label, [])
    }
    assert set(BATTERY_NOT_INHERITED) == dynamic == {"generalProductInformation", "performance"}


def test_an_item_inherits_each_category_it_lacks_and_keeps_its_own() -> None:
    model = ebike_passport("model")
    model_snapshot = copy.deepcopy(model)
    own = ebike_battery(serial="EB-000200")
    own["carbonFootprint"]["carbonFootprintPerformanceClass"] = "A"
    item = passport(
        "item",
        serial="EB-000200",
        battery={
            "generalProductInformation": own["generalProductInformation"],
            "carbonFootprint": own["carbonFootprint"],
        },
    )

    result, inherited = inherit(item, model)

    assert model == model_snapshot
    assert inherited == [
        "battery.circularity",
        "battery.labels",
        "battery.materialComposition",
        "battery.supplyChainDueDiligence",
    ]
    battery = result["battery"]
    assert battery["generalProductInformation"] == own["generalProductInformation"]
    assert battery["carbonFootprint"]["carbonFootprintPerformanceClass"] == "A"
    assert battery["circularity"] == model["battery"]["circularity"]
    assert "performance" not in battery  # the model's measured condition is not the item's
    battery["circularity"]["renewableContent"] = 50.0
    assert model == model_snapshot, "a deep copy"
    validate_subject(result)


def test_an_item_without_a_battery_gets_one_only_if_there_is_something_to_inherit() -> None:
    model = ebike_passport("model")
    result, inherited = inherit(passport("item"), model)
    assert sorted(result["battery"]) == [n.removeprefix("battery.") for n in inherited]

    only_individual = passport(
        "model", battery={k: model["battery"][k] for k in BATTERY_NOT_INHERITED}
    )
    result, inherited = inherit(passport("item"), only_individual)
    assert "battery" not in result and inherited == []


def test_a_model_without_a_battery_leaves_the_item_s_alone() -> None:
    item = ebike_passport("item")
    result, inherited = inherit(item, passport("model"))
    assert result["battery"] == item["battery"] and inherited == []
