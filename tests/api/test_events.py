"""Lifecycle events over the API: rules, corrections, EPCIS 2.0 output."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft7Validator

from passport.config import Settings
from passport.events import history as events_history
from passport.routes import Routes
from tests.conftest import BASE_URL
from tests.helpers import FIXTURES, passport


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


@cache
def epcis_validator() -> Draft7Validator:
    schema = json.loads((FIXTURES / "standards/gs1-epcis/EPCIS-JSON-Schema.json").read_text())
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def issue(client: Any, org: Any, **kw: Any) -> str:
    body = passport("item", **kw)
    body["product"]["productionDate"] = "2025-01-15"
    response = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert response.status_code == 201, response.json
    return response.json["id"]  # type: ignore[no-any-return]


def record(client: Any, org: Any, pid: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/passports/{pid}/events", json=body, headers=org.headers)


def history(client: Any, pid: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/passports/{pid}/events")
    assert response.status_code == 200
    return response.json  # type: ignore[no-any-return]


REPAIR = {
    "type": "repair",
    "eventTime": "2026-05-03T14:00:00+01:00",
    "repair": {
        "outcome": "fixed",
        "problem": "Switch broken, replaced",
        "spareParts": "third_party",
    },
}


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


@pytest.fixture
def recycler(make_org: Any) -> Any:
    return make_org("Recycling Centre North", "recycler")


def test_a_repairer_records_a_repair_on_any_product(client, maker, cafe):
    pid = issue(client, maker)
    response = record(client, cafe, pid, REPAIR)
    assert response.status_code == 201, response.json
    assert response.json["seq"] == 1
    assert response.json["id"].startswith("ni:///sha-256;") and response.json["id"].endswith(
        "?ver=CBV2.0"
    )
    listed = history(client, pid)
    [event] = listed["events"]
    assert event["type"] == "repair" and event["recordedBy"]["name"] == "Repair Café Cardiff"
    assert event["repair"]["outcome"] == "fixed"
    assert event["eventTime"] == "2026-05-03T14:00:00+01:00"
    assert event["bizStep"].endswith("BizStep-repairing")
    assert listed["lifeStatus"] == "in_use"


def test_the_history_as_epcis_validates_and_keeps_the_event_ids(client, maker, cafe):
    pid = issue(client, maker)
    ids = [record(client, cafe, pid, REPAIR).json["id"]]
    sale = {
        "type": "resale",
        "eventTime": "2026-06-01T10:00:00+02:00",
        "resale": {"channel": "second_hand_shop", "condition": "Used"},
    }
    ids.append(record(client, maker, pid, sale).json["id"])
    for kwargs in (
        {"query_string": {"format": "epcis"}},
        {"headers": {"Accept": "application/ld+json"}},
    ):
        response = client.get(f"/api/v1/passports/{pid}/events", **kwargs)
        assert response.status_code == 200 and response.mimetype == "application/ld+json"
        document = response.json
        assert document["type"] == "EPCISDocument"
        errors = [e.message for e in epcis_validator().iter_errors(document)]
        assert errors == []
        events = document["epcisBody"]["eventList"]
        assert [e["eventID"] for e in events] == ids
        assert all(e["epcList"] == [listed_uri(client, pid)] for e in events)


# Every type with realistic details, in an order the registry accepts on one product.
EVERY_TYPE: list[tuple[str, dict[str, Any]]] = [
    ("commissioning", {"description": "First switched on"}),
    ("sale", {"channel": "retail", "condition": "New"}),
    ("repair", {"outcome": "repairable", "nextSteps": "Waiting for a seal"}),
    ("maintenance", {"description": "Descaled"}),
    ("inspection", {"measurements": {"stateOfHealth": 91.5, "numberOfFullCycles": 120}}),
    ("part_replacement", {"removed": {"description": "Worn seal"}}),
    ("repair", {"outcome": "fixed", "problem": "Seal replaced", "partsReplaced": ["seal"]}),
    ("refurbishment", {"condition": "Refurbished", "grade": "A", "batteryHealth": 87.5}),
    ("resale", {"channel": "online", "condition": "Used"}),
    ("recall", {"reason": "Lid may open", "severity": "warning"}),
    ("repair", {"outcome": "end_of_life", "barrier": "No spare element"}),
    ("collection", {"channel": "municipal"}),
    ("disassembly", {"description": "Taken apart"}),
    ("remanufacture", {"description": "Body reused"}),
    ("repurpose", {"description": "Cells reused"}),
    ("recycling", {"recoveredMaterials": ["steel"]}),
    ("correction", {"corrects": 16, "reason": "did_not_occur"}),
    ("destruction", {"description": "Shredded"}),
]


def test_every_served_event_id_is_what_the_reference_computes_from_the_document(client, maker):
    """The document-wide CBV 2.0 hash (as the reference generator reads it) gives the IDs."""
    from passport.events.hashing import document_hashes

    pid = issue(client, maker)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for day, (event_type, details) in enumerate(EVERY_TYPE):
        when = (start + timedelta(days=day)).isoformat()
        body = {"type": event_type, "eventTime": when, event_type: details}
        assert record(client, maker, pid, body).status_code == 201, (event_type, body)
    listed = [event["eventID"] for event in history(client, pid)["events"]]
    # The issuer's view: what a lower tier may not see (battery measurements) is left out of
    # its document, and an event with something left out no longer hashes to its ID.
    url = f"/api/v1/passports/{pid}/events?format=epcis"
    document = client.get(url, headers=maker.headers).json
    assert document["id"] == Routes(BASE_URL).events(pid)  # the document is where it is served
    served = [event["eventID"] for event in document["epcisBody"]["eventList"]]
    assert served == listed
    assert document_hashes(document) == served
    assert len(set(served)) == len(served) - 1  # the correction repeats the recycling's ID


def test_text_the_event_hash_would_misread_is_refused(client, maker, recycler):
    pid = issue(client, maker)
    body = {
        "type": "destruction",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "destruction": {"description": "destroyed"},
    }
    response = record(client, recycler, pid, body)
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["pointer"] == "/destruction/description"
    assert "Disp-destroyed" in error["message"]
    assert history(client, pid)["events"] == []


def listed_uri(client: Any, pid: str) -> str:
    return client.get(f"/api/v1/passports/{pid}").json["credentialSubject"]["product"]["id"]


def test_roles_limit_what_can_be_recorded(client, maker, recycler, cafe, make_org):
    pid = issue(client, maker)
    sale = {"type": "sale", "eventTime": "2026-04-01T09:00:00+00:00"}
    forbidden = record(client, recycler, pid, sale)
    assert forbidden.status_code == 403 and "recycler" in forbidden.json["detail"]
    other_maker = make_org("Another Maker", "manufacturer")
    assert record(client, other_maker, pid, sale).status_code == 403
    assert record(client, maker, pid, sale).status_code == 201  # the issuer may record anything
    assert record(client, cafe, pid, sale).status_code == 403
    assert client.post(f"/api/v1/passports/{pid}/events", json=sale).status_code == 401
    assert [e["type"] for e in history(client, pid)["events"]] == ["sale"]


def test_bad_events_are_rejected_with_a_reason_and_nothing_is_stored(client, maker, cafe):
    pid = issue(client, maker)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    cases = [
        ({"type": "teleport", "eventTime": "2026-05-03T14:00:00+01:00"}, "/type"),
        (
            {"type": "repair", "eventTime": "2026-05-03T14:00:00", "repair": {"outcome": "fixed"}},
            "/eventTime",
        ),
        ({"type": "repair", "eventTime": future, "repair": {"outcome": "fixed"}}, "/eventTime"),
        (
            {
                "type": "repair",
                "eventTime": "2024-05-03T14:00:00+01:00",
                "repair": {"outcome": "fixed"},
            },
            "/eventTime",
        ),  # before production (2025-01-15)
        (
            {
                "type": "repair",
                "eventTime": "2026-05-03T14:00:00+01:00",
                "repair": {"outcome": "exploded"},
            },
            "/repair/outcome",
        ),
    ]
    for body, pointer in cases:
        response = record(client, cafe, pid, body)
        assert response.status_code == 422, (body, response.json)
        assert pointer in {e["pointer"] for e in response.json["errors"]}, response.json
    assert history(client, pid)["events"] == []


def test_after_recycling_only_corrections_are_accepted(client, maker, recycler, cafe):
    pid = issue(client, maker)
    recycled = record(
        client, recycler, pid, {"type": "recycling", "eventTime": "2026-07-01T08:00:00+00:00"}
    )
    assert recycled.status_code == 201
    assert history(client, pid)["lifeStatus"] == "recycled"
    late = record(client, cafe, pid, REPAIR)
    assert late.status_code == 409 and "correction" in late.json["detail"]
    correction = {
        "type": "correction",
        "eventTime": "2026-07-02T08:00:00+00:00",
        "correction": {
            "corrects": 1,
            "reason": "did_not_occur",
            "explanation": "Wrong bin scanned",
        },
    }
    fixed = record(client, recycler, pid, correction)
    assert fixed.status_code == 201, fixed.json
    listed = history(client, pid)
    assert [e["type"] for e in listed["events"]] == ["recycling", "correction"]
    assert listed["events"][1]["corrects"] == 1
    assert listed["lifeStatus"] == "active"  # the recycling is undone, and both stay listed
    assert record(client, cafe, pid, REPAIR).status_code == 201


def test_only_the_recorder_corrects_an_event_and_only_once(client, maker, cafe, make_org):
    pid = issue(client, maker)
    assert record(client, cafe, pid, REPAIR).status_code == 201
    correction = {
        "type": "correction",
        "eventTime": "2026-05-04T08:00:00+00:00",
        "correction": {"corrects": 1, "reason": "incorrect_data"},
    }
    other_cafe = make_org("Repair Café Bristol", "repairer")
    assert record(client, other_cafe, pid, correction).status_code == 403
    missing = dict(correction, correction={"corrects": 9, "reason": "incorrect_data"})
    assert record(client, cafe, pid, missing).status_code == 422
    assert record(client, cafe, pid, correction).status_code == 201
    assert record(client, cafe, pid, correction).status_code == 409
    document = client.get(f"/api/v1/passports/{pid}/events?format=epcis").json
    assert list(epcis_validator().iter_errors(document)) == []
    original, declaration = document["epcisBody"]["eventList"]
    assert declaration["eventID"] == original["eventID"]
    assert declaration["errorDeclaration"]["reason"].endswith("ER-incorrect_data")


def test_ownership_changes_are_counted_without_owners(client, maker):
    pid = issue(client, maker)
    for when in ("2026-03-01T10:00:00+00:00", "2026-08-01T10:00:00+00:00"):
        body = {
            "type": "resale",
            "eventTime": when,
            "resale": {"channel": "private", "condition": "Used"},
        }
        assert record(client, maker, pid, body).status_code == 201
    listed = history(client, pid)
    assert listed["ownershipChanges"] == 2
    text = json.dumps(listed)
    assert "owner" not in text.lower().replace("ownershipchanges", "")


def test_a_part_replacement_links_the_parts_passport(client, maker):
    kettle = issue(client, maker)
    switch = issue(client, maker, serial="SWITCH-1", name="Kettle switch")
    switch_uri = listed_uri(client, switch)
    body = {
        "type": "part_replacement",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "part_replacement": {"installed": {"description": "New switch", "passport": switch_uri}},
    }
    assert record(client, maker, kettle, body).status_code == 201
    [event] = history(client, kettle)["events"]
    assert event["relatedPassport"] == switch_uri


def test_html_in_text_is_stored_as_text(client, maker, cafe):
    pid = issue(client, maker)
    body = dict(REPAIR, repair={"outcome": "fixed", "problem": "<script>alert(1)</script>"})
    assert record(client, cafe, pid, body).status_code == 201
    assert history(client, pid)["events"][0]["repair"]["problem"] == "<script>alert(1)</script>"


def test_a_remanufactured_product_gets_a_new_passport_linked_to_the_original(client, maker):
    from passport import rdf
    from tests.helpers import untp_errors

    original = issue(client, maker, serial="OLD-1")
    renewed = issue(client, maker, serial="REMAN-1", name="Acme K1 kettle (remanufactured)")
    new_uri = listed_uri(client, renewed)
    body = {
        "type": "remanufacture",
        "eventTime": "2026-09-01T10:00:00+02:00",
        "remanufacture": {"description": "New heating element and housing", "newPassport": new_uri},
    }
    assert record(client, maker, original, body).status_code == 201
    listed = history(client, original)
    assert listed["lifeStatus"] == "end_of_life"
    assert listed["events"][0]["relatedPassport"] == new_uri
    doc = client.get(f"/api/v1/passports/{renewed}").json
    assert doc["remanufacturedFrom"] == listed_uri(client, original)
    assert untp_errors(doc) == []
    triples = rdf.to_nquads(doc, BASE_URL)
    assert "<https://w3id.org/kreislauf#remanufacturedFrom>" in triples
    assert "remanufacturedFrom" not in client.get(f"/api/v1/passports/{original}").json


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_event_is_validated_before_it_takes_the_write_lock(
    client, maker, cafe, settings, monkeypatch
):
    """Writers are not held up by an event's validation: while it validates, another process
    writes to the same SQLite file without waiting; the event is then recorded."""
    pid = issue(client, maker)
    path = settings.database_url.removeprefix("sqlite:///")
    others: list[str] = []
    validate = events_history.prepare_event

    def prepare_while_another_writes(*args: Any, **kwargs: Any) -> Any:
        with sqlite3.connect(path, timeout=0.2, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the append held it
            other.execute("UPDATE log_head SET size = size")
            other.execute("COMMIT")
        others.append("wrote")
        return validate(*args, **kwargs)

    monkeypatch.setattr(events_history, "prepare_event", prepare_while_another_writes)
    response = record(client, cafe, pid, REPAIR)
    assert response.status_code == 201, response.json
    assert others == ["wrote"] and [e["seq"] for e in history(client, pid)["events"]] == [1]


def test_an_unknown_passport_is_a_404_before_its_body_is_looked_at(client, cafe):
    response = record(client, cafe, "p_nosuchpassport", {"type": "repair"})
    assert response.status_code == 404, response.json
