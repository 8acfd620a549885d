"""The ``kreislauf`` command group and its entry point (``kreislauf = "web.cli.main:main"``).

Every command must start in well under half a second (``kreislauf --help`` on a busy machine):
the command modules import only click and the light configuration at the top; each command
imports what it uses (SQLAlchemy, the use cases, jsonschema, the app) when it runs.
tests/web/test_cli.py checks.
"""

from __future__ import annotations

import sys

import click

from web.cli.access_log import prune_access_log
from web.cli.backup import backup_command, restore_command
from web.cli.bundle import verify_bundle_command
from web.cli.eu_registry import register_eu_command
from web.cli.faults import evaluate_faults_command, train_faults_command
from web.cli.keys import keys_group
from web.cli.labels import labels_command
from web.cli.log import verify_command, verify_history_command, witness_add, witness_command
from web.cli.mirror import mirror_group
from web.cli.organisations import create_org, create_user, set_operator_id
from web.cli.permissions import permissions_command
from web.cli.repair_data import export_ords_command, import_ords_command
from web.cli.serving import demo, init_db, run
from web.cli.witnesses import cosign_command, log_keys_command

__all__ = ["cli", "main"]


@click.group(help="Kreislauf — an open registry for digital product passports.")
@click.version_option(package_name="kreislauf")
def cli() -> None:
    pass


for command in (
    init_db,
    create_org,
    create_user,
    set_operator_id,
    keys_group,
    run,
    demo,
    import_ords_command,
    verify_command,
    witness_add,
    witness_command,
    cosign_command,
    log_keys_command,
    verify_history_command,
    verify_bundle_command,
    export_ords_command,
    train_faults_command,
    evaluate_faults_command,
    labels_command,
    prune_access_log,
    backup_command,
    restore_command,
    permissions_command,
    register_eu_command,
    mirror_group,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="kreislauf")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
