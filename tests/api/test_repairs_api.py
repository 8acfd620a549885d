"""GET /api/v1/repairs: ORDS v0.3 CSV and JSON with filters."""

from __future__ import annotations

import csv
import io

from tests.helpers import passport

COLUMNS = [
    "id",
    "data_provider",
    "country",
    "partner_product_category",
    "product_category",
    "product_category_id",
    "brand",
    "year_of_manufacture",
    "product_age",
    "repair_status",
    "repair_barrier_if_end_of_life",
    "group_identifier",
    "event_date",
    "problem",
]


def test_logged_repairs_export_as_ords_rows(client, maker, make_org):
    cafe = make_org("Repair Café Cardiff", "repairer")
    pid = client.post("/api/v1/passports", json=passport("item"), headers=maker.headers).json["id"]
    for when, outcome in (("2026-05-03", "fixed"), ("2026-06-10", "end_of_life")):
        body = {
            "type": "repair",
            "eventTime": f"{when}T14:00:00+01:00",
            "repair": {"outcome": outcome, "problem": "Switch broken", "category": "Kettle"},
        }
        if outcome == "end_of_life":
            body["repair"]["barrier"] = "Spare parts not available"
        response = client.post(f"/api/v1/passports/{pid}/events", json=body, headers=cafe.headers)
        assert response.status_code == 201, response.json

    csv_response = client.get("/api/v1/repairs")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))
    assert list(rows[0]) == COLUMNS
    assert [r["repair_status"] for r in rows] == ["Fixed", "End of life"]
    assert rows[0]["product_category"] == "Kettle" and rows[0]["product_category_id"] == "14"
    assert rows[0]["group_identifier"] == "Repair Café Cardiff"
    assert rows[1]["repair_barrier_if_end_of_life"] == "Spare parts not available"

    json_rows = client.get("/api/v1/repairs?format=json").json
    assert [r["event_date"] for r in json_rows] == ["2026-05-03", "2026-06-10"]
    assert len(client.get("/api/v1/repairs?format=json&since=2026-06-01").json) == 1
    assert len(client.get("/api/v1/repairs?format=json&group=Nobody").json) == 0
    assert len(client.get("/api/v1/repairs?format=json&category=Kettle").json) == 2
    bad = client.get("/api/v1/repairs?category=Teleporter")
    assert bad.status_code == 422 and bad.json["errors"][0]["pointer"] == "/category"
    assert client.get("/api/v1/repairs?since=yesterday").status_code == 422


def test_a_repair_on_a_community_passport_exports_its_brand_and_year(client, session, make_org):
    from passport.events import history
    from passport.models import Organisation
    from passport.passports import community
    from tests.conftest import settings_of

    cafe_org = make_org("Repair Café Cardiff", "repairer")
    org = session.query(Organisation).filter_by(public_id=cafe_org.id).one()
    toaster = community.issue_community_passport(
        session,
        settings_of(session),
        org,
        category="Toaster",
        brand="Dualit",
        model="Classic",
        year=1998,
    )
    history.record_event(
        session,
        settings_of(session),
        org,
        toaster.public_id,
        {
            "type": "repair",
            "eventTime": "2026-05-03T14:00:00+01:00",
            "repair": {"outcome": "fixed", "problem": "Timer stuck", "category": "Toaster"},
        },
    )
    session.commit()
    [row] = client.get("/api/v1/repairs?format=json").json
    assert row["brand"] == "Dualit" and row["year_of_manufacture"] == "1998"
    assert row["product_age"] == "28.0" or row["product_age"] == "28"
    assert row["product_category"] == "Toaster"
