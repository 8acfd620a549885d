"""Issue 12, point 2: a passport's events as a UNTP 0.7.0 Digital Traceability Event credential
(``?format=dte``), valid against the official 0.7.0 DTE schema, expanding with the official
0.7.0 context in safe mode, shaped as the official DTE samples, measurements only for readers
with a legitimate interest."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from passport.events.catalogue import EVENT_TYPES
from passport.events.dte import DISPOSITIONS, KINDS, LEFT_OUT, UNTP_070
from tests.api.test_events import REPAIR, issue, record
from tests.helpers import FIXTURES, published_loader, safe_mode_problems

UNTP_2026 = FIXTURES / "standards-2026" / "untp-0.7.0"
SAMPLES = UNTP_2026 / "samples" / "pre-release" / "dte"


@cache
def dte_validator() -> Draft202012Validator:
    schema = json.loads((UNTP_2026 / "schema" / "DigitalTraceabilityEvent.json").read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def dte_errors(document: dict[str, Any]) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in dte_validator().iter_errors(document)]


def untp_070_loader() -> Any:
    """The published contexts, plus UNTP 0.7.0's from the official file; nothing else."""
    context = json.loads((UNTP_2026 / "context" / "untp-context.jsonld").read_text())

    def own(url: str) -> dict[str, Any]:
        assert url == UNTP_070, f"{url} is not a published context"
        return context  # type: ignore[no-any-return]

    return published_loader(own)


def sample(name: str) -> dict[str, Any]:
    """An official DTE sample: ``battery_make``, ``smelter_make``, ``cathode_move``, ``move``."""
    infix = "" if name == "move" else f"_{name}"
    path = SAMPLES / f"DigitalTraceabilityEvent{infix}_instance.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_every_event_type_is_decided_and_every_disposition_is_untps():
    assert set(KINDS) | LEFT_OUT == set(EVENT_TYPES)
    assert {kind for kind, _, _ in KINDS.values()} == {"MakeEvent", "MoveEvent", "ModifyEvent"}
    assert {d for _, d, _ in KINDS.values() if d} <= DISPOSITIONS
    assert KINDS["commissioning"][0] == "MakeEvent"
    assert {KINDS[t][0] for t in ("sale", "resale", "collection")} == {"MoveEvent"}
    modify = ("repair", "refurbishment", "part_replacement", "remanufacture")
    assert {KINDS[t][0] for t in modify} == {"ModifyEvent"}
    schema = json.loads((UNTP_2026 / "schema" / "DigitalTraceabilityEvent.json").read_text())
    enum = schema["$defs"]["EventProduct"]["properties"]["disposition"]["enum"]
    assert set(enum) == DISPOSITIONS and len(enum) == 9


def test_the_official_samples_pass_the_checks_served_dtes_must_pass():
    loader = untp_070_loader()
    for name in ("battery_make", "smelter_make", "cathode_move", "move"):
        document = sample(name)
        assert dte_errors(document) == [], name
        assert safe_mode_problems(document, loader) == [], name


SALE = {"type": "sale", "eventTime": "2026-02-01T10:00:00+01:00"}
COLLECTION = {"type": "collection", "eventTime": "2026-09-01T10:00:00+00:00"}
INSPECTION = {
    "type": "inspection",
    "eventTime": "2026-05-03T14:00:00+01:00",
    "inspection": {"measurements": {"stateOfHealth": 86.5, "numberOfFullCycles": 312}},
}


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


@pytest.fixture
def lifecycle(client: Any, maker: Any, cafe: Any, make_org: Any) -> str:
    """A passport's life: commissioning, sale, repair, inspection (measured), a corrected
    repair, collection."""
    pid = issue(client, maker, serial="DTE-1")
    commissioning = {"type": "commissioning", "eventTime": "2026-01-10T09:00:00+01:00"}
    for org, body in ((maker, commissioning), (maker, SALE), (cafe, REPAIR), (cafe, INSPECTION)):
        assert record(client, org, pid, body).status_code == 201, body
    wrong = dict(REPAIR, eventTime="2026-06-01T10:00:00+00:00")
    assert record(client, cafe, pid, wrong).status_code == 201
    correction = {
        "type": "correction",
        "eventTime": "2026-06-02T10:00:00+00:00",
        "correction": {"corrects": 5, "reason": "did_not_occur"},
    }
    assert record(client, cafe, pid, correction).status_code == 201
    recycler = make_org("Recycling Centre North", "recycler")
    assert record(client, recycler, pid, COLLECTION).status_code == 201
    return pid


def dte(client: Any, pid: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    answer = client.get(f"/api/v1/passports/{pid}/events?format=dte", headers=headers or {})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "application/ld+json"
    assert answer.headers["Cache-Control"] == "private, no-cache"
    return answer.get_json()  # type: ignore[no-any-return]


def test_the_history_is_a_valid_dte_that_expands_in_safe_mode(client, lifecycle, cafe):
    loader = untp_070_loader()
    for headers in ({}, cafe.headers):
        document = dte(client, lifecycle, headers)
        assert dte_errors(document) == []
        assert safe_mode_problems(document, loader) == []
    events = document["credentialSubject"]
    kinds = [e["type"][0] for e in events]
    # the corrected repair and the correction are left out
    assert kinds == ["MakeEvent", "MoveEvent", "ModifyEvent", "ModifyEvent", "MoveEvent"]
    epcis = client.get(f"/api/v1/passports/{lifecycle}/events?format=epcis").get_json()
    epcis_ids = [e["eventID"] for e in epcis["epcisBody"]["eventList"]]
    assert [e["id"] for e in events] == [
        epcis_ids[i] for i in (0, 1, 2, 3, 6)
    ]  # 5: the declaration
    made, sold, repaired, _, collected = events
    assert made["outputProduct"][0]["disposition"] == "new" and made["inputProduct"] == []
    assert sold["movedProduct"][0]["disposition"] == "active"
    assert repaired["modifiedProduct"][0]["disposition"] == "repaired"
    assert repaired["relatedParty"][0]["party"]["name"] == "Repair Café Cardiff"
    assert collected["movedProduct"][0]["disposition"] == "disposed"
    assert collected["toFacility"]["name"] == "Recycling Centre North"
    product = made["outputProduct"][0]["product"]
    assert product["itemNumber"] == "DTE-1" and product["idGranularity"] == "item"
    assert product["id"].startswith("https://id.gs1.org/01/") or "/01/" in product["id"]


def _shape(node: Any) -> Any:
    """The keys of a JSON value, recursively (lists by their first item)."""
    if isinstance(node, dict):
        return {key: _shape(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_shape(node[0])] if node else []
    return type(node).__name__


def _keys_within(ours: Any, theirs: Any, where: str = "") -> list[str]:
    """Where ``ours`` has a key the official sample does not have at the same place."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        problems = [f"{where}/{k}" for k in ours if k not in theirs]
        return problems + [
            p for k in ours if k in theirs for p in _keys_within(ours[k], theirs[k], f"{where}/{k}")
        ]
    if isinstance(ours, list) and isinstance(theirs, list) and ours and theirs:
        return _keys_within(ours[0], theirs[0], where + "/0")
    return []


def test_make_and_move_events_are_shaped_as_the_official_samples(client, lifecycle):
    events = dte(client, lifecycle)["credentialSubject"]
    make, move = sample("battery_make"), sample("move")
    outer = {k: v for k, v in dte(client, lifecycle).items() if k != "credentialSubject"}
    assert _keys_within(_shape(outer), _shape(make)) == []
    make_event, move_event = make["credentialSubject"][0], move["credentialSubject"][0]
    make_event["inputProduct"] = make_event["outputProduct"]  # ours is empty: compare as output
    # the move sample moves a model; an item's product has an itemNumber (as in the make sample)
    move_event["movedProduct"][0]["product"]["itemNumber"] = "BAT-75-2025-00471"
    for ours in events:
        theirs = make_event if ours["type"][0] == "MakeEvent" else move_event
        if ours["type"][0] == "ModifyEvent":
            continue
        assert _keys_within(_shape(ours), _shape(theirs)) == [], ours["type"]
        assert ours["type"] == theirs["type"]
        assert set(theirs["activityType"]) - set(ours["activityType"]) == {"definition"}


def test_measurements_are_sensor_data_only_for_a_legitimate_interest(client, lifecycle, cafe):
    public = json.dumps(dte(client, lifecycle))
    assert "sensorData" not in public and "86.5" not in public
    inspected = dte(client, lifecycle, cafe.headers)["credentialSubject"][3]
    assert inspected["sensorData"] == [
        {
            "metric": {
                "type": ["PerformanceMetric"],
                "id": "https://w3id.org/kreislauf/cbv/MT-StateOfHealth",
                "name": "stateOfHealth",
            },
            "measure": [{"value": 86.5, "unit": "P1"}],
        },
        {
            "metric": {
                "type": ["PerformanceMetric"],
                "id": "https://w3id.org/kreislauf/cbv/MT-NumberOfFullCycles",
                "name": "numberOfFullCycles",
            },
            "measure": [{"value": 312, "unit": "C62"}],
        },
    ]


def test_every_event_type_makes_a_valid_dte(client, maker, make_org):
    """Each type the catalogue knows, recorded by the issuer where it may, is a valid DTE."""
    recycler = make_org("Recycling Centre North", "recycler")
    loader = untp_070_loader()
    served: set[str] = set()
    for event_type in sorted(set(KINDS) - {"remanufacture", "repurpose", "part_replacement"}):
        pid = issue(client, maker, serial=f"T-{event_type[:10]}")
        body: dict[str, Any] = {"type": event_type, "eventTime": "2026-04-01T10:00:00+00:00"}
        if event_type == "recall":
            body["recall"] = {"reason": "Overheating switch"}
        answer = record(client, maker, pid, body)
        if answer.status_code == 403:
            answer = record(client, recycler, pid, body)
        if answer.status_code != 201:
            continue  # needs details: covered by the lifecycle and the EPCIS tests
        document = dte(client, pid)
        assert dte_errors(document) == [], event_type
        assert safe_mode_problems(document, loader) == [], event_type
        served.add(event_type)
    assert {"commissioning", "sale", "recycling", "destruction", "recall"} <= served, served


def test_a_dte_read_of_measurements_is_logged_as_api_dte(client, lifecycle, cafe, maker):
    dte(client, lifecycle)  # the public sees no measurement: nothing to log
    dte(client, lifecycle, cafe.headers)
    log = client.get(f"/api/v1/passports/{lifecycle}/access-log", headers=maker.headers)
    assert [r["way"] for r in log.get_json()["reads"]] == ["api-dte"]


def listed_uri(client: Any, pid: str) -> str:
    """The passport's URI, from its history (not from the credential, whose shape varies)."""
    return client.get(f"/api/v1/passports/{pid}/events").get_json()["passport"]  # type: ignore[no-any-return]


def test_a_remanufacture_modifies_the_product_into_its_new_passport(client, maker):
    original = issue(client, maker, serial="OLD-1")
    renewed = issue(client, maker, serial="REMAN-1", name="Acme K1 kettle (remanufactured)")
    switch = issue(client, maker, serial="SWITCH-1", name="Kettle switch")
    part = {
        "type": "part_replacement",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "part_replacement": {"installed": {"description": "New switch"}},
    }
    part["part_replacement"]["installed"]["passport"] = listed_uri(client, switch)  # type: ignore[index]
    body = {
        "type": "remanufacture",
        "eventTime": "2026-09-01T10:00:00+02:00",
        "remanufacture": {"description": "New housing", "newPassport": listed_uri(client, renewed)},
    }
    assert record(client, maker, original, part).status_code == 201
    assert record(client, maker, original, body).status_code == 201
    document = dte(client, original)
    assert dte_errors(document) == []
    assert safe_mode_problems(document, untp_070_loader()) == []
    replaced, remanufactured = document["credentialSubject"]
    assert replaced["type"][0] == remanufactured["type"][0] == "ModifyEvent"
    assert replaced["modifiedProduct"][0]["disposition"] == "repaired"
    assert len(replaced["relatedDocument"]) == 2  # the product's passport and the part's
    old, new = remanufactured["modifiedProduct"]
    assert (old["disposition"], new["disposition"]) == ("consumed", "new")
    assert new["product"]["id"] == listed_uri(client, renewed)
