"""The command line for open repair data and label sheets."""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from repairs.ords.writer import inert
from tests.helpers import FIXTURES, passport
from web.cli.main import cli

SAMPLE = FIXTURES / "ords" / "ords_v0.3_sample_202507.csv"


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    monkeypatch.setenv("KREISLAUF_BASE_URL", "https://dpp.example.org")
    monkeypatch.setenv("KREISLAUF_COUNTRY", "DEU")
    return database_url


def test_import_and_export_the_real_sample(env, tmp_path):
    """The commands, on the first 2,000 records of the real sample (the whole 20,000 go
    through the same import in tests/repairs/test_import.py)."""
    sample = tmp_path / "sample.csv"
    with SAMPLE.open(newline="", encoding="utf-8") as f, sample.open("w", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows(itertools.islice(csv.reader(f), 2001))
    runner = CliRunner()
    result = runner.invoke(cli, ["import-ords", str(sample)])
    assert result.exit_code == 0, result.output
    assert "Imported 2000 of 2000 rows" in result.output
    again = runner.invoke(cli, ["import-ords", str(sample)])
    assert "Imported 0 of 2000 rows; 2000 already present" in again.output

    out = tmp_path / "export.csv"
    result = runner.invoke(cli, ["export-ords", str(out)])
    assert result.exit_code == 0, result.output
    with sample.open(newline="", encoding="utf-8") as f:
        # as published, except that no cell may start a spreadsheet formula ("- onbekend")
        original = {row["id"]: {k: inert(v) for k, v in row.items()} for row in csv.DictReader(f)}
    with out.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == list(next(iter(original.values())).keys())
        exported = {row["id"]: row for row in reader}
    assert exported == original


def test_a_file_with_errors_imports_nothing_unless_skip_invalid(env, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:4]
    bad = tmp_path / "bad.csv"
    row = next(csv.reader(io.StringIO(lines[2])))
    row[4], row[0] = "Teleporter", "rcwales_999999"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    bad.write_text(lines[0] + lines[1] + buffer.getvalue(), encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["import-ords", str(bad)])
    assert refused.exit_code != 0
    assert "/line/3/product_category" in refused.output
    exported = runner.invoke(cli, ["export-ords", "-"])
    assert exported.stdout.count("\n") == 1  # the header only: nothing was imported
    skipped = runner.invoke(cli, ["import-ords", "--skip-invalid", str(bad)])
    assert skipped.exit_code == 0 and "Imported 1 of 2 rows" in skipped.output


def test_fault_types_go_to_a_companion_file_keyed_like_the_quests(
    env, tmp_path, session, maker, make_org
):
    from passport.access import authenticate
    from passport.events import history
    from passport.passports import issuing
    from tests.conftest import settings_of

    cafe = authenticate(session, make_org("Repair Café Cardiff", "repairer").key)
    item = issuing.issue_passport(
        session, settings_of(session), authenticate(session, maker.key), passport()
    )
    # A Laptop's fault type is on its list; a Kettle has none, so free text (a formula) may come.
    for problem, fault, category in (
        ("Hinge broken", "Case/chassis", "Laptop"),
        ("Slow", None, "Laptop"),
        ("=1+1", "=1+1", "Kettle"),
    ):
        repair = {"outcome": "fixed", "problem": problem, "category": category}
        repair |= {"faultType": fault} if fault else {}
        body = {"type": "repair", "eventTime": "2026-05-04T12:00:00+02:00", "repair": repair}
        history.record_event(session, settings_of(session), cafe, item.public_id, body)
    session.commit()
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:3]
    (tmp_path / "two.csv").write_text("".join(lines), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["import-ords", str(tmp_path / "two.csv")]).exit_code == 0

    out, faults = tmp_path / "export.csv", tmp_path / "faults.csv"
    result = runner.invoke(cli, ["export-ords", str(out), "--fault-types", str(faults)])
    assert result.exit_code == 0, result.output
    assert "Wrote the fault types of 2 of them" in result.output
    with out.open(newline="", encoding="utf-8") as f:
        exported = {row["problem"]: row["id"] for row in csv.DictReader(f)}
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert len(exported) == 5 and len(header.split(",")) == 14  # ORDS unchanged
    with faults.open(newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["id_ords", "fault_type"],
            [exported["Hinge broken"], "Case/chassis"],
            [exported["'=1+1"], "'=1+1"],  # no formula, as in the export
        ]
    # the same filters: no registry repair in the window, an empty companion file
    runner.invoke(cli, ["export-ords", "-", "--until", "2020-01-01", "--fault-types", str(faults)])
    assert faults.read_text(encoding="utf-8") == "id_ords,fault_type\n"


def test_labels_for_a_batch_decode(env, tmp_path, make_org, session):
    from dataclasses import replace

    from passport.models import Organisation
    from passport.passports import issuing
    from tests.conftest import settings_of

    make_org("Acme Kettles GmbH", "manufacturer", ("9520123",))
    org = session.query(Organisation).one()
    issuing.issue_passports(
        session,
        replace(settings_of(session), base_url="https://dpp.example.org"),
        org,
        [passport("item", lot="L1", serial=f"S{i}") for i in range(3)],
    )
    session.commit()
    out = tmp_path / "labels.pdf"
    result = CliRunner().invoke(
        cli, ["labels", "--gtin", "09520123456788", "--lot", "L1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "3 labels on 1 pages" in result.output
    for tool in ("pdftoppm", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run .ci/system-deps")
    subprocess.run(["pdftoppm", "-r", "300", "-gray", str(out), str(tmp_path / "p")], check=True)
    [page] = sorted(Path(tmp_path).glob("p*.pgm"))
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(decoded) == [
        f"https://dpp.example.org/01/09520123456788/10/L1/21/S{i}" for i in range(3)
    ]
    assert CliRunner().invoke(cli, ["labels", "--out", str(out)]).exit_code != 0
