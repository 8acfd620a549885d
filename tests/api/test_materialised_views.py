"""Materialised passport views (docs/CACHING.md): each rule of the read key, tested by changing
what it names and seeing the ETag and the body change; strong ETags and 304s; Cache-Control
public only where no tier sees another view; tiers never share a view; reads served from the
store still reach the access log."""

from __future__ import annotations

from typing import Any

import pytest

from passport.views_cache import keys
from passport.views_cache.store import View, ViewStore
from tests.conftest import BASE_URL
from tests.helpers import GTIN, passport

JSONLD = {"Accept": "application/ld+json"}
LINKSET = {"Accept": "application/linkset+json"}
SECRET = "only-for-repairers-9f2"


def issue(client: Any, org: Any, body: dict[str, Any]) -> str:
    answer = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return str(answer.get_json()["id"])


def restricted(serial: str = "12345") -> dict[str, Any]:
    body = passport("item", serial=serial)
    body["product"]["characteristics"] = {"recipe": SECRET}
    body["restricted"] = [{"path": "/product/characteristics", "tier": "legitimate-interest"}]
    return body


def record(client: Any, org: Any, pid: str, body: dict[str, Any]) -> None:
    answer = client.post(f"/api/v1/passports/{pid}/events", json=body, headers=org.headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)


def store(client: Any) -> ViewStore:
    return client.application.extensions["kreislauf"].views  # type: ignore[no-any-return]


REPAIR = {
    "type": "repair",
    "eventTime": "2026-05-03T14:00:00+01:00",
    "repair": {"outcome": "fixed", "problem": "Switch 5c1e replaced", "spareParts": "third_party"},
}
ITEM = f"/01/{GTIN}/21/12345"
# (path, headers) of every kept view of the item: resolver JSON-LD and linkset, API, page
WAYS = [
    (ITEM, JSONLD),
    (ITEM, LINKSET),
    (ITEM + "?untp=0.6.1", JSONLD),
    ("/api/v1/passports/{pid}", {}),
    ("/api/v1/passports/{pid}?untp=0.6.1", {}),
    ("/passports/{pid}", {"Accept": "text/html"}),
]


def views(client: Any, pid: str) -> dict[str, tuple[str, bytes]]:
    """ETag and body of every way, each asked twice: the second answer is the stored one."""
    seen = {}
    for path, headers in WAYS:
        url = path.format(pid=pid)
        first = client.get(url, headers=headers)
        again = client.get(url, headers=headers)
        assert first.status_code == again.status_code == 200, (url, first.status_code)
        assert first.headers["ETag"] == again.headers["ETag"] and first.data == again.data
        assert not first.headers["ETag"].startswith("W/")  # strong: the bytes are the view's
        seen[url] = (first.headers["ETag"], first.data)
    return seen


def changed(before: dict[str, tuple[str, bytes]], after: dict[str, tuple[str, bytes]]) -> set[str]:
    return {url for url in before if before[url][0] != after[url][0]}


def test_a_kept_view_is_served_again_with_its_etag_and_a_304_without_a_body(client, maker):
    pid = issue(client, maker, passport("item"))
    kept = store(client)
    for path, headers in WAYS:
        url = path.format(pid=pid)
        first = client.get(url, headers=headers)
        hits = kept.hits
        again = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert kept.hits == hits + 1, url
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
        other = client.get(url, headers={**headers, "If-None-Match": '"another"'})
        assert other.status_code == 200 and other.data == first.data


@pytest.mark.parametrize(
    "change",
    ["new version", "withdrawal", "event", "correction"],
)
def test_a_change_of_the_passport_changes_every_view(client, maker, make_org, change):
    pid = issue(client, maker, passport("item"))
    before = views(client, pid)
    if change == "new version":
        body = passport("item", name="Acme K1 kettle, second edition")
        assert (
            client.put(f"/api/v1/passports/{pid}", json=body, headers=maker.headers).status_code
            == 200
        )
    elif change == "withdrawal":
        assert (
            client.post(f"/api/v1/passports/{pid}/withdraw", headers=maker.headers).status_code
            == 200
        )
    else:
        cafe = make_org("Repair Café", "repairer")
        record(client, cafe, pid, REPAIR)
        if change == "correction":
            before = views(client, pid)
            correction = {
                "type": "correction",
                "eventTime": "2026-05-04T10:00:00+01:00",
                "correction": {"corrects": 1, "reason": "did_not_occur"},
            }
            record(client, cafe, pid, correction)
    after = views(client, pid)
    assert changed(before, after) == set(before)
    page = f"/passports/{pid}"
    assert before[page][1] != after[page][1]
    if change in ("new version", "withdrawal"):
        assert all(before[url][1] != after[url][1] for url in before)


def test_a_new_version_of_the_model_or_batch_changes_the_items_views(client, maker):
    model = passport("model", serial=None)
    model["product"]["description"] = "Model words 1"
    model_id = issue(client, maker, model)
    batch_id = issue(client, maker, passport("batch", serial=None, lot="L1"))
    pid = issue(client, maker, passport("item", lot="L1"))
    before = views(client, pid)
    model["product"]["description"] = "Model words 2"
    assert (
        client.put(f"/api/v1/passports/{model_id}", json=model, headers=maker.headers).status_code
        == 200
    )
    after = views(client, pid)
    assert changed(before, after) == set(before)
    api = f"/api/v1/passports/{pid}"
    assert b"Model words 1" in before[api][1] and b"Model words 2" in after[api][1]
    batch = passport("batch", serial=None, lot="L1", name="Acme K1 kettle, batch L1")
    assert (
        client.put(f"/api/v1/passports/{batch_id}", json=batch, headers=maker.headers).status_code
        == 200
    )
    assert changed(after, views(client, pid)) == set(before)


def test_lineage_a_remanufacture_and_its_correction_change_the_new_passports_views(client, maker):
    original = issue(client, maker, passport("item", serial="OLD-1"))
    renewed = issue(client, maker, passport("item", serial="REMAN-1"))
    api = f"/api/v1/passports/{renewed}"
    before = client.get(api)
    assert "remanufacturedFrom" not in before.get_json()
    canonical = before.headers["Link"].split(">")[0].lstrip("<")  # rel="canonical"
    remanufacture = {
        "type": "remanufacture",
        "eventTime": "2026-09-01T10:00:00+02:00",
        "remanufacture": {"description": "New housing", "newPassport": canonical},
    }
    record(client, maker, original, remanufacture)
    linked = client.get(api)
    assert linked.headers["ETag"] != before.headers["ETag"]
    assert "remanufacturedFrom" in linked.get_data(as_text=True)
    correction = {
        "type": "correction",
        "eventTime": "2026-09-02T10:00:00+02:00",
        "correction": {"corrects": 1, "reason": "did_not_occur"},
    }
    record(client, maker, original, correction)
    unlinked = client.get(api)
    assert unlinked.headers["ETag"] not in (before.headers["ETag"], linked.headers["ETag"])
    assert "remanufacturedFrom" not in unlinked.get_data(as_text=True)


def test_views_are_per_tier_and_a_restricted_field_reaches_only_its_tiers(client, maker, make_org):
    repairer = make_org("Repair Café", "repairer")
    rival = make_org("Rival GmbH", "manufacturer")
    pid = issue(client, maker, restricted())
    for path, headers in WAYS:
        url = path.format(pid=pid)
        public = client.get(url, headers=headers)
        assert SECRET not in public.get_data(as_text=True), url
        assert public.headers["Cache-Control"] == "private, no-cache", url
        assert "Accept" in public.vary
        if url.startswith("/passports/"):
            continue  # the page of a signed-in person is never kept (tests/web/pages)
        assert "Authorization" in public.vary
        shown = client.get(url, headers={**headers, **repairer.headers})
        assert shown.headers["ETag"] != public.headers["ETag"]
        if headers is LINKSET:
            continue  # a linkset holds links, not the restricted value
        assert SECRET in shown.get_data(as_text=True), url
        # Another organisation of the public tier, then nobody, after the repairer's view
        # was kept: neither gets it, not even by naming its ETag.
        for who in (rival.headers, {}):
            again = client.get(
                url, headers={**headers, **who, "If-None-Match": shown.headers["ETag"]}
            )
            assert again.status_code == 200 and SECRET not in again.get_data(as_text=True), url


def test_a_view_no_tier_changes_is_public_for_shared_caches(client, maker, make_org):
    pid = issue(client, maker, passport("item"))
    repairer = make_org("Repair Café", "repairer")
    for path, headers in WAYS:
        url = path.format(pid=pid)
        for who in ({}, repairer.headers):
            answer = client.get(url, headers={**headers, **who})
            assert answer.headers["Cache-Control"].startswith("public, max-age="), url
            assert "Authorization" not in answer.vary


def test_reads_served_from_the_store_reach_the_access_log(client, maker, make_org):
    repairer = make_org("Repair Café", "repairer")
    pid = issue(client, maker, restricted())
    api = f"/api/v1/passports/{pid}"
    first = client.get(api, headers=repairer.headers)
    hits = store(client).hits
    client.get(api, headers=repairer.headers)
    client.get(api, headers={**repairer.headers, "If-None-Match": first.headers["ETag"]})
    client.get(ITEM, headers={**repairer.headers, **JSONLD})
    client.get(ITEM, headers={**repairer.headers, **JSONLD})
    client.get(api)  # the public view: nothing restricted shown, nothing logged
    assert store(client).hits >= hits + 3
    reads = client.get(f"{api}/access-log", headers=maker.headers).get_json()["reads"]
    assert [r["way"] for r in reads] == ["api-jsonld"] * 3 + ["resolver"] * 2


def test_signed_answers_are_never_kept(client, maker):
    pid = issue(client, maker, passport("item"))
    before = len(store(client))
    for accept in ("application/vc+jwt", "application/vc+sd-jwt"):
        answer = client.get(f"/api/v1/passports/{pid}", headers={"Accept": accept})
        assert answer.status_code == 200 and "ETag" not in answer.headers
    assert len(store(client)) == before


def test_a_view_built_while_its_key_changed_is_not_kept(client, maker, monkeypatch):
    pid = issue(client, maker, passport("item"))
    real = keys.by_pk

    def moved(source: Any, pk: int) -> keys.Found | None:
        found = real(source, pk)
        assert found is not None
        return keys.Found(
            *[
                getattr(found, f)
                for f in ("pk", "public_id", "uri", "identity_key", "issuer_pk", "current_version")
            ],
            parts=(*found.parts[:-1], 10**6),
        )

    monkeypatch.setattr(keys, "by_pk", moved)
    assert client.get(f"/api/v1/passports/{pid}").status_code == 200
    assert len(store(client)) == 0


def test_the_etag_names_the_registry_address_code_and_slot(monkeypatch):
    found = keys.Found(1, "p1", "https://id.example/01/1", "01/1", 1, 1, (1, None, None))
    etag = found.digest(BASE_URL, "public", ("api",))
    assert found.digest("https://other.example", "public", ("api",)) != etag
    assert found.digest(BASE_URL, "issuer", ("api",)) != etag
    assert found.digest(BASE_URL, "public", ("page",)) != etag
    monkeypatch.setattr(keys, "code_version", lambda: "another deployment")
    assert found.digest(BASE_URL, "public", ("api",)) != etag


def test_the_store_forgets_the_least_recently_used_past_its_bytes():
    def view(n: int) -> View:
        return View(200, b"x" * n, (), False, False, "api-jsonld")

    kept = ViewStore(limit=3000)  # views of 550 bytes count 750 with their bookkeeping
    kept.put("a", view(550))
    kept.put("b", view(550))
    assert kept.get("a") is not None  # a is now the most recently used
    for name in "cde":
        kept.put(name, view(550))
    assert kept.get("b") is None and kept.get("a") is not None
    assert kept.held <= 3000 and len(kept) == 4
    kept.put("huge", view(2000))  # over a quarter of the limit: never kept
    assert kept.get("huge") is None
    nothing = ViewStore(limit=0)
    nothing.put("a", view(1))
    assert nothing.get("a") is None and len(nothing) == 0
