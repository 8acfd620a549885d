"""A passport's ``battery``: the seven BatteryPass 1.2 categories, each checked against its
official schema, with errors that name the field and the rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft4Validator

from passport.batteries.categories import categories, category_validator, official_schema
from passport.documents import validate_subject
from passport.errors import FieldError, InvalidDocument
from tests.helpers import BATTERYPASS_SAMPLES, batterypass_sample, ebike_battery, passport
from tests.passport.kettle import credential_for, kettle, official_errors
from tests.passport.kettle import official_schema as official_schema_untp

CATEGORIES = [
    "generalProductInformation",
    "carbonFootprint",
    "supplyChainDueDiligence",
    "materialComposition",
    "circularity",
    "performance",
    "labels",
]
VALID_SAMPLES = [c for c in CATEGORIES if c != "materialComposition"]
CAS = r"^\d{2,7}-\d{2}-\d{1}$"


def errors_of(battery: Any) -> dict[str, str]:
    """The passport document's errors, pointer -> message, for a passport with ``battery``."""
    try:
        validate_subject(passport("model", battery=battery))
    except InvalidDocument as invalid:
        return {e.pointer: e.message for e in invalid.errors}
    return {}


def fixed_material_composition() -> dict[str, Any]:
    """The official sample with its one upstream error mended (a CAS number's trailing space)."""
    sample = batterypass_sample("materialComposition")
    material = sample["batteryMaterials"][0]
    assert material["batteryMaterialIdentifier"] == "7439-93-2 "
    material["batteryMaterialIdentifier"] = "7439-93-2"
    return sample


def test_the_seven_categories_and_their_official_draft_04_schemas() -> None:
    assert list(categories()) == CATEGORIES
    assert set(BATTERYPASS_SAMPLES) == set(CATEGORIES)
    for category in CATEGORIES:
        schema = official_schema(category)
        assert schema["$schema"] == "http://json-schema.org/draft-04/schema"
        Draft4Validator.check_schema(schema)
        assert isinstance(category_validator(category), Draft4Validator)


@pytest.mark.parametrize("category", VALID_SAMPLES)
def test_each_official_sample_is_valid(category: str) -> None:
    sample = batterypass_sample(category)
    assert list(category_validator(category).iter_errors(sample)) == []
    assert errors_of({category: sample}) == {}


def test_all_official_samples_together_make_a_valid_battery_passport() -> None:
    battery = {c: batterypass_sample(c) for c in VALID_SAMPLES}
    battery["materialComposition"] = fixed_material_composition()
    assert errors_of(battery) == {}


def test_the_invalid_official_material_composition_sample_is_refused() -> None:
    """Upstream's sample has a CAS number with a trailing space: the negative vector."""
    errors = errors_of({"materialComposition": batterypass_sample("materialComposition")})

    assert errors == {
        "/battery/materialComposition/batteryMaterials/0/batteryMaterialIdentifier": (
            f"'batteryMaterialIdentifier' must match the pattern {CAS}"
        )
    }


def test_its_mended_copy_is_valid() -> None:
    assert errors_of({"materialComposition": fixed_material_composition()}) == {}


def test_the_e_bike_battery_is_valid_in_every_category() -> None:
    battery = ebike_battery()
    assert list(battery) == CATEGORIES
    for category, value in battery.items():
        assert list(category_validator(category).iter_errors(value)) == [], category
    assert errors_of(battery) == {}


# Each mutation: (category, path inside it, value or DELETE) -> (pointer, message).
DELETE = object()
MUTATIONS: list[tuple[str, str, tuple[str | int, ...], Any, str]] = [
    (
        "status not in the list",
        "generalProductInformation",
        ("batteryStatus",),
        "Broken",
        "'batteryStatus' must be one of: Original, Repurposed, Reused, Remanufactured, Waste",
    ),
    (
        "category not in the list",
        "generalProductInformation",
        ("batteryCategory",),
        "ebike",
        "'batteryCategory' must be one of: lmt, ev, industrial, stationary",
    ),
    (
        "mass as string",
        "generalProductInformation",
        ("batteryMass",),
        "2.9 kg",
        "'batteryMass' must be a number",
    ),
    (
        "manufacturing date not a date-time",
        "generalProductInformation",
        ("manufacturingDate",),
        "15.01.2026",
        "'manufacturingDate' must be an RFC 3339 date-time",
    ),
    (
        "passport identifier not a URN",
        "generalProductInformation",
        ("batteryPassportIdentifier",),
        "EB-000123",
        "'batteryPassportIdentifier' must match the pattern ^urn:[a-z0-9]+:[a-z0-9]+$",
    ),
    (
        "study link not a URI",
        "carbonFootprint",
        ("carbonFootprintStudy",),
        "study.pdf",
        "'carbonFootprintStudy' must be a URI",
    ),
    (
        "life-cycle stage unknown",
        "carbonFootprint",
        ("carbonFootprintPerLifecycleStage", 0, "lifecycleStage"),
        "Use",
        "'lifecycleStage' must be one of: RawMaterialExtraction, MainProduction, "
        "Distribution, Recycling",
    ),
    (
        "recycled share above 100",
        "circularity",
        ("recycledContent", 0, "preConsumerShare"),
        140,
        "'preConsumerShare' must be at most 100.0",
    ),
    (
        "supplier e-mail malformed",
        "circularity",
        ("sparePartSources", 0, "emailAddressOfSupplier"),
        "service at acme",
        r"'emailAddressOfSupplier' must match the pattern ^[\w.-]+@[\w.-]+\.[A-Za-z]{2,}$",
    ),
    (
        "state of charge as string",
        "performance",
        ("batteryCondition", "stateOfCharge", "stateOfChargeValue"),
        "80 %",
        "'stateOfChargeValue' must be a number",
    ),
    (
        "rated capacity missing",
        "performance",
        ("batteryTechicalProperties", "ratedCapacity"),
        DELETE,
        "'ratedCapacity' is required",
    ),
    (
        "idle temperature out of range",
        "performance",
        ("batteryTechicalProperties", "temperatureRangeIdleState"),
        75,
        "'temperatureRangeIdleState' must be at most 60.0",
    ),
    (
        "label subject unknown",
        "labels",
        ("labels", 0, "labelingSubject"),
        "Recyclable",
        None,  # the enum is long: only its start is checked
    ),
    (
        "hazardous substance CAS malformed",
        "materialComposition",
        ("hazardousSubstances", 0, "hazardousSubstanceIdentifier"),
        "LiPF6",
        f"'hazardousSubstanceIdentifier' must match the pattern {CAS}",
    ),
    (
        "due diligence report missing",
        "supplyChainDueDiligence",
        ("supplyChainDueDiligenceReport",),
        DELETE,
        "'supplyChainDueDiligenceReport' is required",
    ),
]


@pytest.mark.parametrize(
    ("category", "path", "value", "message"),
    [pytest.param(c, p, v, m, id=name) for name, c, p, v, m in MUTATIONS],
)
def test_an_invalid_value_is_refused_naming_the_field_and_the_rule(
    category: str, path: tuple[str | int, ...], value: Any, message: str | None
) -> None:
    battery = ebike_battery()
    target: Any = battery[category]
    for part in path[:-1]:
        target = target[part]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value

    errors = errors_of(battery)

    pointer = "/battery/" + "/".join(str(p) for p in (category, *path))
    assert list(errors) == [pointer]
    if message is None:
        assert errors[pointer].startswith(f"'{path[-1]}' must be one of: SeparateCollection")
    else:
        assert errors[pointer] == message


def test_every_problem_of_every_category_is_reported_at_once() -> None:
    battery = ebike_battery()
    battery["generalProductInformation"]["batteryStatus"] = "Broken"
    battery["performance"]["batteryCondition"]["stateOfCharge"]["stateOfChargeValue"] = "x"
    del battery["labels"]["declarationOfConformity"]

    with pytest.raises(InvalidDocument) as caught:
        validate_subject(passport("item", battery=battery, colour="red"))

    assert caught.value.detail == "The passport document has 4 problems"
    assert [e.pointer for e in caught.value.errors] == [
        "/battery/generalProductInformation/batteryStatus",
        "/battery/labels/declarationOfConformity",
        "/battery/performance/batteryCondition/stateOfCharge/stateOfChargeValue",
        "/colour",
    ]


def test_an_unknown_category_is_refused() -> None:
    battery = {"performance": ebike_battery()["performance"], "stateOfHealth": {"value": 97}}

    assert errors_of(battery) == {
        "/battery/stateOfHealth": (
            "unknown property 'stateOfHealth' (not part of the BatteryPass 1.2 battery passport)"
        )
    }


@pytest.mark.parametrize("value", ["NMC", [], 42, None])
def test_a_category_must_be_an_object(value: Any) -> None:
    assert errors_of({"materialComposition": value}) == {
        "/battery/materialComposition": "'materialComposition' must be a JSON object"
    }


@pytest.mark.parametrize("value", ["lmt", [ebike_battery()], 1])
def test_battery_must_be_an_object(value: Any) -> None:
    assert errors_of(value) == {"/battery": "'battery' must be a JSON object"}


def test_a_passport_may_carry_some_categories_or_none() -> None:
    assert errors_of({}) == {}
    assert errors_of({"carbonFootprint": ebike_battery()["carbonFootprint"]}) == {}


def test_the_official_schemas_leave_category_objects_open() -> None:
    """BatteryPass 1.2 sets no additionalProperties: an extra key passes, as upstream decides.
    It is not lost either: ``battery`` is an rdf:JSON literal in the Kreislauf context."""
    battery = ebike_battery()
    battery["circularity"]["note"] = "serviced by Acme"
    assert errors_of(battery) == {}
    assert all("additionalProperties" not in official_schema(c) for c in CATEGORIES)


def test_a_category_error_is_a_field_error_like_the_others() -> None:
    battery = copy.deepcopy(ebike_battery())
    battery["generalProductInformation"]["batteryMass"] = "heavy"
    with pytest.raises(InvalidDocument) as caught:
        validate_subject(passport("model", battery=battery))
    assert caught.value.errors == [
        FieldError(
            "/battery/generalProductInformation/batteryMass", "'batteryMass' must be a number"
        )
    ]


def test_untp_0_6_1_accepts_a_battery_passport_as_it_is() -> None:
    """UNTP's ProductPassport is open (additionalProperties true): ``battery`` is an extension
    it accepts as is, so no mapping into UNTP's own properties is needed (unlike a closed
    object, where the Kreislauf context would have nothing to hang it on)."""
    subject = kettle()
    subject["battery"] = ebike_battery()
    validate_subject(subject)

    assert official_schema_untp()["$defs"]["ProductPassport"]["additionalProperties"] is True
    assert official_errors(credential_for(subject)) == []
    subject["battery"] = "not checked by UNTP"  # UNTP lets anything through: we do not
    assert official_errors(credential_for(subject)) == []
    assert errors_of("not checked by UNTP") == {"/battery": "'battery' must be a JSON object"}
