"""The demo's e-bike battery: full BatteryPass data from a battery maker, a repair with a
state-of-health measurement only a legitimate interest sees, and its repurposing into home
storage under a second passport that links back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from passport.config import Settings
from tests.conftest import settings_of
from tests.helpers import ebike_battery, untp_errors
from web.demo import EBIKE, EBIKE_SERIAL, HOME_STORAGE, seed


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


@pytest.fixture
def demo(client: FlaskClient, session: Session) -> tuple[FlaskClient, list[str]]:
    lines = seed(session, settings_of(session))
    session.commit()
    return client, lines


def _pid(client: FlaskClient, uri: str) -> str:
    items = client.get("/api/v1/passports", query_string={"limit": 200}).json["items"]
    [found] = [p["id"] for p in items if p["uri"] == uri]
    return found  # type: ignore[no-any-return]


def _printed(lines: list[str], start: str) -> str:
    [line] = [line.strip() for line in lines if line.strip().startswith(start)]
    return line.rsplit(" ", 1)[-1]


def test_the_demo_holds_a_repaired_then_repurposed_e_bike_battery(demo: Any) -> None:
    client, lines = demo
    cafe = {"Authorization": "Bearer " + _printed(lines, "API key of Repair Café Kreuzberg")}
    ebike_uri = _printed(lines, "an e-bike battery (BatteryPass)")
    storage_uri = _printed(lines, "its second life as home storage")
    assert f"/01/{EBIKE}/21/{EBIKE_SERIAL}" in ebike_uri and f"/01/{HOME_STORAGE}/" in storage_uri
    ebike, storage = _pid(client, ebike_uri), _pid(client, storage_uri)

    # Full BatteryPass data: the item's own categories and those it inherits from its model.
    public = client.get(f"/api/v1/passports/{ebike}").json
    assert untp_errors(public) == []
    assert public["credentialSubject"]["battery"].keys() == ebike_battery().keys()  # all seven
    assert "battery.carbonFootprint" in public["inheritedProperties"]
    assert "battery.performance" not in public["inheritedProperties"]
    assert public["issuer"]["name"] == "Akkuwerk Demo GmbH"

    # The repair's state of health: for the repair café's key, never for an anonymous reader.
    events = client.get(f"/api/v1/passports/{ebike}/events").json
    assert [e["type"] for e in events["events"]] == ["commissioning", "sale", "repair", "repurpose"]
    repair = events["events"][2]
    assert "measurements" not in repair["repair"]
    assert "latestMeasurements" not in public
    url = f"/api/v1/passports/{ebike}/events"
    seen = client.get(url, headers=cafe).json["events"][2]["repair"]["measurements"]
    assert seen["stateOfHealth"] == 78
    as_cafe = client.get(f"/api/v1/passports/{ebike}", headers=cafe).json
    health = as_cafe["latestMeasurements"]["stateOfHealth"]
    assert health["value"] == 78 and health["measuredBy"]["name"] == "Repair Café Kreuzberg"
    assert as_cafe["latestMeasurements"]["batteryStatus"]["value"] == "Repurposed"

    # Repurposed: the original names its successor and the home storage battery its original.
    assert events["lifeStatus"] == "end_of_life"
    assert events["events"][3]["relatedPassport"] == storage_uri
    assert public["repurposedInto"] == storage_uri
    second = client.get(f"/api/v1/passports/{storage}").json
    assert second["repurposedFrom"] == ebike_uri
    assert untp_errors(second) == []
    general = second["credentialSubject"]["battery"]["generalProductInformation"]
    assert general["batteryCategory"] == "stationary"
    assert "batteryStatus" not in general  # restricted to a legitimate interest
    mine = client.get(f"/api/v1/passports/{storage}", headers=cafe).json["credentialSubject"]
    assert mine["battery"]["generalProductInformation"]["batteryStatus"] == "Repurposed"
    assert second["issuer"]["name"] == "Zweitleben Speicher Demo GmbH"
