"""Witnesses of this registry's log: ``cosign`` asks them, ``log-keys`` says what to tell them.

``cosign`` sends the newest checkpoint to every witness the registry's C2SP tlog-policy
(``KREISLAUF_WITNESS_POLICY``) names with a URL, keeps the cosignatures that verify and says
whether the checkpoint now has the policy's quorum. ``log-keys`` prints this registry's log key
and its witness key, as lines another registry's policy file takes.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from passport.config import Settings
from web.cli.database import command_session

if TYPE_CHECKING:
    from passport.ledger.policy import Policy

__all__ = ["cosign_command", "log_keys_command"]


@click.command("cosign")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A C2SP tlog-policy file (default: KREISLAUF_WITNESS_POLICY).",
)
def cosign_command(policy_file: str | None) -> None:
    """Ask the policy's witnesses to cosign the newest checkpoint and keep their cosignatures.

    Each witness gets the checkpoint and a consistency proof from the size it last cosigned
    (C2SP tlog-witness). Exit 1 if the checkpoint does not reach the policy's quorum.
    """
    from pathlib import Path

    from passport.db import begin_write
    from passport.ledger import checkpoints, client, cosigning, log
    from passport.ledger.policy import PolicyError

    settings = Settings.from_env()
    path = Path(policy_file) if policy_file else settings.witness_policy
    if path is None:
        raise click.ClickException("no witness policy: set KREISLAUF_WITNESS_POLICY or --policy")
    try:
        policy = cosigning.load(path)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    with command_session(settings, write=False) as session:
        newest = checkpoints.newest(session)
        if newest is None:
            raise click.ClickException("the log has no signed checkpoint yet")
        known = cosigning.sizes(session, policy)
        session.rollback()  # no transaction held while the witnesses answer

        def proof(old: int, new: int) -> list[bytes]:
            hashes = log.consistency(session, old, new)
            session.rollback()
            return hashes

        outcomes = cosigning.collect(policy, newest.note, known, proof, client.post)
        session.rollback()
        begin_write(session)
        cosigning.store(session, newest.size, outcomes)
        note_text = cosigning.with_cosignatures(session, newest)
        session.commit()
    for outcome in outcomes:
        click.echo(f"{outcome.witness}: {outcome.message}")
    _quorum(policy, note_text, newest.size)


def _quorum(policy: Policy, note_text: str, size: int) -> None:
    cosigners = policy.cosigners(note_text)
    held = f"checkpoint {size}: cosigned by {len(cosigners)} ({', '.join(cosigners) or 'none'})"
    if not policy.satisfied(cosigners):
        click.echo(f"{held}; the policy needs {policy.describe()}: quorum NOT met.", err=True)
        sys.exit(1)
    click.echo(f"{held}; quorum met ({policy.describe()}).")


@click.command("log-keys")
def log_keys_command() -> None:
    """Print this registry's log key and witness key, as C2SP tlog-policy lines."""
    from passport.ledger import checkpoints, note
    from passport.routes import Routes

    settings = Settings.from_env()
    verifier = checkpoints.verifier(settings)
    cosigner = note.Verifier(verifier.name, verifier.public_key, note.ALG_COSIGNATURE_V1)
    host = verifier.name.split("/", 1)[0]
    click.echo(f"log {verifier.vkey} {settings.base_url}")
    click.echo(f"witness {host} {cosigner.vkey} {Routes(settings.base_url).witness_prefix}")
