"""Who uses the registry: ``create-org`` registers an organisation, ``create-user`` a person,
``set-operator-id`` names an organisation's operator identifier for the EU registry.

An organisation gets its API key once, printed and never stored (only its hash is); a person
signs in to the web pages for an organisation with a password that is never echoed.
"""

from __future__ import annotations

import json
import sys

import click

from passport.config import Settings
from passport.roles import ROLES
from web.cli.database import command_session

__all__ = ["create_org", "create_user", "set_operator_id"]


@click.command("create-org")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the organisation does.")
@click.option("--gs1-prefix", "prefixes", multiple=True, help="A GS1 company prefix (repeatable).")
@click.option("--operator-id", help="Its unique operator identifier (EU registry), e.g. EORI:DE….")
@click.option(
    "--language",
    help="The language of its passports' texts (a BCP 47 tag, e.g. de), for those that name none.",
)
def create_org(
    name: str, role: str, prefixes: tuple[str, ...], operator_id: str | None, language: str | None
) -> None:
    """Register an organisation and print its id and API key (shown only once)."""
    from passport import organisations

    settings = Settings.from_env()
    with command_session(settings, migrate=True) as session:
        org, key = organisations.create_organisation(
            session, name, role, prefixes, settings=settings
        )
        organisations.set_operator_id(org, operator_id)
        organisations.set_language(org, language)
        session.commit()
    click.echo(json.dumps({"org_id": org.public_id, "api_key": key}))


@click.command("set-operator-id")
@click.argument("org_id")
@click.argument("operator_id", required=False)
def set_operator_id(org_id: str, operator_id: str | None) -> None:
    """Set the unique operator identifier an organisation's passports are registered with in
    the EU DPP registry (leave it out to fall back to KREISLAUF_EU_OPERATOR_ID)."""
    from passport import accounts, organisations

    settings = Settings.from_env()
    with command_session(settings, migrate=True) as session:
        org = accounts.get_organisation(session, org_id)
        organisations.set_operator_id(org, operator_id)
        session.commit()
    click.echo(json.dumps({"org_id": org.public_id, "operator_id": org.operator_id}))


@click.command("create-user")
@click.argument("org_id")
@click.argument("login")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of a prompt.",
)
def create_user(org_id: str, login: str, password_stdin: bool) -> None:
    """Let a person sign in to the web pages for an organisation (repair café, shop)."""
    from werkzeug.security import generate_password_hash

    from passport import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings.from_env()
    with command_session(settings, migrate=True) as session:
        org = accounts.get_organisation(session, org_id)
        user = accounts.create_user(
            session, org, login, password, lambda p: generate_password_hash(p, method="scrypt")
        )
        session.commit()
    # The password is not echoed: it is the user's, and terminals keep scrollback.
    click.echo(json.dumps({"org_id": org.public_id, "login": user.login}))
