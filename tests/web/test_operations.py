"""Operations: /healthz and /readyz, JSON logs with a request id and no secrets in them, and
the container files (built and run only where Docker is)."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge import logs
from passport.access import hash_key
from passport.config import Settings
from passport.signing.keys import key_path
from tests.helpers import passport, wait_until_serving
from tests.web.conftest import PASSWORD, sign_in

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged, as the registry logs it when served (edge.logs.LOG_CONFIG)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("sqlalchemy").level
    logs.configure()
    out = io.StringIO()
    for handler in root.handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(out)
    yield out
    root.handlers[:], root.level = saved[0], saved[1]
    logging.getLogger("sqlalchemy").setLevel(saved[2])


def test_logs_are_json_lines_with_a_request_id_and_no_secret(
    client: Any, maker: Any, cafe: Any, make_user: Any, captured: io.StringIO
) -> None:
    login = make_user(cafe)
    assert sign_in(client, login).status_code == 303
    cookie = client.get_cookie("kreislauf_session").value
    created = client.post(
        "/api/v1/passports",
        json=passport(serial="LOG-1"),
        headers={**maker.headers, "X-Request-ID": "client-chosen-0001"},
    )
    assert created.status_code == 201, created.json
    assert created.headers["X-Request-ID"] == "client-chosen-0001"
    odd = client.get("/healthz", headers={"X-Request-ID": "no spaces <allowed>"})
    assert odd.headers["X-Request-ID"] != "no spaces <allowed>"
    assert len(odd.headers["X-Request-ID"]) == 32
    client.post("/signin", data={"login": login, "password": PASSWORD + "x"})  # no CSRF: 400

    text = captured.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    write = next(e for e in lines if e.get("request_id") == "client-chosen-0001")
    assert write["method"] == "POST" and write["path"] == "/api/v1/passports"
    assert write["status"] == 201 and write["duration_ms"] >= 0 and write["level"] == "INFO"
    assert write["time"].endswith("+00:00")
    assert any(e.get("path") == "/signin" and e.get("status") == 303 for e in lines)
    for secret in (PASSWORD, maker.key, hash_key(maker.key), login, cookie, "Bearer"):
        assert secret not in text, secret
    assert "INSERT" not in text and "Authorization" not in text and "Cookie" not in text
    # a database error's message (logged with a 500's traceback) carries no values either
    assert client.application.extensions["kreislauf"].engine.hide_parameters


def test_healthz_and_readyz(client: Any, settings: Settings) -> None:
    healthy = client.get("/healthz")
    assert healthy.status_code == 200 and healthy.json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "keys": "ok"},
    }
    key = key_path(settings.data_dir, "vc")
    key.rename(key.with_suffix(".away"))
    missing = client.get("/readyz")
    assert missing.status_code == 503 and missing.json["status"] == "not ready"
    assert missing.json["checks"]["keys"] != "ok" and str(settings.data_dir) not in missing.text
    key.with_suffix(".away").rename(key)
    spec = client.get("/api/openapi.json").json
    for path in ("/healthz", "/readyz"):
        assert spec["paths"][path]["get"]["security"] == [{}]
    assert set(spec["paths"]["/readyz"]["get"]["responses"]) >= {"200", "503"}


def test_readyz_names_an_unreachable_database(tmp_path: Path) -> None:
    from web.app import create_app

    app = create_app(
        Settings("postgresql+psycopg://postgres@127.0.0.1:1/none", data_dir=tmp_path, testing=True)
    )
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["database"] == "unreachable"
    assert app.test_client().get("/healthz").status_code == 200  # liveness asks no database


def test_the_container_files_build_and_serve() -> None:
    """`docker compose up` starts PostgreSQL, the registry (gunicorn, several workers) and
    Caddy (TLS); /readyz answers through the proxy. Docker is the one thing the suite may skip
    for: CI machines without it say so here."""
    for name in ("Dockerfile", "compose.yaml", "deploy/Caddyfile", ".dockerignore"):
        assert (REPO / name).is_file(), name
    compose = (REPO / "compose.yaml").read_text()
    assert "--workers" in compose and "tls internal" in (REPO / "deploy/Caddyfile").read_text()
    assert "USER " in (REPO / "Dockerfile").read_text()
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True).returncode:
        pytest.skip("Docker is not available here: the container smoke test did not run")
    project = [docker, "compose", "-p", "kreislauf-smoke", "-f", str(REPO / "compose.yaml")]
    env = {
        **os.environ,
        "KREISLAUF_SECRET_KEY": secrets.token_hex(32),
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "KREISLAUF_HTTPS_PORT": "18443",
        "KREISLAUF_HTTP_PORT": "18080",
    }
    try:
        up = [*project, "up", "--build", "-d", "--wait"]
        subprocess.run(up, check=True, env=env, timeout=900)
        _wait_ready("https://localhost:18443/readyz")
    finally:
        subprocess.run([*project, "down", "-v"], check=False, env=env, timeout=300)


def _wait_ready(url: str, timeout: float = 120) -> None:
    import ssl

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # Caddy's own CA
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, context=context, timeout=5) as answer:
                assert json.load(answer)["status"] == "ready"
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(tmp_path: Path) -> None:
    from flask import request

    from web.app import create_app

    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = create_app(Settings("sqlite://", data_dir=tmp_path, testing=True, proxies=proxies))
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr or "")
        seen = app.test_client().get(
            "/whoami", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={}
        )
        assert seen.text == expected
    assert Settings.from_env({"KREISLAUF_PROXIES": "1"}).proxies == 1
    with pytest.raises(ValueError, match="KREISLAUF_PROXIES"):
        Settings.from_env({"KREISLAUF_PROXIES": "one"})


def test_the_operations_guide_names_every_setting_and_command() -> None:
    import re

    guide = (REPO / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    config = (REPO / "passport" / "config.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'env\.get\("(KREISLAUF_[A-Z_]+)"', config))
    assert variables and {v for v in variables if f"`{v}`" not in guide} == set()
    for command in ("backup", "restore", "verify", "init-db", "run", "create-user"):
        assert f"kreislauf {command}" in guide, command


def test_sigterm_lets_a_request_in_flight_finish_and_logs_are_json(tmp_path: Path) -> None:
    """`kreislauf run` under SIGTERM: a batch being issued when the signal comes is answered
    and stored whole, the server exits cleanly, and every line it wrote is a JSON object."""
    import signal
    import socket
    import sys
    import threading

    from passport import organisations
    from passport.db import make_engine, make_session_factory, upgrade_database
    from passport.signing.keys import ensure_keys

    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade_database(url)
    ensure_keys(tmp_path)
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        _, key = organisations.create_organisation(s, "Acme", "manufacturer", ["9520123"])
        s.commit()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "KREISLAUF_DATABASE_URL": url,
        "KREISLAUF_DATA_DIR": str(tmp_path),
        "KREISLAUF_BASE_URL": f"http://127.0.0.1:{port}",
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "web.cli.main", "run", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(command, env=env, cwd=REPO, stderr=subprocess.PIPE)
    answers: list[Any] = []
    answered: list[float] = []
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/healthz")
        body = json.dumps([passport(serial=f"G{n}") for n in range(5000)]).encode()
        post = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/passports/batch",
            data=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )

        def send() -> None:
            with urllib.request.urlopen(post, timeout=120) as answer:
                answers.append((answer.status, json.load(answer)["count"]))
            answered.append(time.monotonic())

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.3)  # the request is being worked on (5,000 passports take seconds)
        proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        sender.join(timeout=120)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        assert proc.stderr is not None
        output = proc.stderr.read().decode()
        proc.stderr.close()
    assert answers == [(201, 5000)], output
    assert answered[0] > signalled  # it was in flight when the signal came
    with make_session_factory(engine)() as s:
        from sqlalchemy import func, select

        from passport.models import Passport

        assert s.scalar(select(func.count()).select_from(Passport)) == 5000
    engine.dispose()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(e.get("path") == "/api/v1/passports/batch" and e["status"] == 201 for e in lines)
    assert key not in output
