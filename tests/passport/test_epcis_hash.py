"""The CBV 2.0 event hash: the reference generator's examples, what the registry serves, refusals.

Expected values come from RalphTro/epcis-event-hash-generator (the reference; see
tests/fixtures/SOURCES.md): its own examples, and DERIVED files holding its output for a
document of every event type the registry serves. The generator itself is not needed here.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from passport import epcis_hash, events
from passport.epcis_hash import EventHashError, document_hashes, document_prehashes
from tests.helpers import FIXTURES

HASH_VECTORS = FIXTURES / "standards" / "epcis-event-hash"
EXAMPLES = sorted(HASH_VECTORS.glob("*.jsonld"))
SERVED = HASH_VECTORS / "derived-kreislauf-events.jsonld"


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line]


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


# --- the reference's examples -------------------------------------------------------------------


def test_every_example_of_the_reference_is_here() -> None:
    upstream = [path for path in EXAMPLES if path != SERVED]
    assert len(upstream) == 22
    assert sum(len(_lines(path.with_suffix(".hashes"))) for path in upstream) == 43


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_every_event_hashes_as_the_reference_hashes_it(path: Path) -> None:
    assert document_hashes(_document(path)) == _lines(path.with_suffix(".hashes"))


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
        and [epcis_hash.hash_id(line) for line in _lines(path.with_suffix(".prehashes"))]
        != _lines(path.with_suffix(".hashes"))
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
    assert document_prehashes(_document(path)) == _lines(path.with_suffix(".prehashes"))


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
]
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
            events.epcis_event(
                event_type=event_type,
                event_time=start + timedelta(days=seq),
                offset=offset,
                epc=EPC,
                details=details,
                recorder=recorder,
                recorded_at=start + timedelta(days=seq, seconds=3),
                related=related,
            )
        )
    for number, (corrected, details) in enumerate(CORRECTIONS, start=1):
        built.append(
            events.epcis_event(
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
    return events.epcis_document(
        built,
        document_id="https://registry.example.org/api/v1/passports/p1/events",
        created=datetime(2026, 5, 3, 13, 30, tzinfo=UTC),
    )


def test_the_served_fixture_is_what_the_registry_serves() -> None:
    """The reference hashed exactly this document (see SOURCES.md for how)."""
    assert _document(SERVED) == served_document()
    served_types = {
        e.get("kreislauf:eventType", e["bizStep"])
        for e in served_document()["epcisBody"]["eventList"]
    }
    assert served_types == set(events.EVENT_TYPES) - {"correction"}


def test_the_reference_reproduces_every_event_id_the_registry_serves() -> None:
    served = served_document()["epcisBody"]["eventList"]
    assert [event["eventID"] for event in served] == _lines(SERVED.with_suffix(".hashes"))
    assert document_prehashes(served_document()) == _lines(SERVED.with_suffix(".prehashes"))


def test_served_event_ids_do_not_depend_on_the_other_events() -> None:
    """Each eventID is fixed when recorded; the documents it is served in grow later."""
    served = served_document()["epcisBody"]["eventList"]
    for event in served:
        alone = events.epcis_document([event], document_id="urn:x", created=datetime.now(UTC))
        assert document_hashes(alone) == [event["eventID"]]


# --- the parts of the algorithm the issue named -------------------------------------------------


def _example_events(name: str) -> list[dict[str, Any]]:
    events_: list[dict[str, Any]] = _document(HASH_VECTORS / f"{name}.jsonld")["epcisBody"][
        "eventList"
    ]
    return events_


def test_urn_and_digital_link_epcs_hash_alike() -> None:
    urn = {
        "type": "ObjectEvent",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "eventTimeZoneOffset": "+01:00",
        "epcList": ["urn:epc:id:sgtin:4260123.045000.KT-000417"],
        "action": "OBSERVE",
        "readPoint": {"id": "urn:epc:id:sgln:4260123.45001.0"},
    }
    link = copy.deepcopy(urn)
    link["epcList"] = ["https://example.org/01/04260123450007/21/KT-000417?linkType=all"]
    link["readPoint"] = {"id": "https://id.gs1.org/414/4260123450014"}
    assert epcis_hash.event_hash(urn) == epcis_hash.event_hash(link)
    assert "epc=https://id.gs1.org/01/04260123450007/21/KT-000417" in epcis_hash.prehash(urn)


def test_comments_are_not_hashed() -> None:
    [event] = _example_events("epcisDocHavingEventWithComment")
    assert "rdfs:comment" in event
    namespaces = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    without = {key: value for key, value in event.items() if key != "rdfs:comment"}
    assert epcis_hash.event_hash(event, namespaces=namespaces) == epcis_hash.event_hash(without)
    expected = _lines(HASH_VECTORS / "epcisDocHavingEventWithComment.hashes")
    assert epcis_hash.event_hash(event, namespaces=namespaces) == expected[0]


@pytest.mark.parametrize(
    ("name", "index", "field"),
    [
        ("epcisDocWithSensorDataObjectEvent", 0, "sensorElementList"),
        ("epcisDocWithVariousEventTypes", 3, "ilmd"),
        ("epcisDocWithVariousEventTypes", 4, "parentID"),
        ("epcisDocWithVariousEventTypes", 11, "inputQuantityList"),
        ("epcisDocWithVariousEventTypes", 12, "outputQuantityList"),
        ("CertificationInfoAndSensorReportWithCRS", 0, "certificationInfo"),
        ("persistentDisposition", 0, "persistentDisposition"),
    ],
)
def test_every_field_is_hashed(name: str, index: int, field: str) -> None:
    document = _document(HASH_VECTORS / f"{name}.jsonld")
    event = document["epcisBody"]["eventList"][index]
    assert field in event
    namespaces = {
        k: v for part in document["@context"] if isinstance(part, dict) for k, v in part.items()
    }
    expected = _lines(HASH_VECTORS / f"{name}.hashes")[index]
    assert epcis_hash.event_hash(event, namespaces=namespaces) == expected


def test_times_round_half_to_even_as_the_reference_does() -> None:
    def written(time: str) -> str:
        text = epcis_hash.prehash({"type": "ObjectEvent", "eventTime": time, "action": "ADD"})
        return text.split("eventTime=")[1].split("action")[0]

    assert written("2023-02-02T11:04:03.1415Z") == "2023-02-02T11:04:03.142Z"
    assert written("2023-02-02T11:04:03.1425Z") == "2023-02-02T11:04:03.142Z"
    assert written("2023-02-02T11:04:03.1435+01:00") == "2023-02-02T10:04:03.144Z"
    assert written("2023-02-02T11:04:03-00:00") == "2023-02-02T11:04:03.000Z"


def test_a_bare_word_reads_as_the_cbv_term_the_document_uses() -> None:
    """The reference's rule that made our commissioning events differ, reproduced."""
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "ex:note": "commissioning",
    }
    namespaces = {"ex": "https://example.org/ns/"}
    assert epcis_hash.prehash(event, namespaces=namespaces).endswith(
        "{https://example.org/ns/}note=https://ref.gs1.org/cbv/BizStep-commissioning"
    )
    # Document-wide: the same note in another event of the document reads so too.
    other = {**event, "bizStep": "shipping", "ex:note": "commissioning"}
    document = {
        "@context": [events.EPCIS_CONTEXT, namespaces],
        "epcisBody": {"eventList": [event, other]},
    }
    alone = epcis_hash.prehash(other, namespaces=namespaces)
    assert alone.endswith("note=commissioning")
    assert document_prehashes(document)[1].endswith(
        "note=https://ref.gs1.org/cbv/BizStep-commissioning"
    )


# --- refusals -------------------------------------------------------------------------------------

BASE = {
    "type": "ObjectEvent",
    "eventTime": "2026-05-03T14:00:00+01:00",
    "eventTimeZoneOffset": "+01:00",
    "epcList": ["https://id.gs1.org/01/04260123450007/21/KT-1"],
    "action": "OBSERVE",
}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"ex:flag": True}, "ex:flag", "true, false and null"),
        ({"ex:nothing": None}, "ex:nothing", "true, false and null"),
        (
            {"sensorElementList": [{"sensorReport": [{"booleanValue": False}]}]},
            "sensorElementList/0/sensorReport/0/booleanValue",
            "true, false",
        ),
        ({"eventTime": "2026-05-03T14:00:00"}, "eventTime", "UTC offset"),
        ({"eventTime": "3 May 2026, 14:00 CET"}, "eventTime", "RFC 3339"),
        ({"eventTime": "2026-05-03T14:00:59.9996Z"}, "eventTime", "full second"),
        (
            {"sensorElementList": [{"sensorMetadata": {"time": 1714744800}}]},
            "sensorElementList/0/sensorMetadata/time",
            "RFC 3339",
        ),
        ({"ex:size": "1e999"}, "ex:size", "infinite"),
        (
            {"bizTransactionList": [{"type": "po", "bizTransaction": "urn:x:1", "ex:note": "x"}]},
            "bizTransactionList/0",
            "exactly a type and its value",
        ),
        (
            {"sourceList": [{"source": "urn:epc:id:pgln:4012345.00000"}]},
            "sourceList/0",
            "exactly a type and its value",
        ),
        ({"childEPCs": [{"epc": "urn:x"}]}, "childEPCs/0", "EPC strings"),
        ({"ex:xml": {"#text": "x"}}, "ex:xml/#text", "XML"),
        ({"@context": {"ex": "https://example.org/"}}, "@context", "event-level @context"),
        ({"type": ["ObjectEvent"]}, "type", "as a string"),
    ],
)
def test_what_the_reference_would_hash_otherwise_is_refused(
    change: dict[str, Any], field: str, words: str
) -> None:
    event = {**BASE, **change}
    with pytest.raises(EventHashError, match=words) as refused:
        epcis_hash.event_hash(event, namespaces={"ex": "https://example.org/ns/"})
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("context", "field"),
    [
        (events.EPCIS_CONTEXT, "@context"),
        ([events.EPCIS_CONTEXT, {"ex": {"@id": "https://example.org/ns/"}}], "@context/ex"),
    ],
)
def test_documents_the_reference_cannot_read_are_refused(context: Any, field: str) -> None:
    document = {"@context": context, "epcisBody": {"eventList": [BASE]}}
    with pytest.raises(EventHashError) as refused:
        document_hashes(document)
    assert refused.value.field == field


def test_values_not_hashed_are_not_refused() -> None:
    """recordTime, eventID, errorDeclaration and comments may hold anything."""
    event = {
        **BASE,
        "recordTime": "yesterday",
        "errorDeclaration": {"declarationTime": "2026-05-04T00:00:00Z", "ex:final": True},
        "rdfs:comment": None,
    }
    assert epcis_hash.event_hash(event) == epcis_hash.event_hash(BASE)
