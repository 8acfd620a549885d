"""Who may do what, without HTTP: API keys authenticate an organisation, roles and issuers
are checked.

Every test that reads keys runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.access import (
    authenticate,
    hash_key,
    new_api_key,
    require,
)
from passport.errors import Forbidden, NotAuthenticated
from passport.models import ApiKey, Organisation, Passport, utcnow
from passport.organisations import create_organisation, issue_api_key
from passport.passports import issuing
from tests.conftest import settings_of
from tests.helpers import passport


def test_keys_are_long_random_and_hashed_with_sha256() -> None:
    keys = {new_api_key() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert re.fullmatch(r"kl_[A-Za-z0-9_-]{43}", key), key
    assert hash_key("kl_x") == hashlib.sha256(b"kl_x").hexdigest()


def test_a_key_authenticates_its_organisation(session: Session) -> None:
    org, key = create_organisation(session, "Acme Kettles GmbH", "manufacturer")
    other, other_key = create_organisation(session, "Repair Café Kreuzberg", "repairer")
    session.commit()
    assert authenticate(session, key).pk == org.pk
    assert authenticate(session, other_key).pk == other.pk


@pytest.mark.parametrize("missing", [None, ""])
def test_no_key_is_not_authenticated(session: Session, missing: str | None) -> None:
    with pytest.raises(NotAuthenticated, match="An API key is required"):
        authenticate(session, missing)


def test_an_unknown_key_is_not_authenticated(session: Session, acme: Organisation) -> None:
    for wrong in (new_api_key(), "kl_", "not a key at all", hash_key("kl_x")):
        with pytest.raises(NotAuthenticated, match="unknown or revoked"):
            authenticate(session, wrong)


def test_a_revoked_key_stops_working_and_the_others_do_not(session: Session) -> None:
    org, first = create_organisation(session, "Acme Kettles GmbH", "manufacturer")
    second = issue_api_key(session, org)
    session.commit()
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(first))).one()
    row.revoked_at = utcnow()
    session.commit()
    with pytest.raises(NotAuthenticated, match="unknown or revoked"):
        authenticate(session, first)
    assert authenticate(session, second).pk == org.pk


def test_require_reads_the_table(
    session: Session, acme: Organisation, repair_cafe: Organisation
) -> None:
    require(acme, "passport.issue")
    require(repair_cafe, "passport.community")
    with pytest.raises(Forbidden) as caught:
        require(repair_cafe, "passport.issue")
    assert caught.value.detail == (
        "Organisation role 'repairer' may not do this; it needs one of: manufacturer, "
        "remanufacturer."
    )


def test_only_the_issuer_changes_its_passports(
    session: Session, acme: Organisation, rival: Organisation
) -> None:
    issued: Passport = issuing.issue_passport(session, settings_of(session), acme, passport())
    session.commit()
    require(acme, "passport.revise", issued)
    with pytest.raises(Forbidden, match=f"Passport {issued.public_id} was issued by another"):
        require(rival, "passport.revise", issued)
    # Not even an organisation of the same name and role: the issuer is one organisation.
    twin: Organisation
    twin, _ = create_organisation(session, acme.name, acme.role)
    with pytest.raises(Forbidden):
        require(twin, "passport.withdraw", issued)
