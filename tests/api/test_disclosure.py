"""Access tiers over HTTP: issuer marks at issuance, grants, caching headers, the page note,
what a model passport's marks do to the items that inherit from it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from passport.config import Settings
from tests.conftest import BASE_URL
from tests.helpers import CIRCULARITY, passport


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


SECRET = "only-for-repairers-3c1"
MARK = [{"path": "/product/characteristics", "tier": "legitimate-interest"}]


def restricted_body(**kw: Any) -> dict[str, Any]:
    body = passport("item", **kw)
    body["product"]["characteristics"] = {"recipe": SECRET}
    body["restricted"] = MARK
    return body


def issue(client: Any, org: Any, body: dict[str, Any]) -> str:
    answer = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return str(answer.get_json()["id"])


def read(client: Any, pid: str, headers: dict[str, str] | None = None) -> Any:
    return client.get(f"/api/v1/passports/{pid}", headers=headers or {})


def test_bad_marks_are_a_422_and_store_nothing(client, maker):
    body = restricted_body()
    body["restricted"] = [{"path": "/product/nothing", "tier": "authority"}]
    answer = client.post("/api/v1/passports", json=body, headers=maker.headers)
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == [
        {"pointer": "/restricted/0/path", "message": "points at nothing in the document"}
    ]
    assert client.get("/api/v1/passports").get_json()["items"] == []


def test_views_differ_so_caches_keep_them_private_and_public_passports_stay_cacheable(
    client, maker, make_org
):
    secret = issue(client, maker, restricted_body())
    plain = issue(client, maker, passport("item", serial="999"))
    answer = read(client, secret)
    assert SECRET not in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "private, no-cache"
    assert {"Accept", "Authorization"} <= set(answer.vary)
    assert "private" not in read(client, plain).headers.get("Cache-Control", "")
    assert "Authorization" not in read(client, plain).vary
    assert SECRET in read(client, secret, maker.headers).get_data(as_text=True)
    bad = read(client, secret, {"Authorization": "Bearer kl_not-a-key"})
    assert bad.status_code == 401  # a key is optional, a wrong one is still wrong


def test_a_new_version_carries_the_marks_it_is_given(client, maker):
    pid = issue(client, maker, restricted_body())
    body = restricted_body()
    del body["restricted"]
    assert (
        client.put(f"/api/v1/passports/{pid}", json=body, headers=maker.headers).status_code == 200
    )
    assert SECRET in read(client, pid).get_data(as_text=True)  # v2 restricts nothing
    v1 = client.get(f"/api/v1/passports/{pid}?version=1").get_data(as_text=True)
    assert SECRET not in v1  # v1 still does


def test_an_item_inherits_its_models_marks_with_what_it_inherits(client, maker):
    model = passport("model", serial=None, circularityScorecard=CIRCULARITY)
    model["product"]["description"] = "Model secret 7aa0"
    model["restricted"] = [{"path": "/product/description", "tier": "authority"}]
    issue(client, maker, model)
    inheriting = issue(client, maker, passport("item", serial="1"))
    own = passport("item", serial="2")
    own["product"]["description"] = "Own words 51bd"
    owning = issue(client, maker, own)
    assert "7aa0" not in read(client, inheriting).get_data(as_text=True)
    assert "7aa0" in read(client, inheriting, maker.headers).get_data(as_text=True)
    assert "51bd" in read(client, owning).get_data(as_text=True)


def test_grants_all_passports_or_one_and_only_the_issuer_sees_and_revokes_them(
    client, maker, make_org
):
    rival = make_org("Rival GmbH", "manufacturer")
    other = make_org("Other Issuer", "manufacturer")
    first = issue(client, maker, restricted_body(serial="1"))
    second = issue(client, maker, restricted_body(serial="2"))
    grant = {"organisation": rival.id, "passport": first}
    made = client.post("/api/v1/grants", json=grant, headers=maker.headers)
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.get_json()["scope"] == "passport" and made.get_json()["passport"] == first
    assert SECRET in read(client, first, rival.headers).get_data(as_text=True)
    assert SECRET not in read(client, second, rival.headers).get_data(as_text=True)
    again = client.post("/api/v1/grants", json=grant, headers=maker.headers)
    assert again.status_code == 409
    listed = client.get("/api/v1/grants", headers=maker.headers).get_json()["grants"]
    assert [g["id"] for g in listed] == [made.get_json()["id"]]
    assert client.get("/api/v1/grants", headers=other.headers).get_json()["grants"] == []
    gid = made.get_json()["id"]
    assert client.delete(f"/api/v1/grants/{gid}", headers=other.headers).status_code == 404
    assert client.delete(f"/api/v1/grants/{gid}", headers=maker.headers).status_code == 204
    assert SECRET not in read(client, first, rival.headers).get_data(as_text=True)
    everything = client.post(
        "/api/v1/grants", json={"organisation": rival.id}, headers=maker.headers
    )
    assert everything.get_json()["scope"] == "all"
    assert SECRET in read(client, second, rival.headers).get_data(as_text=True)


def test_bad_grants_are_refused_naming_the_field(client, maker, make_org):
    other = make_org("Other Issuer", "manufacturer")
    theirs = client.post(
        "/api/v1/passports", json=passport("item", serial="7"), headers=maker.headers
    ).get_json()["id"]
    cases = [
        ({"organisation": "org_nobody"}, "/organisation"),
        ({"organisation": other.id}, "/organisation"),
        ({}, "/organisation"),
        ({"organisation": maker.id, "colour": "red"}, "/colour"),
        ({"organisation": maker.id, "passport": theirs}, "/passport"),
        ({"organisation": maker.id, "passport": 7}, "/passport"),
    ]
    for body, pointer in cases:
        answer = client.post("/api/v1/grants", json=body, headers=other.headers)
        assert answer.status_code == 422, body
        assert pointer in [e["pointer"] for e in answer.get_json()["errors"]], body
    assert client.post("/api/v1/grants", json={"organisation": maker.id}).status_code == 401
    assert client.get("/api/v1/grants").status_code == 401
    # None of the refused grants was stored.
    for org in (maker, other):
        assert client.get("/api/v1/grants", headers=org.headers).get_json()["grants"] == []


def test_the_page_says_more_is_available_when_something_was_withheld(client, maker):
    pid = issue(client, maker, restricted_body())
    plain = issue(client, maker, passport("item", serial="999"))
    english = client.get(f"/passports/{pid}").get_data(as_text=True)
    assert "more is available to repairers, recyclers and authorities" in english
    german = client.get(f"/passports/{pid}", headers={"Accept-Language": "de"})
    assert "Reparaturbetrieben, Recyclingbetrieben und Behörden" in german.get_data(as_text=True)
    assert "private" in german.headers["Cache-Control"]
    assert "more is available" not in client.get(f"/passports/{plain}").get_data(as_text=True)


def test_reads_of_restricted_data_are_logged_for_the_issuer_and_authorities_only(
    client, maker, make_org
):
    repairer = make_org("Repair Café", "repairer")
    authority = make_org("Market Surveillance", "authority")
    rival = make_org("Rival GmbH", "manufacturer")
    pid = issue(client, maker, restricted_body())
    plain = issue(client, maker, passport("item", serial="999"))
    read(client, pid)  # the public view: nothing restricted shown, nothing logged
    read(client, pid, rival.headers)
    read(client, plain, repairer.headers)  # nothing restricted in it
    read(client, pid, repairer.headers)
    client.get(f"/api/v1/passports/{pid}?format=ttl", headers=repairer.headers)
    log = client.get(f"/api/v1/passports/{pid}/access-log", headers=maker.headers)
    assert log.status_code == 200 and log.headers["Cache-Control"] == "private, no-store"
    reads = log.get_json()["reads"]
    assert [(r["organisation"]["id"], r["tier"], r["way"]) for r in reads] == [
        (repairer.id, "legitimate-interest", "api-jsonld"),
        (repairer.id, "legitimate-interest", "api-turtle"),
    ]
    assert set(reads[0]) == {"organisation", "role", "tier", "way", "readAt"}
    as_authority = client.get(f"/api/v1/passports/{pid}/access-log", headers=authority.headers)
    assert len(as_authority.get_json()["reads"]) == 2
    for who, status in ((rival.headers, 403), (repairer.headers, 403), ({}, 401)):
        assert client.get(f"/api/v1/passports/{pid}/access-log", headers=who).status_code == status
    uri = client.get(f"/api/v1/passports/{pid}").get_json()["credentialSubject"]["product"]["id"]
    resolved = client.get(uri, headers={**authority.headers, "Accept": "application/ld+json"})
    assert SECRET in resolved.get_data(as_text=True)
    reads = client.get(f"/api/v1/passports/{pid}/access-log", headers=maker.headers)
    assert reads.get_json()["reads"][-1]["way"] == "resolver"
    assert reads.get_json()["reads"][-1]["tier"] == "authority"


def test_the_access_log_pages_and_forgets_reads_past_its_retention(
    client, maker, make_org, session
):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, update

    from passport.disclosure.access_log import prune
    from passport.models import AccessRead

    repairer = make_org("Repair Café", "repairer")
    pid = issue(client, maker, restricted_body())
    for _ in range(5):
        read(client, pid, repairer.headers)
    url = f"/api/v1/passports/{pid}/access-log"
    first = client.get(f"{url}?limit=2", headers=maker.headers)
    assert len(first.get_json()["reads"]) == 2
    following = first.get_json()["next"]
    assert first.headers["Link"] == f'<{following}>; rel="next"'
    seen = 2
    while following:
        page = client.get(following.removeprefix(BASE_URL), headers=maker.headers).get_json()
        seen += len(page["reads"])
        following = page["next"]
    assert seen == 5
    assert client.get(url, headers=maker.headers).get_json()["next"] is None
    for bad in ("limit=0", "limit=1001", "after=-1", "after=9223372036854775808", "page=2"):
        answer = client.get(f"{url}?{bad}", headers=maker.headers)
        assert answer.status_code == 422, bad

    # Retention: reads older than the period are deleted, newer ones kept.
    old = datetime.now(UTC) - timedelta(days=2000)
    oldest = session.scalars(select(AccessRead.pk).order_by(AccessRead.pk)).first()
    session.execute(update(AccessRead).where(AccessRead.pk == oldest).values(read_at=old))
    assert prune(session, datetime.now(UTC) - timedelta(days=1825)) == 1
    session.commit()
    assert len(client.get(url, headers=maker.headers).get_json()["reads"]) == 4


def test_reading_measurements_in_events_is_logged_and_reading_none_is_not(client, maker, make_org):
    repairer = make_org("Repair Café", "repairer")
    pid = issue(client, maker, passport("item", serial="777"))
    url = f"/api/v1/passports/{pid}/events"
    client.get(url, headers=repairer.headers)  # no measurements yet: nothing logged
    inspection = {"type": "inspection", "eventTime": "2026-05-03T14:00:00+01:00"}
    inspection["inspection"] = {"measurements": {"stateOfHealth": 91}}
    assert client.post(url, json=inspection, headers=repairer.headers).status_code == 201
    client.get(url)  # public: measurements withheld, nothing logged
    client.get(url, headers=repairer.headers)
    client.get(f"{url}?format=epcis", headers=repairer.headers)
    reads = client.get(f"/api/v1/passports/{pid}/access-log", headers=maker.headers)
    assert [(r["way"], r["tier"]) for r in reads.get_json()["reads"]] == [
        ("api-events", "legitimate-interest"),
        ("api-epcis", "legitimate-interest"),
    ]


def test_openapi_documents_marks_grants_optional_keys_and_the_access_log(client):
    spec = client.get("/api/openapi.json").get_json()
    component = spec["components"]["schemas"]["ProductPassport"]
    tiers = component["properties"]["restricted"]["items"]["properties"]["tier"]["enum"]
    assert tiers == ["legitimate-interest", "authority", "issuer"]
    assert {"post", "get"} <= set(spec["paths"]["/api/v1/grants"])
    assert "delete" in spec["paths"]["/api/v1/grants/{grant_id}"]
    assert "get" in spec["paths"]["/api/v1/passports/{passport_id}/access-log"]
    read = spec["paths"]["/api/v1/passports/{passport_id}"]["get"]
    assert read["security"] == [{}, {"bearer": []}]  # a key is optional on reads
