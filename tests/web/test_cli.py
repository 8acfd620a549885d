"""The kreislauf command: init-db, create-org, demo, run; how fast it starts, how it fails."""

from __future__ import annotations

import base64
import json
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, make_url, text

from passport.en18222.shapes import ENVELOPE
from tests.api.test_dte import dte_errors
from tests.conftest import POSTGRES_URL
from tests.helpers import GTIN, untp07_errors, untp_errors, wait_until_serving
from web.cli.main import cli

KREISLAUF = Path(sys.executable).with_name("kreislauf")  # the console script in the venv


def kreislauf() -> list[str]:
    """The command as a user runs it (the installed script; the module if it is not there)."""
    return [str(KREISLAUF)] if KREISLAUF.exists() else [sys.executable, "-m", "web.cli.main"]


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


def test_create_org_takes_the_language_of_its_passports(database_url, monkeypatch):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    runner = CliRunner()
    bad = runner.invoke(cli, ["create-org", "X", "--role", "manufacturer", "--language", "german"])
    assert bad.exit_code != 0 and "RFC 5646" in bad.output
    made = runner.invoke(cli, ["create-org", "Y", "--role", "manufacturer", "--language", "de-at"])
    assert made.exit_code == 0, made.output
    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT name, language FROM organisations")).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [("Y", "de-AT")]  # nothing of the refused one


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
    database = f"sqlite:///{tmp_path / 'kreislauf.db'}"
    app = create_app(Settings(database_url=database, data_dir=tmp_path, testing=True))
    client = app.test_client()
    items = client.get("/api/v1/passports", query_string={"limit": 200}).json["items"]
    assert {p["granularity"] for p in items} == {"model", "batch", "item"}
    assert len({p["issuer"] for p in items}) >= 2
    assert any(p["status"] == "withdrawn" for p in items)
    ld = {"Accept": "application/ld+json"}
    for p in items:
        doc = client.get(f"/api/v1/passports/{p['id']}").json
        assert untp07_errors(doc) == [], p  # UNTP 0.7.0, the default
        doc = client.get(f"/api/v1/passports/{p['id']}?untp=0.6.1").json
        assert untp_errors(doc) == [], p
        # every way out: the resolver, EN 18222, the VC-JWT; and the history as UNTP DTEs
        path = urlsplit(p["uri"]).path
        assert untp07_errors(client.get(path, headers=ld).json) == [], p
        assert untp_errors(client.get(f"{path}?untp=0.6.1", headers=ld).json) == [], p
        dpp = client.get(f"/api/v1/dpps/{p['id']}").json  # the envelope, then the credential
        assert dpp["digitalProductPassportId"] == p["id"], p
        assert untp07_errors({k: v for k, v in dpp.items() if k not in ENVELOPE}) == [], p
        signed = client.get(f"/api/v1/passports/{p['id']}?format=jwt")
        token = signed.get_data(as_text=True)
        assert signed.status_code == 200, (p, signed.status_code, signed.mimetype, token[:300])
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert untp07_errors(claims) == [], p
        assert dte_errors(client.get(f"/api/v1/passports/{p['id']}/events?format=dte").json) == []
    front = client.get("/")
    assert front.status_code == 200 and "Kesselwerk" in front.get_data(as_text=True)
    # Every demo repair names its ORDS category: the flagship kettle's impact is estimated.
    repaired = [
        p
        for p in items
        if any(
            e["type"] == "repair"
            for e in client.get(f"/api/v1/passports/{p['id']}/events").json["events"]
        )
    ]
    assert len(repaired) >= 5
    shown = ""
    for p in repaired:
        page = client.get(f"/passports/{p['id']}").get_data(as_text=True)
        assert "not estimated without a product category" not in page, p["name"]
        assert "Avoided ≈" in page, p["name"]
        shown += page
    # A laptop and a vacuum (categories with a fault list) are repaired with a fault type.
    assert "Fault type: Case/chassis" in shown and "Fault type: Blockage" in shown
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
        "KREISLAUF_DATA_DIR": str(tmp_path),  # its keys; not the checkout's kreislauf-data/
        "KREISLAUF_BASE_URL": f"http://127.0.0.1:{port}",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli.main", "run", "--port", str(port), "--workers", "2"],
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
        # `run` signed the (empty) log's head before serving: reads never sign.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/log/v1/checkpoint") as r:
            assert r.read().decode().startswith(f"127.0.0.1:{port}/log/v1\n0\n")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        assert proc.stdout is not None
        proc.stdout.close()


# --- start-up time: a command must start within 0.5 s (generous bounds for busy CI machines) ---

# What no command may load before it runs: the web stack, the database layer, the validators.
HEAVY = {
    "sqlalchemy", "psycopg", "alembic", "flask", "flask_smorest", "flask_babel", "werkzeug",
    "jinja2", "marshmallow", "jsonschema", "rfc3987_syntax", "lark", "pyld", "rdflib", "segno",
    "cryptography", "rfc8785", "gunicorn", "tqdm", "PIL", "babel",
}  # fmt: skip


def test_starting_the_command_line_loads_no_heavy_module():
    code = (
        "import json, sys\n"
        "from web.cli.main import cli\n"
        "for args in [['--help'], ['--version'], *([c, '--help'] for c in cli.commands)]:\n"
        "    cli.main(args, prog_name='kreislauf', standalone_mode=False)\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(result.stderr.splitlines()[-1])
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    ours = sorted(m for m in loaded if m.split(".")[0] in {"api", "repairs", "schemas"})
    use_cases = ("passport.passports.lookup", "passport.organisations", "passport.search")
    ours += [m for m in ("web.app", "web.demo", "passport.models", *use_cases) if m in loaded]
    assert heavy == [] and ours == []
    assert "Usage: kreislauf labels" in result.stdout  # the commands' help was really printed


# What a worker's app must not load before a request needs it (docs/PERFORMANCE.md, memory):
# Turtle (rdflib, PyLD and its lxml and requests), QR codes (segno), validation of what is
# written (jsonschema, jsonschema-rs), the EN 18222 element paths (jsonpath-rfc9535) and keys,
# signatures and seals (cryptography: reads sign nothing).
ON_DEMAND = {
    "rdflib", "pyld", "lxml", "requests", "segno", "jsonschema", "jsonschema_rs", "referencing",
    "jsonpath_rfc9535", "regex", "cryptography", "alembic", "psycopg",
}  # fmt: skip


def test_the_app_a_worker_builds_loads_what_only_some_requests_need_on_demand(tmp_path):
    code = (
        "import json, sys\n"
        "from passport.config import Settings\n"
        "from web.app import create_app\n"
        f"create_app(Settings(database_url='sqlite:///{tmp_path / 'r.db'}'))\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(result.stderr.splitlines()[-1])
    assert sorted(m for m in loaded if m.split(".")[0] in ON_DEMAND) == []


def test_run_names_an_unreachable_database_in_one_line_and_serves_nothing(monkeypatch):
    absent = make_url(POSTGRES_URL).set(database=f"kreislauf_absent_{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", absent.render_as_string(hide_password=False))
    served = []
    monkeypatch.setattr("web.cli.serving.serve", lambda *args: served.append(args))
    result = CliRunner().invoke(cli, ["run"])  # the schema step runs in a forked child
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.startswith("Error: Cannot open the registry database postgresql")
    assert len(result.output.splitlines()) == 1 and served == []


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_every_command_starts_quickly():
    commands = [["--version"], ["--help"], *([name, "--help"] for name in sorted(cli.commands))]
    cpu, wall = {}, {}
    for args in commands:
        started, cpu_before = time.perf_counter(), _cpu_of_children()
        subprocess.run([*kreislauf(), *args], capture_output=True, timeout=60, check=True)
        wall[" ".join(args)] = round(time.perf_counter() - started, 2)
        cpu[" ".join(args)] = round(_cpu_of_children() - cpu_before, 2)
    # 0.15 s each on a 2-core machine. CPU time is what the command costs whatever else runs;
    # wall time only has to rule out waiting on something (a lock, the network).
    assert {args: t for args, t in cpu.items() if t > 0.5} == {}
    assert {args: t for args, t in wall.items() if t > 3} == {}


# --- what a new user trips over ------------------------------------------------------------


def test_prune_access_log_keeps_the_retention_period(database_url, monkeypatch):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    monkeypatch.setenv("KREISLAUF_ACCESS_LOG_DAYS", "30")
    runner = CliRunner()
    assert runner.invoke(cli, ["create-org", "X", "--role", "repairer"]).exit_code == 0
    result = runner.invoke(cli, ["prune-access-log"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Deleted 0 read(s) made before ")
    assert result.output.endswith("; kept 30 days.\n")
    assert "kept 7 days" in runner.invoke(cli, ["prune-access-log", "--days", "7"]).output
    assert runner.invoke(cli, ["prune-access-log", "--days", "0"]).exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["labels", "--gtin", GTIN, "--out", "labels.pdf"],
        ["labels", "p_1", "--out", "labels.pdf"],
        ["verify"],
        ["export-ords", "-"],
        ["prune-access-log"],
    ],
    ids=lambda args: args[0],
)
def test_a_command_before_init_db_says_so_in_one_line(args, tmp_path, monkeypatch):
    monkeypatch.setenv("KREISLAUF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KREISLAUF_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.exception
    assert result.output == (
        f"Error: No registry database at {tmp_path / 'data' / 'kreislauf.db'}: run `kreislauf "
        "init-db` first (or set KREISLAUF_DATA_DIR or KREISLAUF_DATABASE_URL to where it is).\n"
    )
    assert list(tmp_path.iterdir()) == []  # nothing made on the way (no empty database file)


def test_labels_without_a_database_prints_no_traceback(tmp_path):
    env = {"KREISLAUF_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [*kreislauf(), "labels", "--gtin", GTIN, "--out", str(tmp_path / "l.pdf")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: No registry database at ")
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_an_empty_or_unreachable_database_is_named(tmp_path, monkeypatch):
    empty = tmp_path / "empty.db"
    empty.touch()
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", f"sqlite:///{empty}")
    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output == (
        f"Error: The database sqlite:///{empty} holds no registry: run `kreislauf init-db` first.\n"
    )
    absent = make_url(POSTGRES_URL).set(database=f"kreislauf_absent_{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", absent.render_as_string(hide_password=False))
    for args in (["verify"], ["create-org", "X", "--role", "repairer"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), args
        assert result.output.startswith("Error: Cannot open the registry database postgresql")
        assert "does not exist" in result.output and len(result.output.splitlines()) == 1


def test_labels_says_what_is_missing(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    out = tmp_path / "labels.pdf"
    runner = CliRunner()
    nothing = runner.invoke(cli, ["labels", "--out", str(out)])
    assert nothing.exit_code == 2
    assert "Name passports by id, or select them with --gtin." in nothing.output
    unknown = runner.invoke(cli, ["labels", "--gtin", GTIN, "--out", str(out)])
    assert unknown.exit_code == 1
    assert f"Error: No passport has GTIN {GTIN} in the registry at " in unknown.output
    in_lot = runner.invoke(cli, ["labels", "--gtin", GTIN, "--lot", "L1", "--out", str(out)])
    assert in_lot.exit_code == 1
    assert f"No passport has GTIN {GTIN} and lot 'L1' in the registry" in in_lot.output
    lot_only = runner.invoke(cli, ["labels", "--lot", "L1", "--out", str(out)])
    assert lot_only.exit_code == 2 and "give the GTIN with --gtin too" in lot_only.output
    assert not out.exists()


def test_a_demo_in_a_temporary_directory_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(cli, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert f"Demo registry in {tmp_path}" in result.output
    assert "removed when the demo stops" in result.output
    assert list(tmp_path.iterdir()) == []  # database and private keys gone


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_served_demo_removes_its_keys_when_stopped(signum, tmp_path):
    port = _free_port()
    env = {"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"}  # no KREISLAUF_* of the caller's
    proc = subprocess.Popen(
        [*kreislauf(), "demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/")
        (made,) = tmp_path.glob("kreislauf-demo-*")
        assert sorted(p.name for p in (made / "keys").iterdir()) == [
            "log-ed25519.pem",
            "vc-ed25519.pem",
        ]
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    assert list(tmp_path.iterdir()) == []
