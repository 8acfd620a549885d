"""No formula injection in the CSV the registry writes: the ORDS export, over the API and the CLI.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
single quote (OWASP, "CSV Injection"), whatever field it comes from: the repair's problem and
barrier, the brand (the maker's name), the repair group (the recording organisation's name).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from click.testing import CliRunner

from repairs.ords.writer import inert
from tests.helpers import passport
from web.cli.main import cli

HOSTILE = [
    '=HYPERLINK("https://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tTab first",
    "\r=CR first",
]


def test_hostile_cells_are_inert_in_every_csv_export(
    client: Any, make_org: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    maker = make_org("=1+1 Kettles", "manufacturer", ("9520123",))
    cafe = make_org("@Repair Café", "repairer")
    body = passport("item")
    body["product"]["producedByParty"] = {"id": "https://acme.example", "name": "-Acme"}
    issued = client.post("/api/v1/passports", json=body, headers=maker.headers)
    assert issued.status_code == 201, issued.json
    pid = issued.json["id"]
    for n, text in enumerate(HOSTILE):
        repair = {"outcome": "end_of_life", "problem": text, "barrier": "Spare parts not available"}
        event = {"type": "repair", "eventTime": f"2026-05-0{n + 1}T14:00:00Z", "repair": repair}
        response = client.post(f"/api/v1/passports/{pid}/events", json=event, headers=cafe.headers)
        assert response.status_code == 201, response.json

    api_csv = client.get("/api/v1/repairs").get_data(as_text=True)
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    cli_csv = CliRunner().invoke(cli, ["export-ords", "-"]).stdout
    for text in (api_csv, cli_csv):
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert [r["problem"] for r in rows] == ["'" + t for t in HOSTILE]
        assert {r["brand"] for r in rows} == {"'-Acme"}
        assert {r["group_identifier"] for r in rows} == {"'@Repair Café"}
        for row in rows:  # no cell of any column starts a formula
            assert not any(
                cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()
            )
    assert inert("-5") == "-5" and inert("+3.25") == "+3.25" and inert("-") == "'-"
