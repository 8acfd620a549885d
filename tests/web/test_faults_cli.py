"""``kreislauf train-faults`` and ``evaluate-faults``: the fault model from the vendored quests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from click.testing import CliRunner

from repairs.faults.data import lists_document
from repairs.faults.training import train_from
from web.cli.main import cli

QUESTS = Path(__file__).resolve().parents[1] / "fixtures" / "ords" / "quests"


def test_train_faults_writes_the_model_of_the_data_it_is_given(tmp_path: Path) -> None:
    sample = tmp_path / "quests"
    sample.mkdir()
    for path in QUESTS.iterdir():  # every fault list, and the first lines of each quest
        lines = path.read_bytes().splitlines(keepends=True)
        cut = lines if path.name.endswith("_fault_types.csv") else lines[:40]
        (sample / path.name).write_bytes(b"".join(cut))
    output, lists = tmp_path / "model.json.gz", tmp_path / "fault_types.json"
    result = CliRunner().invoke(
        cli,
        ["train-faults", "--data", str(sample), "--output", str(output), "--lists", str(lists)],
    )
    assert result.exit_code == 0, result.output
    model = train_from(sample)
    assert output.read_bytes() == model.to_bytes()
    assert "sha256" in result.output
    # the lists repair events are checked against: every list is whole in the sample, so they
    # are the shipped ones
    assert lists.read_bytes() == lists_document({c: model.faults(c) for c in model.categories})
    assert (
        lists.read_bytes()
        == (resources.files("schemas") / "ords" / "fault_types.json").read_bytes()
    )


def test_evaluate_faults_rewrites_only_its_part_of_the_document(tmp_path: Path) -> None:
    document = tmp_path / "FAULTS.md"
    document.write_text(
        "# Before\n<!-- evaluate-faults: begin -->\nold\n<!-- evaluate-faults: end -->\nAfter\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["evaluate-faults", "--write", str(document)])
    assert result.exit_code == 0, result.output
    text = document.read_text(encoding="utf-8")
    assert text.startswith("# Before\n<!-- evaluate-faults: begin -->\n| category |")
    assert text.endswith("<!-- evaluate-faults: end -->\nAfter\n")
    assert "old" not in text and "| Vacuum |" in text and "| nl |" in text
    size = len(resources.files("repairs.faults").joinpath("model.json.gz").read_bytes())
    assert f"Model file: {size:,} bytes" in text


def test_the_shipped_figures_are_the_ones_in_docs() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "FAULTS.md"
    result = CliRunner().invoke(cli, ["evaluate-faults"])
    tables = result.output.split("\n\nModel file:")[0]
    assert tables in docs.read_text(encoding="utf-8"), "run: kreislauf evaluate-faults --write"
