"""The CBV 2.0 event hash against the reference generator: its examples, what the registry serves.

Expected values come from RalphTro/epcis-event-hash-generator (the reference; see
tests/fixtures/SOURCES.md): its own examples, and DERIVED files holding its output for a
document of every event type the registry serves. The generator itself is not needed here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from passport.events.catalogue import EVENT_TYPES
from passport.events.epcis import epcis_document, epcis_event
from passport.events.hashing import document_hashes, document_prehashes, hash_id
from tests.helpers import FIXTURES
from tests.passport.events.examples import HASH_VECTORS, lines, read_document

EXAMPLES = sorted(HASH_VECTORS.glob("*.jsonld"))
SERVED = HASH_VECTORS / "derived-kreislauf-events.jsonld"


# --- the reference's examples -------------------------------------------------------------------


def test_every_example_of_the_reference_is_here() -> None:
    upstream = [path for path in EXAMPLES if path != SERVED]
    assert len(upstream) == 22
    assert sum(len(lines(path.with_suffix(".hashes"))) for path in upstream) == 43


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_every_event_hashes_as_the_reference_hashes_it(path: Path) -> None:
    assert document_hashes(read_document(path)) == lines(path.with_suffix(".hashes"))


# Upstream left three .prehashes files behind when it changed their examples: their lines no
# longer hash to the .hashes values (which its tests check, and which match here).
STALE_PREHASHES = {
    "epcisDocWithAllGS1Keys",
    "epcisDocWithCustomSchemaInContext",
    "epcisDocWithDefaultSchemaInContext",
}


def test_only_the_known_prehash_files_are_stale() -> None:
    stale = {
        path.stem
        for path in EXAMPLES
        if path.with_suffix(".prehashes").exists()
        and [hash_id(line) for line in lines(path.with_suffix(".prehashes"))]
        != lines(path.with_suffix(".hashes"))
    }
    assert stale == STALE_PREHASHES


@pytest.mark.parametrize(
    "path",
    [
        path
        for path in EXAMPLES
        if path.with_suffix(".prehashes").exists() and path.stem not in STALE_PREHASHES
    ],
    ids=lambda path: path.stem,
)
def test_every_prehash_is_the_references(path: Path) -> None:
    assert document_prehashes(read_document(path)) == lines(path.with_suffix(".prehashes"))


def test_the_vocabulary_file_is_derived_from_the_epcis_context() -> None:
    """schemas/epcis-vocabulary.json says what the EPCIS 2.0 context defines, nothing else."""
    context = json.loads(
        (FIXTURES / "standards/gs1-epcis/epcis-context.jsonld").read_text(encoding="utf-8")
    )["@context"]

    def merged(value: Any) -> dict[str, Any]:
        if isinstance(value, list):
            return {k: v for part in value if isinstance(part, dict) for k, v in part.items()}
        return dict(value)

    def scope(*path: str) -> dict[str, Any]:
        found = context
        for name in path:
            found = merged(found[name]["@context"])
        return found

    fields = {
        "bizStep": ("bizStep",),
        "disposition": ("disposition",),
        "sourceOrDestinationType": ("sourceList", "type"),
        "bizTransactionType": ("bizTransactionList", "type"),
        "measurementType": ("sensorElementList", "sensorReport", "type"),
        "exception": ("sensorElementList", "sensorReport", "exception"),
        "component": ("sensorElementList", "sensorReport", "component"),
        "reason": ("errorDeclaration", "reason"),
    }
    prefixes = {"cbv": context["cbv"], "gs1": context["gs1"]}
    vocabularies: dict[str, Any] = {}
    for name, path in fields.items():
        words = {
            word: prefixes[iri.split(":")[0]] + iri.split(":", 1)[1]
            for word, iri in scope(*path).items()
            if isinstance(iri, str) and iri.split(":")[0] in prefixes
        }
        namespaces = {iri.removesuffix(word) for word, iri in words.items()}
        assert len(namespaces) == 1 and all(iri.endswith(word) for word, iri in words.items())
        vocabularies[name] = {"namespace": namespaces.pop(), "words": sorted(words)}
    every_word = {word for entry in vocabularies.values() for word in entry["words"]}

    def names(found: dict[str, Any]) -> list[str]:
        return sorted(k for k in found if not k.startswith("@") and k not in every_word)

    scopes: dict[str, list[str]] = {}

    def walk(found: dict[str, Any], path: str) -> None:
        for key, value in found.items():
            if isinstance(value, dict) and "@context" in value:
                inner = merged(value["@context"])
                if names(inner):
                    scopes[path + key] = names(inner)
                walk(inner, path + key + "/")

    walk(context, "")
    shipped = json.loads((files("schemas") / "epcis-vocabulary.json").read_text(encoding="utf-8"))
    assert shipped["terms"] == names(context)
    assert shipped["scopes"] == scopes
    assert shipped["vocabularies"] == vocabularies


# --- what the registry serves -------------------------------------------------------------------

EPC = "https://registry.example.org/01/04260123450007/21/KT-000417"
PART = "https://registry.example.org/01/04260123450014/21/SW-0042"
NEW = "https://registry.example.org/01/04260123450021/21/KT-R-0001"
MAKER = "did:web:registry.example.org:orgs:kesselwerk"
CAFE = "did:web:registry.example.org:orgs:repair-cafe-kreuzberg"
SHOP = "did:web:registry.example.org:orgs:second-life"
RECYCLER = "did:web:registry.example.org:orgs:recyclinghof-nord"
AUTHORITY = "did:web:registry.example.org:orgs:product-safety-office"

# (type, details, recorder, offset, related passport): every type, every repair outcome.
HISTORY: list[tuple[str, dict[str, Any], str, str, str | None]] = [
    (
        "commissioning",
        {"description": "First switched on at the point of sale"},
        MAKER,
        "+02:00",
        None,
    ),
    ("sale", {"channel": "retail", "condition": "New"}, MAKER, "+02:00", None),
    (
        "repair",
        {
            "outcome": "fixed",
            "problem": "Switch broken, replaced",
            "spareParts": "third_party",
            "partsReplaced": ["base switch"],
            "category": "Kettle",
        },
        CAFE,
        "+01:00",
        None,
    ),
    ("repair", {"outcome": "repairable", "nextSteps": "Waiting for a seal"}, CAFE, "-05:30", None),
    ("maintenance", {"description": "Descaled, lid hinge cleaned"}, CAFE, "+00:00", None),
    (
        "part_replacement",
        {
            "removed": {"description": "Worn lid hinge"},
            "installed": {"description": "Lid hinge, rev. B", "passport": PART},
        },
        CAFE,
        "+01:00",
        PART,
    ),
    ("repair", {"outcome": "end_of_life", "barrier": "No spare element"}, CAFE, "-00:00", None),
    (
        "refurbishment",
        {"condition": "Refurbished", "grade": "A", "batteryHealth": 87.5, "description": "Tested"},
        SHOP,
        "+02:00",
        None,
    ),
    (
        "resale",
        {"channel": "second_hand_shop", "condition": "Used", "grade": "B", "batteryHealth": 80},
        SHOP,
        "+02:00",
        None,
    ),
    (
        "recall",
        {
            "reason": "Lid may open while boiling",
            "severity": "danger",
            "url": "https://kessel.example/r/1",
        },
        AUTHORITY,
        "+01:00",
        None,
    ),
    (
        "collection",
        {"channel": "municipal", "description": "Recycling centre Ost"},
        RECYCLER,
        "+01:00",
        None,
    ),
    ("disassembly", {"description": "Heating element removed for reuse"}, RECYCLER, "+01:00", None),
    ("recycling", {"recoveredMaterials": ["stainless steel", "copper"]}, RECYCLER, "+01:00", None),
    ("destruction", {"description": "Shredded after fire damage"}, RECYCLER, "+01:00", None),
    ("remanufacture", {"description": "Body reused", "newPassport": NEW}, MAKER, "+01:00", NEW),
    # Battery measurements: an EPCIS sensorElementList (passport.events.sensors).
    (
        "inspection",
        {
            "measurements": {
                "batteryStatus": "Original",
                "stateOfHealth": 86.5,
                "stateOfCharge": 40,
                "stateOfCertifiedEnergy": 91.25,
                "capacityFade": 13.5,
                "remainingCapacity": {"value": 11.9, "unit": "Ah"},
                "remainingEnergy": {"value": 420, "unit": "Wh"},
                "remainingPowerCapability": {"value": 0.5, "unit": "kW"},
                "remainingRoundTripEnergyEfficiency": 92,
                "currentSelfDischargingRate": 2.5,
                "numberOfFullCycles": 312,
                "energyThroughput": {"value": 150.75, "unit": "kWh"},
                "capacityThroughput": {"value": 3900, "unit": "mAh"},
                "numberOfDeepDischargeEvents": 0,
                "numberOfOverchargeEvents": 2,
                "timeExtremeHighTemp": 95,
                "timeExtremeLowTemp": 0,
                "timeExtremeHighTempCharging": 12,
                "timeExtremeLowTempCharging": 3,
            },
            "description": "Read out over the BMS",
        },
        CAFE,
        "+01:00",
        None,
    ),
    (
        "repair",
        {
            "outcome": "fixed",
            "problem": "Cell balancing board replaced",
            "measurements": {"stateOfHealth": 88, "numberOfFullCycles": 313},
        },
        CAFE,
        "+01:00",
        None,
    ),
    ("repurpose", {"description": "Home storage", "newPassport": NEW}, SHOP, "+01:00", NEW),
]
# The content salts of the measured events (passport.events.sensors.sensor_element), by seq.
SALTS = {16: "Wq3d0m6HfK2x1b8YpZrT5g", 17: "c7NvA1sLx9eQ4uJm2RkB0w"}
# (sequence number of the corrected event, details of the correction)
CORRECTIONS = [
    (3, {"corrects": 3, "reason": "incorrect_data", "explanation": "Wrong switch"}),
    (9, {"corrects": 9, "reason": "did_not_occur"}),
]


def served_document() -> dict[str, Any]:
    """A history holding every event type, as the registry serves it (deterministically)."""
    start = datetime(2026, 2, 1, 8, 0, 0, 125000, tzinfo=UTC)
    built: list[dict[str, Any]] = []
    for seq, (event_type, details, recorder, offset, related) in enumerate(HISTORY, start=1):
        built.append(
            epcis_event(
                event_type=event_type,
                event_time=start + timedelta(days=seq),
                offset=offset,
                epc=EPC,
                details=details,
                recorder=recorder,
                recorded_at=start + timedelta(days=seq, seconds=3),
                related=related,
                salt=SALTS.get(seq),
            )
        )
    for number, (corrected, details) in enumerate(CORRECTIONS, start=1):
        built.append(
            epcis_event(
                event_type="correction",
                event_time=start + timedelta(days=40 + number),
                offset="+01:00",
                epc=EPC,
                details=details,
                recorder=HISTORY[corrected - 1][2],
                recorded_at=start + timedelta(days=40 + number, seconds=1),
                corrects_event=built[corrected - 1],
            )
        )
    return epcis_document(
        built,
        document_id="https://registry.example.org/api/v1/passports/p1/events",
        created=datetime(2026, 5, 3, 13, 30, tzinfo=UTC),
    )


def test_the_served_fixture_is_what_the_registry_serves() -> None:
    """The reference hashed exactly this document (see SOURCES.md for how)."""
    assert read_document(SERVED) == served_document()
    served_types = {
        e.get("kreislauf:eventType", e["bizStep"])
        for e in served_document()["epcisBody"]["eventList"]
    }
    assert served_types == set(EVENT_TYPES) - {"correction"}


def test_the_reference_reproduces_every_event_id_the_registry_serves() -> None:
    served = served_document()["epcisBody"]["eventList"]
    assert [event["eventID"] for event in served] == lines(SERVED.with_suffix(".hashes"))
    assert document_prehashes(served_document()) == lines(SERVED.with_suffix(".prehashes"))


def test_served_event_ids_do_not_depend_on_the_other_events() -> None:
    """Each eventID is fixed when recorded; the documents it is served in grow later."""
    served = served_document()["epcisBody"]["eventList"]
    for event in served:
        alone = epcis_document([event], document_id="urn:x", created=datetime.now(UTC))
        assert document_hashes(alone) == [event["eventID"]]
