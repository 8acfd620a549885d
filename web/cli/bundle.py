"""``kreislauf verify-bundle FILE``: check a passport's proof bundle with no network.

The checks are :func:`passport.ledger.proof_bundle.verify`'s; this prints its lines and exits 1
if any failed. ``--key`` takes the log's verifier key (a C2SP vkey) as a string, or a file
holding one, or a C2SP tlog-policy file (its ``log`` lines); ``--witness`` a witness's vkey.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from passport.ledger.policy import Policy

__all__ = ["verify_bundle_command"]


@click.command("verify-bundle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--key",
    "keys",
    multiple=True,
    help="The log's verifier key you trust (vkey), or a file with it or a tlog-policy file. "
    "Without it the checkpoint is checked with the key the bundle carries. Repeatable.",
)
@click.option(
    "--witness", "witnesses", multiple=True, help="A witness's verifier key (vkey). Repeatable."
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A C2SP tlog-policy file: its logs and witnesses are trusted, and the checkpoint must "
    "have its quorum of cosignatures.",
)
def verify_bundle_command(
    file: str, keys: tuple[str, ...], witnesses: tuple[str, ...], policy_file: str | None
) -> None:
    """Check a proof bundle (GET /api/v1/passports/ID/proof-bundle) offline: the checkpoint's
    signature (and with --policy its witnesses' quorum), each entry's inclusion proof and each
    document against its leaf. Exit 1 on any failure."""
    from passport.ledger import note, policy, proof_bundle

    try:
        trusted = [note.Verifier.from_vkey(v) for k in keys for v in _vkeys(k)]
        cosigners = [note.Verifier.from_vkey(v) for v in witnesses]
        rules = _policy(policy_file) if policy_file else None
    except (OSError, note.NoteError, policy.PolicyError) as exc:
        raise click.BadParameter(str(exc)) from None
    with click.open_file(file, "rb") as stream:
        data = stream.read()
    report = proof_bundle.verify(data, trusted, cosigners, rules)
    for state, line in report.lines:
        click.echo(f"{state:<8} {line}")
    if not report.ok:
        click.echo(f"Not verified: {len(report.failures)} check(s) failed.", err=True)
        sys.exit(1)
    click.echo(f"Verified with {report.key}.")


def _policy(path: str) -> Policy:
    from passport.ledger import policy

    with open(path, encoding="utf-8") as file:
        return policy.parse(file.read())


def _vkeys(value: str) -> list[str]:
    """The vkeys ``--key`` names: the value itself, or a file's (a policy file's ``log`` lines)."""
    if not os.path.isfile(value):
        return [value]
    with open(value, encoding="utf-8") as file:
        lines = [
            line.strip() for line in file if line.strip() and not line.lstrip().startswith("#")
        ]
    logs = [line.split()[1] for line in lines if line.startswith("log ") and len(line.split()) > 1]
    if logs:
        return logs
    if len(lines) == 1:
        return lines
    raise click.BadParameter(f"{value} holds neither one vkey nor a policy's 'log' lines")
