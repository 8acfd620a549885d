"""Battery measurements over the API: recorded with events, refused with reasons, served in the
credential (JSON-LD that expands in safe mode) and in EPCIS as a sensorElementList."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from passport import rdf
from passport.config import Settings
from passport.events.epcis import epcis_event
from passport.events.hashing import document_hashes
from passport.ledger import log
from passport.models import Event, LogEntry
from tests.api.test_events import epcis_validator, history, issue, listed_uri, record
from tests.api.test_json_ld import served_by
from tests.conftest import BASE_URL
from tests.helpers import published_loader, safe_mode_problems, untp_errors


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


INSPECTION = {
    "type": "inspection",
    "eventTime": "2026-05-03T14:00:00+01:00",
    "inspection": {
        "measurements": {
            "stateOfHealth": 86.5,
            "remainingCapacity": {"value": 11.9, "unit": "Ah"},
            "numberOfFullCycles": 312,
            "batteryStatus": "Original",
        },
        "description": "Read out over the BMS",
    },
}


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


@pytest.fixture
def second_life(make_org: Any) -> Any:
    return make_org("Second Life Storage", "refurbisher")


def test_a_repairer_records_measurements_and_the_credential_shows_the_latest(client, maker, cafe):
    pid = issue(client, maker, serial="BAT-1")
    response = record(client, cafe, pid, INSPECTION)
    assert response.status_code == 201, response.json
    [public] = history(client, pid)["events"]
    assert "measurements" not in public["inspection"]  # for persons with a legitimate interest
    [event] = client.get(f"/api/v1/passports/{pid}/events", headers=cafe.headers).json["events"]
    assert event["inspection"]["measurements"]["stateOfHealth"] == 86.5

    assert "latestMeasurements" not in client.get(f"/api/v1/passports/{pid}").json  # public
    doc = client.get(f"/api/v1/passports/{pid}", headers=cafe.headers).json
    section = doc["latestMeasurements"]
    assert list(section) == [
        "batteryStatus",
        "stateOfHealth",
        "remainingCapacity",
        "numberOfFullCycles",
    ]
    assert section["stateOfHealth"] == {
        "value": 86.5,
        "unit": "%",
        "measuredAt": "2026-05-03T14:00:00+01:00",
        "measuredBy": {
            "id": section["stateOfHealth"]["measuredBy"]["id"],
            "name": "Repair Café Cardiff",
        },
        "eventID": response.json["id"],
    }
    assert section["stateOfHealth"]["measuredBy"]["id"].startswith("did:web:")
    assert section["remainingCapacity"]["unit"] == "Ah"
    assert untp_errors(doc) == []
    loader = published_loader(served_by(client, []))
    assert safe_mode_problems(doc, loader) == []
    assert "<https://w3id.org/kreislauf#latestMeasurements>" in rdf.to_nquads(doc, BASE_URL)


def test_measurements_read_as_an_epcis_sensor_element_list(client, maker, cafe):
    pid = issue(client, maker, serial="BAT-2")
    repair = {
        "type": "repair",
        "eventTime": "2026-05-04T09:00:00+02:00",
        "repair": {"outcome": "fixed", "measurements": {"stateOfHealth": 88}},
    }
    ids = [record(client, cafe, pid, body).json["id"] for body in (INSPECTION, repair)]
    public = client.get(f"/api/v1/passports/{pid}/events?format=epcis").json
    assert [e.message for e in epcis_validator().iter_errors(public)] == []
    assert all("sensorElementList" not in e for e in public["epcisBody"]["eventList"])
    url = f"/api/v1/passports/{pid}/events?format=epcis"
    document = client.get(url, headers=cafe.headers).json
    assert [e.message for e in epcis_validator().iter_errors(document)] == []
    assert document_hashes(document) == ids
    inspection, repaired = document["epcisBody"]["eventList"]
    [element] = inspection["sensorElementList"]
    assert element["sensorReport"][1] == {
        "type": "https://w3id.org/kreislauf/cbv/MT-StateOfHealth",
        "value": 86.5,
        "uom": "P1",
    }
    assert {
        "type": "https://w3id.org/kreislauf/cbv/MT-RemainingCapacity",
        "value": 11.9,
        "uom": "AMH",
    } in element["sensorReport"]
    assert {
        "type": "https://w3id.org/kreislauf/cbv/MT-BatteryStatus",
        "stringValue": "Original",
    } in element["sensorReport"]
    assert "kreislauf:measurements" not in inspection["kreislauf:details"]
    assert repaired["sensorElementList"][0]["sensorReport"][0]["value"] == 88


def test_a_measured_value_cannot_be_guessed_from_the_public_event_id_or_log(
    client, maker, cafe, session
):
    """Trying every state of health against what the public sees finds nothing: the eventID
    and the log leaf hash the values with a random salt, served only with the values."""
    pid = issue(client, maker, serial="BAT-G")
    repair = {
        "type": "repair",
        "eventTime": "2026-05-04T09:00:00+02:00",
        "repair": {"outcome": "fixed", "measurements": {"stateOfHealth": 88}},
    }
    event_id = record(client, cafe, pid, repair).json["id"]
    url = f"/api/v1/passports/{pid}/events?format=epcis"
    [public] = client.get(url).json["epcisBody"]["eventList"]
    assert "sensorElementList" not in public
    document = client.get(url, headers=cafe.headers).json
    [entitled] = document["epcisBody"]["eventList"]
    salt = entitled["sensorElementList"][0]["sensorMetadata"]["kreislauf:salt"]
    assert len(salt) >= 22 and salt not in json.dumps(client.get(url).json)  # 128 random bits
    # With the salt, the entitled reader re-derives the eventID from what it was shown.
    assert document_hashes(document) == [event_id]

    event = session.scalars(select(Event)).one()
    leaf = json.loads(
        session.scalars(select(LogEntry.leaf).order_by(LogEntry.index.desc())).first()
    )
    assert event.content_salt == salt
    assert leaf["content"]["sha256"] == log.content_sha256(log.event_content(event, None, None))
    bare = log.event_content(event, None, None)["event"]
    for guess in [x / 2 for x in range(201)]:  # 0, 0.5, ... 100: the value is not among them
        details = {"outcome": "fixed", "measurements": {"stateOfHealth": guess}}
        tried = epcis_event(
            event_type="repair",
            event_time=event.event_time,
            offset=event.time_offset,
            epc=public["epcList"][0],
            details=details,
            recorder=public["kreislauf:recordedBy"],
            recorded_at=event.recorded_at,
        )
        assert tried["eventID"] != event_id
        assert log.content_sha256({**bare, "details": details}) != leaf["content"]["sha256"]


@pytest.mark.parametrize(
    ("measurements", "pointer", "rule"),
    [
        ({"stateOfHealth": 100.5}, "/inspection/measurements/stateOfHealth", "must be at most 100"),
        ({"numberOfFullCycles": -3}, "/inspection/measurements/numberOfFullCycles", "at least 0"),
        (
            {"remainingCapacity": {"value": 3, "unit": "V"}},
            "/inspection/measurements/remainingCapacity/unit",
            "must be one of: Ah, mAh",
        ),
        (
            {"batteryStatus": "Second life"},
            "/inspection/measurements/batteryStatus",
            "must be one of: Original",
        ),
    ],
)
def test_bad_measurements_are_a_422_naming_field_and_rule(
    client, maker, cafe, measurements, pointer, rule
):
    pid = issue(client, maker, serial="BAT-3")
    body = {**INSPECTION, "inspection": {"measurements": measurements}}
    response = record(client, cafe, pid, body)
    assert response.status_code == 422
    assert any(e["pointer"] == pointer and rule in e["message"] for e in response.json["errors"]), (
        response.json
    )
    assert history(client, pid)["events"] == []


def test_a_consumer_cannot_measure_and_the_passport_is_never_edited(client, maker, make_org):
    pid = issue(client, maker, serial="BAT-4")
    authority = make_org("Market Surveillance", "authority")
    assert record(client, authority, pid, INSPECTION).status_code == 403
    assert "latestMeasurements" not in client.get(f"/api/v1/passports/{pid}").json


def test_repurposing_gives_a_linked_passport_and_the_status_follows(
    client, maker, cafe, second_life
):
    original = issue(client, maker, serial="BAT-5")
    storage = issue(client, maker, serial="BAT-5-HOME", name="Home storage 2nd life")
    assert record(client, cafe, original, INSPECTION).status_code == 201
    body = {
        "type": "repurpose",
        "eventTime": "2026-09-01T10:00:00+02:00",
        "repurpose": {
            "description": "Cells reused in home storage",
            "newPassport": listed_uri(client, storage),
        },
    }
    assert record(client, second_life, original, body).status_code == 201
    listed = history(client, original)
    assert listed["lifeStatus"] == "end_of_life"
    assert listed["events"][1]["relatedPassport"] == listed_uri(client, storage)
    old = client.get(f"/api/v1/passports/{original}", headers=second_life.headers).json
    new = client.get(f"/api/v1/passports/{storage}").json
    assert "latestMeasurements" not in client.get(f"/api/v1/passports/{original}").json
    assert old["repurposedInto"] == listed_uri(client, storage)
    assert new["repurposedFrom"] == listed_uri(client, original)
    status = old["latestMeasurements"]["batteryStatus"]
    assert (status["value"], status["followsFrom"]) == ("Repurposed", "repurpose")
    assert status["measuredBy"]["name"] == "Second Life Storage"
    triples = rdf.to_nquads(new, BASE_URL)
    assert "<https://w3id.org/kreislauf#repurposedFrom>" in triples
    loader = published_loader(served_by(client, []))
    assert safe_mode_problems(old, loader) == [] and safe_mode_problems(new, loader) == []


def test_a_remanufactured_original_links_to_its_successor(client, maker):
    original = issue(client, maker, serial="OLD-9")
    renewed = issue(client, maker, serial="REMAN-9")
    body = {
        "type": "remanufacture",
        "eventTime": "2026-09-01T10:00:00+02:00",
        "remanufacture": {"newPassport": listed_uri(client, renewed)},
    }
    assert record(client, maker, original, body).status_code == 201
    old = client.get(f"/api/v1/passports/{original}").json
    assert old["remanufacturedInto"] == listed_uri(client, renewed)
    assert "latestMeasurements" not in old  # a kettle: no battery status
