"""Issue 14, point 4: a passport's history as one file that verifies offline.

``GET /api/v1/passports/{id}/proof-bundle`` and ``kreislauf verify-bundle FILE``: a bundle
verifies; one changed byte in a document, a leaf, a proof hash or the checkpoint makes it fail;
a public reader's bundle of a passport with restricted properties holds none of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from passport.ledger import note, proof_bundle
from tests.conftest import Org
from tests.helpers import passport
from web.cli.main import cli

PROBES = {  # restricted property -> (its tier, a value no other field holds)
    "/product/description": ("legitimate-interest", "descr7f3a"),
    "/materialsProvenance": ("authority", "formula91c2"),
}
MEASURED = 73.219  # a state of health, for legitimate interest


def _document() -> dict[str, Any]:
    doc = passport("item", materialsProvenance=[{"name": "Formula91c2 steel", "massFraction": 0.7}])
    doc["product"]["description"] = "A kettle, descr7f3a inside"
    doc["restricted"] = [{"path": p, "tier": t} for p, (t, _) in PROBES.items()]
    return doc


@pytest.fixture
def history(client: FlaskClient, maker: Org) -> str:
    """A passport with restricted properties, a new version, a repair and a measurement."""
    answer = client.post("/api/v1/passports", json=_document(), headers=maker.headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    pid = str(answer.get_json()["id"])
    revised = _document()
    revised["product"]["name"] = "Acme K1 kettle, revised"
    url = f"/api/v1/passports/{pid}"
    assert client.put(url, json=revised, headers=maker.headers).status_code == 200
    for event in (
        {
            "type": "repair",
            "eventTime": "2026-05-03T14:00:00+01:00",
            "repair": {"outcome": "fixed"},
        },
        {
            "type": "inspection",
            "eventTime": "2026-05-04T14:00:00+01:00",
            "inspection": {"measurements": {"stateOfHealth": MEASURED}},
        },
    ):
        answer = client.post(f"{url}/events", json=event, headers=maker.headers)
        assert answer.status_code == 201, answer.get_data(as_text=True)
    return pid


def _bundle(client: FlaskClient, pid: str, headers: dict[str, str] | None = None) -> bytes:
    answer = client.get(f"/api/v1/passports/{pid}/proof-bundle", headers=headers or {})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == proof_bundle.MEDIA_TYPE
    assert f"{pid}.proof-bundle.json" in answer.headers["Content-Disposition"]
    return answer.get_data()


def test_the_issuers_bundle_verifies_every_entry_and_document(
    client: FlaskClient, maker: Org, history: str
) -> None:
    data = _bundle(client, history, maker.headers)
    bundle = json.loads(data)
    assert bundle["reader"] == "issuer"
    kinds = [json.loads(e["leaf"])["kind"] for e in bundle["entries"]]
    assert kinds == ["dpp.issued", "dpp.version", "dpp.event.repair", "dpp.event.inspection"]
    assert all("content" in e for e in bundle["entries"])
    # The issuer gets the documents with their salts and marks (the public test's control).
    assert b'\\"restricted\\"' in data and b'\\"salt\\"' in data
    report = proof_bundle.verify(data)
    assert report.ok, report.lines
    assert "the key the bundle carries" in report.key
    documents = [t for s, t in report.lines if s == "OK" and "is the one the leaf" in t]
    assert len(documents) == 4
    assert "with the passport's id" in documents[0]
    # With the log key given as trusted, the report says so; with another key, it fails.
    trusted = note.Verifier.from_vkey(bundle["log"]["vkey"])
    assert proof_bundle.verify(data, [trusted]).key == "the trusted key given (--key)"
    other = note.Signer.from_seed(bundle["log"]["origin"], b"\x07" * 32).verifier
    assert not proof_bundle.verify(data, [other]).ok


def _flip(text: str, at: int) -> str:
    """``text`` with the character at ``at`` replaced by another of the same kind."""
    c = text[at]
    kind = "0123456789" if c.isdigit() else "ab" if c.islower() else "AB" if c.isupper() else "+/"
    new = next(x for x in kind if x != c)
    return text[:at] + new + text[at + 1 :]


def _hash_line(proof: str) -> int:
    """The offset of the first character of the first inclusion-proof hash in a tlog-proof."""
    head = proof.split("\n\n", 1)[0]
    lines = head.split("\n")
    assert len(lines) > 2, "the entry's proof has no hash"
    return len("\n".join(lines[:2])) + 1


Change = Callable[[dict[str, Any]], None]


def _document_byte(b: dict[str, Any]) -> None:
    e = b["entries"][0]
    e["content"] = e["content"].replace("A kettle", "A Kettle", 1)


def _event_byte(b: dict[str, Any]) -> None:
    e = b["entries"][2]
    e["content"] = e["content"].replace("fixed", "fixes", 1)


def _leaf_byte(b: dict[str, Any]) -> None:
    e = b["entries"][1]
    e["leaf"] = e["leaf"].replace('"seq":1', '"seq":2', 1)


def _leaf_time(b: dict[str, Any]) -> None:
    e = b["entries"][3]
    i = e["leaf"].index('"time":"') + len('"time":"') + 3
    e["leaf"] = _flip(e["leaf"], i)


def _proof_hash(b: dict[str, Any]) -> None:
    e = b["entries"][0]
    e["proof"] = _flip(e["proof"], _hash_line(e["proof"]) + 5)


def _checkpoint_root(b: dict[str, Any]) -> None:
    text = b["checkpoint"]
    at = text.index("\n", text.index("\n") + 1) + 4  # in the root hash line
    changed = _flip(text, at)
    b["checkpoint"] = changed
    for e in b["entries"]:  # the same change everywhere: only the signature can tell
        e["proof"] = e["proof"].replace(text, changed)


def _checkpoint_signature(b: dict[str, Any]) -> None:
    text = b["checkpoint"]
    changed = _flip(text, len(text) - 10)
    b["checkpoint"] = changed
    for e in b["entries"]:
        e["proof"] = e["proof"].replace(text, changed)


def _dropped_entry(b: dict[str, Any]) -> None:
    del b["entries"][1]


CHANGES: dict[str, Change] = {
    "document": _document_byte,
    "event": _event_byte,
    "leaf": _leaf_byte,
    "leaf time": _leaf_time,
    "proof hash": _proof_hash,
    "checkpoint root": _checkpoint_root,
    "checkpoint signature": _checkpoint_signature,
    "an entry left out": _dropped_entry,
}


def test_one_changed_byte_anywhere_fails(client: FlaskClient, maker: Org, history: str) -> None:
    data = _bundle(client, history, maker.headers)
    assert proof_bundle.verify(data).ok
    for name, change in CHANGES.items():
        bundle = json.loads(data)
        change(bundle)
        changed = json.dumps(bundle, ensure_ascii=False, indent=1).encode()
        assert changed != data, name
        report = proof_bundle.verify(changed)
        assert not report.ok, name
        assert report.failures, name


def test_a_raw_byte_flipped_in_each_member_fails(
    client: FlaskClient, maker: Org, history: str
) -> None:
    """On the file's bytes, as a disk or a mail server would change them."""
    data = _bundle(client, history, maker.headers)
    bundle = json.loads(data)
    targets = [
        bundle["entries"][0]["content"][40:60],
        bundle["entries"][2]["leaf"][20:40],
        bundle["checkpoint"].split("\n")[2][:20],
    ]
    for target in targets:
        raw = json.dumps(target, ensure_ascii=False)[1:-1].encode()  # as the file holds it
        at = data.index(raw) + len(raw) // 2
        changed = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
        assert not proof_bundle.verify(changed).ok, target
    assert not proof_bundle.verify(b"{not json").ok
    assert not proof_bundle.verify(json.dumps({"format": "other"}).encode()).ok


def test_a_public_readers_bundle_holds_no_restricted_value(
    client: FlaskClient, make_org: Any, history: str
) -> None:
    anonymous = _bundle(client, history)
    rival = make_org("Rival Kettles", "manufacturer")
    for data in (anonymous, _bundle(client, history, rival.headers)):
        for _, probe in PROBES.values():
            assert probe.encode() not in data.lower()
        assert str(MEASURED).encode() not in data
        # no issuer's marks, no salt (as a bundle's content holds them: inside a JSON string)
        assert b'\\"restricted\\"' not in data and b'\\"salt\\"' not in data
        bundle = json.loads(data)
        assert bundle["reader"] == "public"
        shown = ["content" in e for e in bundle["entries"]]
        assert shown == [False, False, True, False]  # the repair has nothing restricted
        assert bundle["entries"][0]["withheld"]["tier"] == "authority"
        assert bundle["entries"][3]["withheld"]["tier"] == "legitimate-interest"
        report = proof_bundle.verify(data)
        assert report.ok, report.failures  # withheld is said, not a failure
        assert sum(state == "WITHHELD" for state, _ in report.lines) == 3


def test_a_repairer_or_authority_gets_the_measurement_but_not_the_marked_documents(
    client: FlaskClient, make_org: Any, maker: Org, history: str
) -> None:
    """The documents hold properties its issuer marked: the marks are for the issuer only."""
    for role in ("repairer", "authority"):
        reader = make_org(f"The {role}", role)
        data = _bundle(client, history, reader.headers)
        assert str(MEASURED).encode() in data, role
        assert b"formula91c2" not in data.lower() and b"descr7f3a" not in data, role
        assert b'\\"restricted\\"' not in data, role
        bundle = json.loads(data)
        assert ["content" in e for e in bundle["entries"]] == [False, False, True, True], role
        assert proof_bundle.verify(data).ok, role
    # Measurements are restricted: each read is in the passport's access log.
    log = client.get(f"/api/v1/passports/{history}/access-log", headers=maker.headers)
    assert [r["way"] for r in log.get_json()["reads"]] == ["api-proof-bundle"] * 2


def test_unknown_passports_and_etags(client: FlaskClient, history: str) -> None:
    assert client.get("/api/v1/passports/nope/proof-bundle").status_code == 404
    first = client.get(f"/api/v1/passports/{history}/proof-bundle")
    assert first.headers["ETag"] and first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(
        f"/api/v1/passports/{history}/proof-bundle",
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/passports/{passport_id}/proof-bundle" in spec["paths"]


def test_verify_bundle_command(
    client: FlaskClient, maker: Org, history: str, tmp_path: Path
) -> None:
    data = _bundle(client, history, maker.headers)
    good = tmp_path / "good.proof-bundle.json"
    good.write_bytes(data)
    runner = CliRunner()
    result = runner.invoke(cli, ["verify-bundle", str(good)])
    assert result.exit_code == 0, result.output
    assert "the key the bundle carries" in result.output
    vkey = json.loads(data)["log"]["vkey"]
    policy = tmp_path / "policy"
    policy.write_text(f"# trusted\nlog {vkey}\nquorum none\n")
    for key in (vkey, str(policy)):
        result = runner.invoke(cli, ["verify-bundle", str(good), "--key", key])
        assert result.exit_code == 0, result.output
        assert "Verified with the trusted key given" in result.output
    bad = tmp_path / "bad.proof-bundle.json"
    bundle = json.loads(data)
    _document_byte(bundle)
    bad.write_text(json.dumps(bundle))
    result = runner.invoke(cli, ["verify-bundle", str(bad)])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "content does not hash to what the leaf commits" in result.output
    wrong = runner.invoke(cli, ["verify-bundle", str(good), "--key", "not-a-vkey"])
    assert wrong.exit_code == 2


def test_the_bundle_cosignatures_are_checked_with_a_witness_key(
    client: FlaskClient, maker: Org, history: str
) -> None:
    """A checkpoint with a witness's cosignature (C2SP tlog-cosignature): checked when its key
    is given, named as not checked otherwise."""
    bundle = json.loads(_bundle(client, history, maker.headers))
    witness = note.Signer.from_seed(
        "witness.example", b"\x05" * 32, note.ALG_COSIGNATURE_V1, timestamp=1
    )
    text = bundle["checkpoint"]
    body = text.split("\n\n", 1)[0] + "\n"
    signature = note.Signature(witness.name, witness.key_id, witness.sign(body.encode()))
    cosigned = text + signature.line()
    bundle["checkpoint"] = cosigned
    for e in bundle["entries"]:
        e["proof"] = e["proof"].replace(text, cosigned)
    data = json.dumps(bundle).encode()
    plain = proof_bundle.verify(data)
    assert plain.ok, plain.failures
    assert any(
        "not checked (no key given): signatures of witness.example" in t for _, t in plain.lines
    )
    checked = proof_bundle.verify(data, witnesses=[witness.verifier])
    assert checked.ok, checked.failures
    assert any("cosigned by the witnesses witness.example" in t for _, t in checked.lines)
