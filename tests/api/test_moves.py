"""Issue 14, point 5: moving a passport. Two registries in one process (as the mirror tests
run them): the ``app`` fixture (SQLite and PostgreSQL) and a second one on its own SQLite
database, each in turn the registry the passport leaves and the one it moves to; the proof
bundle is handed over in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport import organisations
from passport.audit import verify_registry
from passport.config import Settings
from passport.ledger import moves, proof_bundle
from passport.models import LogEntry
from passport.moves.tables import PassportArrival
from tests.api.test_events import REPAIR, issue, record
from tests.conftest import BASE_URL, Org
from tests.helpers import GTIN, passport
from tests.passport.mirrors.test_mirror import Registry, _registry
from web.cli.main import cli

NEW = "https://new-registry.example.net"
PATH = f"/01/{GTIN}/21/M-1"


@pytest.fixture
def elsewhere(tmp_path: Path, sqlite_template: Path) -> Iterator[Registry]:
    """The other registry: its own database, base URL and keys."""
    keys = tmp_path / "new-keys"
    keys.mkdir()
    yield from _registry(tmp_path / "new.db", sqlite_template, NEW, keys)


def _org(registry: Registry, name: str = "Acme Kettles GmbH") -> Org:
    org, key = organisations.create_organisation(
        registry.session, name, "manufacturer", ("9520123",)
    )
    registry.session.commit()
    return Org(org.public_id, key, name)


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


def _moved(client: FlaskClient, maker: Org, cafe: Org, to: str = NEW) -> str:
    """A passport with a repair, moved to ``to``."""
    pid = issue(client, maker, serial="M-1")
    assert record(client, cafe, pid, REPAIR).status_code == 201
    answer = client.post(f"/api/v1/passports/{pid}/move", json={"to": to}, headers=maker.headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["uri"] == to.rstrip("/") + PATH
    return pid


def _bundle(client: FlaskClient, pid: str, org: Org | None = None) -> dict[str, Any]:
    answer = client.get(f"/api/v1/passports/{pid}/proof-bundle", headers=org.headers if org else {})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return json.loads(answer.data)  # type: ignore[no-any-return]


def _kinds(bundle: dict[str, Any]) -> list[str]:
    return [json.loads(e["leaf"])["kind"] for e in bundle["entries"]]


def _verified(session: Session, settings: Settings) -> None:
    """``kreislauf verify`` of a registry: every leaf, row and seal."""
    session.rollback()  # a fresh snapshot
    report = verify_registry(session, settings)
    assert report.ok, [str(p) for p in report.problems]


def test_a_moved_passport_redirects_and_keeps_its_history(client, maker, cafe, session, settings):
    pid = _moved(client, maker, cafe)
    new_uri = NEW + PATH
    # The resolver: the same path and query on the new host, for every kind of reader.
    for query, accept in (("", "text/html"), ("?linkType=gs1:pip", "application/ld+json")):
        answer = client.get(PATH + query, headers={"Accept": accept})
        assert answer.status_code == 308, answer.get_data(as_text=True)
        assert answer.headers["Location"] == NEW + PATH + query
        assert answer.headers["Link"] == f'<{new_uri}>; rel="canonical"'
        assert answer.json["to"] == NEW and answer.json["uri"] == new_uri
        assert f"moved to {NEW} on " in answer.json["detail"]
    # The page and the API address: to the passport's resolver URI at the new registry.
    api = f"/api/v1/passports/{pid}"
    for url in (f"/passports/{pid}", api, f"{api}?version=1"):
        answer = client.get(url)
        assert answer.status_code == 308, url
        assert answer.headers["Location"] == new_uri
        assert answer.headers["Kreislauf-Moved-To" if "/api/" in url else "Link"]
    # The history stays: events, receipts, versions, the log, the proof bundle (not redirected).
    assert client.get(f"/api/v1/passports/{pid}/events").status_code == 200
    assert client.get(f"/api/v1/passports/{pid}/events/1/receipt").status_code == 200
    assert client.get(f"/api/v1/passports/{pid}/versions").status_code == 200
    proof = client.get(f"/passports/{pid}/proof", headers={"Accept-Language": "de"})
    assert "zu new-registry.example.net umgezogen" in proof.get_data(as_text=True)
    assert new_uri in proof.get_data(as_text=True)
    bundle = _bundle(client, pid)
    assert _kinds(bundle) == ["dpp.issued", "dpp.event.repair", moves.MOVED]
    moved = json.loads(bundle["entries"][-1]["content"])
    assert moved["to"] == NEW and moved["uri"] == new_uri and moved["movedAt"].endswith("Z")
    report = proof_bundle.verify(json.dumps(bundle).encode())
    assert report.ok, report.lines
    assert any(s == "OK" and f"moved to {NEW} on" in t for s, t in report.lines)
    leaf = session.scalars(select(LogEntry).order_by(LogEntry.index.desc())).first()
    assert leaf is not None and leaf.kind == moves.MOVED
    assert client.get(f"/log/v1/entries/{leaf.index}").status_code == 200
    _verified(session, settings)
    # The passport's API search shows it moved.
    found = client.get(f"/api/v1/passports?gtin={GTIN}").json["items"]
    assert [p["status"] for p in found] == ["moved"]


def test_writes_on_a_moved_passport_are_refused(client, maker, cafe, session):
    pid = _moved(client, maker, cafe)
    url = f"/api/v1/passports/{pid}"
    again = client.post(f"{url}/move", json={"to": "https://third.example"}, headers=maker.headers)
    revised = client.put(url, json=passport("item", serial="M-1"), headers=maker.headers)
    event = record(client, cafe, pid, REPAIR)
    withdrawn = client.post(f"{url}/withdraw", headers=maker.headers)
    for answer in (again, revised, event, withdrawn):
        assert answer.status_code == 409, answer.json
        assert answer.json["type"].endswith("/passport-moved")
        assert f"moved to {NEW}" in answer.json["detail"]
    from passport import transfers
    from passport.errors import PassportMoved
    from passport.passports.lookup import get_passport

    with pytest.raises(PassportMoved):
        transfers.create_code(session, get_passport(session, pid), None)


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"to": "ftp://new.example"}, "http(s)"),
        ({"to": "https://new.example/?a=1"}, "no query"),
        ({"to": "not a url"}, "http(s)"),
        ({"to": 7}, "http(s)"),
        ({"to": BASE_URL + "/"}, "names this registry"),
        ({"to": NEW, "also": 1}, 'one member, "to"'),
        ([NEW], 'one member, "to"'),
    ],
)
def test_a_move_needs_another_registrys_url(client, maker, body, rule):
    pid = issue(client, maker, serial="M-1")
    answer = client.post(f"/api/v1/passports/{pid}/move", json=body, headers=maker.headers)
    assert answer.status_code == 422, answer.json
    [error] = answer.json["errors"]
    assert error["pointer"] in ("/to", "") and rule in error["message"]


def test_only_the_issuer_moves_an_active_passport(client, maker, make_org):
    pid = issue(client, maker, serial="M-1")
    rival = make_org("Rival Kettles", "manufacturer", ("9520124",))
    url = f"/api/v1/passports/{pid}/move"
    assert client.post(url, json={"to": NEW}, headers=rival.headers).status_code == 403
    assert client.post(url, json={"to": NEW}).status_code == 401
    withdrawn = client.post(f"/api/v1/passports/{pid}/withdraw", headers=maker.headers)
    assert withdrawn.status_code == 200
    refused = client.post(url, json={"to": NEW}, headers=maker.headers)
    assert refused.status_code == 409 and "withdrawn" in refused.json["detail"]


def _import(registry: Registry, org: Org, bundle: Any, **extra: Any) -> Any:
    body = {"bundle": bundle, **extra}
    return registry.client.post("/api/v1/passports/import", json=body, headers=org.headers)


def _size(session: Session) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(LogEntry)) or 0)


def test_the_new_registry_issues_it_with_a_link_back(
    client, maker, cafe, session, settings, elsewhere, tmp_path
):
    pid = _moved(client, maker, cafe)
    bundle = _bundle(client, pid, maker)
    there = _org(elsewhere)
    answer = _import(elsewhere, there, bundle, logKey=bundle["log"]["vkey"])
    assert answer.status_code == 201, answer.json
    new_id = answer.json["id"]
    assert answer.json["uri"] == NEW + PATH
    at = elsewhere.client
    # Both logs show it: dpp.moved at the old registry, dpp.issued + dpp.moved-in at the new.
    new_bundle = _bundle(at, new_id, there)  # the earlier history whole: made for the issuer
    assert _kinds(new_bundle) == ["dpp.issued", moves.MOVED_IN]
    link = json.loads(new_bundle["entries"][1]["content"])["from"]
    assert link["uri"] == "https://registry.example.org" + PATH
    assert link["passport"] == f"{BASE_URL}/api/v1/passports/{pid}"
    assert link["log"] == bundle["log"] and link["checkpoint"] == bundle["checkpoint"]
    assert link["moved"]["index"] == _size(session) - 1
    # verify-bundle of the new passport checks the earlier history and the link between them.
    report = proof_bundle.verify(json.dumps(new_bundle).encode())
    assert report.ok, report.lines
    texts = [t for _, t in report.lines]
    assert any("earlier history: checkpoint of registry.example.org/log/v1" in t for t in texts)
    assert any("the link back holds" in t for t in texts)
    assert any("is the one handed over" in t for t in texts)
    file = tmp_path / "new.proof-bundle.json"
    file.write_text(json.dumps(new_bundle))
    result = CliRunner().invoke(cli, ["verify-bundle", str(file)])
    assert result.exit_code == 0, result.output
    assert "moved here from https://registry.example.org" in result.output
    # The earlier history alone, served by the new registry; the new passport's pages say so.
    earlier = at.get(f"/api/v1/passports/{new_id}/previous-history")
    assert earlier.status_code == 200 and earlier.mimetype == proof_bundle.MEDIA_TYPE
    assert moves.bundle_text(json.loads(earlier.data)) == moves.bundle_text(bundle) or (
        "withheld" in earlier.get_data(as_text=True)
    )
    assert proof_bundle.verify(earlier.data).ok
    page = at.get(f"/passports/{new_id}").get_data(as_text=True)
    assert "moved here from registry.example.org on" in page
    german = at.get(f"/passports/{new_id}", headers={"Accept-Language": "de"})
    assert "registry.example.org" in german.get_data(as_text=True)
    assert "hierher" in german.get_data(as_text=True)
    proof = at.get(f"/passports/{new_id}/proof").get_data(as_text=True)
    assert "moved here from registry.example.org" in proof
    assert at.get(f"/api/v1/passports/{new_id}").status_code == 200
    # kreislauf verify passes at both registries.
    _verified(session, settings)
    _verified(elsewhere.session, elsewhere.settings)
    # Once imported, the product has its passport here: a second import is a conflict.
    assert _import(elsewhere, there, bundle).status_code == 409


def _tampered(bundle: dict[str, Any]) -> dict[str, Any]:
    changed = json.loads(json.dumps(bundle))
    entry = changed["entries"][0]
    entry["content"] = entry["content"].replace("Acme K1", "Acme K2", 1)
    return changed


def test_an_import_is_refused_unless_the_bundle_proves_the_move_here(
    client, maker, cafe, make_org, elsewhere
):
    pid = _moved(client, maker, cafe)
    bundle = _bundle(client, pid, maker)
    there = _org(elsewhere)
    before = _size(elsewhere.session)
    elsewhere_pid = issue(client, maker, serial="M-2")
    moved_on = client.post(
        f"/api/v1/passports/{elsewhere_pid}/move",
        json={"to": "https://third.example"},
        headers=maker.headers,
    )
    assert moved_on.status_code == 200
    unmoved = issue(client, maker, serial="M-3")
    key = _bundle(client, unmoved)["log"]["vkey"].replace("+A", "+B", 1)
    cases = {
        "tampered": (_tampered(bundle), {}, "does not verify"),
        "elsewhere": (_bundle(client, elsewhere_pid, maker), {}, "https://third.example"),
        "not moved": (_bundle(client, unmoved, maker), {}, "must be a dpp.moved"),
        "other key": (bundle, {"logKey": key}, ""),
        "not a bundle": ({"format": "x"}, {}, "does not verify"),
    }
    for name, (body, extra, words) in cases.items():
        answer = _import(elsewhere, there, body, **extra)
        assert answer.status_code == 422, (name, answer.json)
        assert words in json.dumps(answer.json), (name, answer.json)
    assert _size(elsewhere.session) == before  # nothing written
    # Another manufacturer's GS1 prefix: the same rule as any issuance.
    rival, key = organisations.create_organisation(
        elsewhere.session, "Rival", "manufacturer", ("9520124",)
    )
    elsewhere.session.commit()
    refused = _import(elsewhere, Org(rival.public_id, key, "Rival"), bundle)
    assert refused.status_code == 422 and "prefix" in json.dumps(refused.json)
    cafe_there, key = organisations.create_organisation(elsewhere.session, "Café", "repairer", ())
    elsewhere.session.commit()
    assert _import(elsewhere, Org(cafe_there.public_id, key, "Café"), bundle).status_code == 403


def test_a_withheld_document_is_refused(client, maker, elsewhere):
    body = passport("item", serial="M-1")
    body["product"]["description"] = "secret"
    body["restricted"] = [{"path": "/product/description", "tier": "legitimate-interest"}]
    pid = client.post("/api/v1/passports", json=body, headers=maker.headers).json["id"]
    url = f"/api/v1/passports/{pid}/move"
    assert client.post(url, json={"to": NEW}, headers=maker.headers).status_code == 200
    public = _bundle(client, pid)
    there = _org(elsewhere)
    answer = _import(elsewhere, there, public)
    assert answer.status_code == 422
    assert answer.json["errors"][0]["pointer"] == "/bundle/entries/0"
    assert "withheld" in answer.json["errors"][0]["message"]
    # The issuer's bundle works; the new registry serves its documents whole only to the tier
    # it was made for (here: its issuer), and the public the rest with the moves.
    full = _bundle(client, pid, maker)
    answer = _import(elsewhere, there, full)
    assert answer.status_code == 201, answer.json
    new_id = answer.json["id"]
    at = elsewhere.client
    hidden = at.get(f"/api/v1/passports/{new_id}/previous-history").get_data(as_text=True)
    assert "secret" not in hidden and "handed over for tier 'issuer'" in hidden
    whole = at.get(f"/api/v1/passports/{new_id}/previous-history", headers=there.headers)
    assert "secret" in whole.get_data(as_text=True)
    public_new = _bundle(at, new_id)
    report = proof_bundle.verify(json.dumps(public_new).encode())
    assert report.ok, report.lines
    assert any(s == "WITHHELD" and "committed SHA-256" in t for s, t in report.lines)


def test_a_passport_moves_in_to_this_registry(client, maker, session, settings, elsewhere):
    """The other way round: ``app`` (SQLite and PostgreSQL) is the new registry."""
    origin = elsewhere.client
    there = _org(elsewhere)
    pid = issue(origin, there, serial="M-1")
    moved = origin.post(
        f"/api/v1/passports/{pid}/move", json={"to": BASE_URL + "/"}, headers=there.headers
    )
    assert moved.status_code == 200 and moved.json["uri"] == BASE_URL + PATH
    bundle = _bundle(origin, pid, there)
    answer = client.post("/api/v1/passports/import", json={"bundle": bundle}, headers=maker.headers)
    assert answer.status_code == 201, answer.json
    assert answer.json["uri"] == BASE_URL + PATH
    assert origin.get(PATH).headers["Location"] == BASE_URL + PATH
    resolved = client.get(PATH, headers={"Accept": "application/ld+json"})
    assert resolved.status_code == 200
    assert proof_bundle.verify(json.dumps(_bundle(client, answer.json["id"])).encode()).ok
    row = session.scalars(select(PassportArrival)).one()
    assert json.loads(row.previous_bundle) == json.loads(moves.bundle_text(bundle))
    _verified(session, settings)
    _verified(elsewhere.session, elsewhere.settings)


def test_a_mirrored_log_must_be_checked_with_the_key_the_mirror_holds(client, maker, session):
    """The bundle's own key is not enough when this registry mirrors the old log."""
    from passport.ledger import merkle
    from passport.mirrors.tables import MirrorOrigin
    from tests.move_bundles import OLD, moved_bundle

    bundle = moved_bundle(passport("item", serial="M-1"), PATH)
    other = "old-registry.example.com/log/v1+12345678+" + "A" * 44
    session.add(
        MirrorOrigin(
            host="old-registry.example.com",
            url=OLD,
            log_origin=bundle["log"]["origin"],
            vkey=other,
            trust="given",
            root=merkle.EMPTY_ROOT,
            frontier=[],
        )
    )
    session.commit()
    url = "/api/v1/passports/import"
    refused = client.post(url, json={"bundle": bundle}, headers=maker.headers)
    assert refused.status_code == 422
    assert refused.json["errors"][0]["pointer"] == "/bundle/log/vkey"
    assert other in refused.json["errors"][0]["message"]
    given = client.post(url, json={"bundle": bundle, "logKey": other}, headers=maker.headers)
    assert given.status_code == 422 and given.json["errors"][0]["pointer"] == "/logKey"
    origin = session.scalars(select(MirrorOrigin)).one()
    origin.vkey = bundle["log"]["vkey"]
    session.commit()
    answer = client.post(url, json={"bundle": bundle}, headers=maker.headers)
    assert answer.status_code == 201, answer.json


def test_verify_catches_a_changed_move_and_a_changed_earlier_history(
    client, maker, session, settings
):
    from passport.moves.tables import PassportMove
    from tests.move_bundles import moved_bundle

    answer = client.post(
        "/api/v1/passports/import",
        json={"bundle": moved_bundle(passport("item", serial="M-1"), PATH)},
        headers=maker.headers,
    )
    assert answer.status_code == 201, answer.json
    pid = answer.json["id"]
    mine = _bundle(client, pid, maker)
    assert proof_bundle.verify(json.dumps(mine).encode()).ok
    changed = json.loads(json.dumps(mine))
    changed["previous"]["entries"][0]["content"] = changed["previous"]["entries"][0][
        "content"
    ].replace("Acme K1", "Acme K2")
    report = proof_bundle.verify(json.dumps(changed).encode())
    assert not report.ok
    assert "the earlier history is not the one whose SHA-256 is committed" in report.failures
    # kreislauf verify: the rows the move leaves commit to, changed, are caught.
    moved = client.post(f"/api/v1/passports/{pid}/move", json={"to": NEW}, headers=maker.headers)
    assert moved.status_code == 200
    _verified(session, settings)
    row = session.scalars(select(PassportMove)).one()
    row.to_url = "https://elsewhere.example"
    arrival = session.scalars(select(PassportArrival)).one()
    arrival.previous_bundle = arrival.previous_bundle.replace("Acme K1", "Acme K2")
    session.commit()
    problems = [str(p) for p in verify_registry(session, settings).problems]
    assert any("dpp.moved," in p and "content digest" in p for p in problems), problems
    assert any("dpp.moved-in" in p and "content digest" in p for p in problems), problems


def test_a_passport_moves_twice_and_its_whole_history_verifies(
    client, maker, session, settings, elsewhere
):
    """old-registry.example.com -> this registry -> the other one: the last bundle carries both
    earlier histories, one inside the other, and verify-bundle checks both links."""
    from tests.move_bundles import moved_bundle

    first = moved_bundle(passport("item", serial="M-1"), PATH)
    here = client.post("/api/v1/passports/import", json={"bundle": first}, headers=maker.headers)
    assert here.status_code == 201, here.json
    pid = here.json["id"]
    moved = client.post(f"/api/v1/passports/{pid}/move", json={"to": NEW}, headers=maker.headers)
    assert moved.status_code == 200
    second = _bundle(client, pid, maker)
    assert _kinds(second) == ["dpp.issued", moves.MOVED_IN, moves.MOVED]
    there = _org(elsewhere)
    answer = _import(elsewhere, there, second)
    assert answer.status_code == 201, answer.json
    last = _bundle(elsewhere.client, answer.json["id"], there)
    assert last["previous"]["previous"]["log"]["origin"] == "old-registry.example.com/log/v1"
    report = proof_bundle.verify(json.dumps(last).encode())
    assert report.ok, report.lines
    holds = [t for s, t in report.lines if "the link back holds" in t]
    assert len(holds) == 2, report.lines
    _verified(session, settings)
    _verified(elsewhere.session, elsewhere.settings)
