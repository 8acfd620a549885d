"""The 0.7.0 places of a stored property (``untp07_paths.places``): for every property of a rich
stored passport, at every depth, the 0.7.0 credential with those places taken out holds none
of that property's values. So an SD-JWT that makes the places disclosable shows a restricted
value to nobody without the disclosure, whatever the issuer marks."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from passport.credentials.signed import _places
from passport.credentials.untp07 import to_v07
from passport.credentials.untp07_paths import places
from passport.disclosure.marking import ALWAYS_PUBLIC

PRODUCT = "https://id.gs1.org/01/09520123456788/21/12345"


def _link(n: str) -> dict[str, Any]:
    return {"linkURL": f"https://acme.example/url-{n}", "linkName": f"name-{n}"}


def _claim(n: int) -> dict[str, Any]:
    return {
        "id": f"https://acme.example/claims/claim-id-{n}",
        "description": f"claim-desc-{n}",
        "conformance": True,
        "conformityTopic": ["governance.compliance", "environment.energy"][n - 1],
        "assessmentDate": f"2026-01-1{n}",
        "assessmentCriteria": [{"id": f"https://acme.example/crit-{n}", "name": f"crit-name-{n}"}],
        "referenceStandard": {"id": f"https://acme.example/std-{n}", "name": f"std-name-{n}"},
        "declaredValue": [
            {"metricName": f"metric-name-{n}", "metricValue": {"value": 2.2, "unit": "KWT"}}
        ],
        "conformityEvidence": _link(f"evidence-{n}"),
    }


def _stored() -> dict[str, Any]:
    return {
        "granularityLevel": "item",
        "product": {
            "id": PRODUCT,
            "name": "Acme K1",
            "description": "product-desc",
            "serialNumber": "12345",
            "productImage": _link("image"),
            "characteristics": {"colour": "colour-value", "nested": {"deep": "deep-value"}},
            "productCategory": [
                {"id": "https://unstats.un.org/unsd/classifications/cpc/cpc-1", "name": "cat-name"}
            ],
            "furtherInformation": [_link("doc-1"), _link("doc-2")],
            "producedByParty": {"id": "did:web:maker.example", "name": "maker-name"},
            "producedAtFacility": {"id": "https://acme.example/fac-1", "name": "fac-name"},
            "productionDate": "2026-01-10",
            "countryOfProduction": "DE",
            "dimensions": {"weight": {"value": 1.5, "unit": "KGM"}},
        },
        "materialsProvenance": [
            {"name": "partial-mat-1", "massFraction": 0.2},
            {
                "name": "complete-mat-1",
                "originCountry": "FR",
                "materialType": {"id": "https://acme.example/mt/mat-type-1", "name": "mat-type-1"},
                "massFraction": 0.5,
            },
            {"name": "partial-mat-2", "massFraction": 0.3},
        ],
        "conformityClaim": [_claim(1), _claim(2)],
        "emissionsScorecard": {"carbonFootprint": 12.5, "declaredUnit": "KGM",
                               "operationalScope": "CradleToGate", "primarySourcedRatio": 0.5,
                               "reportingStandard": _link("report")},
        "circularityScorecard": {"recyclingInformation": _link("rec"), "recyclableContent": 0.9},
        "battery": {"general": {"chemistry": "chem-value"}},
    }  # fmt: skip


def _pointers(node: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield at
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _pointers(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _pointers(value, (*at, str(index)))
        yield from (p for v in node[:1] for p in _pointers(v, (*at, "*")))


def _strings(node: Any) -> set[str]:
    if isinstance(node, dict):
        return {s for v in node.values() for s in _strings(v)}
    if isinstance(node, list):
        return {s for v in node for s in _strings(v)}
    return {node} if isinstance(node, str) else set()


def _value(node: Any, steps: tuple[str, ...]) -> list[Any]:
    if not steps:
        return [node]
    step, rest = steps[0], steps[1:]
    if isinstance(node, list):
        items = node if step == "*" else [node[int(step)]] if step.isdigit() else []
        return [v for item in items for v in _value(item, rest)]
    return _value(node[step], rest) if isinstance(node, dict) and step in node else []


def _remove(document: dict[str, Any], path: tuple[Any, ...]) -> None:
    node: Any = document
    for step in path[:-1]:
        node = node[step]
    if isinstance(node, list):
        node[path[-1]] = None  # keep the other indices where they are
    else:
        node.pop(path[-1], None)


STORED = _stored()
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "untp", "ours"],
    "id": "https://registry.example/api/v1/passports/x?version=1",
    "validFrom": "2026-05-01T00:00:00Z",
    "credentialSubject": STORED,
}
SERVED = to_v07(CREDENTIAL, "ours")
# Values the 0.7.0 credential states for its own reasons, or that are the product's identity.
OWN = _strings(to_v07({**CREDENTIAL, "credentialSubject": {"product": {"id": PRODUCT}}}, "ours"))
POINTERS = [
    p
    for p in _pointers(STORED)
    if p and "/" + "/".join(p) not in ALWAYS_PUBLIC and p[:2] != ("product", "name")
]


@pytest.mark.parametrize("steps", POINTERS, ids=lambda p: "/".join(p))
def test_no_value_of_a_stored_property_lies_outside_its_070_places(steps):
    probes = {s for s in _strings(_value(STORED, steps)) if len(s) > 3} - OWN
    served = copy.deepcopy(SERVED)
    found = [
        path
        for place in places(steps, STORED)
        for path in _places(served, ("credentialSubject",), place)
    ]
    for path in sorted(found, key=len, reverse=True):
        _remove(served, path)
    left = json.dumps(served)
    assert not [p for p in probes if p in left], (steps, found)


def test_places_follow_the_mapping():
    assert places(["granularityLevel"], STORED) == [("idGranularity",)]
    assert places(["product", "serialNumber"], STORED) == [("itemNumber",)]
    assert places(["materialsProvenance", "2", "name"], STORED) == [
        ("partialMaterialProvenance", "1", "name")
    ]
    assert places(["materialsProvenance", "1"], STORED) == [("materialProvenance", "0")]
    assert places(["conformityClaim", "1", "description"], STORED) == [
        ("performanceClaim", "1", "description"),
        ("performanceClaim", "1", "name"),
    ]
    assert places(["circularityScorecard", "recyclableContent"], STORED) == [
        ("performanceClaim", "3")
    ]
    assert places(["battery", "general", "chemistry"], STORED) == [
        ("battery", "general", "chemistry")
    ]
