"""The kreislauf command: init-db, create-org, demo, run."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from tests.helpers import untp_errors
from web.cli import cli


def test_create_org_prints_id_and_key_and_stores_only_a_hash(database_url, monkeypatch):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    result = CliRunner().invoke(
        cli,
        ["create-org", "Acme Kettles GmbH", "--role", "manufacturer", "--gs1-prefix", "9520123"],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) == {"org_id", "api_key"}
    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash, prefix FROM api_keys")).one()
        prefixes = conn.execute(text("SELECT prefix FROM gs1_prefixes")).scalars().all()
    engine.dispose()
    assert printed["api_key"] not in stored.key_hash
    assert printed["api_key"].startswith(stored.prefix) and len(stored.key_hash) == 64
    assert prefixes == ["9520123"]


def test_create_org_rejects_a_bad_role_and_prefix(database_url, monkeypatch):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    runner = CliRunner()
    bad_role = runner.invoke(cli, ["create-org", "X", "--role", "wizard"])
    assert bad_role.exit_code != 0 and "wizard" in bad_role.output
    bad_prefix = runner.invoke(
        cli, ["create-org", "X", "--role", "manufacturer", "--gs1-prefix", "12"]
    )
    assert bad_prefix.exit_code != 0 and "4 to 12 digits" in bad_prefix.output


def test_init_db_is_repeatable(tmp_path, monkeypatch):
    monkeypatch.setenv("KREISLAUF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KREISLAUF_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["init-db"]).exit_code == 0
    vc_key = tmp_path / "data" / "keys" / "vc-ed25519.pem"
    first = vc_key.read_bytes()
    assert runner.invoke(cli, ["init-db"]).exit_code == 0
    assert (tmp_path / "data" / "kreislauf.db").exists()
    assert vc_key.read_bytes() == first  # keys are made once, never overwritten
    assert (tmp_path / "data" / "keys" / "log-ed25519.pem").exists()


def test_demo_seeds_standard_passports_at_every_level(tmp_path):
    from passport.config import Settings
    from web.app import create_app

    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "API key of Kesselwerk" in result.output and "/api/docs" in result.output
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'kreislauf.db'}", testing=True))
    client = app.test_client()
    items = client.get("/api/v1/passports", query_string={"limit": 200}).json["items"]
    assert {p["granularity"] for p in items} == {"model", "batch", "item"}
    assert len({p["issuer"] for p in items}) >= 2
    assert any(p["status"] == "withdrawn" for p in items)
    for p in items:
        doc = client.get(f"/api/v1/passports/{p['id']}").json
        assert untp_errors(doc) == [], p
    front = client.get("/")
    assert front.status_code == 200 and "Kesselwerk" in front.get_data(as_text=True)
    # The sign-in README and the demo print works.
    from tests.web.conftest import sign_in

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "`cafe@demo.kreislauf`, password `fix-it-together`" in readme
    assert "cafe@demo.kreislauf" in result.output and "fix-it-together" in result.output
    signed_in = sign_in(client, "cafe@demo.kreislauf", "fix-it-together")
    assert signed_in.status_code in (302, 303), signed_in.get_data(as_text=True)[:300]
    app.extensions["kreislauf"].engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # type: ignore[no-any-return]


def test_run_serves_with_gunicorn(tmp_path):
    port = _free_port()
    env = {
        "KREISLAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}",
        "KREISLAUF_BASE_URL": f"http://127.0.0.1:{port}",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "run", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json") as r:
                    spec = json.load(r)
                    server = r.headers.get("Server", "")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert spec["openapi"].startswith("3.1")
        assert "gunicorn" in server
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        assert proc.stdout is not None
        proc.stdout.close()
