"""Lifecycle events: request validation, permissions, derived status, EPCIS 2.0 and event hashes.

No database: everything here is the framework-free domain in ``passport.events``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from pyld import jsonld

from passport import epcis_hash, events
from passport.errors import Conflict, Forbidden, InvalidDocument
from tests.helpers import FIXTURES

EPCIS = FIXTURES / "standards" / "gs1-epcis"
HASH_VECTORS = FIXTURES / "standards" / "epcis-event-hash"

NOW = datetime(2026, 5, 3, 13, 30, tzinfo=UTC)
COMMISSIONED = datetime(2025, 2, 10, 9, 0, tzinfo=UTC)
# A kettle's item passport: GTIN 04260123450007 has a valid check digit.
EPC = "https://registry.example.org/01/04260123450007/21/KT-000417"
PART_PASSPORT = "https://registry.example.org/01/04260123450014/21/SW-0042"
NEW_PASSPORT = "https://registry.example.org/01/04260123450021/21/KT-R-0001"
RECORDER = "did:web:registry.example.org:orgs:repair-cafe-kreuzberg"

# Realistic details for every type, as a client would send them.
DETAILS: dict[str, dict[str, Any]] = {
    "commissioning": {"description": "First switched on at the point of sale"},
    "sale": {"channel": "retail", "condition": "New"},
    "repair": {
        "outcome": "fixed",
        "problem": "Switch broken, replaced",
        "spareParts": "third_party",
        "partsReplaced": ["base switch"],
        "category": "Kettle",
    },
    "maintenance": {"description": "Descaled, lid hinge cleaned"},
    "part_replacement": {
        "removed": {"description": "Worn lid hinge"},
        "installed": {"description": "Lid hinge, rev. B", "passport": PART_PASSPORT},
    },
    "refurbishment": {
        "condition": "Refurbished",
        "grade": "A",
        "batteryHealth": 87.5,
        "description": "New seal, tested to EN 60335",
    },
    "resale": {"channel": "second_hand_shop", "condition": "Used"},
    "remanufacture": {"description": "Body reused in WK-17R", "newPassport": NEW_PASSPORT},
    "recall": {
        "reason": "Lid may open while boiling",
        "severity": "danger",
        "url": "https://kessel.example/recall/2026-01",
    },
    "collection": {"channel": "municipal", "description": "Recycling centre Berlin-Ost"},
    "disassembly": {"description": "Heating element and switch removed for reuse"},
    "recycling": {"recoveredMaterials": ["stainless steel", "copper"]},
    "destruction": {"description": "Shredded after fire damage"},
    "correction": {"corrects": 1, "reason": "incorrect_data", "explanation": "Wrong date"},
}


def body(event_type: str, **extra: Any) -> dict[str, Any]:
    """A valid request body for ``event_type``."""
    result: dict[str, Any] = {"type": event_type, "eventTime": "2026-05-03T14:00:00+01:00"}
    result[event_type] = copy.deepcopy(DETAILS[event_type])
    result.update(extra)
    return result


def problems(request: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidDocument) as caught:
        events.parse_event(request, now=NOW)
    return [(e.pointer, e.message) for e in caught.value.errors]


def epcis_of(event_type: str, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "event_type": event_type,
        "event_time": datetime(2026, 5, 3, 13, 0, tzinfo=UTC),
        "offset": "+01:00",
        "epc": EPC,
        "details": DETAILS[event_type],
        "recorder": RECORDER,
        "recorded_at": datetime(2026, 5, 3, 13, 0, 2, 345000, tzinfo=UTC),
    }
    arguments.update(overrides)
    return events.epcis_event(**arguments)


@cache
def epcis_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((EPCIS / "EPCIS-JSON-Schema.json").read_text())
    return schema


@cache
def epcis_validator() -> Draft7Validator:
    return Draft7Validator(epcis_schema(), format_checker=Draft7Validator.FORMAT_CHECKER)


def epcis_errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{list(e.absolute_path)}: {e.message}" for e in epcis_validator().iter_errors(document)
    ]


def document_of(*event_list: dict[str, Any]) -> dict[str, Any]:
    return events.epcis_document(
        list(event_list),
        document_id="https://registry.example.org/api/v1/passports/p1/events",
        created=NOW,
    )


# --- the CBV 2.0 event hash ----------------------------------------------------------------


def _vector_event() -> dict[str, Any]:
    document = json.loads((HASH_VECTORS / "epcisDocWithSingleEvent.jsonld").read_text())
    event: dict[str, Any] = document["epcisBody"]["eventList"][0]
    return event


def test_prehash_reproduces_the_official_vector() -> None:
    expected = (HASH_VECTORS / "epcisDocWithSingleEvent.prehashes").read_text(encoding="utf-8")
    assert events.prehash(_vector_event()) == expected.removesuffix("\n")


def test_event_hash_reproduces_the_official_vector() -> None:
    expected = (HASH_VECTORS / "epcisDocWithSingleEvent.hashes").read_text(encoding="utf-8")
    assert events.event_hash(_vector_event()) == expected.strip()


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
    assert events.prehash(event, namespaces=namespaces) == expected


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
    assert events.prehash(event) == f"eventType=ObjectEventepcListepc={canonical}action=OBSERVE"


def test_hash_ignores_what_the_algorithm_excludes_and_covers_the_rest() -> None:
    event = epcis_of("repair")
    same = copy.deepcopy(event)
    same["recordTime"] = "2030-01-01T00:00:00.000Z"
    same["eventID"] = "urn:uuid:0b8c1f8e-6d2a-4f55-9a1e-000000000000"
    same["eventTime"] = "2026-05-03T15:00:00+02:00"  # the same instant, written differently
    same["eventTimeZoneOffset"] = "+01:00"
    assert events.event_hash(same) == event["eventID"]
    changed = copy.deepcopy(event)
    changed["kreislauf:details"]["kreislauf:outcome"] = "repairable"
    assert events.event_hash(changed) != event["eventID"]
    reordered = dict(reversed(list(event.items())))
    assert events.event_hash(reordered) == event["eventID"]


def test_hash_refuses_what_it_cannot_hash_as_the_reference_does() -> None:
    with pytest.raises(ValueError, match="kreislauf:flag"):
        events.prehash({"type": "ObjectEvent", "kreislauf:flag": True})


def test_our_event_type_is_never_spelt_like_a_cbv_term_we_emit() -> None:
    """The reference generator would read it as that term (commissioning did, until it went)."""
    for event_type in sorted(set(events.EVENT_TYPES) - {"correction"}):
        event = epcis_of(event_type)
        written = event.get("kreislauf:eventType")
        if event_type == "commissioning":
            assert written is None  # the business step says it: BizStep-commissioning
        else:
            assert written == event_type
            assert epcis_hash.bare_word_matches(written, events.emitted_vocabulary()) == []


def test_text_spelt_like_a_cbv_term_we_emit_is_refused() -> None:
    assert problems(body("destruction", destruction={"description": "destroyed"})) == [
        (
            "/destruction/description",
            "'destroyed' is spelt like the CBV term https://ref.gs1.org/cbv/Disp-destroyed, "
            "which EPCIS tools would read in its place; write it differently, e.g. capitalised "
            "or as a sentence",
        )
    ]
    assert [
        p
        for p, _ in problems(
            body("recycling", recycling={"recoveredMaterials": ["x", "Disp-active"]})
        )
    ] == ["/recycling/recoveredMaterials/1"]
    assert [
        p
        for p, _ in problems(
            body("part_replacement", part_replacement={"removed": {"description": "active"}})
        )
    ] == ["/part_replacement/removed/description"]
    for fine in ("Destroyed", "destroyed by fire", "recycling", "commissioning done"):
        events.parse_event(body("destruction", destruction={"description": fine}), now=NOW)


# --- EPCIS 2.0 documents -------------------------------------------------------------------


@pytest.mark.parametrize("event_type", sorted(events.EVENT_TYPES))
def test_every_event_type_makes_a_valid_epcis_document(event_type: str) -> None:
    if event_type == "correction":
        wrong = epcis_of("resale")
        event = epcis_of("correction", corrects_event=wrong)
        document = document_of(wrong, event)
    else:
        event = epcis_of(event_type)
        document = document_of(event)
    assert epcis_errors(document) == []
    assert event["eventID"] == events.event_hash(event)
    assert event["epcList"] == [EPC]
    assert event["kreislauf:recordedBy"] == RECORDER


def test_the_uri_format_checker_is_active() -> None:
    event = epcis_of("repair")
    event["bizStep"] = "Repairing"  # neither a CBV word nor a URI
    document = document_of(event)
    without_formats = Draft7Validator(epcis_schema())
    assert list(without_formats.iter_errors(document)) == []  # why the checker matters
    assert epcis_errors(document) != []


@pytest.mark.parametrize(
    "path", sorted((EPCIS / "JSON").rglob("*.jsonld")), ids=lambda path: path.name
)
def test_official_epcis_examples_validate_with_the_same_harness(path: Path) -> None:
    assert epcis_errors(json.loads(path.read_text(encoding="utf-8"))) == []


def test_epcis_event_shape() -> None:
    event = epcis_of("repair")
    assert event["type"] == "ObjectEvent"
    assert event["eventTime"] == "2026-05-03T14:00:00+01:00"
    assert event["eventTimeZoneOffset"] == "+01:00"
    assert event["recordTime"] == "2026-05-03T13:00:02.345Z"
    assert event["action"] == "OBSERVE"
    assert event["bizStep"] == "repairing"
    assert event["disposition"] == "available"
    assert event["kreislauf:eventType"] == "repair"
    assert event["kreislauf:details"]["kreislauf:problem"] == "Switch broken, replaced"
    assert event["eventID"].startswith("ni:///sha-256;")
    assert event["eventID"].endswith("?ver=CBV2.0")
    assert epcis_of("commissioning")["action"] == "ADD"
    assert epcis_of("destruction")["action"] == "DELETE"
    assert epcis_of("recycling")["bizStep"] == events.OURS + "BizStep-recycling"


def test_related_passport_is_an_extension() -> None:
    event = epcis_of("part_replacement", related=PART_PASSPORT)
    assert event["kreislauf:relatedPassport"] == PART_PASSPORT
    assert epcis_errors(document_of(event)) == []
    assert "kreislauf:relatedPassport" not in epcis_of("part_replacement")


def test_epcis_document_context_and_header() -> None:
    document = document_of(epcis_of("sale"))
    assert document["@context"] == [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"kreislauf": "https://w3id.org/kreislauf#"},
    ]
    assert document["type"] == "EPCISDocument"
    assert document["schemaVersion"] == "2.0"
    assert document["creationDate"] == "2026-05-03T13:30:00.000Z"


def _local_epcis_context(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    assert url == events.EPCIS_CONTEXT, f"unexpected context {url}"
    document = json.loads((EPCIS / "epcis-context.jsonld").read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def test_json_ld_expansion_keeps_our_details() -> None:
    """Nested detail keys carry our namespace: the EPCIS context has no @vocab to catch them."""
    event = epcis_of("repair")
    expanded = jsonld.expand(document_of(event), {"documentLoader": _local_epcis_context})
    text = json.dumps(expanded)
    for term in ("details", "outcome", "problem", "partsReplaced", "recordedBy"):
        assert f'"https://w3id.org/kreislauf#{term}"' in text
    assert "https://ref.gs1.org/cbv/BizStep-repairing" in text


def test_correction_is_an_error_declaration_of_the_corrected_event() -> None:
    wrong = epcis_of("recycling")
    correction = epcis_of(
        "correction",
        event_time=datetime(2026, 5, 4, 8, 0, tzinfo=UTC),
        offset="+02:00",
        details={"corrects": 3, "reason": "did_not_occur", "explanation": "Wrong kettle"},
        recorded_at=datetime(2026, 5, 4, 8, 0, 1, tzinfo=UTC),
        corrects_event=wrong,
    )
    assert correction["eventID"] == wrong["eventID"]
    assert correction["errorDeclaration"] == {
        "declarationTime": "2026-05-04T10:00:00+02:00",
        "reason": "https://ref.gs1.org/cbv/ER-did_not_occur",
        "correctiveEventIDs": [],
        "kreislauf:declaredBy": RECORDER,
        "kreislauf:explanation": "Wrong kettle",
    }
    assert correction["recordTime"] == "2026-05-04T08:00:01.000Z"
    unchanged = {k: v for k, v in correction.items() if k not in ("errorDeclaration", "recordTime")}
    assert unchanged == {k: v for k, v in wrong.items() if k != "recordTime"}
    assert "errorDeclaration" not in wrong  # the original was not touched
    assert events.event_hash(correction) == wrong["eventID"]
    assert epcis_errors(document_of(wrong, correction)) == []
    incorrect = epcis_of("correction", corrects_event=wrong)
    assert incorrect["errorDeclaration"]["reason"] == "https://ref.gs1.org/cbv/ER-incorrect_data"


def test_correction_needs_the_corrected_event() -> None:
    with pytest.raises(ValueError, match="corrected event"):
        epcis_of("correction")


# --- the CBV mapping -----------------------------------------------------------------------


def test_mapping_uses_real_cbv_terms_or_ours() -> None:
    definitions = epcis_schema()["definitions"]
    biz_steps = set(definitions["bizStep"]["anyOf"][1]["enum"])
    dispositions = set(definitions["disposition"]["anyOf"][1]["enum"])
    for kind in events.EVENT_TYPES.values():
        assert kind.action in ("ADD", "OBSERVE", "DELETE")
        assert kind.status_after is None or kind.status_after in events.STATUSES
        if kind.biz_step.startswith(events.CBV):
            assert kind.biz_step.removeprefix(events.CBV + "BizStep-") in biz_steps
        else:
            assert kind.biz_step.startswith(events.OURS + "BizStep-")
        for outcome in ("fixed", "repairable", "end_of_life"):
            disposition = events.disposition_for(kind.name, {"outcome": outcome})
            if disposition is not None:
                assert disposition.removeprefix(events.CBV + "Disp-") in dispositions


def test_repair_outcomes() -> None:
    cbv = events.CBV
    assert events.disposition_for("repair", {"outcome": "fixed"}) == cbv + "Disp-available"
    assert events.disposition_for("repair", {"outcome": "repairable"}) == cbv + "Disp-unavailable"
    assert (
        events.disposition_for("repair", {"outcome": "end_of_life"}) == cbv + "Disp-non_conformant"
    )
    assert events.status_for("repair", {"outcome": "repairable"}) == "under_repair"


# --- parse_event ---------------------------------------------------------------------------


def test_parse_the_design_example() -> None:
    new = events.parse_event(
        {
            "type": "repair",
            "eventTime": "2026-05-03T14:00:00+01:00",
            "repair": {
                "outcome": "fixed",
                "problem": "Switch broken, replaced",
                "spareParts": "third_party",
            },
        },
        now=NOW,
    )
    assert new == events.NewEvent(
        type="repair",
        event_time=datetime(2026, 5, 3, 13, 0, tzinfo=UTC),
        offset="+01:00",
        details={
            "outcome": "fixed",
            "problem": "Switch broken, replaced",
            "spareParts": "third_party",
        },
        corrects=None,
    )
    assert new.event_time.tzinfo is UTC


@pytest.mark.parametrize("event_type", sorted(events.EVENT_TYPES))
def test_every_type_parses_with_realistic_details(event_type: str) -> None:
    new = events.parse_event(body(event_type), now=NOW)
    assert new.type == event_type
    assert new.details == DETAILS[event_type]
    assert new.corrects == (1 if event_type == "correction" else None)


def test_details_are_optional_where_nothing_is_required() -> None:
    new = events.parse_event({"type": "sale", "eventTime": "2026-05-03T12:00:00Z"}, now=NOW)
    assert new.details == {}
    assert new.offset == "+00:00"
    assert new.event_time == datetime(2026, 5, 3, 12, 0, tzinfo=UTC)


def test_offset_kept_and_time_truncated_to_milliseconds() -> None:
    new = events.parse_event(
        {"type": "maintenance", "eventTime": "2026-05-02T23:30:00.1239876-05:30"}, now=NOW
    )
    assert new.offset == "-05:30"
    assert new.event_time == datetime(2026, 5, 3, 5, 0, 0, 123000, tzinfo=UTC)


def test_html_in_text_is_kept_as_text() -> None:
    text = 'Switch <script>alert("x")</script> & <b>lid</b> replaced'
    request = body("repair")
    request["repair"]["problem"] = text
    assert events.parse_event(request, now=NOW).details["problem"] == text


def test_a_few_minutes_of_clock_skew_are_not_the_future() -> None:
    ahead = (NOW + timedelta(minutes=4)).astimezone(timezone(timedelta(hours=2)))
    request = {"type": "maintenance", "eventTime": ahead.isoformat()}
    assert events.parse_event(request, now=NOW).offset == "+02:00"


BAD_REQUESTS: list[tuple[str, Any, str, str]] = [
    ("not an object", ["repair"], "", "the event must be a JSON object"),
    (
        "unknown type",
        {"type": "repairing", "eventTime": "2026-05-03T14:00:00+01:00"},
        "/type",
        "'type' must be one of: commissioning, sale, repair, maintenance, part_replacement",
    ),
    ("type missing", {"eventTime": "2026-05-03T14:00:00+01:00"}, "/type", "'type' is required"),
    ("time missing", {"type": "sale"}, "/eventTime", "'eventTime' is required"),
    (
        "no offset",
        {"type": "sale", "eventTime": "2026-05-03T14:00:00"},
        "/eventTime",
        "must include a UTC offset, e.g. +01:00",
    ),
    (
        "not a date",
        {"type": "sale", "eventTime": "3 May 2026"},
        "/eventTime",
        "'eventTime' must be an RFC 3339 date-time with a UTC offset",
    ),
    (
        "impossible date",
        {"type": "sale", "eventTime": "2026-02-30T14:00:00+01:00"},
        "/eventTime",
        "'eventTime' must be an RFC 3339 date-time",
    ),
    (
        "year typo",
        {"type": "sale", "eventTime": "0202-05-03T14:00:00+01:00"},
        "/eventTime",
        "'eventTime' is before 1900; check the year",
    ),
    (
        "offset EPCIS cannot carry",
        {"type": "sale", "eventTime": "2026-05-03T14:00:00+15:00"},
        "/eventTime",
        "between -13:59 and +14:00",
    ),
    (
        "future",
        {"type": "sale", "eventTime": "2026-05-03T15:36:00+01:00"},
        "/eventTime",
        "'eventTime' is in the future",
    ),
    (
        "time not a string",
        {"type": "sale", "eventTime": 1777813200},
        "/eventTime",
        "must be a string",
    ),
    (
        "details of another type",
        {"type": "sale", "eventTime": "2026-05-03T14:00:00+01:00", "repair": {"outcome": "fixed"}},
        "/repair",
        "'repair' details do not belong to a 'sale' event",
    ),
    (
        "required details missing",
        {"type": "recall", "eventTime": "2026-05-03T14:00:00+01:00"},
        "/recall",
        "'recall' is required",
    ),
    (
        "unknown top-level property",
        {"type": "sale", "eventTime": "2026-05-03T14:00:00+01:00", "buyer": "Erika Mustermann"},
        "/buyer",
        "unknown property 'buyer'",
    ),
    (
        "bad enum",
        body("repair", repair={"outcome": "kaputt"}),
        "/repair/outcome",
        "'outcome' must be one of: fixed, repairable, end_of_life",
    ),
    (
        "outcome missing",
        body("repair", repair={"problem": "Leaks"}),
        "/repair/outcome",
        "'outcome' is required",
    ),
    (
        "personal data field",
        body("repair", repair={"outcome": "fixed", "owner": "Erika"}),
        "/repair/owner",
        "unknown property 'owner' (not part of repair details)",
    ),
    (
        "unknown property of a part",
        body("part_replacement", part_replacement={"removed": {"serial": "X1"}}),
        "/part_replacement/removed/serial",
        "unknown property 'serial' (not part of 'removed', which has description, passport)",
    ),
    (
        "text too long",
        body("repair", repair={"outcome": "fixed", "problem": "x" * 2001}),
        "/repair/problem",
        "'problem' must be at most 2000 characters long",
    ),
    (
        "array item too long",
        body("repair", repair={"outcome": "fixed", "partsReplaced": ["ok", "y" * 201]}),
        "/repair/partsReplaced/1",
        "'partsReplaced[1]' must be at most 200 characters long",
    ),
    (
        "barrier without end of life",
        body("repair", repair={"outcome": "fixed", "barrier": "No spare parts"}),
        "/repair/barrier",
        "'barrier' is only for the outcome end_of_life",
    ),
    (
        "next steps without repairable",
        body("repair", repair={"outcome": "end_of_life", "nextSteps": "Order a seal"}),
        "/repair/nextSteps",
        "'nextSteps' is only for the outcome repairable",
    ),
    (
        "script URL",
        body("recall", recall={"reason": "Fire risk", "url": "javascript:alert(1)"}),
        "/recall/url",
        "'url' must be an http:// or https:// URI",
    ),
    (
        "empty part replacement",
        body("part_replacement", part_replacement={}),
        "/part_replacement",
        "must not be empty: name the removed part, the installed part or both",
    ),
    (
        "battery health above 100",
        body("refurbishment", refurbishment={"batteryHealth": 120}),
        "/refurbishment/batteryHealth",
        "'batteryHealth' must be at most 100",
    ),
    (
        "condition not a schema.org name",
        body("resale", resale={"condition": "UsedCondition"}),
        "/resale/condition",
        "'condition' must be one of: New, Used, Refurbished, Damaged",
    ),
    (
        "corrects no event",
        body("correction", correction={"corrects": 0, "reason": "did_not_occur"}),
        "/correction/corrects",
        "'corrects' must be at least 1",
    ),
    (
        "correction reason missing",
        body("correction", correction={"corrects": 2}),
        "/correction/reason",
        "'reason' is required",
    ),
]


@pytest.mark.parametrize(
    ("request_body", "pointer", "message"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_requests(request_body: object, pointer: str, message: str) -> None:
    found = problems(request_body)
    assert any(p == pointer and message in m for p, m in found), found


def test_every_problem_is_reported_at_once() -> None:
    request = {
        "type": "repair",
        "eventTime": "2026-05-03T14:00:00",
        "repair": {"outcome": "kaputt", "spareParts": "stolen"},
        "sale": {},
    }
    assert problems(request) == [
        ("/eventTime", "'eventTime' must include a UTC offset, e.g. +01:00"),
        ("/repair/outcome", "'outcome' must be one of: fixed, repairable, end_of_life"),
        ("/repair/spareParts", "'spareParts' must be one of: none, manufacturer, third_party"),
        (
            "/sale",
            "'sale' details do not belong to a 'repair' event; put the details under 'repair'",
        ),
    ]


def test_problem_count_in_detail() -> None:
    with pytest.raises(InvalidDocument, match="The event has 2 problems"):
        events.parse_event(
            {"type": "sale", "eventTime": "yesterday", "sale": {"channel": "?"}}, now=NOW
        )


# --- the event schema ----------------------------------------------------------------------

PERSONAL = ("name", "email", "mail", "phone", "telephone", "address", "street", "owner",
            "customer", "buyer", "seller", "person", "volunteer", "birth")  # fmt: skip


def _walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_event_schema_is_valid_and_matches_the_types() -> None:
    schema = events.event_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["type"]["enum"] == list(events.EVENT_TYPES)
    for name in events.EVENT_TYPES:
        assert schema["properties"][name]["additionalProperties"] is False


def test_event_schema_has_no_personal_data_fields() -> None:
    names = {
        name.lower()
        for node in _walk(events.event_schema())
        for name in [*node.get("properties", {}), *node.get("required", [])]
    }
    assert names, "the walk found no property names"
    offending = sorted(n for n in names for word in PERSONAL if word in n)
    assert offending == []


def test_every_string_in_the_event_schema_is_bounded() -> None:
    for node in _walk(events.event_schema()):
        if node.get("type") == "string":
            assert "maxLength" in node, node


# --- check_allowed -------------------------------------------------------------------------


def allowed(event_type: str, role: str, *, is_issuer: bool = False, status: str = "in_use") -> None:
    new = events.parse_event(body(event_type), now=NOW)
    events.check_allowed(
        new, role=role, is_issuer=is_issuer, life_status=status, commissioned_at=COMMISSIONED
    )


def test_recycler_cannot_record_a_sale() -> None:
    with pytest.raises(Forbidden) as caught:
        allowed("sale", "recycler")
    assert "recycler" in caught.value.detail and "'sale'" in caught.value.detail
    assert "only the product's issuer may" in caught.value.detail


def test_who_may_is_named() -> None:
    with pytest.raises(Forbidden, match="only the product's issuer and repairers and refurbishers"):
        allowed("repair", "recycler")


def test_repairer_can_record_a_repair_on_any_product() -> None:
    allowed("repair", "repairer", is_issuer=False)


@pytest.mark.parametrize("event_type", sorted(events.EVENT_TYPES))
def test_issuer_can_record_anything(event_type: str) -> None:
    allowed(event_type, "manufacturer", is_issuer=True)


def test_roles() -> None:
    def may(role: str) -> set[str]:
        return {t for t in events.EVENT_TYPES if events.may_record(t, role, is_issuer=False)}

    assert may("repairer") == {"repair", "maintenance", "part_replacement", "correction"}
    assert may("refurbisher") == {
        "repair",
        "maintenance",
        "part_replacement",
        "refurbishment",
        "resale",
        "correction",
    }
    assert may("recycler") == {
        "collection",
        "disassembly",
        "recycling",
        "destruction",
        "correction",
    }
    assert may("authority") == {"recall", "correction"}
    assert may("manufacturer") == {"remanufacture", "correction"}
    assert not events.may_record("repair", "plumber", is_issuer=True)
    assert not events.may_record("teleportation", "manufacturer", is_issuer=True)


@pytest.mark.parametrize("status", sorted(events.TERMINAL))
def test_after_the_end_of_life_only_corrections(status: str) -> None:
    with pytest.raises(Conflict) as caught:
        allowed("repair", "repairer", status=status)
    assert caught.value.detail.startswith(
        f"The product's life has ended ({status}); only corrections"
    )
    allowed("correction", "recycler", status=status)


def test_end_of_life_is_not_terminal() -> None:
    allowed("refurbishment", "refurbisher", status="end_of_life")


def test_event_before_commissioning() -> None:
    new = events.parse_event(
        {"type": "maintenance", "eventTime": "2025-02-10T09:59:59+01:00"}, now=NOW
    )
    with pytest.raises(InvalidDocument) as caught:
        events.check_allowed(
            new,
            role="repairer",
            is_issuer=False,
            life_status="in_use",
            commissioned_at=COMMISSIONED,
        )
    [error] = caught.value.errors
    assert error.pointer == "/eventTime"
    assert error.message == (
        "'eventTime' is before the product was commissioned (2025-02-10T09:00:00Z)"
    )
    # SQLite returns naive UTC datetimes; they count as UTC.
    events.check_allowed(
        new,
        role="repairer",
        is_issuer=False,
        life_status="in_use",
        commissioned_at=datetime(2025, 2, 10, 8, 59),
    )


# --- derived status and ownership ----------------------------------------------------------

FIXED = {"outcome": "fixed"}


def test_status_follows_the_history() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = []
    assert events.derive_status(history) == "active"
    steps = [
        (("commissioning", {}, None), "in_use"),
        (("sale", {}, None), "in_use"),
        (("repair", {"outcome": "repairable"}, None), "under_repair"),
        (("maintenance", {}, None), "under_repair"),
        (("repair", FIXED, None), "in_use"),
        (("recall", {"reason": "x"}, None), "in_use"),
        (("repair", {"outcome": "end_of_life"}, None), "end_of_life"),
        (("collection", {}, None), "end_of_life"),
        (("refurbishment", {}, None), "active"),
        (("resale", {}, None), "in_use"),
        (("remanufacture", {}, None), "end_of_life"),
        (("disassembly", {}, None), "end_of_life"),
        (("recycling", {}, None), "recycled"),
    ]
    for event, status in steps:
        history.append(event)
        assert events.derive_status(history) == status, event
    assert events.derive_status([("destruction", {}, None)]) == "destroyed"


def test_a_correction_undoes_a_recycling() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = [
        ("commissioning", {}, None),  # 1
        ("sale", {}, None),  # 2
        ("recycling", {}, None),  # 3
    ]
    assert events.derive_status(history) == "recycled"
    history.append(("correction", {"corrects": 3, "reason": "did_not_occur"}, 3))
    assert events.derive_status(history) == "in_use"


def test_a_correction_undoes_a_resale() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = [
        ("sale", {}, None),  # 1
        ("resale", {}, None),  # 2
        ("resale", {}, None),  # 3
    ]
    assert events.ownership_changes(history) == 3
    history.append(("correction", {"corrects": 2, "reason": "did_not_occur"}, 2))
    assert events.ownership_changes(history) == 2
    assert events.ownership_changes([("repair", FIXED, None)]) == 0


def test_a_corrected_correction_restores_the_event() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = [
        ("sale", {}, None),  # 1
        ("destruction", {}, None),  # 2
        ("correction", {"corrects": 2, "reason": "did_not_occur"}, 2),  # 3
    ]
    assert events.derive_status(history) == "in_use"
    history.append(("correction", {"corrects": 3, "reason": "did_not_occur"}, 3))
    assert events.derive_status(history) == "destroyed"


def test_incorrect_data_then_the_right_event() -> None:
    history: list[tuple[str, dict[str, Any], int | None]] = [
        ("sale", {}, None),  # 1
        ("repair", {"outcome": "end_of_life"}, None),  # 2
        ("correction", {"corrects": 2, "reason": "incorrect_data"}, 2),  # 3
        ("repair", {"outcome": "repairable"}, None),  # 4, the corrective event
    ]
    assert events.derive_status(history) == "under_repair"
