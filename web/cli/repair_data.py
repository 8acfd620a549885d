"""Open repair data in and out of the registry: ``import-ords`` and ``export-ords`` (ORDS v0.3).

Both show a progress bar (tqdm, on standard error, only when it is a terminal).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from passport.config import Settings
from web.cli.database import command_session

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
def export_ords_command(
    file: str, since: Any, until: Any, category: str | None, group: str | None
) -> None:
    """Export every repair the registry knows as ORDS v0.3 CSV ("-" for standard output)."""
    from tqdm import tqdm

    from repairs.listing import repair_rows
    from repairs.ords.writer import write_ords

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
        # newline="": the csv module writes its own line ends (multi-line problems stay intact)
        out = sys.stdout if file == "-" else open(file, "w", encoding="utf-8", newline="")  # noqa: SIM115
        try:
            count = write_ords(
                tqdm(rows, unit=" rows", desc="Exporting", disable=None, file=sys.stderr), out
            )
        finally:
            if out is not sys.stdout:
                out.close()
    click.echo(f"Exported {count} rows.", err=True)
