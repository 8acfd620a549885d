"""The stored transparency log: sequencing, proofs from stored nodes, audit, tamper detection."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from passport.access import authenticate
from passport.credentials.reading import read
from passport.db import begin_write, make_engine, make_session_factory
from passport.disclosure.tiers import Tier
from passport.errors import Conflict
from passport.events import history
from passport.ledger import checkpoints, log, merkle, note, sequencer
from passport.ledger.verify import verify_log
from passport.models import Event, LogCheckpoint, LogEntry, LogNode, PassportVersion
from passport.passports import issuing, lookup, versions
from tests.conftest import BASE_URL, settings_of
from tests.helpers import passport

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
T = datetime(2026, 1, 1, tzinfo=UTC)


def _append(session: Any, n: int, subjects: int = 3) -> None:
    for i in range(n):
        sequencer.append(
            session,
            settings_of(session),
            kind="dpp.event.test",
            subject=f"https://id.example/{i % subjects}",
            actor_did="did:web:registry.example.org:orgs:x",
            content={"i": i},
            time=T,
        )


def _hashes(session: Any) -> list[bytes]:
    return [bytes(h) for h in session.scalars(select(LogEntry.leaf_hash).order_by(LogEntry.index))]


def test_proofs_from_stored_nodes_equal_the_reference(session):
    _append(session, 21)
    session.commit()
    hashes = _hashes(session)
    assert len(hashes) == 21
    assert log.head(session) == (21, merkle.root(hashes))
    for size in range(1, 22):
        assert log.tree_root(session, size) == merkle.root(hashes[:size])
        for index in range(size):
            assert log.inclusion(session, index, size) == merkle.inclusion_proof(
                index, hashes[:size]
            )
        for first in range(1, size + 1):
            assert log.consistency(session, first, size) == merkle.consistency_proof(
                first, size, hashes
            )
    assert log.tree_root(session, 0) == merkle.EMPTY_ROOT
    for bad in [(-1, 3), (3, 3), (0, 22)]:
        with pytest.raises(log.LogRangeError):
            log.inclusion(session, *bad)
    with pytest.raises(log.LogRangeError):
        log.consistency(session, 0, 5)


def test_leaves_chain_per_subject_and_hold_digests_only(session):
    _append(session, 4, subjects=2)
    session.commit()
    rows = list(session.scalars(select(LogEntry).order_by(LogEntry.index)))
    first, third = json.loads(rows[0].leaf), json.loads(rows[2].leaf)
    assert first["prev"] is None and first["seq"] == 0
    assert first["log"] == "registry.example.org/log/v1"
    assert third["seq"] == 1
    assert third["prev"] == {"index": 0, "leaf_sha256": bytes(rows[0].leaf_hash).hex()}
    assert set(third["content"]) == {"mediaType", "sha256"}
    assert rows[0].leaf == log.canonical_json(first)


def _issue(session: Any, maker: Any, serial: str = "12345") -> str:
    org = authenticate(session, maker.key)
    body = passport("item", serial=serial)
    body["product"]["productionDate"] = "2025-01-15"
    created = issuing.issue_passport(session, settings_of(session), org, body)
    session.commit()
    return created.public_id


def _history(session: Any, maker: Any, cafe: Any) -> str:
    pid = _issue(session, maker)
    issuing.issue_passports(
        session,
        settings_of(session),
        authenticate(session, maker.key),
        [passport("item", serial=s) for s in ("A1", "A2", "A3")],
    )
    body = {"type": "repair", "eventTime": "2026-05-03T14:00:00+01:00"}
    body["repair"] = {"outcome": "fixed", "problem": "Lid"}
    history.record_event(
        session, settings_of(session), authenticate(session, cafe.key), pid, body, now=NOW
    )
    maker_org = authenticate(session, maker.key)
    new = passport("item", name="Acme K1 kettle, 2nd edition")
    versions.update_passport(session, settings_of(session), maker_org, pid, new)
    versions.withdraw_passport(session, maker_org, pid, settings=settings_of(session))
    session.commit()
    return pid


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


def test_every_write_is_logged_and_verifies(session, maker, cafe):
    _history(session, maker, cafe)
    kinds = list(session.scalars(select(LogEntry.kind).order_by(LogEntry.index)))
    assert kinds == ["dpp.issued"] * 4 + ["dpp.event.repair", "dpp.version", "dpp.withdrawn"]
    report = verify_log(session, BASE_URL)
    assert report.ok, [str(p) for p in report.problems]
    assert report.size == 7 and report.root == log.head(session)[1]


def test_changing_an_event_byte_is_found(session, maker, cafe):
    pid = _history(session, maker, cafe)
    event = session.scalars(select(Event)).one()
    details = dict(event.details) | {"problem": "Lie"}
    session.execute(update(Event).where(Event.pk == event.pk).values(details=details))
    session.commit()
    report = verify_log(session, BASE_URL)
    assert not report.ok
    (problem,) = report.problems
    assert (problem.index, problem.kind) == (4, "dpp.event.repair")
    assert problem.subject == lookup.get_passport(session, pid).uri
    assert "content digest" in problem.message


def test_changing_a_version_document_is_found(session, maker, cafe):
    _history(session, maker, cafe)
    row = session.scalars(select(PassportVersion).where(PassportVersion.version == 2)).one()
    doc = json.loads(json.dumps(row.document))
    doc["product"]["name"] = "Acme K1 kettle, 2nd editioN"
    session.execute(
        update(PassportVersion).where(PassportVersion.pk == row.pk).values(document=doc)
    )
    session.commit()
    problems = verify_log(session, BASE_URL).problems
    assert [(p.index, p.kind) for p in problems] == [(5, "dpp.version")]


def test_a_deleted_leaf_or_changed_node_is_found(session, maker, cafe):
    _history(session, maker, cafe)
    session.execute(
        update(LogNode).where(LogNode.level == 1, LogNode.index == 0).values(hash=b"\0" * 32)
    )
    session.commit()
    problems = verify_log(session, BASE_URL).problems
    nodes = [(p.subject, p.message) for p in problems if p.kind == "log.node"]
    assert nodes == [("level 1 index 0", "stored node wrong")]


def test_a_gap_in_the_entry_numbers_is_found(session, maker, cafe):
    # The leaves keep their order and the root its value: only the numbering tells.
    _history(session, maker, cafe)
    session.execute(update(LogEntry).where(LogEntry.index == 6).values(index=9))
    session.commit()
    problems = verify_log(session, BASE_URL).problems
    assert [(p.index, p.message) for p in problems if "sequence" in p.message] == [
        (9, "index is out of sequence: expected 6")
    ]


def test_an_entry_without_its_passport_or_event_is_found(session, maker, cafe):
    _history(session, maker, cafe)
    session.execute(delete(Event))  # the repair's row goes; its entry (index 4) stays
    session.commit()
    _append(session, 1)  # an entry about a subject no passport has
    problems = [(p.index, p.message) for p in verify_log(session, BASE_URL).problems]
    assert (4, "the passport has no stored event for this entry") in problems
    assert (7, "no passport has this subject URI") in problems


def test_stored_rows_without_their_entry_are_found(session, maker, cafe):
    _history(session, maker, cafe)
    session.execute(delete(LogEntry).where(LogEntry.index.in_([4, 6])))  # the repair, withdrawal
    row = session.scalars(select(PassportVersion).where(PassportVersion.version == 2)).one()
    session.execute(update(PassportVersion).where(PassportVersion.pk == row.pk).values(version=7))
    session.commit()
    problems = {(p.kind, p.message) for p in verify_log(session, BASE_URL).problems}
    assert ("dpp.event.repair", "event 1 has no log entry") in problems
    assert ("dpp.version", "version numbers are [1, 3, 7], not 1, 2, …") in problems
    assert ("dpp.version", "version 7 has no log entry") in problems


def test_a_stored_checkpoint_must_match_the_leaves_and_its_own_text(session, maker, cafe):
    # Each check alone: a checkpoint consistently signed over a wrong root, and one whose
    # row is right but whose signed text is of another size.
    _history(session, maker, cafe)
    signer, origin = checkpoints.signer(settings_of(session)), log.origin(BASE_URL)
    sizes = sorted(session.scalars(select(LogCheckpoint.size)))
    small, large = sizes[0], sizes[-1]
    wrong = b"\x01" * 32
    forged = note.sign_note(note.Checkpoint(origin, large, wrong).format(), signer)
    session.execute(
        update(LogCheckpoint).where(LogCheckpoint.size == large).values(root=wrong, note=forged)
    )
    other = note.sign_note(note.Checkpoint(origin, large, wrong).format(), signer)
    session.execute(update(LogCheckpoint).where(LogCheckpoint.size == small).values(note=other))
    session.commit()
    problems = {
        (p.subject, p.message)
        for p in verify_log(session, BASE_URL).problems
        if p.kind == "log.checkpoint"
    }
    assert problems == {
        (f"size {large}", "checkpoint root does not match the leaves"),
        (f"size {small}", "signed checkpoint text does not match the stored one"),
    }


def test_an_empty_log_with_its_checkpoint_of_size_0_verifies(session):
    checkpoints.seal(session, settings_of(session))
    session.commit()
    assert list(session.scalars(select(LogCheckpoint.size))) == [0]
    report = verify_log(session, BASE_URL)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.size, report.root) == (0, merkle.EMPTY_ROOT)


def test_a_leaf_that_is_not_json_is_named(session, maker, cafe):
    _history(session, maker, cafe)
    session.execute(update(LogEntry).where(LogEntry.index == 0).values(leaf=b"not json"))
    session.commit()
    problems = [(p.index, p.message) for p in verify_log(session, BASE_URL).problems]
    assert (0, "the stored leaf is not JSON") in problems


def test_a_failed_request_leaves_no_leaf(session, maker):
    _issue(session, maker)
    org = authenticate(session, maker.key)
    with pytest.raises(Conflict):
        issuing.issue_passports(
            session, settings_of(session), org, [passport("item", serial="12345")]
        )
    session.rollback()
    assert log.head(session)[0] == 1
    assert verify_log(session, BASE_URL).ok


def test_concurrent_appends_are_gap_free(settings):
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                with factory() as s:
                    begin_write(s)
                    sequencer.append(
                        s,
                        settings,
                        kind="dpp.event.test",
                        subject=f"https://id.example/{n}",
                        actor_did="did:web:x",
                        content={"n": n, "i": i},
                        time=T,
                    )
                    s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with factory() as s:
        indices = list(s.scalars(select(LogEntry.index).order_by(LogEntry.index)))
        assert indices == list(range(60))
        hashes = _hashes(s)
        assert log.head(s) == (60, merkle.root(hashes))
        assert log.tree_root(s, 60) == merkle.root(hashes)
        seqs = s.scalars(
            select(LogEntry.subject_seq).where(LogEntry.subject == "https://id.example/3")
        )
        assert sorted(seqs) == list(range(10))
    engine.dispose()


def test_kreislauf_verify_reports_the_tampered_entry(session, maker, cafe, monkeypatch):
    from click.testing import CliRunner

    from web.cli.main import cli

    _history(session, maker, cafe)
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", session.get_bind().url.render_as_string(False))
    monkeypatch.setenv("KREISLAUF_BASE_URL", BASE_URL)
    good = CliRunner().invoke(cli, ["verify"])
    assert good.exit_code == 0, good.output
    assert "Log verified: 7 entries" in good.output
    event = session.scalars(select(Event)).one()
    details = dict(event.details) | {"outcome": "not fixed"}
    session.execute(update(Event).where(Event.pk == event.pk).values(details=details))
    session.commit()
    bad = CliRunner().invoke(cli, ["verify"])
    assert bad.exit_code == 1
    assert "log index 4 (dpp.event.repair" in bad.output


def test_appends_from_several_processes_are_gap_free(database_url, settings, tmp_path):
    """Three processes (not threads: separate connections, pools and interpreters) append 20
    entries each, one transaction per entry, to subjects they share."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.passport.ledger import log_worker

    root = Path(__file__).resolve().parents[3]
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "tests.passport.ledger.log_worker",
                database_url,
                str(settings.data_dir),
                str(n),
                "20",
                str(go),
            ],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(3)
    ]
    go.touch()
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as s:
            rows = s.execute(
                select(
                    LogEntry.index, LogEntry.subject, LogEntry.subject_seq, LogEntry.leaf
                ).order_by(LogEntry.index)
            ).all()
            assert [r.index for r in rows] == list(range(60))
            # Per subject: seqs 0, 1, 2, … in index order, each leaf chained to the previous.
            last: dict[str, tuple[int, int, bytes]] = {}
            for index, subject, seq, leaf in rows:
                data = json.loads(bytes(leaf))
                prev = last.get(subject)
                assert seq == data["seq"] == (0 if prev is None else prev[0] + 1)
                if prev is None:
                    assert data["prev"] is None
                else:
                    assert data["prev"] == {"index": prev[1], "leaf_sha256": prev[2].hex()}
                last[subject] = (seq, index, merkle.leaf_hash(bytes(leaf)))
            assert len(last) == log_worker.SUBJECTS
            workers = {json.loads(bytes(r.leaf))["actor"] for r in rows}
            assert workers == {f"did:web:worker{n}" for n in range(3)}
            hashes = _hashes(s)
            assert hashes == [merkle.leaf_hash(bytes(r.leaf)) for r in rows]
            assert log.head(s) == (60, merkle.root(hashes))
            for size in (1, 7, 20, 33, 59, 60):
                assert log.tree_root(s, size) == merkle.root(hashes[:size])
                assert log.consistency(s, size, 60) == merkle.consistency_proof(size, 60, hashes)
    finally:
        engine.dispose()


def test_a_version_is_committed_salted_so_a_restricted_value_cannot_be_guessed(session, maker):
    body = passport("item")
    body["product"]["description"] = "State of health 81"
    body["restricted"] = [{"path": "/product/description", "tier": "legitimate-interest"}]
    issued = issuing.issue_passport(
        session, settings_of(session), authenticate(session, maker.key), body
    )
    session.commit()
    row = session.scalars(select(PassportVersion)).one()
    leaf = json.loads(session.scalars(select(LogEntry)).one().leaf)

    # Guessing the restricted value and hashing the document finds nothing in the log.
    assert leaf["content"]["sha256"] != log.content_sha256(row.document)
    # A first version also commits the passport's public id (its API handle), since 0013.
    salted = {"salt": row.content_salt, "document": row.document, "passport": issued.public_id}
    assert leaf["content"]["sha256"] == log.content_sha256(salted)
    assert row.content_salt is not None and len(row.content_salt) >= 22  # 128 random bits
    assert verify_log(session, BASE_URL).ok
    for tier in Tier:
        seen = read(session, BASE_URL, issued, tier=tier).credential
        assert row.content_salt not in json.dumps(seen)  # the salt is never served
    # A version logged before salts existed was committed bare, and is re-derived so.
    assert log.version_content(PassportVersion(document={"a": 1}, content_salt=None)) == {"a": 1}


def test_changing_a_version_salt_is_found(session, maker, cafe):
    _history(session, maker, cafe)
    row = session.scalars(select(PassportVersion).where(PassportVersion.version == 2)).one()
    session.execute(
        update(PassportVersion).where(PassportVersion.pk == row.pk).values(content_salt="x" * 22)
    )
    session.commit()
    problems = verify_log(session, BASE_URL).problems
    assert [(p.index, p.kind) for p in problems] == [(5, "dpp.version")]


def test_a_measured_event_is_committed_salted_and_changing_its_salt_is_found(session, maker, cafe):
    pid = _issue(session, maker)
    org = authenticate(session, cafe.key)
    measured = {"type": "inspection", "eventTime": "2026-05-03T14:00:00+01:00"}
    measured["inspection"] = {"measurements": {"stateOfHealth": 91}}
    plain = {"type": "repair", "eventTime": "2026-05-03T15:00:00+01:00"}
    plain["repair"] = {"outcome": "fixed", "problem": "Lid"}
    for body in (measured, plain):
        history.record_event(session, settings_of(session), org, pid, body, now=NOW)
    session.commit()
    inspection, repair = session.scalars(select(Event).order_by(Event.seq))
    assert inspection.content_salt is not None and repair.content_salt is None
    assert set(log.event_content(inspection, None, None)) == {"salt", "event"}
    assert "details" in log.event_content(repair, None, None)  # public: committed bare
    assert verify_log(session, BASE_URL).ok
    session.execute(update(Event).where(Event.pk == inspection.pk).values(content_salt="y" * 22))
    session.commit()
    problems = verify_log(session, BASE_URL).problems
    assert [p.kind for p in problems] == ["dpp.event.inspection"]
