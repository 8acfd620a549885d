"""A repair's faultType over the API: on its category's fault list when it has one (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import passport


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


def issue(client: Any, org: Any) -> str:
    body = passport("item")
    body["product"]["productionDate"] = "2025-01-15"
    response = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert response.status_code == 201, response.json
    return response.json["id"]  # type: ignore[no-any-return]


def record(client: Any, org: Any, pid: str, **fields: Any) -> Any:
    body = {
        "type": "repair",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "repair": {"outcome": "fixed", "problem": "Hinge broken, screwed back"} | fields,
    }
    return client.post(f"/api/v1/passports/{pid}/events", json=body, headers=org.headers)


def recorded(client: Any, pid: str) -> list[dict[str, Any]]:
    return [e["repair"] for e in client.get(f"/api/v1/passports/{pid}/events").json["events"]]


@pytest.mark.parametrize(
    ("category", "sent", "stored"),
    [
        ("Laptop", "Case/chassis", "Case/chassis"),
        ("laptop", "case/CHASSIS", "Case/chassis"),  # the list's spelling is stored
        ("Kettle", "Broken hinge", "Broken hinge"),  # no list: free text, as before
        (None, "Broken hinge", "Broken hinge"),  # no category: free text
    ],
)
def test_a_fault_type_is_recorded(client, maker, cafe, category, sent, stored):
    pid = issue(client, maker)
    fields = {"faultType": sent} | ({"category": category} if category else {})
    response = record(client, cafe, pid, **fields)
    assert response.status_code == 201, response.json
    (repair,) = recorded(client, pid)
    assert repair["faultType"] == stored and repair.get("category") == category


def test_a_fault_type_off_the_list_is_a_422_naming_the_field(client, maker, cafe):
    pid = issue(client, maker)
    response = record(client, cafe, pid, category="Vacuum", faultType="Integrated screen")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    (error,) = response.json["errors"]
    assert error["pointer"] == "/repair/faultType"
    assert "fault types of the category 'Vacuum'" in error["message"]
    assert "Blockage" in error["message"] and "Hose/tube/pipe" in error["message"]
    assert recorded(client, pid) == []


def test_free_text_over_100_characters_is_still_refused(client, maker, cafe):
    pid = issue(client, maker)
    response = record(client, cafe, pid, category="Kettle", faultType="x" * 101)
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["/repair/faultType"]
