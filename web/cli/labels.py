"""Print-ready label sheets from the command line: ``kreislauf labels``.

The passports are named by id or selected by GTIN (and lot); the sheet is the PDF of
``passport.carriers.labels``, as the labels page of the web edge makes it.
"""

from __future__ import annotations

from pathlib import Path

import click

from passport.config import Settings
from web.cli.database import command_session, safe_url

__all__ = ["labels_command"]


@click.command("labels")
@click.argument("passport_ids", nargs=-1)
@click.option("--gtin", help="Every passport with this GTIN (e.g. a whole batch's items).")
@click.option("--lot", help="With --gtin: only this lot.")
@click.option(
    "--layout",
    default="a4-3x7",
    show_default=True,
    help="a4-3x7 (A4, 3 x 7 labels of 63.5 x 38.1 mm), single-62x29 or single-62x100.",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.pdf")
def labels_command(
    passport_ids: tuple[str, ...], gtin: str | None, lot: str | None, layout: str, out: str
) -> None:
    """Print-ready label sheets: a QR code and short text for each passport."""
    from urllib.parse import urlsplit

    from tqdm import tqdm

    from passport import search
    from passport.carriers.labels import label_for, label_sheet_pdf
    from passport.carriers.layouts import LAYOUTS
    from passport.passports import lookup

    if layout not in LAYOUTS:
        raise click.BadParameter(f"choose one of {', '.join(LAYOUTS)}", param_hint="--layout")
    if lot and not gtin:
        raise click.UsageError("--lot narrows a --gtin selection: give the GTIN with --gtin too.")
    if not passport_ids and not gtin:
        raise click.UsageError("Name passports by id, or select them with --gtin.")
    settings = Settings.from_env()
    with command_session(settings, write=False) as session:
        chosen = [lookup.get_passport(session, pid) for pid in passport_ids]
        found, cursor = 0, None
        while gtin:
            page = search.search(session, gtin=gtin, lot=lot, cursor=cursor, limit=200)
            chosen += page.items
            found += len(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        if gtin and not found:
            lot_part = f" and lot {lot!r}" if lot else ""
            raise click.ClickException(
                f"No passport has GTIN {gtin}{lot_part} in the registry at "
                f"{safe_url(settings.database_url)}."
            )
        host = urlsplit(settings.base_url).netloc
        labels = [
            label_for(p, host) for p in tqdm(chosen, unit=" labels", desc="Preparing", disable=None)
        ]
    Path(out).write_bytes(label_sheet_pdf(labels, layout))
    per_page = LAYOUTS[layout].per_page
    click.echo(f"{len(labels)} labels on {-(-len(labels) // per_page)} pages: {out}")
