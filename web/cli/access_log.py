"""The access log's retention: ``prune-access-log`` deletes reads older than the registry keeps.

Run it from cron (daily is plenty); ``KREISLAUF_ACCESS_LOG_DAYS`` (default 1825) or
``--days`` says how long reads are kept.
"""

from __future__ import annotations

import click

from passport.config import Settings
from web.cli.database import command_session

__all__ = ["prune_access_log"]


@click.command("prune-access-log")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep the reads of the last DAYS days (default: KREISLAUF_ACCESS_LOG_DAYS, or 1825).",
)
def prune_access_log(days: int | None) -> None:
    """Delete the access log's reads of restricted data older than the retention period."""
    from datetime import UTC, datetime, timedelta

    from passport.disclosure.access_log import prune

    settings = Settings.from_env()
    kept = days or settings.access_log_days
    before = datetime.now(UTC) - timedelta(days=kept)
    with command_session(settings) as session:
        deleted = prune(session, before)
        session.commit()
    click.echo(f"Deleted {deleted} read(s) made before {before:%Y-%m-%d}; kept {kept} days.")
