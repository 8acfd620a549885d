"""Open repair data in and out of the registry: ``import-ords`` and ``export-ords`` (ORDS v0.3).

Both show a progress bar (tqdm, on standard error, only when it is a terminal).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import click

from passport.config import Settings
from web.cli.database import command_session

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from repairs.ords.records import OrdsRow

__all__ = ["export_ords_command", "import_ords_command"]


@click.command("import-ords")
@click.argument("file", type=click.File("rb"))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, report the rest.")
def import_ords_command(file: Any, skip_invalid: bool) -> None:
    """Import open repair data (ORDS v0.3 CSV); nothing is imported from a file with errors."""
    from tqdm import tqdm

    from repairs.importing import import_ords

    settings = Settings.from_env()
    with (
        command_session(settings, migrate=True) as session,
        tqdm(unit=" rows", desc="Importing", disable=None) as bar,
    ):
        report = import_ords(session, file, skip_invalid=skip_invalid, progress=bar.update)
        session.commit()
    click.echo(
        f"Imported {report.imported} of {report.read} rows; {report.duplicates} already present, "
        f"{report.skipped} skipped as invalid."
    )
    for error in report.errors[:50]:
        click.echo(f"  {error}", err=True)


@click.command("export-ords")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First event date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last event date.")
@click.option("--category", help="ORDS product category, e.g. Kettle.")
@click.option("--group", help="Repair group (group_identifier).")
@click.option(
    "--fault-types",
    type=click.Path(dir_okay=False),
    help="Also write the exported repairs' fault types here (id_ords,fault_type).",
)
def export_ords_command(
    file: str,
    since: Any,
    until: Any,
    category: str | None,
    group: str | None,
    fault_types: str | None,
) -> None:
    """Export every repair the registry knows as ORDS v0.3 CSV ("-" for standard output).

    ORDS has no fault-type column: ``--fault-types`` writes them to a companion file keyed by
    the rows' ids, as the Open Repair Alliance's quests publish theirs.
    """
    from tqdm import tqdm

    from repairs.listing import repair_rows
    from repairs.ords.writer import write_ords
    from repairs.registry_rows import ID_PREFIX

    settings = Settings.from_env()
    with command_session(settings, write=False) as session:
        rows = repair_rows(
            session,
            since=since.date() if since else None,
            until=until.date() if until else None,
            category=category,
            group=group,
            base_url=settings.base_url,
            country=settings.country,
        )
        exported: list[str] = []
        if fault_types:
            rows = _noting_ids(rows, exported, ID_PREFIX)
        # newline="": the csv module writes its own line ends (multi-line problems stay intact)
        out = sys.stdout if file == "-" else open(file, "w", encoding="utf-8", newline="")  # noqa: SIM115
        try:
            count = write_ords(
                tqdm(rows, unit=" rows", desc="Exporting", disable=None, file=sys.stderr), out
            )
        finally:
            if out is not sys.stdout:
                out.close()
        if fault_types:
            with open(fault_types, "w", encoding="utf-8", newline="") as companion:
                typed = _write_fault_types(session, exported, companion)
    click.echo(f"Exported {count} rows.", err=True)
    if fault_types:
        click.echo(f"Wrote the fault types of {typed} of them to {fault_types}.", err=True)


def _noting_ids(rows: Iterable[OrdsRow], ids: list[str], prefix: str) -> Iterator[OrdsRow]:
    """``rows`` unchanged, noting in ``ids`` those of the registry's own repairs."""
    for row in rows:
        if row.id.startswith(prefix):
            ids.append(row.id)
        yield row


def _write_fault_types(session: Session, ids: list[str], stream: IO[str]) -> int:
    from repairs.ords.writer import write_fault_types
    from repairs.registry_rows import fault_types

    return write_fault_types(fault_types(session, ids), stream)
