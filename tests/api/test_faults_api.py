"""POST /api/v1/faults/suggest: fault types suggested from a repair's problem text."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.helpers import passport

URL = "/api/v1/faults/suggest"


def test_suggests_at_most_three_fault_types_best_first(client: FlaskClient) -> None:
    answer = client.post(URL, json={"productCategory": "Laptop", "problem": "Screen is cracked"})
    assert answer.status_code == 200
    suggestions = answer.get_json()["suggestions"]
    assert 1 <= len(suggestions) <= 3
    assert suggestions[0]["faultType"] == "Integrated screen"
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    assert set(suggestions[0]) == {"faultType", "score"}


def test_a_german_note_about_a_vacuum(client: FlaskClient) -> None:
    body = {"productCategory": "Vacuum", "problem": "Kabel aufroller defekt"}
    answer = client.post(URL, json=body)
    assert answer.get_json()["suggestions"][0]["faultType"] == "Cable/cord"


def test_a_category_without_a_fault_list_is_a_422_naming_the_supported_ones(
    client: FlaskClient,
) -> None:
    answer = client.post(URL, json={"productCategory": "Kettle", "problem": "Leaks"})
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["type"].endswith("/unsupported-product-category")
    for category in ("Laptop", "Desktop computer", "Mobile", "Tablet", "Printer/scanner", "Vacuum"):
        assert category in problem["detail"]
    assert problem["errors"][0]["pointer"] == "/productCategory"


def test_bad_fields_are_named(client: FlaskClient) -> None:
    cases = [
        ({"productCategory": "Mobile", "problem": "   "}, "/problem"),
        ({"productCategory": "Mobile", "problem": "x" * 2001}, "/problem"),
        ({"productCategory": "Mobile"}, "/problem"),
        ({"problem": "Screen cracked"}, "/productCategory"),
        ({"productCategory": 7, "problem": "Screen cracked"}, "/productCategory"),
        ({"productCategory": "Mobile", "problem": "x", "brand": "y"}, "/brand"),
    ]
    for body, pointer in cases:
        answer = client.post(URL, json=body)
        assert answer.status_code == 422, body
        assert pointer in [e["pointer"] for e in answer.get_json()["errors"]], body


def test_not_an_object_or_not_json(client: FlaskClient) -> None:
    assert client.post(URL, json=["Laptop"]).status_code == 422
    assert client.post(URL, data="{", content_type="application/json").status_code == 400
    assert client.post(URL, data="Laptop", content_type="text/plain").status_code == 415


def test_is_described_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"][URL]["post"]
    assert {"200", "422"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["productCategory", "problem"]


def test_a_repair_event_carries_the_chosen_fault_type(client: FlaskClient, maker: Any) -> None:
    issued = client.post("/api/v1/passports", json=passport("item"), headers=maker.headers)
    pid = issued.get_json()["id"]
    repair = {"outcome": "fixed", "category": "Laptop", "faultType": "Integrated screen"}
    body = {"type": "repair", "eventTime": "2026-05-03T14:00:00+01:00", "repair": repair}
    answer = client.post(f"/api/v1/passports/{pid}/events", json=body, headers=maker.headers)
    assert answer.status_code == 201, answer.get_json()
    [event] = client.get(f"/api/v1/passports/{pid}/events").get_json()["events"]
    assert event["repair"]["faultType"] == "Integrated screen"


def test_the_model_is_loaded_on_first_use_not_when_the_app_starts(tmp_path: Any) -> None:
    import subprocess
    import sys

    code = (
        "from passport.config import Settings\n"
        "from web.app import create_app\n"
        f"create_app(Settings(database_url='sqlite:///{tmp_path / 'r.db'}'))\n"
        "from repairs.faults import suggestion\n"
        "print(suggestion._model is None)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "True"
