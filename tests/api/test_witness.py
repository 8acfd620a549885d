"""Per-event receipts, this registry as a C2SP tlog-witness, and ``kreislauf verify-history``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import update as sa_update

from passport.config import Settings
from passport.ledger import checkpoints, log, merkle, note, witness
from passport.ledger.client import fetch, fetch_consistency, verify_history, witness_request
from passport.models import LogEntry, WitnessedLog
from tests.api.test_events import REPAIR, issue, record
from tests.helpers import GTIN, gtin, passport
from tests.web.test_browser import serving
from web.cli.main import cli

REMOTE = "remote.example/log/v1"


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


# --- per-event receipts ----------------------------------------------------------------------


def test_an_event_receipt_proves_the_events_leaf(client, session, settings, maker, cafe):
    pid = issue(client, maker, serial="R-1")
    assert record(client, cafe, pid, REPAIR).status_code == 201
    assert record(client, cafe, pid, REPAIR).status_code == 201
    uri = client.get(f"/api/v1/passports/{pid}/events").json["passport"]
    for event in client.get(f"/api/v1/passports/{pid}/events").json["events"]:
        response = client.get(f"/api/v1/passports/{pid}/events/{event['seq']}/receipt")
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/plain"
        text = response.get_data(as_text=True)
        proof = checkpoints.parse_proof(text)
        entry = session.get(LogEntry, proof.index)
        assert proof.extra == bytes(entry.leaf)
        assert entry.kind == "dpp.event.repair" and entry.subject == uri
        checkpoints.verify_proof(
            text, merkle.leaf_hash(proof.extra), [checkpoints.verifier(settings)]
        )
    indices = {
        checkpoints.parse_proof(
            client.get(f"/api/v1/passports/{pid}/events/{e['seq']}/receipt").get_data(as_text=True)
        ).index
        for e in client.get(f"/api/v1/passports/{pid}/events").json["events"]
    }
    assert len(indices) == 2  # each event its own leaf
    assert client.get(f"/api/v1/passports/{pid}/events/99/receipt").status_code == 404
    assert client.get("/api/v1/passports/nope/events/0/receipt").status_code == 404


# --- the witness -----------------------------------------------------------------------------


class RemoteLog:
    """A small log kept in memory and signed with its own key: the log we witness."""

    def __init__(self) -> None:
        self.signer = note.Signer.from_seed(REMOTE, b"\x07" * 32)
        self.leaves: list[bytes] = []

    def grow(self, n: int) -> None:
        self.leaves += [merkle.leaf_hash(b"leaf %d" % len(self.leaves)) for _ in range(n)]

    def checkpoint(self, signer: note.Signer | None = None) -> str:
        body = note.Checkpoint(REMOTE, len(self.leaves), merkle.root(self.leaves)).format()
        return note.sign_note(body, signer or self.signer)

    def request(self, old: int, proof: list[bytes] | None = None, cp: str | None = None) -> str:
        if proof is None:
            proof = merkle.consistency_proof(old, len(self.leaves), self.leaves) if old else []
        lines = "".join(note.b64encode(h) + "\n" for h in proof)
        return f"old {old}\n{lines}\n{cp or self.checkpoint()}"


@pytest.fixture
def remote(session: Any) -> RemoteLog:
    log = RemoteLog()
    witness.add_log(session, REMOTE, log.signer.verifier.vkey)
    session.commit()
    return log


def _post(client: Any, body: str) -> Any:
    return client.post(
        "/log/v1/witness/add-checkpoint", data=body.encode(), content_type="text/plain"
    )


def test_the_witness_cosigns_consistent_checkpoints(client, session, settings, remote):
    remote.grow(3)
    response = _post(client, remote.request(0))
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    line = response.get_data(as_text=True)
    # The cosignature verifies with the registry's log key as a cosignature/v1 key.
    public = checkpoints.verifier(settings).public_key
    cosigner = note.Verifier(checkpoints.signer(settings).name, public, note.ALG_COSIGNATURE_V1)
    cosigned = remote.checkpoint() + line
    _, names = note.verify_note(cosigned, [cosigner])
    assert names == [cosigner.name]
    session.rollback()
    assert session.get(WitnessedLog, REMOTE).size == 3
    # Grow and advance with a consistency proof; the same size again with an empty one.
    remote.grow(6)
    assert _post(client, remote.request(3)).status_code == 200
    assert _post(client, remote.request(9)).status_code == 200
    session.rollback()
    row = session.get(WitnessedLog, REMOTE)
    assert (row.size, bytes(row.root)) == (9, merkle.root(remote.leaves))


def test_the_witness_refuses_what_it_cannot_check(client, session, remote):
    remote.grow(4)
    assert _post(client, remote.request(0)).status_code == 200
    remote.grow(3)
    # Stale old size: 409 with the witness's size as text/x.tlog.size.
    stale = _post(client, remote.request(2))
    assert stale.status_code == 409
    assert stale.mimetype == "text/x.tlog.size" and stale.get_data(as_text=True) == "4\n"
    # Wrong key.
    other = note.Signer.from_seed(REMOTE, b"\x08" * 32)
    assert _post(client, remote.request(4, cp=remote.checkpoint(other))).status_code == 403
    # Bad proof.
    bad = [b"\x00" * 32] * len(merkle.consistency_proof(4, 7, remote.leaves))
    assert _post(client, remote.request(4, proof=bad)).status_code == 422
    # A fork: same old size, different history.
    fork = RemoteLog()
    fork.leaves = [merkle.leaf_hash(b"evil"), *remote.leaves[1:]]
    assert _post(client, fork.request(4)).status_code == 422
    # A fork at the witnessed size itself: C2SP says 409, with the witness's size.
    same_size = RemoteLog()
    same_size.leaves = [merkle.leaf_hash(b"evil"), *remote.leaves[1:4]]
    forked = _post(client, same_size.request(4))
    assert forked.status_code == 409 and forked.get_data(as_text=True) == "4\n"
    # Unknown log.
    stranger = note.Signer.from_seed("stranger.example/log", b"\x09" * 32)
    cp = note.sign_note(note.Checkpoint("stranger.example/log", 1, b"\x01" * 32).format(), stranger)
    assert _post(client, f"old 0\n\n{cp}").status_code == 404
    # Malformed bodies.
    for body in [
        "",
        "old x\n\n" + remote.checkpoint(),
        "old 4\n!!\n\n" + remote.checkpoint(),
        "old 4\n" + remote.checkpoint(),
        "old 04\n\n" + remote.checkpoint(),
        "old 9\n\n" + remote.checkpoint(),
        "old 0\n\nnot a note\n",
    ]:
        response = _post(client, body)
        assert response.status_code == 400, (body, response.data)
    assert client.post("/log/v1/witness/add-checkpoint", data=b"\xff\xfe").status_code == 400
    session.rollback()
    assert session.get(WitnessedLog, REMOTE).size == 4
    # The honest request still goes through.
    assert _post(client, remote.request(4)).status_code == 200


def test_witness_add_on_the_command_line(settings, monkeypatch, session):
    signer = note.Signer.from_seed(REMOTE, b"\x07" * 32)
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KREISLAUF_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(cli, ["witness-add", REMOTE, signer.verifier.vkey])
    assert result.exit_code == 0, result.output
    assert session.get(WitnessedLog, REMOTE).size == 0
    wrong = CliRunner().invoke(cli, ["witness-add", "other.example/log", signer.verifier.vkey])
    assert wrong.exit_code != 0 and "not the origin" in wrong.output


# --- verify-history over HTTP ----------------------------------------------------------------


@contextmanager
def _tampering(monkeypatch: Any) -> Iterator[None]:
    def tampered(url: str) -> bytes:
        data = fetch(url)
        if url.endswith("/events/2/receipt"):
            proof = checkpoints.parse_proof(data.decode())
            hashes = [bytes([proof.hashes[0][0] ^ 1]) + proof.hashes[0][1:], *proof.hashes[1:]]
            tampered = checkpoints.TlogProof(proof.index, hashes, proof.checkpoint, proof.extra)
            return checkpoints.format_proof(tampered).encode()
        return data

    monkeypatch.setattr("passport.ledger.client.fetch", tampered)
    yield


def test_verify_history_checks_every_event_over_http(app, client, maker, cafe, monkeypatch):
    pid = issue(client, maker, serial="H-1")
    assert record(client, cafe, pid, REPAIR).status_code == 201
    assert record(client, cafe, pid, REPAIR).status_code == 201
    with serving(app) as origin:
        url = f"{origin}/api/v1/passports/{pid}"
        good = CliRunner().invoke(cli, ["verify-history", url])
        assert good.exit_code == 0, good.output
        assert good.output.count("OK  ") == 3 and "FAIL" not in good.output
        with _tampering(monkeypatch):
            bad = CliRunner().invoke(cli, ["verify-history", url])
        assert bad.exit_code == 1, bad.output
        assert "FAIL event 2" in bad.output and "OK   event 1" in bad.output


def test_verify_history_takes_the_address_in_the_qr_code(app, client, maker, cafe):
    item = issue(client, maker, serial="Q-1")
    assert record(client, cafe, item, REPAIR).status_code == 201
    body = passport("batch", lot="L7", serial=None)
    batch = client.post("/api/v1/passports", json=body, headers=maker.headers).json["id"]
    runner = CliRunner()
    with serving(app) as origin:  # http://, as on a repair café's laptop
        for address, pid, events in (
            (f"{origin}/01/{GTIN}/21/Q-1", item, 1),
            (f"{origin}/01/{GTIN}/10/L7", batch, 0),
            (f"{origin}/passports/{item}", item, 1),  # the passport's page
        ):
            result = runner.invoke(cli, ["verify-history", address])
            assert result.exit_code == 0, result.output
            assert "FAIL" not in result.output
            assert result.output.count("OK   event") == events
            if "/01/" in address:
                assert f"OK   {address} resolves to passport {pid}" in result.output

        unknown = runner.invoke(cli, ["verify-history", f"{origin}/01/{gtin('952012300001')}"])
        assert unknown.exit_code == 1
        assert unknown.output.startswith("FAIL ") and "names no passport: 404" in unknown.output
        assert "/api/v1/passports/<id>" in unknown.output  # what it does take
        malformed = runner.invoke(cli, ["verify-history", f"{origin}/01/09520123456789"])
        assert malformed.exit_code == 1 and "names no passport: 400" in malformed.output
        assert "check digit" in malformed.output


def test_verify_history_refuses_non_http_urls():
    with pytest.raises(ValueError):
        verify_history("file:///etc/passwd")


# --- kreislauf witness: pull mode against another registry -------------------------------------


@contextmanager
def _remote_registry(tmp_path: Any, sqlite_template: Any) -> Iterator[tuple[Any, Any, Any]]:
    """Another Kreislauf registry (its own SQLite database and log key) on a real socket:
    yields (its settings, its test client, its origin URL)."""
    import shutil

    from passport.signing.keys import ensure_keys
    from web.app import create_app

    data_dir = tmp_path / "remote"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "remote.db")
    ensure_keys(data_dir)
    remote_settings = Settings(
        database_url=f"sqlite:///{data_dir / 'remote.db'}",
        base_url="https://remote.example.org",
        data_dir=data_dir,
        testing=True,
    )
    app = create_app(remote_settings)
    try:
        with serving(app) as url:
            yield remote_settings, app.test_client(), url
    finally:
        app.extensions["kreislauf"].engine.dispose()


def _remote_org(settings: Any, name: str, role: str, prefixes: tuple[str, ...] = ()) -> Any:
    from passport import organisations
    from passport.db import make_engine, make_session_factory
    from tests.conftest import Org

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as s:
            org, key = organisations.create_organisation(s, name, role, prefixes)
            s.commit()
            return Org(org.public_id, key, name)
    finally:
        engine.dispose()


def test_kreislauf_witness_pulls_and_cosigns_another_registry(
    settings, session, monkeypatch, tmp_path, sqlite_template
):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KREISLAUF_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KREISLAUF_BASE_URL", settings.base_url)
    runner = CliRunner()
    with _remote_registry(tmp_path, sqlite_template) as (remote_settings, remote, url):
        origin = log.origin(remote_settings.base_url)
        vkey = checkpoints.verifier(remote_settings).vkey
        maker = _remote_org(remote_settings, "Acme Kettles GmbH", "manufacturer", ("9520123",))
        cafe = _remote_org(remote_settings, "Repair Café Cardiff", "repairer")
        pid = issue(remote, maker, serial="W-1")
        assert record(remote, cafe, pid, REPAIR).status_code == 201

        # Not added with witness-add yet: a clear refusal, nothing stored.
        unknown = runner.invoke(cli, ["witness", url])
        assert unknown.exit_code != 0 and "witness-add" in unknown.output
        assert session.get(WitnessedLog, origin) is None

        added = runner.invoke(cli, ["witness-add", origin, vkey])
        assert added.exit_code == 0, added.output
        cosigner = note.Verifier(
            checkpoints.signer(settings).name,
            checkpoints.verifier(settings).public_key,
            note.ALG_COSIGNATURE_V1,
        )
        sizes = []
        for serial in ("W-2", "W-3"):
            first = runner.invoke(cli, ["witness", url])
            assert first.exit_code == 0, first.output
            session.rollback()
            row = session.get(WitnessedLog, origin)
            size = int(row.size)
            sizes.append(size)
            # The printed line cosigns the checkpoint of exactly that size.
            cp = remote.get("/log/v1/checkpoint").get_data(as_text=True)
            assert note.Checkpoint.parse(note.parse_note(cp)[0]).size == size
            _, names = note.verify_note(cp + first.stdout, [cosigner])
            assert names == [cosigner.name]
            # The remote grows between the runs.
            other = issue(remote, maker, serial=serial)
            assert record(remote, cafe, other, REPAIR).status_code == 201
            assert record(remote, cafe, pid, REPAIR).status_code == 201
        assert 0 < sizes[0] < sizes[1]
        # Again at the same size: still consistent, still cosigned.
        again = runner.invoke(cli, ["witness", url])
        assert again.exit_code == 0, again.output

        # A key that did not sign the remote's checkpoints: refused, the size stays.
        assert record(remote, cafe, pid, REPAIR).status_code == 201
        wrong = note.Signer.from_seed(origin, b"\x0b" * 32).verifier.vkey
        assert runner.invoke(cli, ["witness-add", origin, wrong]).exit_code == 0
        bad = runner.invoke(cli, ["witness", url])
        assert bad.exit_code == 1 and "refused (bad signature)" in bad.output, bad.output
        assert runner.invoke(cli, ["witness-add", origin, vkey]).exit_code == 0

        # A consistency proof that does not verify: refused.
        def corrupt(*args: Any, **kw: Any) -> list[bytes]:
            return [bytes([h[0] ^ 1]) + h[1:] for h in fetch_consistency(*args, **kw)]

        monkeypatch.setattr("passport.ledger.client.fetch_consistency", corrupt)
        bad = runner.invoke(cli, ["witness", url])
        assert bad.exit_code == 1 and "refused (bad proof)" in bad.output, bad.output
        monkeypatch.setattr("passport.ledger.client.fetch_consistency", fetch_consistency)

        # This witness's size moved on while the proof was fetched: 409 with the size.
        def racing(*args: Any, **kw: Any) -> str:
            body = witness_request(*args, **kw)
            session.rollback()  # a fresh snapshot: the CLI wrote since the last read
            session.execute(
                sa_update(WitnessedLog).where(WitnessedLog.origin == origin).values(size=1)
            )
            session.commit()
            return body

        monkeypatch.setattr("passport.ledger.client.witness_request", racing)
        stale = runner.invoke(cli, ["witness", url])
        assert stale.exit_code == 1 and "refused (size mismatch)" in stale.output, stale.output
        assert "size 1" in stale.output
        monkeypatch.setattr("passport.ledger.client.witness_request", witness_request)
        session.rollback()
        assert int(session.get(WitnessedLog, origin).size) == 1
    # Nothing listens any more: a clear failure, not a traceback.
    gone = runner.invoke(cli, ["witness", url])
    assert gone.exit_code == 1 and "cannot witness" in gone.output
