"""The transparency log from the command line: audit it, witness other logs, check a history.

``verify`` audits this registry's log against its stored passports and events;
``witness-add`` and ``witness`` cosign another registry's checkpoints; ``verify-history``
checks a passport's events against its registry's signed log, over HTTP.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from passport.config import Settings
from passport.errors import WitnessError
from web.cli.database import command_session

__all__ = ["verify_command", "verify_history_command", "witness_add", "witness_command"]


@click.command("verify")
@click.option(
    "--retired-log-key",
    "retired",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A former log key (PEM, public or private): checkpoints and seals signed before a "
    "rotation verify with it. Repeatable.",
)
def verify_command(retired: tuple[str, ...]) -> None:
    """Audit the log (leaves, nodes, head, every checkpoint and its signature) and every served
    fact against it (passport status, versions, life status, identifiers, organisations' seals,
    API keys' owners); list each problem with its entry or row and exit 1 if there is one."""
    from passport.audit import verify_registry

    settings = Settings.from_env()
    keys = [_public_key(path) for path in retired]
    with command_session(settings, write=False) as session:
        report = verify_registry(session, settings, keys)
    for note in report.notes:
        click.echo(f"Note: {note}", err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    if not report.ok:
        raise click.ClickException(
            f"The log of {report.size} entries has {len(report.problems)} problem(s)."
        )
    click.echo(f"Log verified: {report.size} entries, root {report.root.hex()}.")


def _public_key(path: str) -> Any:
    """The Ed25519 public key in a PEM file (a public key, or a private one's public half)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_pem_public_key,
    )

    with open(path, "rb") as file:
        data = file.read()
    try:
        key: Any = load_pem_public_key(data)
    except ValueError:
        try:
            key = load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise click.BadParameter(f"{path} holds no PEM key: {exc}") from None
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise click.BadParameter(f"{path} is not an Ed25519 key")
    return key


@click.command("witness-add")
@click.argument("origin")
@click.argument("vkey")
def witness_add(origin: str, vkey: str) -> None:
    """Witness the log ORIGIN, whose checkpoints VKEY (a signed-note verifier key) signs."""
    from passport.ledger import note, witness

    settings = Settings.from_env()
    with command_session(settings, migrate=True) as session:
        try:
            row = witness.add_log(session, origin, vkey)
        except note.NoteError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
        size = row.size
    click.echo(f"Witnessing {origin} (latest size {size}).")


@click.command("witness")
@click.argument("url")
def witness_command(url: str) -> None:
    """Witness another Kreislauf registry at URL: cosign its newest checkpoint.

    Fetches URL/log/v1/checkpoint and a consistency proof from the size this registry last
    cosigned, checks both as the add-checkpoint endpoint does, stores the new size and prints
    the cosignature line. The log must have been added with ``witness-add``. Exit 1 on failure.
    """
    from passport.db import begin_write
    from passport.ledger import checkpoints, client, note, witness

    settings = Settings.from_env()
    with command_session(settings, write=False, migrate=True) as session:
        try:
            checkpoint, origin = client.fetch_checkpoint(url)
            row = witness.witnessed(session, origin)
            if row is None:
                raise click.ClickException(
                    f"this registry does not witness {origin!r}; add it with "
                    f"`kreislauf witness-add {origin} VKEY` first"
                )
            old = int(row.size)
            session.rollback()  # no transaction held while fetching the proof
            body = client.witness_request(url, old, checkpoint)
            begin_write(session)
            line = witness.add_checkpoint(session, checkpoints.signer(settings), body)
            session.commit()
        except WitnessError as exc:
            session.rollback()
            raise click.ClickException(f"refused ({exc.kind}): {exc.detail}") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # OSError covers URLError/HTTPError; ValueError covers NoteError, ProofError.
            session.rollback()
            raise click.ClickException(f"cannot witness {url}: {exc}") from None
    size = note.Checkpoint.parse(note.parse_note(checkpoint)[0]).size
    click.echo(f"Cosigned {origin} at size {size} (was {old}).", err=True)
    click.echo(line, nl=False)


@click.command("verify-history")
@click.argument("url")
def verify_history_command(url: str) -> None:
    """Check a passport's events against the registry's signed log, over HTTP.

    URL is the passport's API address <registry>/api/v1/passports/<id>, its page, or the
    address in its QR code (e.g. <registry>/01/<gtin>/21/<serial>). Exit 1 on a failure.
    """
    from passport.ledger import client

    try:
        result = client.verify_history(url)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        click.echo(f"FAIL {exc}")
        sys.exit(1)
    for ok, line in result.lines:
        click.echo(f"{'OK  ' if ok else 'FAIL'} {line}")
    if not result.ok:
        sys.exit(1)
