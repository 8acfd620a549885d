"""The CBV 2.0 event hash: official vectors, canonical values, the parts of the algorithm, refusals.

No database: ``passport.events.hashing`` and the modules it reads events with.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from passport.events.epcis import EPCIS_CONTEXT, EVENT_NAMESPACES, event_id
from passport.events.hash_values import EventHashError
from passport.events.hashing import document_hashes, document_prehashes, event_hash, prehash
from tests.passport.events.examples import EPC, HASH_VECTORS, epcis_of, lines, read_document

# --- official vectors and canonical values --------------------------------------------------------


def _vector_event() -> dict[str, Any]:
    document = json.loads((HASH_VECTORS / "epcisDocWithSingleEvent.jsonld").read_text())
    event: dict[str, Any] = document["epcisBody"]["eventList"][0]
    return event


def test_prehash_reproduces_the_official_vector() -> None:
    expected = (HASH_VECTORS / "epcisDocWithSingleEvent.prehashes").read_text(encoding="utf-8")
    assert prehash(_vector_event(), namespaces=EVENT_NAMESPACES) == expected.removesuffix("\n")


def test_event_hash_reproduces_the_official_vector() -> None:
    expected = (HASH_VECTORS / "epcisDocWithSingleEvent.hashes").read_text(encoding="utf-8")
    assert event_hash(_vector_event(), namespaces=EVENT_NAMESPACES) == expected.strip()


# Two more vectors from RalphTro/epcis-event-hash-generator (MIT), tests/examples: a user
# extension (epcisDocWithCustomSchemaInContext, first event) and millisecond rounding
# (TimeStampRoundOff, first event), with their published pre-hash strings.
REFERENCE_VECTORS = [
    (
        {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [
                "urn:epc:id:sgtin:0614141.107346.2017",
                "urn:epc:id:sgtin:0614141.107346.2018",
            ],
            "eventTime": "2022-02-15T01:33:31.116000-06:00",
            "eventTimeZoneOffset": "-06:00",
            "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
            "bizTransactionList": [
                {"type": "po", "bizTransaction": "http://transaction.acme.com/po/12345678"}
            ],
            "example:myField": "myValue",
        },
        "eventType=ObjectEventeventTime=2022-02-15T07:33:31.116ZeventTimeZoneOffset=-06:00"
        "epcListepc=https://id.gs1.org/01/10614141073464/21/2017"
        "epc=https://id.gs1.org/01/10614141073464/21/2018action=OBSERVE"
        "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"
        "disposition=https://ref.gs1.org/cbv/Disp-in_transit"
        "readPointid=https://id.gs1.org/414/0614141073467/254/1234"
        "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-po"
        "bizTransaction=http://transaction.acme.com/po/12345678"
        "{https://ns.example.com/epcis/}myField=myValue",
    ),
    (
        {
            "type": "ObjectEvent",
            "eventTime": "2023-02-02T11:04:03.1415Z",
            "eventTimeZoneOffset": "+01:00",
            "epcList": ["https://id.gs1.de/00/040123451111111110"],
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "readPoint": {"id": "https://id.gs1.de/414/4012345000115"},
        },
        "eventType=ObjectEventeventTime=2023-02-02T11:04:03.142ZeventTimeZoneOffset=+01:00"
        "epcListepc=https://id.gs1.org/00/040123451111111110action=OBSERVE"
        "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"
        "disposition=https://ref.gs1.org/cbv/Disp-in_transit"
        "readPointid=https://id.gs1.org/414/4012345000115",
    ),
]


@pytest.mark.parametrize(("event", "expected"), REFERENCE_VECTORS)
def test_prehash_matches_reference_implementation(event: dict[str, Any], expected: str) -> None:
    namespaces = {"example": "https://ns.example.com/epcis/"}
    assert prehash(event, namespaces=namespaces) == expected


@pytest.mark.parametrize(
    ("epc", "canonical"),
    [
        # A registry's own domain, a CPV, a lot beside the serial and a query all go (rule 18).
        (EPC, "https://id.gs1.org/01/04260123450007/21/KT-000417"),
        (
            "https://registry.example.org/01/04260123450007/22/2A/10/L1/21/KT-1?17=261231",
            "https://id.gs1.org/01/04260123450007/21/KT-1",
        ),
        (
            "https://shop.example/p/gtin/4260123450007/lot/L1",
            "https://id.gs1.org/01/04260123450007/10/L1",
        ),
        # Not a GS1 key Digital Link constrains to: left as written.
        (
            "https://registry.example.org/8013/426012345MODEL17",
            "https://registry.example.org/8013/426012345MODEL17",
        ),
        ("https://registry.example.org/p/7f3a", "https://registry.example.org/p/7f3a"),
        # EPC URNs with other company prefix lengths (rule 17).
        ("urn:epc:id:sgtin:426012345.0000.A%2F1", "https://id.gs1.org/01/04260123450007/21/A%2F1"),
        ("urn:epc:id:sgln:4260123450.01.0", "https://id.gs1.org/414/4260123450014"),
    ],
)
def test_epcs_are_canonicalised_for_the_hash(epc: str, canonical: str) -> None:
    event = {"type": "ObjectEvent", "epcList": [epc], "action": "OBSERVE"}
    assert (
        prehash(event, namespaces=EVENT_NAMESPACES)
        == f"eventType=ObjectEventepcListepc={canonical}action=OBSERVE"
    )


def test_hash_ignores_what_the_algorithm_excludes_and_covers_the_rest() -> None:
    event = epcis_of("repair")
    same = copy.deepcopy(event)
    same["recordTime"] = "2030-01-01T00:00:00.000Z"
    same["eventID"] = "urn:uuid:0b8c1f8e-6d2a-4f55-9a1e-000000000000"
    same["eventTime"] = "2026-05-03T15:00:00+02:00"  # the same instant, written differently
    same["eventTimeZoneOffset"] = "+01:00"
    assert event_id(same) == event["eventID"]
    changed = copy.deepcopy(event)
    changed["kreislauf:details"]["kreislauf:outcome"] = "repairable"
    assert event_id(changed) != event["eventID"]
    reordered = dict(reversed(list(event.items())))
    assert event_id(reordered) == event["eventID"]


def test_hash_refuses_what_it_cannot_hash_as_the_reference_does() -> None:
    with pytest.raises(ValueError, match="kreislauf:flag"):
        prehash({"type": "ObjectEvent", "kreislauf:flag": True}, namespaces=EVENT_NAMESPACES)


# --- the parts of the algorithm the issue named -------------------------------------------------


def _example_events(name: str) -> list[dict[str, Any]]:
    events_: list[dict[str, Any]] = read_document(HASH_VECTORS / f"{name}.jsonld")["epcisBody"][
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
    assert event_hash(urn) == event_hash(link)
    assert "epc=https://id.gs1.org/01/04260123450007/21/KT-000417" in prehash(urn)


def test_comments_are_not_hashed() -> None:
    [event] = _example_events("epcisDocHavingEventWithComment")
    assert "rdfs:comment" in event
    namespaces = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    without = {key: value for key, value in event.items() if key != "rdfs:comment"}
    assert event_hash(event, namespaces=namespaces) == event_hash(without)
    expected = lines(HASH_VECTORS / "epcisDocHavingEventWithComment.hashes")
    assert event_hash(event, namespaces=namespaces) == expected[0]


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
    document = read_document(HASH_VECTORS / f"{name}.jsonld")
    event = document["epcisBody"]["eventList"][index]
    assert field in event
    namespaces = {
        k: v for part in document["@context"] if isinstance(part, dict) for k, v in part.items()
    }
    expected = lines(HASH_VECTORS / f"{name}.hashes")[index]
    assert event_hash(event, namespaces=namespaces) == expected


def test_times_round_half_to_even_as_the_reference_does() -> None:
    def written(time: str) -> str:
        text = prehash({"type": "ObjectEvent", "eventTime": time, "action": "ADD"})
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
    assert prehash(event, namespaces=namespaces).endswith(
        "{https://example.org/ns/}note=https://ref.gs1.org/cbv/BizStep-commissioning"
    )
    # Document-wide: the same note in another event of the document reads so too.
    other = {**event, "bizStep": "shipping", "ex:note": "commissioning"}
    document = {
        "@context": [EPCIS_CONTEXT, namespaces],
        "epcisBody": {"eventList": [event, other]},
    }
    alone = prehash(other, namespaces=namespaces)
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
        event_hash(event, namespaces={"ex": "https://example.org/ns/"})
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("context", "field"),
    [
        (EPCIS_CONTEXT, "@context"),
        ([EPCIS_CONTEXT, {"ex": {"@id": "https://example.org/ns/"}}], "@context/ex"),
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
    assert event_hash(event) == event_hash(BASE)
