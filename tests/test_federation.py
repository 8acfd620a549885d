"""Issue 14's scenario with four registries, each its own ``kreislauf run`` (gunicorn) process on
loopback: an origin, two mirrors and a witness.

The origin issues passports and records events; its server asks the witness to cosign its
checkpoints by itself (KREISLAUF_COSIGN_SECONDS, under its witness policy). The first mirror
syncs by hand, the second's server by itself (KREISLAUF_MIRROR_SYNC_SECONDS). Then the origin
is killed: its passports, credentials, events and signed checkpoint (with each mirror's
cosignature) are still served by both mirrors and verify with the origin's keys, and a proof
bundle downloaded before verifies offline with the witness quorum, and fails after a one-byte
change. Then a forked origin (the same keys and address, a rewritten history) comes up: the
witness refuses to cosign it, and both mirrors refuse it and show the evidence (the second
finds it by itself).

The commands (``mirror``, ``cosign``, ``witness-add``, ``verify-bundle``) run in this process
against each registry's database, as an operator would run them beside its server.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from passport.ledger import note
from passport.ledger.policy import parse as parse_policy
from tests.api.test_events import REPAIR
from tests.helpers import passport, wait_until_serving
from web.cli.main import cli

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Node:
    """One registry: its data folder (SQLite database and keys), port and server process."""

    name: str
    data: Path
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None
    extra: dict[str, str] = field(default_factory=dict)  # settings for its server only

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            "KREISLAUF_DATABASE_URL": f"sqlite:///{self.data / 'kreislauf.db'}",
            "KREISLAUF_DATA_DIR": str(self.data),
            "KREISLAUF_BASE_URL": self.url,
            "KREISLAUF_WITNESS_POLICY": str(self.data / "policy.txt"),
        }

    def kreislauf(self, *args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(cli, list(args), env=self.env)
        if ok:
            assert result.exit_code == 0, (
                f"{self.name}: kreislauf {' '.join(args)}\n{result.output}"
            )
        return result

    def start(self) -> None:
        self.launch()
        self.wait()

    def launch(self) -> None:
        """Start the server without waiting for it (several start side by side)."""
        self.data.mkdir(exist_ok=True)
        command = [sys.executable, "-m", "web.cli.main", "run", "--port", str(self.port)]
        env = {**self.env, **self.extra, "PATH": "/usr/bin:/bin", "KREISLAUF_VIEW_CACHE_MB": "0"}
        self.proc = subprocess.Popen(
            [*command, "--workers", "1"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, killed whole
        )

    def wait(self) -> None:
        assert self.proc is not None
        wait_until_serving(self.proc, f"{self.url}/healthz")

    def kill(self) -> None:
        """Gone, not shut down: the whole process group (gunicorn's master and its worker)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # it ended by itself meanwhile
                pass
            self.proc.wait(timeout=30)

    def get(self, path: str, accept: str = "application/json") -> bytes:
        request = urllib.request.Request(f"{self.url}{path}", headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return bytes(answer.read())

    def post(self, path: str, body: Any, key: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return json.load(answer)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, Node]]:
    found = {
        name: Node(name, tmp_path / name) for name in ("origin", "mirror1", "mirror2", "witness")
    }
    try:
        yield found
    finally:
        for node in found.values():
            node.kill()


def _org(node: Node, name: str, role: str, *prefix: str) -> str:
    args = ["create-org", name, "--role", role, *[a for p in prefix for a in ("--gs1-prefix", p)]]
    return str(json.loads(node.kreislauf(*args).output.strip().splitlines()[-1])["api_key"])


def _keys(node: Node) -> tuple[str, str]:
    """The registry's log line and witness line, as ``kreislauf log-keys`` prints them."""
    log_line, witness_line = node.kreislauf("log-keys").output.strip().splitlines()
    return log_line, witness_line


def test_registries_mirror_and_witness_each_other_and_outlive_the_origin(nodes):
    origin, mirror1, mirror2, witness = (
        nodes[n] for n in ("origin", "mirror1", "mirror2", "witness")
    )
    for node in nodes.values():
        node.data.mkdir()
        node.kreislauf("init-db")
    maker = _org(origin, "Acme Kettles GmbH", "manufacturer", "9520123")
    cafe = _org(origin, "Repair Café Cardiff", "repairer")

    # The witness learns the origin's log key; the origin's policy names the witness.
    log_line, _ = _keys(origin)
    vkey = log_line.split()[1]
    witness.kreislauf("witness-add", vkey.split("+")[0], vkey)
    _, witness_line = _keys(witness)
    policy = f"{log_line}\n{witness_line.replace(witness_line.split()[1], 'W', 1)}\nquorum W\n"
    (origin.data / "policy.txt").write_text(policy)
    rules = parse_policy(policy)
    # The origin's server asks its witness by itself, and the second mirror syncs by itself,
    # every second (KREISLAUF_COSIGN_SECONDS, KREISLAUF_MIRROR_SYNC_SECONDS).
    origin.extra["KREISLAUF_COSIGN_SECONDS"] = "1"
    mirror2.extra["KREISLAUF_MIRROR_SYNC_SECONDS"] = "1"
    for node in nodes.values():  # all four start at once, then each is waited for
        node.launch()
    for node in nodes.values():
        node.wait()

    # The origin issues and records; its server gets the newest checkpoint cosigned.
    ids = [
        origin.post("/api/v1/passports", passport(serial=f"F-{n}"), maker)["id"] for n in range(3)
    ]
    origin.post(f"/api/v1/passports/{ids[0]}/events", REPAIR, cafe)
    checkpoint = _until(lambda: _cosigned(origin.get("/log/v1/checkpoint").decode(), rules))
    size = note.Checkpoint.parse(note.parse_note(checkpoint)[0]).size
    cosigned = origin.kreislauf("cosign")  # by hand too: the witness has it already
    assert "W: cosigned" in cosigned.output and "quorum met" in cosigned.output

    # Both mirrors take the origin's key out of band; one syncs by hand, one by itself.
    for mirror in (mirror1, mirror2):
        mirror.kreislauf("mirror", "add", origin.url, "--key", vkey)
    mirror1.kreislauf("mirror", "sync")
    _until(lambda: f"\n{size}\n" in _mirrored(mirror2, origin))
    _until(lambda: all(_mirrored(mirror2, origin, f"/api/v1/passports/{pid}") for pid in ids))

    served = {pid: origin.get(f"/api/v1/passports/{pid}") for pid in ids}
    jwt = origin.get(f"/api/v1/passports/{ids[0]}", accept="application/vc+jwt")
    bundle = origin.get(f"/api/v1/passports/{ids[0]}/proof-bundle")

    origin.kill()  # the origin is gone
    with pytest.raises(OSError):
        origin.get("/healthz")

    verifier = note.Verifier.from_vkey(vkey)
    for mirror in (mirror1, mirror2):
        prefix = f"/mirror/{origin.host}"
        copy = mirror.get(f"{prefix}/log/v1/checkpoint").decode()
        text, names = note.verify_note(copy, [verifier])  # the origin's signature, not the mirror's
        assert names == [verifier.name] and copy.startswith(checkpoint)  # byte for byte
        assert copy.splitlines()[-1].startswith(f"\u2014 {mirror.host}/mirror ")  # its cosignature
        for pid in ids:
            assert mirror.get(f"{prefix}/api/v1/passports/{pid}") == served[pid]
        assert mirror.get(f"{prefix}/api/v1/passports/{ids[0]}", accept="application/vc+jwt") == jwt
        _verify_jwt(jwt, mirror, prefix)
        events = json.loads(mirror.get(f"{prefix}/api/v1/passports/{ids[0]}/events"))
        assert [e["type"] for e in events["events"]] == ["repair"]
        assert json.loads(mirror.get(f"{prefix}/evidence"))["evidence"] == []

    # The bundle verifies offline, with the witness quorum, and not after a one-byte change.
    saved = origin.data.parent / "bundle.json"
    saved.write_bytes(bundle)
    policy_file = origin.data.parent / "policy.txt"
    policy_file.write_text(policy)
    checked = origin.kreislauf("verify-bundle", str(saved), "--policy", str(policy_file))
    assert "quorum (W) is met: W" in checked.output and "FAIL" not in checked.output
    where = bundle.index(b'"content"') + 40  # inside the first document
    tampered = bundle[:where] + bytes([bundle[where] ^ 0x01]) + bundle[where + 1 :]
    saved.write_bytes(tampered)
    failed = origin.kreislauf("verify-bundle", str(saved), "--policy", str(policy_file), ok=False)
    assert failed.exit_code == 1 and "FAIL" in failed.output

    # A forked origin: the same keys and address, another history, longer than the one seen.
    forked = Node("forked", origin.data.parent / "forked", port=origin.port)
    forked.data.mkdir()
    shutil.copytree(origin.data / "keys", forked.data / "keys")
    forked.kreislauf("init-db")
    other = _org(forked, "Acme Kettles GmbH", "manufacturer", "9520123")
    nodes["forked"] = forked
    forked.start()
    for n in range(6):
        forked.post("/api/v1/passports", passport(serial=f"X-{n}"), other)
    assert forked.get("/log/v1/checkpoint").decode() != checkpoint
    (forked.data / "policy.txt").write_text(policy)
    refused = forked.kreislauf("cosign", ok=False)
    assert refused.exit_code == 1 and "quorum NOT met" in refused.output
    synced = mirror1.kreislauf("mirror", "sync", ok=False)
    assert synced.exit_code == 1, synced.output
    for mirror in (mirror1, mirror2):  # the second found it by itself
        evidence = _until(lambda m=mirror: _evidence(m, origin))  # type: ignore[misc]
        assert len(evidence) == 1
        held, offered = evidence[0]["held"], evidence[0]["offered"]
        note.verify_note(held, [verifier])
        note.verify_note(offered, [verifier])  # both signed by the origin's key
        # The mirror still serves the history it verified, not the fork.
        assert mirror.get(f"/mirror/{origin.host}/api/v1/passports/{ids[0]}") == served[ids[0]]


def _until(found: Callable[[], Any], seconds: float = 60.0) -> Any:
    """What ``found`` returns once it is truthy (the servers' own runs come every second)."""
    deadline = time.monotonic() + seconds
    while not (value := found()):
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(0.3)
    return value


def _cosigned(checkpoint: str, rules: Any) -> str:
    return checkpoint if rules.cosigners(checkpoint) == ["W"] else ""


def _mirrored(mirror: Node, origin: Node, path: str = "/log/v1/checkpoint") -> str:
    try:
        return mirror.get(f"/mirror/{origin.host}{path}").decode()
    except OSError:  # 404 until the sync has it
        return ""


def _evidence(mirror: Node, origin: Node) -> list[Any]:
    return list(json.loads(mirror.get(f"/mirror/{origin.host}/evidence"))["evidence"])


def _verify_jwt(token: bytes, mirror: Node, prefix: str) -> None:
    """The VC-JWT verifies with the key the issuer's DID document, as the mirror serves it,
    names (did:web: ``host`` is ``/.well-known/did.json``, ``host:a:b`` is ``/a/b/did.json``)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    header_b64, payload_b64, signature_b64 = token.split(b".")
    did, _, fragment = json.loads(_unb64(header_b64))["kid"].partition("#")
    parts = did.split(":")[3:]
    path = "/" + "/".join(parts) + "/did.json" if parts else "/.well-known/did.json"
    document = json.loads(mirror.get(f"{prefix}{path}"))
    [method] = [m for m in document["verificationMethod"] if m["id"].endswith(f"#{fragment}")]
    key = Ed25519PublicKey.from_public_bytes(_unb64(method["publicKeyJwk"]["x"].encode()))
    key.verify(_unb64(signature_b64), header_b64 + b"." + payload_b64)


def _unb64(value: bytes) -> bytes:
    return base64.urlsafe_b64decode(value + b"=" * (-len(value) % 4))
