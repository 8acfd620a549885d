"""``kreislauf permissions``: the one table of who may do what (``passport.permissions``).

``kreislauf permissions --markdown > docs/PERMISSIONS.md`` regenerates the docs;
tests/passport/test_permissions.py fails when they differ from the table.
"""

from __future__ import annotations

import click

__all__ = ["permissions_command"]


@click.command("permissions")
@click.option("--markdown", is_flag=True, help="Print docs/PERMISSIONS.md (the default).")
def permissions_command(markdown: bool) -> None:
    """Print who may do what: every action, every role (docs/PERMISSIONS.md)."""
    from passport.permissions import markdown as render

    click.echo(render(), nl=False)
