"""A registry asks witnesses to cosign its checkpoints under its C2SP tlog-policy.

The origin is the ``app`` fixture (SQLite and PostgreSQL); the witness is a second registry in
this process (its own SQLite database and keys), answering through its test client; the
command line test puts it on a real socket.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from passport.ledger import checkpoints, cosigning, log, note, policy, proof_bundle, witness
from passport.models import LogCosignature
from tests.api.test_events import REPAIR, issue, record
from tests.passport.mirrors.test_mirror import Registry, _registry
from tests.web.test_browser import serving
from web.cli.main import cli

WITNESS_URL = "https://witness.example.net"


@pytest.fixture
def witness_registry(tmp_path: Path, sqlite_template: Path) -> Iterator[Registry]:
    keys = tmp_path / "witness-keys"
    keys.mkdir()
    yield from _registry(tmp_path / "witness.db", sqlite_template, WITNESS_URL, keys)


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


def cosigner_vkey(settings: Any) -> str:
    """A registry's witness key: its log key as a cosignature/v1 key."""
    verifier = checkpoints.verifier(settings)
    return note.Verifier(verifier.name, verifier.public_key, note.ALG_COSIGNATURE_V1).vkey


def policy_text(
    origin_settings: Any, witness: Registry, *, extra: str = "", quorum: str = "W"
) -> str:
    return (
        f"log {checkpoints.verifier(origin_settings).vkey}\n"
        f"witness W {cosigner_vkey(witness.settings)} {WITNESS_URL}/log/v1/witness\n"
        f"{extra}quorum {quorum}\n"
    )


def posted_to(registry: Registry) -> Callable[[str, bytes], tuple[int, str, bytes]]:
    def post(url: str, body: bytes) -> tuple[int, str, bytes]:
        assert url.startswith(WITNESS_URL), url
        response = registry.client.post(urlsplit(url).path, data=body, content_type="text/plain")
        return response.status_code, response.mimetype, response.data

    return post


def knows(witness_reg: Registry, settings: Any) -> None:
    verifier = checkpoints.verifier(settings)
    witness.add_log(witness_reg.session, verifier.name, verifier.vkey)
    witness_reg.session.commit()


def cosign(session: Any, rules: policy.Policy, witness_reg: Registry, **known: int) -> list[Any]:
    session.rollback()  # a fresh snapshot: the registry wrote through its own sessions
    newest = checkpoints.newest(session)
    sizes = {**cosigning.sizes(session, rules), **known}
    outcomes = cosigning.collect(
        rules,
        newest.note,
        sizes,
        lambda old, new: log.consistency(session, old, new),
        posted_to(witness_reg),
    )
    cosigning.store(session, newest.size, outcomes)
    session.commit()
    return outcomes


def test_cosignatures_are_asked_kept_served_and_counted(
    client, session, settings, maker, cafe, witness_registry
):
    first = issue(client, maker, serial="C-1")
    assert record(client, cafe, first, REPAIR).status_code == 201
    knows(witness_registry, settings)
    rules = policy.parse(policy_text(settings, witness_registry))

    [outcome] = cosign(session, rules, witness_registry)
    assert outcome.witness == "W" and outcome.line is not None, outcome.message
    size = checkpoints.newest(session).size
    served = client.get("/log/v1/checkpoint").get_data(as_text=True)
    assert served.endswith(outcome.line) and served.count("\n— ") == 2
    assert rules.cosigners(served) == ["W"] and rules.satisfied(["W"])
    row = session.get(LogCosignature, (outcome.line.split()[1], _key_id(outcome.line), size))
    assert row is not None and row.signed_at.year >= 2026

    # The log grows; the next round brings a consistency proof from the witness's size.
    second = issue(client, maker, serial="C-2")
    [again] = cosign(session, rules, witness_registry)
    assert again.line is not None, again.message
    assert cosigning.sizes(session, rules) == {"W": checkpoints.newest(session).size}

    # A witness that lost count answers 409 with its size, and is asked again from there.
    [third] = cosign(session, rules, witness_registry, W=1)
    assert third.line is not None, third.message

    # The bundle of a passport takes a cosigned checkpoint covering its whole history.
    record(client, cafe, second, REPAIR)  # the newest checkpoint is not cosigned now
    bundle = client.get(f"/api/v1/passports/{first}/proof-bundle").data
    report = proof_bundle.verify(bundle, policy=rules)
    assert report.ok, report.lines
    assert any("quorum (W) is met: W" in text for _, text in report.lines)
    assert json.loads(bundle)["checkpoint"].count("\n— ") == 2
    newer = proof_bundle.verify(
        client.get(f"/api/v1/passports/{second}/proof-bundle").data, policy=rules
    )
    assert not newer.ok and newer.failures == ["the policy needs W; cosigned by no witness"]

    # How many independent registries have seen each history.
    heads = cosigning.heads(session)
    first_last = _last_index(session, first)
    assert cosigning.seen_by(rules, heads, first_last) == 1
    assert cosigning.seen_by(rules, heads, checkpoints.newest(session).size - 1) == 0


def test_refusals_keep_nothing(client, session, settings, maker, witness_registry):
    issue(client, maker, serial="C-3")
    rules = policy.parse(policy_text(settings, witness_registry))
    [unknown] = cosign(session, rules, witness_registry)  # the witness does not know the log
    assert unknown.line is None and unknown.message.startswith("refused (404)")
    assert session.query(LogCosignature).count() == 0

    knows(witness_registry, settings)
    stranger = note.Signer.from_seed(
        "w.example", b"\x05" * 32, note.ALG_COSIGNATURE_V1, timestamp=1
    )
    wrong_key = policy.parse(
        f"witness W {stranger.verifier.vkey} {WITNESS_URL}/log/v1/witness\nquorum W\n"
    )
    [unverified] = cosign(session, wrong_key, witness_registry)
    assert unverified.line is None and "no cosignature that verifies" in unverified.message
    silent = policy.parse(f"witness W {cosigner_vkey(witness_registry.settings)}\nquorum W\n")
    [no_url] = cosign(session, silent, witness_registry)
    assert no_url.line is None and "no URL" in no_url.message
    assert session.query(LogCosignature).count() == 0


def test_cosign_and_log_keys_commands(
    app, session, settings, maker, witness_registry, tmp_path, monkeypatch
):
    issue(app.test_client(), maker, serial="C-4")
    knows(witness_registry, settings)
    for name in ("DATABASE_URL", "DATA_DIR", "BASE_URL"):
        key = name.lower() if name != "DATA_DIR" else "data_dir"
        monkeypatch.setenv(f"KREISLAUF_{name}", str(getattr(settings, key)))
    runner = CliRunner()
    keys = runner.invoke(cli, ["log-keys"])
    assert keys.exit_code == 0, keys.output
    assert keys.output.startswith(f"log {checkpoints.verifier(settings).vkey} ")
    with serving(witness_registry.app) as url:
        path = tmp_path / "policy.txt"
        path.write_text(
            f"witness W {cosigner_vkey(witness_registry.settings)} {url}/log/v1/witness\n"
            "witness V " + _other_vkey() + "\ngroup both all W V\nquorum W\n"
        )
        done = runner.invoke(cli, ["cosign", "--policy", str(path)])
        assert done.exit_code == 0, done.output
        assert "W: cosigned" in done.output and "V: no URL" in done.output
        assert "quorum met (W)" in done.output
        path.write_text(path.read_text().replace("quorum W", "quorum both"))
        short = runner.invoke(cli, ["cosign", "--policy", str(path)])
        assert short.exit_code == 1 and "quorum NOT met" in short.output
    # A witness key line from log-keys is a policy line others can use as it is.
    witness_line = keys.output.splitlines()[1]
    assert policy.parse(f"{witness_line}\nquorum {witness_line.split()[1]}\n").witnesses


def _other_vkey() -> str:
    signer = note.Signer.from_seed("v.example", b"\x09" * 32, note.ALG_COSIGNATURE_V1, timestamp=1)
    return signer.verifier.vkey


def _key_id(line: str) -> bytes:
    return note.b64decode(line.split()[2], "signature")[:4]


def _last_index(session: Any, public_id: str) -> int:
    from sqlalchemy import func, select

    from passport.models import LogEntry, Passport

    uri = session.scalar(select(Passport.uri).where(Passport.public_id == public_id))
    return int(session.scalar(select(func.max(LogEntry.index)).where(LogEntry.subject == uri)))


def test_the_page_says_how_many_registries_have_seen_the_history(
    settings, session, maker, cafe, witness_registry, tmp_path, monkeypatch
):
    from dataclasses import replace

    from web.app import create_app
    from web.pages import witnesses

    monkeypatch.setattr(witnesses, "TTL", -1.0)  # read the witnesses' sizes at every request
    path = tmp_path / "policy.txt"
    path.write_text(policy_text(settings, witness_registry))
    app = create_app(replace(settings, witness_policy=path))
    client = app.test_client()
    try:
        pid = issue(client, maker, serial="P-1")
        page = client.get(f"/passports/{pid}")
        assert "No independent registry has countersigned this history yet." in page.text
        knows(witness_registry, settings)
        cosign(session, policy.parse(path.read_text()), witness_registry)
        for _ in range(2):  # built, then served from the store with the count filled in
            page = client.get(f"/passports/{pid}")
            assert "1 independent registry has seen this history and countersigned it." in page.text
            assert "kreislauf:seen" not in page.text
        german = client.get(f"/passports/{pid}", headers={"Accept-Language": "de"})
        assert "1 unabhängiges Register hat diesen Verlauf gesehen" in german.text
        proof = client.get(f"/passports/{pid}/proof")
        assert "Who else has seen it" in proof.text and "1 independent registry" in proof.text
        record(client, cafe, pid, REPAIR)  # a newer entry no witness has seen yet
        assert "No independent registry" in client.get(f"/passports/{pid}").text
    finally:
        app.extensions["kreislauf"].engine.dispose()


def test_without_a_policy_the_page_says_nothing_of_witnesses(client, maker):
    pid = issue(client, maker, serial="P-2")
    page = client.get(f"/passports/{pid}").text
    assert "independent registr" not in page and "kreislauf:seen" not in page
