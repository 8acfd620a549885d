"""The EN 18222 contract (OpenEPCIS's en18222-dpp-api.openapi.yaml, vendored) as JSON Schema
validators, and the DPP-criteria files. Shared by the EN 18222 tests."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from tests.helpers import FIXTURES

EN18222 = FIXTURES / "standards-2026" / "en18222"
CONTRACT = EN18222 / "en18222-dpp-api.openapi.yaml"
CRITERIA = EN18222 / "dpp-criteria" / "criteria"
ROOT = "urn:x-kreislauf-test:en18222"


@cache
def contract() -> dict[str, Any]:
    return dict(yaml.safe_load(CONTRACT.read_text(encoding="utf-8")))


@cache
def _registry() -> Registry:
    """The contract's components, with each OpenAPI ``discriminator`` turned into what it means
    (select the alternative by ``objectType``): plain JSON Schema would try every alternative
    of ``oneOf``, and those of DataElement overlap."""
    doc = copy.deepcopy(contract())
    element = doc["components"]["schemas"]["DataElement"]
    mapping = element.pop("discriminator")["mapping"]
    element.pop("oneOf")
    element["allOf"] = [
        {"if": {"properties": {"objectType": {"const": k}}}, "then": {"$ref": v}}
        for k, v in mapping.items()
    ]
    element["required"] = ["objectType"]
    return Registry().with_resource(
        ROOT, Resource.from_contents(doc, default_specification=_spec())
    )


def _spec() -> Any:
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


def errors(name: str, instance: Any) -> list[str]:
    """Why ``instance`` is not a valid ``#/components/schemas/<name>`` of the contract."""
    validator = Draft202012Validator(
        {"$ref": f"{ROOT}#/components/schemas/{name}"},
        registry=_registry(),
        format_checker=FormatChecker(),
    )
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(instance)]


def criteria() -> dict[str, Path]:
    return {p.stem: p for p in sorted(CRITERIA.glob("*/*.yaml"))}


def criterion(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load(criteria()[name].read_text(encoding="utf-8")))


# The element that holds the product's name, whatever the credential's shape (0.6.1 or 0.7.0).
NAME = "$.credentialSubject..[?@ == 'Acme K1 kettle']"


def name_patch(client: Any, dpp_id: str, new: str) -> dict[str, Any]:
    """An RFC 7396 merge patch that renames the product, built from where the served passport
    holds the name (so that it follows the credential's shape)."""
    import jsonpath_rfc9535

    served = client.get(f"/api/v1/dpps/{dpp_id}").get_json()
    (node,) = jsonpath_rfc9535.find(NAME, served)
    patch: Any = new
    for step in reversed(node.location):
        patch = {step: patch}
    return dict(patch)
