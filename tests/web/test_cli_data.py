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
