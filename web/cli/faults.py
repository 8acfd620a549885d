"""The fault model: ``train-faults`` writes the shipped model, ``evaluate-faults`` its figures.

Both read the Open Repair Alliance quests vendored in tests/fixtures/ords/quests/ (or
``--data``); see docs/FAULTS.md.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["evaluate_faults_command", "train_faults_command"]

_QUESTS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "ords" / "quests"
_MODEL = Path(__file__).resolve().parents[2] / "repairs" / "faults" / "model.json.gz"
_LISTS = Path(__file__).resolve().parents[2] / "schemas" / "ords" / "fault_types.json"
_BEGIN = "<!-- evaluate-faults: begin -->"
_END = "<!-- evaluate-faults: end -->"

_data_option = click.option(
    "--data",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=_QUESTS,
    show_default=True,
    help="The folder of the quest CSV files.",
)


@click.command("train-faults")
@_data_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=_MODEL,
    show_default=True,
    help="Where to write the model.",
)
@click.option(
    "--lists",
    type=click.Path(dir_okay=False, path_type=Path),
    default=_LISTS,
    show_default=True,
    help="Where to write the model's fault lists, which repair events are checked against.",
)
def train_faults_command(data: Path, output: Path, lists: Path) -> None:
    """Train the fault-type model from the open repair quests (same data, same bytes)."""
    import hashlib

    from repairs.faults.data import lists_document
    from repairs.faults.training import train_from

    model = train_from(data)
    content = model.to_bytes()
    output.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    click.echo(f"Wrote {output} ({len(content)} bytes, sha256 {digest}).")
    lists.write_bytes(lists_document({c: model.faults(c) for c in model.categories}))
    click.echo(f"Wrote {lists} (the fault list of each category).")


@click.command("evaluate-faults")
@_data_option
@click.option(
    "--write",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Replace the generated part of this Markdown file (docs/FAULTS.md) instead of printing.",
)
def evaluate_faults_command(data: Path, write: Path | None) -> None:
    """The shipped model's figures on the held-out notes, beside the baseline, as Markdown."""
    from repairs.faults import evaluation
    from repairs.faults.suggestion import MODEL_FILE, shipped_model

    model = shipped_model()
    by_category, by_language = evaluation.evaluate(model, data)
    speed = evaluation.timing(model, data)
    from importlib import resources

    size = len(resources.files("repairs.faults").joinpath(MODEL_FILE).read_bytes())
    text = "\n".join(
        [
            evaluation.markdown(by_category, by_language),
            "",
            f"Model file: {size:,} bytes. One suggestion (this machine, {speed.notes} held-out "
            f"notes): median {speed.median_ms:.2f} ms, p99 {speed.p99_ms:.2f} ms.",
        ]
    )
    if write is None:
        click.echo(text)
        return
    document = write.read_text(encoding="utf-8")
    head, _, rest = document.partition(_BEGIN)
    _, found, tail = rest.partition(_END)
    if not found:
        raise click.ClickException(f"{write} has no {_BEGIN} … {_END} part")
    write.write_text(f"{head}{_BEGIN}\n{text}\n{_END}{tail}", encoding="utf-8")
    click.echo(f"Updated {write}.")
