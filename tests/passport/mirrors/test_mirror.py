"""Two registries in one process: an origin (the ``app`` fixture, SQLite and PostgreSQL) and
a mirror (its own app and SQLite database), the mirror's HTTP answered by the origin's test
client. What goes over a real socket and the command line is at the end."""

from __future__ import annotations

import base64
import io
import json
import shutil
import urllib.error
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport import organisations
from passport.config import Settings
from passport.db import make_engine, make_session_factory
from passport.errors import InvalidRequest, MirrorRefused
from passport.ledger import merkle
from passport.ledger.tile_format import decode_bundle, encode_bundle
from passport.mirrors import origins, sync
from passport.mirrors.tables import MirrorDocument, MirrorOrigin
from passport.signing.keys import ensure_keys
from tests.api.test_battery_measurements import INSPECTION
from tests.api.test_events import REPAIR, issue, record
from tests.conftest import BASE_URL
from tests.helpers import passport
from tests.web.test_browser import serving
from web.app import create_app
from web.cli.main import cli

HOST = "registry.example.org"
ACCEPT = {"Accept": "application/json, */*;q=0.1"}  # what passport.ledger.client.fetch sends
JWT = {"Accept": "application/vc+jwt"}
Get = Callable[[str], bytes]


def answered_by(client: FlaskClient, change: Callable[[str, bytes], bytes] | None = None) -> Get:
    """A ``get`` for the mirror that the origin's test client answers (``change`` may alter
    an answer on the way)."""

    def get(url: str) -> bytes:
        parts = urlsplit(url)
        assert parts.netloc == HOST, url
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.get(path, headers=ACCEPT)
        if response.status_code >= 400:
            data = io.BytesIO(response.data)
            raise urllib.error.HTTPError(url, response.status_code, "error", Message(), data)
        return change(url, response.data) if change else response.data

    return get


@dataclass
class Registry:
    """A second registry in this process: its app, settings and a session on its database."""

    app: Flask
    settings: Settings
    session: Session

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()


def _registry(path: Path, template: Path, base_url: str, keys: Path) -> Iterator[Registry]:
    shutil.copy(template, path)
    ensure_keys(keys)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        base_url=base_url,
        data_dir=keys,
        testing=True,
        write_rate="1000000/minute",
    )
    app = create_app(settings)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        yield Registry(app, settings, session)
    engine.dispose()
    app.extensions["kreislauf"].engine.dispose()


@pytest.fixture
def mirror(tmp_path: Path, sqlite_template: Path) -> Iterator[Registry]:
    """The mirror: its own database, base URL and keys."""
    keys = tmp_path / "mirror-keys"
    keys.mkdir()
    yield from _registry(
        tmp_path / "mirror.db", sqlite_template, "https://mirror.example.net", keys
    )


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


def jwt_kid(token: bytes) -> str:
    header = token.split(b".")[0].decode()
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


def _origin(session: Session) -> MirrorOrigin:
    return origins.by_host(session, HOST)


def _sync(mirror: Registry, get: Get) -> sync.Report:
    report = sync.sync(mirror.session, _origin(mirror.session), get)
    mirror.session.commit()
    return report


def _issued(client: FlaskClient, maker: Any, cafe: Any) -> tuple[str, str]:
    first = issue(client, maker, serial="M-1")
    second = issue(client, maker, serial="M-2")
    assert record(client, cafe, first, REPAIR).status_code == 201
    assert record(client, cafe, second, REPAIR).status_code == 201
    return first, second


def test_a_mirror_serves_the_origins_passports_and_checkpoint(client, maker, cafe, mirror):
    first, second = _issued(client, maker, cafe)
    get = answered_by(client)
    added = origins.add_origin(mirror.session, BASE_URL, None, get)
    mirror.session.commit()
    assert added.first_use and added.new and added.origin.log_origin == f"{HOST}/log/v1"

    report = _sync(mirror, get)
    assert report.evidence is None and report.refused == []
    assert (report.before, report.entries, report.passports) == (0, 4, 2)

    at = mirror.client
    checkpoint = at.get(f"/mirror/{HOST}/log/v1/checkpoint")
    assert checkpoint.status_code == 200
    assert checkpoint.data == client.get("/log/v1/checkpoint").data  # byte for byte
    assert checkpoint.headers["Kreislauf-Mirror-Of"] == BASE_URL
    assert checkpoint.headers["Access-Control-Allow-Origin"] == "*"
    assert checkpoint.headers["Last-Modified"].endswith(" GMT")
    for pid in (first, second):
        served = at.get(f"/mirror/{HOST}/api/v1/passports/{pid}")
        assert served.status_code == 200, served.json
        assert served.data == client.get(f"/api/v1/passports/{pid}?version=1", headers=ACCEPT).data
        assert served.headers["Kreislauf-Mirror-Of"] == BASE_URL
        token = at.get(f"/mirror/{HOST}/api/v1/passports/{pid}?format=jwt")
        assert token.mimetype == "application/vc+jwt"
        assert token.data == client.get(f"/api/v1/passports/{pid}?version=1&format=jwt").data
        accepted = at.get(f"/mirror/{HOST}/api/v1/passports/{pid}", headers=JWT)
        assert accepted.data == token.data
        events = at.get(f"/mirror/{HOST}/api/v1/passports/{pid}/events")
        assert events.json["events"] == client.get(f"/api/v1/passports/{pid}/events").json["events"]
    assert at.get(f"/mirror/{HOST}/evidence").json["evidence"] == []
    kid = jwt_kid(token.data)  # did:web:registry.example.org:orgs:<id>#...
    org = kid.split("#")[0].split(":")[-1]
    did = at.get(f"/mirror/{HOST}/orgs/{org}/did.json")
    assert did.status_code == 200 and did.data == client.get(f"/orgs/{org}/did.json").data
    assert at.get(f"/mirror/{HOST}/orgs/nobody/did.json").status_code == 404


def test_a_second_sync_fetches_only_what_is_new(client, maker, cafe, mirror):
    first, second = _issued(client, maker, cafe)
    get = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, get)
    _sync(mirror, get)
    assert record(client, cafe, first, REPAIR).status_code == 201
    update = passport("item", serial="M-1")
    update["product"]["productionDate"] = "2025-01-16"
    assert (
        client.put(f"/api/v1/passports/{first}", json=update, headers=maker.headers).status_code
        == 200
    )

    report = _sync(mirror, get)
    assert (report.before, report.size, report.entries, report.passports) == (4, 6, 2, 1)
    at = mirror.client
    assert len(at.get(f"/mirror/{HOST}/api/v1/passports/{first}/events").json["events"]) == 2
    newest = at.get(f"/mirror/{HOST}/api/v1/passports/{first}")
    assert newest.json["id"].endswith(f"/api/v1/passports/{first}?version=2")
    assert at.get(f"/mirror/{HOST}/api/v1/passports/{first}?version=1").status_code == 200
    assert at.get(f"/mirror/{HOST}/log/v1/checkpoint").data == client.get("/log/v1/checkpoint").data
    again = _sync(mirror, get)
    assert (again.entries, again.passports) == (0, 0)
    withdrawn = client.post(f"/api/v1/passports/{second}/withdraw", headers=maker.headers)
    assert withdrawn.status_code == 200
    assert _sync(mirror, get).passports == 1
    served = at.get(f"/mirror/{HOST}/api/v1/passports/{second}")
    assert served.data == client.get(f"/api/v1/passports/{second}", headers=ACCEPT).data


def test_unknown_origins_passports_and_versions_are_404_problems(client, maker, cafe, mirror):
    first, _ = _issued(client, maker, cafe)
    get = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, get)
    mirror.session.commit()
    at = mirror.client
    for url in (
        f"/mirror/{HOST}/log/v1/checkpoint",  # added, never synced
        "/mirror/elsewhere.example:8080/log/v1/checkpoint",
        f"/mirror/elsewhere.example/api/v1/passports/{first}",
        "/mirror/elsewhere.example/evidence",
    ):
        answer = at.get(url)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", url
        assert answer.headers["Access-Control-Allow-Origin"] == "*", url
    _sync(mirror, get)
    for url in (
        f"/mirror/{HOST}/api/v1/passports/nope",
        f"/mirror/{HOST}/api/v1/passports/nope/events",
        f"/mirror/{HOST}/api/v1/passports/{first}?version=2",
    ):
        assert at.get(url).status_code == 404, url
    bad = at.get(f"/mirror/{HOST}/api/v1/passports/{first}?version=x")
    assert bad.status_code == 400 and "'version'" in bad.json["detail"]


def test_a_changed_document_is_refused_and_fetched_again_later(client, maker, cafe, mirror):
    first, second = _issued(client, maker, cafe)
    honest = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, honest)

    def one_byte(url: str, data: bytes) -> bytes:
        if url.split("?")[0].endswith(f"/{first}/events"):
            assert b"Switch broken" in data
            return data.replace(b"Switch broken", b"Switch brokem")
        return data

    report = _sync(mirror, answered_by(client, one_byte))
    assert report.passports == 1 and len(report.refused) == 1
    assert "is not what the origin's log commits to" in report.refused[0]
    at = mirror.client
    assert at.get(f"/mirror/{HOST}/api/v1/passports/{first}").status_code == 404
    assert at.get(f"/mirror/{HOST}/api/v1/passports/{first}/events").status_code == 404
    assert at.get(f"/mirror/{HOST}/api/v1/passports/{second}/events").status_code == 200

    later = _sync(mirror, honest)
    assert (later.entries, later.passports, later.refused) == (0, 1, [])
    assert at.get(f"/mirror/{HOST}/api/v1/passports/{first}/events").status_code == 200


def test_a_changed_credential_is_refused(client, maker, cafe, mirror):
    """A version's leaf commits to its document with a salt the origin never serves: what is
    checked is that the credential is the one its issuer signed (the VC-JWT)."""
    first, second = _issued(client, maker, cafe)
    origins.add_origin(mirror.session, BASE_URL, None, answered_by(client))

    def one_byte(url: str, data: bytes) -> bytes:
        if url.endswith(f"/{second}?version=1"):
            return data.replace(b"M-2", b"M-3", 1)
        return data

    report = _sync(mirror, answered_by(client, one_byte))
    assert report.passports == 1 and len(report.refused) == 1
    assert "is not the credential its issuer signed" in report.refused[0]
    assert mirror.client.get(f"/mirror/{HOST}/api/v1/passports/{second}").status_code == 404

    def forged(url: str, data: bytes) -> bytes:
        if url.endswith(f"/{second}?version=1&format=jwt"):
            head, payload, signature = data.split(b".")
            raw = bytearray(base64.urlsafe_b64decode(signature + b"=" * (-len(signature) % 4)))
            raw[0] ^= 0x01  # one bit of the signature itself (its last characters may be "AA")
            return b".".join([head, payload, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=")])
        return data

    report = _sync(mirror, answered_by(client, forged))
    assert report.passports == 0 and "VC-JWT does not verify" in report.refused[0]


def test_a_measured_event_is_not_kept_unchecked_and_its_measurements_never_reach_a_mirror(
    client, maker, cafe, mirror
):
    """An event with battery measurements commits them with a salt; the public sees neither,
    so its digest cannot be re-derived from the public view: the passport waits, the others
    are kept, and no measured value is ever stored by the mirror."""
    first, second = _issued(client, maker, cafe)
    assert record(client, cafe, second, INSPECTION).status_code == 201
    get = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, get)
    report = _sync(mirror, get)
    assert report.passports == 1 and len(report.refused) == 1
    assert "withheld from the public" in report.refused[0]
    bodies = mirror.session.scalars(select(MirrorDocument.body)).all()
    assert bodies and not any(b"86.5" in bytes(body) for body in bodies)
    assert mirror.client.get(f"/mirror/{HOST}/api/v1/passports/{first}").status_code == 200


def test_an_older_checkpoint_moves_nothing_back(client, maker, cafe, mirror):
    first, _ = _issued(client, maker, cafe)
    get = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, get)
    old = client.get("/log/v1/checkpoint").data
    _sync(mirror, get)
    assert record(client, cafe, first, REPAIR).status_code == 201
    newest = client.get("/log/v1/checkpoint").data
    _sync(mirror, get)

    def stale(url: str, data: bytes) -> bytes:
        return old if url.endswith("/log/v1/checkpoint") else data

    report = _sync(mirror, answered_by(client, stale))
    assert report.stale and report.evidence is None and (report.before, report.size) == (5, 5)
    assert mirror.client.get(f"/mirror/{HOST}/log/v1/checkpoint").data == newest


def test_entries_that_do_not_make_the_signed_root_are_refused(client, maker, cafe, mirror):
    _issued(client, maker, cafe)
    honest = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, honest)
    mirror.session.commit()

    def swapped(url: str, data: bytes) -> bytes:
        if "/tile/entries/" in url:
            leaves = decode_bundle(data)
            return encode_bundle([leaves[1], leaves[0], *leaves[2:]])
        return data

    with pytest.raises(MirrorRefused, match="do not make the root"):
        sync.sync(mirror.session, _origin(mirror.session), answered_by(client, swapped))
    mirror.session.rollback()
    assert _origin(mirror.session).size == 0


@pytest.mark.parametrize(
    ("leaves", "reason"),
    [(5, "consistency proof"), (4, "same size, another root")],
    ids=["longer", "same-size"],
)
def test_a_forked_origin_is_refused_and_the_evidence_kept(
    client, maker, cafe, mirror, settings, tmp_path, sqlite_template, monkeypatch, leaves, reason
):
    """A second registry with the origin's key and name but another history: what a rewritten
    history looks like from outside (longer than the one held, or as long with another root)."""
    _issued(client, maker, cafe)
    get = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, get)
    _sync(mirror, get)
    held = client.get("/log/v1/checkpoint").data.decode()

    forked = _registry(tmp_path / "fork.db", sqlite_template, BASE_URL, settings.data_dir)
    fork = next(forked)
    _, key = organisations.create_organisation(
        fork.session, "Forgers", "manufacturer", ("9520123",)
    )
    fork.session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    for serial in [f"F-{n}" for n in range(leaves)]:
        body = passport("item", serial=serial)
        assert fork.client.post("/api/v1/passports", json=body, headers=headers).status_code == 201
    offered = fork.client.get("/log/v1/checkpoint").data.decode()

    report = _sync(mirror, answered_by(fork.client))
    assert report.evidence is not None and report.entries == 0
    assert _origin(mirror.session).note == held  # not advanced
    served = mirror.client.get(f"/mirror/{HOST}/evidence").json
    assert served["vkey"] == _origin(mirror.session).vkey
    [evidence] = served["evidence"]
    assert (evidence["held"], evidence["offered"]) == (held, offered)
    assert reason in evidence["reason"]
    assert bool(evidence["consistencyProof"]) == (leaves == 5)
    assert mirror.client.get(f"/mirror/{HOST}/log/v1/checkpoint").data.decode() == held
    assert _sync(mirror, answered_by(fork.client)).evidence is not None  # kept once
    assert len(mirror.client.get(f"/mirror/{HOST}/evidence").json["evidence"]) == 1
    next(forked, None)
    _environment(monkeypatch, mirror)
    status = CliRunner().invoke(cli, ["mirror", "status"])
    assert status.exit_code == 0, status.output
    assert "EVIDENCE" in status.output and reason in status.output
    shown = [line.strip() for line in status.output.splitlines()]
    assert all(line in shown for line in (held + offered).splitlines() if line)


def _environment(monkeypatch: Any, mirror: Registry) -> None:
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", mirror.settings.database_url)
    monkeypatch.setenv("KREISLAUF_DATA_DIR", str(mirror.settings.data_dir))
    monkeypatch.setenv("KREISLAUF_BASE_URL", mirror.settings.base_url)


def test_the_origins_key_must_sign_its_checkpoint(client, maker, cafe, mirror):
    _issued(client, maker, cafe)
    get = answered_by(client)
    other = "elsewhere.example/log/v1+0a0b0c0d+AeUk4cDfIUAdTO9f1b2/2cUzM5XbGZ3BIdnT1Odg3Itf"
    with pytest.raises(InvalidRequest):
        origins.add_origin(mirror.session, BASE_URL, other, get)
    added = origins.add_origin(mirror.session, BASE_URL, None, get)
    vkey = added.origin.vkey
    mirror.session.rollback()
    assert origins.add_origin(mirror.session, BASE_URL, vkey, get).first_use is False
    row = _origin(mirror.session)
    row.vkey = vkey.replace(vkey[-8:], "A" * 8)  # another key, same name
    with pytest.raises(MirrorRefused):
        sync.sync(mirror.session, row, get)


def test_leaves_come_from_full_and_partial_entry_bundles() -> None:
    leaves = [f'{{"n":{i}}}'.encode() for i in range(600)]

    def get(url: str) -> bytes:
        path = url.split("/tile/entries/")[1]
        number, _, width = path.partition(".p/")
        first = int(number.replace("x", "").replace("/", "")) * 256
        return encode_bundle(leaves[first : first + int(width or 256)])

    assert sync.fetch_leaves("https://o.example", 250, 600, get, sync.Progress()) == leaves[250:]
    assert sync.fetch_leaves("https://o.example", 0, 256, get, sync.Progress()) == leaves[:256]
    assert sync.fetch_leaves("https://o.example", 5, 5, get, sync.Progress()) == []
    assert sync.tile_path(1234067) == "x001/x234/067"
    assert merkle.EMPTY_ROOT  # the root of a mirror that holds nothing yet


def test_mirror_add_sync_and_status_on_the_command_line(
    app, client, maker, cafe, mirror, monkeypatch
):
    first, _ = _issued(client, maker, cafe)
    _environment(monkeypatch, mirror)
    runner = CliRunner()
    with serving(app) as origin:
        host = urlsplit(origin).netloc
        added = runner.invoke(cli, ["mirror", "add", origin])
        assert added.exit_code == 0, added.output
        assert "Trusted on first use" in added.output and f"/mirror/{host}/" in added.output
        synced = runner.invoke(cli, ["mirror", "sync"])
        assert synced.exit_code == 0, synced.output
        assert f"{host}: 4 entries (4 new), 2 passports updated." in synced.output
        again = runner.invoke(cli, ["mirror", "sync", host])
        assert again.exit_code == 0 and "(0 new)" in again.output
    status = runner.invoke(cli, ["mirror", "status"])
    assert status.exit_code == 0, status.output
    assert "4 entries, 2 passports, last sync 20" in status.output
    assert "trusted on first use" in status.output and "EVIDENCE" not in status.output
    assert "This mirror cosigns the checkpoints it holds with mirror.example.net/mirror+" in (
        status.output
    )
    cosigned = mirror.client.get(f"/mirror/{host}/log/v1/checkpoint").data.decode()
    assert cosigned.splitlines()[-1].startswith("\u2014 mirror.example.net/mirror ")
    served = mirror.client.get(f"/mirror/{host}/api/v1/passports/{first}/events")
    assert served.status_code == 200 and served.headers["Kreislauf-Mirror-Of"] == origin
