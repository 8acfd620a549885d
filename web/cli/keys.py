"""``kreislauf keys``: list, create and revoke an organisation's API keys (the operator's side).

A new key is printed once, as ``{"api_key": ...}``; only its hash is stored. ``revoke`` takes
the key's prefix (its first 12 characters, as ``list`` shows them) and may revoke an
organisation's last key (a leaked key must stop at once); ``create`` then makes a new one.
"""

from __future__ import annotations

import json

import click

from passport.config import Settings
from web.cli.database import command_session

__all__ = ["keys_group"]


@click.group("keys")
def keys_group() -> None:
    """List, create and revoke an organisation's API keys."""


@keys_group.command("list")
@click.argument("org_id")
def list_keys(org_id: str) -> None:
    """Print the organisation's keys (prefix, created, revoked), one JSON object a line."""
    from passport import accounts, organisations

    with command_session(Settings.from_env(), write=False) as session:
        org = accounts.get_organisation(session, org_id)
        for key in organisations.list_keys(session, org):
            click.echo(json.dumps(organisations.key_as_dict(key)))


@keys_group.command("create")
@click.argument("org_id")
def create_key(org_id: str) -> None:
    """Make a new API key for the organisation and print it (shown only once)."""
    from passport import accounts, organisations

    settings = Settings.from_env()
    with command_session(settings) as session:
        org = accounts.get_organisation(session, org_id)
        key = organisations.issue_api_key(session, org, settings)
        session.commit()
    click.echo(json.dumps({"api_key": key}))


@keys_group.command("revoke")
@click.argument("key_prefix")
def revoke_key(key_prefix: str) -> None:
    """Revoke the active key with this prefix; it is refused from now on."""
    from passport import organisations

    settings = Settings.from_env()
    with command_session(settings) as session:
        key = organisations.revoke_key(session, key_prefix, settings=settings)
        result = {"org_id": key.organisation.public_id, **organisations.key_as_dict(key)}
        session.commit()
    click.echo(json.dumps(result))
