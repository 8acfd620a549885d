"""``kreislauf register-eu`` against the loopback fake: the summary, and a rejection named."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from passport.euregistry import queue
from tests.passport.euregistry.test_register import BACKUP, OPERATOR, make_passports
from web.cli.main import cli


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_register_eu_registers_and_names_what_was_rejected(session, acme, fake, monkeypatch):
    make_passports(session, acme, 3)
    (bad,) = make_passports(session, acme, 1, uri="https://dpp.example/01/09520123456788")
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", session.get_bind().url.render_as_string(False))
    monkeypatch.setenv("KREISLAUF_EU_REGISTRY_URL", fake.url)
    monkeypatch.setenv("KREISLAUF_EU_REGISTRY_TOKEN", fake.registry.token)
    monkeypatch.setenv("KREISLAUF_EU_OPERATOR_ID", OPERATOR)
    monkeypatch.setenv("KREISLAUF_EU_BACKUP_OPERATOR_ID", BACKUP)

    result = CliRunner().invoke(cli, ["register-eu"])

    assert result.exit_code == 1, result.output
    assert "Registered 3 passports; 0 were registered before" in result.output
    assert "1 rejected; 0 left queued" in result.output
    assert f"passport {bad.public_id} (https://dpp.example/01/09520123456788): granularity" in (
        result.output
    )
    assert queue.count(session, queue.REGISTERED) == 3


def test_register_eu_says_what_is_not_configured(monkeypatch):
    monkeypatch.delenv("KREISLAUF_EU_REGISTRY_URL", raising=False)
    result = CliRunner().invoke(cli, ["register-eu"])
    assert result.exit_code == 1
    assert "The EU registry is not configured: set KREISLAUF_EU_REGISTRY_URL" in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_set_operator_id_names_an_organisations_own(session, acme, monkeypatch):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", session.get_bind().url.render_as_string(False))
    result = CliRunner().invoke(cli, ["set-operator-id", acme.public_id, "EORI:DE1"])
    assert result.exit_code == 0, result.output
    session.commit()  # a new transaction sees the command's
    session.refresh(acme)
    assert acme.operator_id == "EORI:DE1"
    bad = CliRunner().invoke(cli, ["set-operator-id", acme.public_id, "EORI DE1"])
    assert bad.exit_code != 0 and "no spaces" in bad.output
    assert CliRunner().invoke(cli, ["set-operator-id", acme.public_id]).exit_code == 0
    session.commit()
    session.refresh(acme)
    assert acme.operator_id is None
