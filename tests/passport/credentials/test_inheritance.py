"""What a batch or item passport inherits from its model passport."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from passport.credentials.inheritance import INHERITABLE, PRODUCT_INHERITABLE, inherit
from passport.documents import validate_subject
from tests.passport.kettle import kettle


def _model() -> dict[str, Any]:
    model = kettle()
    model["granularityLevel"] = "model"
    del model["product"]["serialNumber"]
    model["dueDiligenceDeclaration"] = {"linkURL": "https://kessel.example/due-diligence.pdf"}
    model["traceabilityInformation"] = [{"valueChainProcess": "Deep drawing", "verifiedRatio": 1}]
    return model


def test_inherit_fills_missing_properties_and_names_them() -> None:
    model = _model()
    snapshot = copy.deepcopy(model)
    item = {
        "product": {
            "name": "Wasserkocher WK-17 (refurbished)",
            "serialNumber": "KT-000418",
            "description": "Own description wins.",
            "productCategory": [],
        },
        "granularityLevel": "item",
        "conformityClaim": [],
        "circularityScorecard": {"recycledContent": 0.9},
    }
    item_snapshot = copy.deepcopy(item)

    result, inherited = inherit(item, model)

    assert model == snapshot, "the model passport must not be mutated"
    assert item == item_snapshot, "the subject must not be mutated"
    assert inherited == [
        "dueDiligenceDeclaration",
        "emissionsScorecard",
        "materialsProvenance",
        "product.characteristics",
        "product.countryOfProduction",
        "product.dimensions",
        "product.furtherInformation",
        "product.producedAtFacility",
        "product.producedByParty",
        "product.productImage",
        "traceabilityInformation",
    ]
    assert inherited == sorted(inherited)
    # the subject's own values win, empty ones included
    assert result["product"]["description"] == "Own description wins."
    assert result["product"]["productCategory"] == []
    assert result["conformityClaim"] == []
    assert result["circularityScorecard"] == {"recycledContent": 0.9}
    assert result["product"]["serialNumber"] == "KT-000418"
    # missing ones come from the model; identity fields never do
    assert result["emissionsScorecard"] == model["emissionsScorecard"]
    assert result["product"]["dimensions"] == model["product"]["dimensions"]
    assert result["granularityLevel"] == "item"
    assert "registeredId" not in result["product"]
    # a deep copy: editing the result leaves the model alone
    result["product"]["dimensions"]["weight"]["value"] = 99
    result["materialsProvenance"].append({"name": "Glass"})
    assert model == snapshot
    validate_subject(result)


def test_inherit_covers_exactly_the_declared_properties() -> None:
    model = _model()
    item = {"product": {"name": "WK-17"}, "granularityLevel": "item"}
    result, inherited = inherit(item, model)
    expected = [n for n in INHERITABLE if n in model] + [
        f"product.{n}" for n in PRODUCT_INHERITABLE if n in model["product"]
    ]
    assert inherited == sorted(expected)
    assert set(result) == {"product", "granularityLevel", *INHERITABLE} & (set(model) | set(item))


@pytest.mark.parametrize("model", [None, {}])
def test_inherit_without_model_returns_a_copy(model: dict[str, Any] | None) -> None:
    subject = kettle()
    result, inherited = inherit(subject, model)
    assert result == subject and result is not subject
    assert result["product"] is not subject["product"]
    assert inherited == []
