"""``kreislauf mirror``: keep copies of other registries' logs and passports (issue 14).

``add`` records an origin and its log key (given, or trusted on first use); ``sync`` pulls its
newest checkpoint, the leaves and the documents they commit to, checking each against the
other (passport.mirrors.sync), with a progress bar (tqdm, on standard error, only when it is a
terminal); ``status`` shows what each mirror holds and any evidence of an inconsistent history.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from passport.config import Settings
from web.cli.database import command_session

__all__ = ["mirror_group"]


@click.group("mirror")
def mirror_group() -> None:
    """Mirror other registries: keep their passports served and hold their logs to account."""


@mirror_group.command("add")
@click.argument("origin_url")
@click.option(
    "--key",
    "vkey",
    default=None,
    help="The origin's log key as a C2SP vkey (name+id+key). Without it the key the origin "
    "publishes now is trusted on first use.",
)
def mirror_add(origin_url: str, vkey: str | None) -> None:
    """Record ORIGIN_URL as a registry this one mirrors (nothing is fetched until `sync`)."""
    from passport.mirrors import origins

    with command_session(Settings.from_env(), migrate=True) as session:
        added = origins.add_origin(session, origin_url, vkey)
        session.commit()
        row = added.origin
    if not added.new:
        click.echo(f"{row.host} is mirrored already, with the same key.")
        return
    click.echo(f"Mirroring {row.url} (log {row.log_origin}, {added.size} entries now).")
    click.echo(f"Log key: {row.vkey}")
    if added.first_use:
        click.echo(
            "Trusted on first use: this key was read from the origin itself just now. Compare "
            "it with one the origin's operator gives you another way, or add the origin again "
            "with --key."
        )
    click.echo(f"Served under /mirror/{row.host}/ after `kreislauf mirror sync`.")


@mirror_group.command("sync")
@click.argument("origin", required=False)
def mirror_sync(origin: str | None) -> None:
    """Pull each origin's (or ORIGIN's: its host or URL) newest checkpoint, leaves and
    documents; exit 1 if an origin showed an inconsistent history or a passport was refused."""
    from passport.errors import MirrorRefused
    from passport.mirrors import cosigning, origins, sync

    failed = False
    settings = Settings.from_env()
    # Not opened as the writer: a sync writes in short transactions of its own (commit=).
    with command_session(settings, write=False, migrate=True) as session:
        cosigner = cosigning.signer(settings)  # the mirror's key: it cosigns what it holds
        chosen = origins.chosen(session, origin)
        if not chosen:
            raise click.ClickException("No origin to sync: `kreislauf mirror add URL` first.")
        for row in chosen:
            try:
                with _bar() as progress:
                    report = sync.sync(
                        session, row, progress=progress, commit=session.commit, cosigner=cosigner
                    )
            except MirrorRefused as exc:
                session.rollback()
                click.echo(f"{row.host}: REFUSED, {exc.detail}", err=True)
                failed = True
                continue
            except OSError as exc:  # unreachable, or an HTTP error where no answer is optional
                session.rollback()
                click.echo(f"{row.host}: not synced, the origin did not answer: {exc}", err=True)
                failed = True
                continue
            session.commit()
            failed |= _print(report)
    if failed:
        sys.exit(1)


class _bar:
    """A tqdm bar per stage of a sync (leaves, then passports)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> Any:
        from passport.mirrors.sync import Progress

        return Progress(start=self.start, step=self.step)

    def start(self, what: str, total: int) -> None:
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(total=total, unit=f" {what}", desc="Mirroring", disable=None)

    def step(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __exit__(self, *_: object) -> None:
        self.close()


def _print(report: Any) -> bool:
    """Say what a sync did; True if something was refused."""
    if report.evidence is not None:
        click.echo(
            f"{report.host}: REFUSED, the origin's checkpoint is inconsistent with the one held "
            f"({report.evidence.reason}). Both signed checkpoints are kept as evidence: "
            f"`kreislauf mirror status`, /mirror/{report.host}/evidence.",
            err=True,
        )
        return True
    stale = " (the origin served an older checkpoint)" if report.stale else ""
    click.echo(
        f"{report.host}: {report.size} entries ({report.entries} new){stale}, "
        f"{report.passports} passports updated."
    )
    for refusal in report.refused[:50]:
        click.echo(f"  refused {refusal}", err=True)
    return bool(report.refused)


@mirror_group.command("status")
def mirror_status() -> None:
    """Show each mirrored origin: its key, what the mirror holds, the last sync, any evidence."""
    from passport.mirrors import cosigning, origins, reads

    settings = Settings.from_env()
    with command_session(settings, write=False) as session:
        rows = origins.origins(session)
        if not rows:
            click.echo("This registry mirrors no other registry.")
        else:
            vkey = cosigning.verifier(settings).vkey
            click.echo(f"This mirror cosigns the checkpoints it holds with {vkey}")
        for row in rows:
            synced = row.synced_at.isoformat() if row.synced_at else "never"
            trust = "trusted on first use" if row.trust == "first-use" else "given"
            click.echo(f"{row.host}  {row.url}")
            click.echo(f"  log {row.log_origin}, key {row.vkey} ({trust})")
            click.echo(
                f"  {row.size} entries, {reads.passports(session, row)} passports, "
                f"last sync {synced}"
            )
            for found in reads.evidence_of(session, row):
                click.echo(f"  EVIDENCE {found.found_at.isoformat()}: {found.reason}")
                click.echo("    held:\n" + _indent(found.held))
                click.echo("    offered:\n" + _indent(found.offered))


def _indent(text: str) -> str:
    return "\n".join(f"      {line}" for line in text.rstrip("\n").splitlines())
