"""Search by GTIN, lot, serial, text and issuer, with cursor pagination."""

from __future__ import annotations

from typing import Any

from tests.helpers import GTIN, gtin, passport


def issue(client: Any, org: Any, body: Any) -> str:
    response = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert response.status_code == 201, response.json
    return response.json["id"]  # type: ignore[no-any-return]


def ids(client: Any, **query: Any) -> list[str]:
    response = client.get("/api/v1/passports", query_string=query)
    assert response.status_code == 200, response.json
    return [p["id"] for p in response.json["items"]]


def test_search_filters(client, maker, make_org):
    other_gtin = gtin("952012300001")
    a = issue(client, maker, passport("item", serial="A1", name="Steel kettle"))
    b = issue(client, maker, passport("item", lot="L9", serial="B2", name="Glass kettle"))
    c = issue(client, maker, passport("item", gtin_=other_gtin, serial="A1", name="Toaster"))
    other = make_org("Second Maker", "manufacturer")
    d = issue(client, other, passport("item", gtin_=gtin("400638133393"), name="Radio"))

    assert ids(client, gtin=GTIN) == [a, b]
    assert ids(client, gtin=GTIN[1:]) == [a, b]  # GTIN-13 form finds the same
    assert ids(client, serial="A1") == [a, c]
    assert ids(client, lot="L9") == [b]
    assert ids(client, q="KETTLE") == [a, b]
    assert ids(client, q="glass kettle") == [b]
    assert ids(client, q="100%") == []
    assert ids(client, issuer=other.id) == [d]
    assert ids(client, gtin=GTIN, serial="A1") == [a]
    item = client.get("/api/v1/passports", query_string={"serial": "B2"}).json["items"][0]
    assert item["uri"].endswith(f"/01/{GTIN}/10/L9/21/B2") and item["granularity"] == "item"


def test_cursor_pagination_walks_every_passport_once(client, maker):
    issued = [issue(client, maker, passport("item", serial=f"P{i}")) for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/passports", query_string=query).json
        seen += [p["id"] for p in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
        assert page["nextHref"].startswith("https://registry.example.org/api/v1/passports?")
    assert seen == issued and pages == 3


def test_bad_search_parameters_are_422_naming_the_parameter(client):
    bad_gtin = client.get("/api/v1/passports", query_string={"gtin": "09520123456789"})
    assert bad_gtin.status_code == 422 and bad_gtin.json["errors"][0]["pointer"] == "/gtin"
    bad_cursor = client.get("/api/v1/passports", query_string={"cursor": "garbage!"})
    assert bad_cursor.status_code == 422
    bad_limit = client.get("/api/v1/passports", query_string={"limit": 0})
    assert bad_limit.status_code == 422 and bad_limit.json["errors"][0]["pointer"] == "/limit"
    misspelt = client.get("/api/v1/passports", query_string={"gtn": "09520123456788"})
    assert misspelt.status_code == 422 and misspelt.json["errors"][0]["pointer"] == "/gtn"
