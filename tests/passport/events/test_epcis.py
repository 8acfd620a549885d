"""Events and histories as EPCIS 2.0 JSON-LD: shape, validity, corrections, eventIDs.

No database: ``passport.events.epcis``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from pyld import jsonld

from passport.events.bare_words import bare_word_matches
from passport.events.catalogue import EVENT_TYPES, OURS, emitted_vocabulary
from passport.events.epcis import EPCIS_CONTEXT, event_id
from tests.passport.events.examples import (
    EPC,
    EPCIS,
    PART_PASSPORT,
    RECORDER,
    document_of,
    epcis_errors,
    epcis_of,
    epcis_schema,
)


def test_our_event_type_is_never_spelt_like_a_cbv_term_we_emit() -> None:
    """The reference generator would read it as that term (commissioning did, until it went)."""
    for event_type in sorted(set(EVENT_TYPES) - {"correction"}):
        event = epcis_of(event_type)
        written = event.get("kreislauf:eventType")
        if event_type == "commissioning":
            assert written is None  # the business step says it: BizStep-commissioning
        else:
            assert written == event_type
            assert bare_word_matches(written, emitted_vocabulary()) == []


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_makes_a_valid_epcis_document(event_type: str) -> None:
    if event_type == "correction":
        wrong = epcis_of("resale")
        event = epcis_of("correction", corrects_event=wrong)
        document = document_of(wrong, event)
    else:
        event = epcis_of(event_type)
        document = document_of(event)
    assert epcis_errors(document) == []
    assert event["eventID"] == event_id(event)
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
    assert epcis_of("recycling")["bizStep"] == OURS + "BizStep-recycling"


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
    assert url == EPCIS_CONTEXT, f"unexpected context {url}"
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
    assert event_id(correction) == wrong["eventID"]
    assert epcis_errors(document_of(wrong, correction)) == []
    incorrect = epcis_of("correction", corrects_event=wrong)
    assert incorrect["errorDeclaration"]["reason"] == "https://ref.gs1.org/cbv/ER-incorrect_data"


def test_correction_needs_the_corrected_event() -> None:
    with pytest.raises(ValueError, match="corrected event"):
        epcis_of("correction")
