"""Registering organisations and issuing their API keys, without HTTP.

Every test runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport.access import authenticate, hash_key
from passport.errors import Conflict, InvalidDocument
from passport.models import ApiKey, Gs1Prefix, Organisation
from passport.organisations import create_organisation, issue_api_key
from passport.roles import ROLES


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_organisation_is_registered_with_its_first_key(session: Session) -> None:
    org, key = create_organisation(
        session, "  Acme Kettles GmbH \n", "manufacturer", ["9520123", "4006381"]
    )
    session.commit()

    assert re.fullmatch(r"org_[0-9a-f]{12}", org.public_id)
    assert (org.name, org.role) == ("Acme Kettles GmbH", "manufacturer")  # the name trimmed
    assert sorted(org.prefixes) == ["4006381", "9520123"]
    assert authenticate(session, key).pk == org.pk
    (stored,) = session.scalars(select(ApiKey))
    # Only the hash is stored, and the first characters to tell keys apart by.
    assert (stored.key_hash, stored.prefix) == (hash_key(key), key[:12])
    assert stored.revoked_at is None and key not in stored.key_hash


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_be_registered(session: Session, role: str) -> None:
    org, _ = create_organisation(session, f"A {role}", role)
    assert org.role == role and org.prefixes == []


def test_ids_and_keys_differ_between_organisations(session: Session) -> None:
    made = [create_organisation(session, "Same Name", "repairer") for _ in range(3)]
    session.commit()
    assert len({org.public_id for org, _ in made}) == 3
    assert len({key for _, key in made}) == 3


@pytest.mark.parametrize("name", ["", "   ", "\n\t"])
def test_a_name_is_required(session: Session, name: str) -> None:
    with pytest.raises(InvalidDocument, match="needs a name") as caught:
        create_organisation(session, name, "repairer")
    assert [(e.pointer, e.message) for e in caught.value.errors] == [("/name", "required")]


@pytest.mark.parametrize("role", ["registry", "Manufacturer", "", "shop"])
def test_an_unknown_role_is_refused(session: Session, role: str) -> None:
    # "registry" is the registry's own organisation (passport.transfers): nobody registers one.
    with pytest.raises(InvalidDocument, match=f"Unknown role '{role}'") as caught:
        create_organisation(session, "Acme", role)
    assert [e.pointer for e in caught.value.errors] == ["/role"]
    assert ", ".join(ROLES) in caught.value.errors[0].message
    assert _count(session, Organisation) == 0


def test_every_invalid_prefix_is_named_by_its_index(session: Session) -> None:
    with pytest.raises(InvalidDocument, match="Invalid GS1 company prefix") as caught:
        create_organisation(
            session, "Acme", "manufacturer", ["952", "9520123", "95201234567890", "95x0123", ""]
        )
    assert [e.pointer for e in caught.value.errors] == [
        "/gs1Prefixes/0",
        "/gs1Prefixes/2",
        "/gs1Prefixes/3",
        "/gs1Prefixes/4",
    ]
    assert caught.value.errors[0].message == "a GS1 company prefix is 4 to 12 digits"
    assert _count(session, Organisation) == _count(session, Gs1Prefix) == 0


@pytest.mark.parametrize("prefix", ["9520", "952012345678"])
def test_prefixes_of_four_to_twelve_digits_are_taken(session: Session, prefix: str) -> None:
    org, _ = create_organisation(session, "Acme", "manufacturer", [prefix])
    assert org.prefixes == [prefix]


def test_a_prefix_belongs_to_one_organisation(session: Session) -> None:
    create_organisation(session, "Acme", "manufacturer", ["9520123"])
    session.commit()
    with pytest.raises(Conflict, match="9520123 already belongs to another organisation"):
        create_organisation(session, "Copycat", "manufacturer", ["4006381", "9520123"])
    session.rollback()
    assert _count(session, Organisation) == 1
    assert [p.prefix for p in session.scalars(select(Gs1Prefix))] == ["9520123"]


def test_a_prefix_given_twice_is_stored_once(session: Session) -> None:
    org, _ = create_organisation(session, "Acme", "manufacturer", ["9520123", "9520123"])
    session.commit()
    assert org.prefixes == ["9520123"]
    assert _count(session, Gs1Prefix) == 1


def test_more_keys_for_one_organisation_each_work(session: Session) -> None:
    org, first = create_organisation(session, "Acme", "manufacturer")
    second = issue_api_key(session, org)
    third = issue_api_key(session, org)
    session.commit()
    assert len({first, second, third}) == 3
    assert {authenticate(session, k).pk for k in (first, second, third)} == {org.pk}
    assert _count(session, ApiKey) == 3


def test_revoking_keys_by_prefix(session: Session) -> None:
    from passport.errors import NotFound
    from passport.organisations import revoke_key

    acme, first = create_organisation(session, "Acme Kettles GmbH", "manufacturer")
    rival, theirs = create_organisation(session, "Rival Kettles Ltd", "manufacturer")
    second = issue_api_key(session, acme)
    session.commit()
    # The organisation: never another's key (not found), never its own last one.
    with pytest.raises(NotFound, match="No active API key with prefix"):
        revoke_key(session, theirs[:12], acme)
    assert revoke_key(session, first[:12], acme).revoked_at is not None
    with pytest.raises(Conflict, match="last active key"):
        revoke_key(session, second[:12], acme)
    with pytest.raises(NotFound):
        revoke_key(session, first[:12], acme)  # revoked already
    # The operator: any organisation's key, the last one too; an ambiguous prefix is refused.
    session.scalars(
        select(ApiKey).where(ApiKey.key_hash == hash_key(second))
    ).one().prefix = theirs[:12]
    with pytest.raises(Conflict, match="More than one active API key"):
        revoke_key(session, theirs[:12])
    with pytest.raises(Conflict, match="last active key"):  # its own: no ambiguity there
        revoke_key(session, theirs[:12], rival)
    issue_api_key(session, rival)
    assert revoke_key(session, theirs[:12], rival).organisation.pk == rival.pk
    assert revoke_key(session, theirs[:12]).organisation.pk == acme.pk  # now the one left
    assert len([k for k in session.scalars(select(ApiKey)) if k.revoked_at is None]) == 1
    session.commit()
