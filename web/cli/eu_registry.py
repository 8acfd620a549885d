"""``kreislauf register-eu``: register the passports in the EU DPP registry (ESPR Art. 13).

Queues every manufacturer's passport that has no registration yet, then sends the queue in
batches of at most 100 (passport.euregistry.runner), with a progress bar (tqdm, on standard
error, only when it is a terminal). Run it after issuing, or from a timer: what is not
registered stays queued for the next run, and a repeated send registers nothing twice.
"""

from __future__ import annotations

import sys

import click

from passport.config import Settings
from web.cli.database import command_session

__all__ = ["register_eu_command"]


@click.command("register-eu")
@click.option("--retry-rejected", is_flag=True, help="Send the rejected registrations again.")
@click.option("--tries", default=6, show_default=True, help="Tries per batch on 429/5xx.")
def register_eu_command(retry_rejected: bool, tries: int) -> None:
    """Register passports in the EU DPP registry and record their registration ids."""
    from tqdm import tqdm

    from passport.errors import KreislaufError
    from passport.euregistry import runner
    from passport.euregistry.transport import UrllibTransport

    settings = Settings.from_env()
    try:
        runner.check_configured(settings)
    except KreislaufError as exc:
        raise click.ClickException(exc.detail) from exc
    with command_session(settings, migrate=True) as session:
        with tqdm(unit=" passports", desc="Registering", disable=None, file=sys.stderr) as bar:

            def start(total: int) -> None:
                bar.total = total
                bar.refresh()

            report = runner.register_queued(
                session,
                settings,
                UrllibTransport(),
                commit=session.commit,
                progress=bar.update,
                start=start,
                attempts=max(1, tries),
                retry_rejected=retry_rejected,
            )
    click.echo(
        f"Registered {report.registered} passports; {report.existing} were registered before "
        f"(ids recorded); {len(report.rejected)} rejected; {report.left} left queued."
    )
    for rejection in report.rejected[:50]:
        click.echo(
            f"  passport {rejection.public_id} ({rejection.product_identifier}): "
            f"{rejection.reason}",
            err=True,
        )
    if report.rejected or report.left:
        sys.exit(1)
