"""The passport document: our schema, its errors, and that it is at least as strict as UNTP's.

The UNTP files are GPL-3.0, so they are read from tests/fixtures at test time only and
never copied into the package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from passport.documents import format_checker, subject_schema, validate_subject
from passport.errors import FieldError, InvalidDocument
from tests.passport.kettle import (
    KETTLE,
    credential_for,
    describe,
    kettle,
    official_errors,
    official_instance_subject,
    official_schema,
    official_validator,
    official_view,
    our_errors,
)
from tests.schema_sweep import DELETE, apply, first_items

# Parties whose idScheme we check although UNTP's schema leaves them open (our $comment (4)).
PARTY_KEYS = {"producedByParty", "producedAtFacility", "issuingParty", "administeredBy"}


@cache
def _our_validator() -> Draft202012Validator:
    checker = Draft202012Validator.FORMAT_CHECKER
    return Draft202012Validator(subject_schema(), format_checker=checker)


# --- the schemas agree on real documents -------------------------------------------------


def test_our_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = subject_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://w3id.org/kreislauf/schemas/product-passport/v1"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_official_example_subject_passes_our_schema() -> None:
    # Our stricter rules (closed ProductPassport/Product, required granularityLevel, bounds)
    # needed no exception for the official example: it passes unchanged.
    validate_subject(official_instance_subject())


def test_kettle_passes_our_schema() -> None:
    validate_subject(kettle())


def test_types_are_only_those_the_contexts_define() -> None:
    subject = kettle()
    subject["product"]["type"] = ["Product", "Kettle"]
    subject["circularityScorecard"] = {"type": ["CircularityPerformance", "Scorecard"]}

    messages = {e.pointer: e.message for e in our_errors(subject)}

    assert messages == {
        "/product/type/1": "'type[1]' must be one of: Product",
        "/circularityScorecard/type/1": "'type[1]' must be one of: CircularityPerformance",
    }


def test_unknown_properties_are_refused_everywhere_but_in_characteristics() -> None:
    """A JSON-LD reader would drop them; characteristics is kept whole as an rdf:JSON literal."""
    subject = kettle()
    subject["circularityScorecard"] = {"recycledContent": 0.3, "colour": "green"}
    subject["product"]["producedByParty"]["vatNumber"] = "DE123"
    subject["product"]["characteristics"]["anything"] = {"goes": ["here", 1]}

    messages = {e.pointer: e.message for e in our_errors(subject)}

    assert messages == {
        "/circularityScorecard/colour": (
            "unknown property 'colour' (not part of the UNTP CircularityPerformance)"
        ),
        "/product/producedByParty/vatNumber": (
            "unknown property 'vatNumber' (not part of the UNTP Party)"
        ),
    }


# --- our schema is at least as strict as UNTP's: named mutations -------------------------

# Each mutation sets (or deletes) the value at a pointer of the kettle passport; our error must
# point at the same place.
NAMED_MUTATIONS: list[tuple[str, str, Any]] = [
    ("granularity not in enum", "/granularityLevel", "unit"),
    ("granularity wrong type", "/granularityLevel", 1),
    ("product name missing", "/product/name", DELETE),
    ("product name wrong type", "/product/name", ["Kettle"]),
    ("impossible date", "/product/productionDate", "2025-02-30"),
    ("German date", "/product/productionDate", "04.02.2025"),
    ("date-time for date", "/product/productionDate", "2025-02-04T10:00:00Z"),
    ("passport id not a URI", "/id", "kettle 417"),
    ("image URL relative", "/product/productImage/linkURL", "wk-17.jpg"),
    ("party id not a URI", "/product/producedByParty/id", "Kessel GmbH"),
    ("party name missing", "/product/producedAtFacility/name", DELETE),
    ("category scheme not a URI", "/product/productCategory/0/schemeID", "CPC"),
    ("category name missing", "/product/productCategory/0/name", DELETE),
    ("product type lacks Product", "/product/type", ["Kettle"]),
    ("passport type lacks ProductPassport", "/type", ["Passport"]),
    ("claim type lacks Declaration", "/conformityClaim/0/type", ["Claim"]),
    ("topic not in enum", "/conformityClaim/0/conformityTopic", "safety"),
    ("conformance not boolean", "/conformityClaim/0/conformance", "yes"),
    ("claim id missing", "/conformityClaim/0/id", DELETE),
    ("standard without issuer", "/conformityClaim/0/referenceStandard/issuingParty", DELETE),
    ("regulation date bad", "/conformityClaim/0/referenceRegulation/effectiveDate", "2016"),
    ("hash method not in enum", "/conformityClaim/0/conformityEvidence/hashMethod", "MD5"),
    ("unknown SecureLink field", "/conformityClaim/0/conformityEvidence/signature", "x"),
    ("scope not in enum", "/emissionsScorecard/operationalScope", "GateToGate"),
    ("footprint as string", "/emissionsScorecard/carbonFootprint", "12.4"),
    ("footprint as boolean", "/emissionsScorecard/carbonFootprint", True),
    ("declared unit missing", "/emissionsScorecard/declaredUnit", DELETE),
    ("recycled content as percent", "/circularityScorecard/recycledContent", "30%"),
    ("repair link extra field", "/circularityScorecard/repairInformation/lang", "de"),
    ("materials not an array", "/materialsProvenance", {"name": "Steel"}),
    ("material name missing", "/materialsProvenance/0/name", DELETE),
    ("hazardous as string", "/materialsProvenance/0/hazardous", "no"),
    ("measure unit missing", "/product/dimensions/weight/unit", DELETE),
    ("measure value as string", "/product/dimensions/weight/value", "1.1"),
    ("due diligence not an object", "/dueDiligenceDeclaration", "https://x.example/dd"),
]


@pytest.mark.parametrize(
    ("pointer", "value"), [pytest.param(p, v, id=name) for name, p, v in NAMED_MUTATIONS]
)
def test_named_mutation_rejected_by_both_schemas(pointer: str, value: Any) -> None:
    path = tuple(int(p) if p.isdigit() else p for p in pointer.strip("/").split("/"))
    subject = apply(KETTLE, path, value)

    ours = our_errors(subject)
    assert pointer in [e.pointer for e in ours], ours
    assert official_errors(official_view(subject)), "UNTP accepts it: the mutation proves nothing"


@pytest.mark.parametrize("bad_id", ["kettle 417", "", 417, "//no-scheme.example/x"])
def test_bad_product_id_rejected_by_both_schemas(bad_id: object) -> None:
    # build_credential replaces product.id, so the client's value is judged verbatim here.
    subject = kettle()
    subject["product"]["id"] = bad_id

    assert [e.pointer for e in our_errors(subject)] == ["/product/id"]
    credential = credential_for(kettle())
    credential["credentialSubject"]["product"]["id"] = bad_id
    assert official_errors(credential)


def test_official_schema_sets_no_numeric_ranges() -> None:
    # Nothing to mirror: UNTP 0.6.1 bounds no number, and we add none (a negative carbon
    # footprint or a utility factor above 1 are legitimate). If UNTP adds a bound, mirror it
    # in our schema and add the out-of-range mutation to NAMED_MUTATIONS.
    keywords = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
    found = [path for path, node in _walk_schema(official_schema()) if keywords & set(node)]
    assert found == []
    subject = kettle()
    subject["emissionsScorecard"]["carbonFootprint"] = -3.5
    subject["circularityScorecard"]["recycledContent"] = 1.5
    assert our_errors(subject) == []
    assert official_errors(official_view(subject)) == []


def _walk_schema(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk_schema(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_schema(value, f"{path}/{index}")


# --- our schema is at least as strict as UNTP's: structural mirror -----------------------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Merge a node with what its local $ref chain points at (2020-12 allows siblings)."""
    merged = dict(node)
    while "$ref" in merged:
        target = schema["$defs"][merged.pop("$ref").rsplit("/", 1)[-1]]
        merged = {**target, **merged}
    return merged


def _type_names(node: dict[str, Any]) -> set[str]:
    parts = [node.get("contains", {})] + [p.get("contains", {}) for p in node.get("allOf", [])]
    return {p["const"] for p in parts if "const" in p}


def _mirror_problems(
    official: dict[str, Any], ours: dict[str, Any], where: str, seen: set[str]
) -> Iterator[str]:
    off_schema, our_schema = official_schema(), subject_schema()
    # Only $refs can recurse (Criterion.subCriterion); inline nodes are always compared.
    key = f"{official.get('$ref')} -> {ours.get('$ref')}"
    if "$ref" in official:
        if key in seen:
            return
        seen.add(key)
    off, our = _resolve(off_schema, official), _resolve(our_schema, ours)

    if "type" in off and "enum" not in our and off["type"] != our.get("type"):
        yield f"{where}: type {off['type']} vs {our.get('type')}"
    if "enum" in off and not set(our.get("enum", [None])) <= set(off["enum"]):
        yield f"{where}: enum {our.get('enum')} not within {off['enum']}"
    if "format" in off and off["format"] in ("uri", "date", "date-time"):
        if our.get("format") != off["format"]:
            yield f"{where}: format {off['format']} vs {our.get('format')}"
    if _type_names(off) != _type_names(our):
        yield f"{where}: type names {_type_names(off)} vs {_type_names(our)}"
    if off.get("additionalProperties") is False and our.get("additionalProperties") is not False:
        yield f"{where}: UNTP closes this object, we do not"
    # Deliberate: the registry always sets product.id, so clients may leave it out.
    exempt = {"id"} if where == "/product" else set()
    missing_required = set(off.get("required", [])) - set(our.get("required", [])) - exempt
    if missing_required:
        yield f"{where}: not required by us: {sorted(missing_required)}"
    for name, off_prop in off.get("properties", {}).items():
        if name not in our.get("properties", {}):
            yield f"{where}/{name}: UNTP property missing from our schema"
            continue
        yield from _mirror_problems(off_prop, our["properties"][name], f"{where}/{name}", seen)
    if "items" in off:
        yield from _mirror_problems(off["items"], our.get("items", {}), f"{where}/*", seen)


def test_our_schema_mirrors_every_untp_constraint() -> None:
    official_subject = official_schema()["properties"]["credentialSubject"]
    problems = list(_mirror_problems(official_subject, subject_schema(), "", set()))
    assert problems == []


# --- our schema is at least as strict as UNTP's: exhaustive sweep ------------------------


def _mutations(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, Any]]:
    """Yield (path, replacement) pairs; ``DELETE`` removes the key. Lists: first item only."""
    if path:
        if isinstance(node, dict):
            yield path, "x"
            yield path, []
        elif isinstance(node, list):
            yield path, {}
            yield path, [*node, 42]
        elif isinstance(node, bool):
            yield path, "true"
            yield path, 1
        elif isinstance(node, int | float):
            yield path, str(node)
            yield path, True
            yield path, None
            yield path, -1e12
        elif isinstance(node, str):
            # not a string / not a URI nor any enum value / not a date / over every length bound
            for bad in (42, "not a uri", "2025-02-30", "x" * 10001):
                yield path, bad
    if isinstance(node, dict):
        yield (*path, "colour"), "red"
        for key, value in node.items():
            yield (*path, key), DELETE
            yield from _mutations(value, (*path, key))
    elif isinstance(node, list) and node:
        yield from _mutations(node[0], (*path, 0))


def _deliberately_stricter(error: ValidationError) -> bool:
    """Whether one of our errors comes from a documented deliberate difference."""
    path = list(error.absolute_path)
    if any(a in PARTY_KEYS and b == "idScheme" for a, b in zip(path, path[1:], strict=False)):
        return True
    if error.validator == "additionalProperties":
        # (1): every object is closed but the free-form characteristics.
        return error.schema.get("title") != "Characteristics"
    if error.validator == "enum" and len(path) >= 2 and path[-2] == "type":
        return True  # (5): a type array names only the types the served contexts define
    if error.validator == "required" and path == []:
        return any(f"'{name}'" in error.message for name in ("product", "granularityLevel"))
    return error.validator in ("maxLength", "maxItems")


@pytest.mark.parametrize("subject", [official_instance_subject(), KETTLE], ids=["untp", "kettle"])
def test_sweep_our_schema_is_at_least_as_strict(subject: dict[str, Any]) -> None:
    laxer: list[str] = []  # we accept, UNTP rejects: must never happen
    unexplained: list[str] = []  # we reject, UNTP accepts, and no $comment says why
    both_reject = 0
    subject = first_items(subject)
    for path, value in _mutations(subject):
        mutated = apply(subject, path, value)
        official = official_view(mutated)
        # is_valid stops at the first error; the full lists are built only when reported.
        ours_ok = _our_validator().is_valid(mutated)
        theirs_ok = official_validator().is_valid(official)
        where = "/" + "/".join(map(str, path))
        shown = "<deleted>" if value is DELETE else repr(value)[:40]
        if ours_ok and not theirs_ok:
            laxer.append(f"{where} = {shown}: {describe(official_errors(official))}")
        elif theirs_ok and not ours_ok:
            ours = list(_our_validator().iter_errors(mutated))
            if not all(_deliberately_stricter(e) for e in ours):
                unexplained.append(f"{where} = {shown}: {[e.message[:80] for e in ours]}")
        elif not ours_ok and not theirs_ok:
            both_reject += 1

    assert laxer == []
    assert unexplained == []
    assert both_reject > 150, "the sweep hardly exercised UNTP's constraints"


def test_every_format_our_schemas_use_is_checked() -> None:
    # python-jsonschema checks a format only if the library for it is installed (pyproject.toml
    # names them); a missing one would pass every value silently.
    used = set(re.findall(r'"format": "([^"]+)"', json.dumps(subject_schema())))
    checker = format_checker()  # JSON Schema's and ours (language-tag)
    assert used and used <= set(checker.checkers)
    assert set(Draft202012Validator.FORMAT_CHECKER.checkers) <= set(checker.checkers)
    assert not checker.conforms("german", "language-tag")
    assert not checker.conforms("not a uri", "uri")
    assert not checker.conforms("2025-02-05T09:30:00", "date-time")  # no offset
    assert checker.conforms("2025-02-05T09:30:00+01:00", "date-time")


# --- validate_subject reports every problem ----------------------------------------------


def test_validate_subject_reports_all_problems_at_once() -> None:
    subject = kettle()
    del subject["product"]["name"]
    subject["granularityLevel"] = "unit"
    subject["product"]["colour"] = "brushed steel"

    with pytest.raises(InvalidDocument) as caught:
        validate_subject(subject)

    assert caught.value.detail == "The passport document has 3 problems"
    assert [e.as_dict() for e in caught.value.errors] == [
        {
            "pointer": "/granularityLevel",
            "message": "'granularityLevel' must be one of: item, batch, model",
        },
        {
            "pointer": "/product/colour",
            "message": "unknown property 'colour' (not part of the UNTP Product)",
        },
        {"pointer": "/product/name", "message": "'name' is required"},
    ]


def test_validate_subject_messages_name_field_and_rule() -> None:
    subject = kettle()
    subject["product"]["id"] = "kettle 417"
    subject["product"]["productionDate"] = "2025-02-30"
    subject["emissionsScorecard"]["carbonFootprint"] = "12.4"
    subject["materialsProvenance"][1] = "Polypropylene"
    subject["conformityClaim"][0]["type"] = ["Claim"]
    del subject["conformityClaim"][0]["conformance"]
    del subject["conformityClaim"][0]["id"]
    subject["gtin"] = "04260123450007"
    subject["product"]["a/b~c"] = 1
    subject["product"]["name"] = "x" * 1001

    messages = {e.pointer: e.message for e in our_errors(subject)}

    assert messages == {
        "/conformityClaim/0/conformance": "'conformance' is required",
        "/conformityClaim/0/id": "'id' is required",
        "/conformityClaim/0/type": "'type' must include \"Declaration\"",
        "/emissionsScorecard/carbonFootprint": "'carbonFootprint' must be a number",
        "/gtin": "unknown property 'gtin' (not part of the UNTP ProductPassport)",
        "/materialsProvenance/1": "'materialsProvenance[1]' must be a JSON object",
        "/product/a~1b~0c": "unknown property 'a/b~c' (not part of the UNTP Product)",
        "/product/id": "'id' must be a URI",
        "/product/name": "'name' must be at most 1000 characters long",
        "/product/productionDate": "'productionDate' must be a date (YYYY-MM-DD)",
    }


def test_validate_subject_errors_are_sorted_by_pointer() -> None:
    subject = kettle()
    subject["zeta"] = 1
    subject["alpha"] = 2
    del subject["granularityLevel"]
    pointers = [e.pointer for e in our_errors(subject)]
    assert pointers == sorted(pointers) == ["/alpha", "/granularityLevel", "/zeta"]


@pytest.mark.parametrize("body", [[], "passport", 42, None, [KETTLE]])
def test_non_object_body_is_one_error_at_the_root(body: object) -> None:
    with pytest.raises(InvalidDocument) as caught:
        validate_subject(body)
    assert caught.value.detail == "The passport document has 1 problem"
    assert caught.value.errors == [FieldError("", "the passport must be a JSON object")]


def test_empty_object_names_both_required_properties() -> None:
    assert {e.pointer: e.message for e in our_errors({})} == {
        "/granularityLevel": "'granularityLevel' is required",
        "/product": "'product' is required",
    }
