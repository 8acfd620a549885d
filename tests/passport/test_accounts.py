"""People who sign in for an organisation, without HTTP: creating them (what a login name and a
password must look like), signing in, and the session's user.

The password hashing is the edge's (``werkzeug``); these tests hand in stand-ins. The rate
limit's own rules are in ``tests/passport/test_throttle.py``.
Every test runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport import accounts, throttle
from passport.errors import (
    Conflict,
    Forbidden,
    InvalidDocument,
    NotAuthenticated,
    TooManyAttempts,
)
from passport.models import FailedAttempt, Organisation, User
from passport.transfers import registry_organisation

PASSWORD = "correct horse battery"
NOW = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
ADDRESS = "192.0.2.1"

SIGN_IN = throttle.LIMITS["sign_in"]


def fake_hash(password: str) -> str:
    """Shaped like werkzeug's: a method, then a digest of a fixed length."""
    return "scrypt:32768:8:1$test$" + hashlib.sha256(password.encode()).hexdigest()


class Checker:
    """A password check that remembers what it was asked, as werkzeug's would be asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str | None, str]] = []

    def __call__(self, stored: str | None, password: str) -> bool:
        self.asked.append((stored, password))
        return stored is not None and stored == fake_hash(password)


def _user(session: Session, org: Organisation, login: str = "anna@cafe.example") -> User:
    user = accounts.create_user(session, org, login, PASSWORD, fake_hash, NOW)
    session.commit()
    return user


def _failures(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(FailedAttempt)) or 0)


def test_a_user_is_created_with_the_login_normalised_and_the_hash_kept(
    session: Session, repair_cafe: Organisation
) -> None:
    user = _user(session, repair_cafe, "  Anna@Café.Example ")
    assert (user.login, user.organisation_pk) == ("anna@café.example", repair_cafe.pk)
    assert user.password_hash == fake_hash(PASSWORD) and not user.disabled
    assert user.created_at is not None
    assert accounts.normalise_login(" ÀNNA\t") == "ànna"


@pytest.mark.parametrize(
    ("login", "password", "problems"),
    [
        ("", PASSWORD, [("/login", "a login name is required")]),
        ("   ", PASSWORD, [("/login", "a login name is required")]),
        ("a" * 255, PASSWORD, [("/login", "must be at most 254 characters long")]),
        ("anna cafe", PASSWORD, [("/login", "must not contain spaces or control characters")]),
        ("anna\x00cafe", PASSWORD, [("/login", "must not contain spaces or control characters")]),
        ("anna\u200bcafe", PASSWORD, [("/login", "must not contain spaces or control characters")]),
        ("anna", "x" * 9, [("/password", "must be at least 10 characters long")]),
        ("anna", "x" * 1025, [("/password", "must be at most 1024 characters long")]),
        (
            "",
            "short",
            [
                ("/login", "a login name is required"),
                ("/password", "must be at least 10 characters long"),
            ],
        ),
    ],
)
def test_what_a_login_name_and_a_password_must_look_like(
    session: Session,
    repair_cafe: Organisation,
    login: str,
    password: str,
    problems: list[tuple[str, str]],
) -> None:
    with pytest.raises(InvalidDocument, match="The user cannot be created") as caught:
        accounts.create_user(session, repair_cafe, login, password, fake_hash)
    assert [(e.pointer, e.message) for e in caught.value.errors] == problems
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_the_longest_login_and_the_shortest_and_longest_passwords_are_taken(
    session: Session, repair_cafe: Organisation
) -> None:
    accounts.create_user(session, repair_cafe, "a" * 254, "x" * 10, fake_hash)
    accounts.create_user(session, repair_cafe, "b", "x" * 1024, fake_hash)


def test_a_login_name_is_taken_whatever_its_letter_case(
    session: Session, repair_cafe: Organisation, acme: Organisation
) -> None:
    _user(session, repair_cafe, "anna@cafe.example")
    with pytest.raises(Conflict, match="'anna@cafe.example' is taken"):
        accounts.create_user(session, acme, " ANNA@cafe.example", PASSWORD, fake_hash)


def test_only_scrypt_hashes_are_stored(session: Session, repair_cafe: Organisation) -> None:
    with pytest.raises(ValueError, match="scrypt hashes only"):
        accounts.create_user(session, repair_cafe, "anna", PASSWORD, lambda p: "md5:" + p)
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_the_registry_organisation_has_nobody_who_signs_in(session: Session) -> None:
    org = registry_organisation(session)
    with pytest.raises(Forbidden, match=f"Organisation {org.public_id} cannot have people"):
        accounts.create_user(session, org, "anna", PASSWORD, fake_hash)


def test_an_organisation_is_found_by_its_public_id(session: Session, acme: Organisation) -> None:
    assert accounts.get_organisation(session, acme.public_id).pk == acme.pk
    with pytest.raises(InvalidDocument, match="No organisation with id 'org_nope'") as caught:
        accounts.get_organisation(session, "org_nope")
    assert [e.pointer for e in caught.value.errors] == ["/organisation"]


def test_signing_in_with_the_right_password(session: Session, repair_cafe: Organisation) -> None:
    user = _user(session, repair_cafe)
    check = Checker()
    found = accounts.sign_in(session, " Anna@Cafe.Example", PASSWORD, ADDRESS, check, NOW)
    assert found.pk == user.pk
    assert check.asked == [(fake_hash(PASSWORD), PASSWORD)]
    assert _failures(session) == 0


def test_a_wrong_password_an_unknown_login_and_a_disabled_user_read_alike(
    session: Session, repair_cafe: Organisation
) -> None:
    _user(session, repair_cafe)
    disabled = _user(session, repair_cafe, "ben@cafe.example")
    disabled.disabled = True
    session.commit()
    check = Checker()
    attempts = [
        ("anna@cafe.example", "not the password"),
        ("nobody@cafe.example", PASSWORD),
        ("ben@cafe.example", PASSWORD),
    ]
    for login, password in attempts:
        with pytest.raises(NotAuthenticated) as caught:
            accounts.sign_in(session, login, password, ADDRESS, check, NOW)
        assert caught.value.detail == accounts.WRONG
    # The password was checked every time, against nothing for an unknown login name: the
    # time the answer takes tells nothing either.
    assert [stored for stored, _ in check.asked] == [fake_hash(PASSWORD), None, fake_hash(PASSWORD)]
    # Each failure counts, under the login name as normalised.
    session.commit()
    subjects = set(session.scalars(select(FailedAttempt.subject)))
    assert subjects == {throttle._digest("sign_in", login) for login, _ in attempts}


def test_a_locked_login_is_not_even_checked(session: Session, repair_cafe: Organisation) -> None:
    _user(session, repair_cafe)
    # Locked at one address, and (failures spread over many addresses) from anywhere.
    for _ in range(SIGN_IN.subject_at_address or 0):
        throttle.record_failure(session, "sign_in", "anna@cafe.example", ADDRESS, NOW)
    check = Checker()
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(session, "ANNA@cafe.example", PASSWORD, ADDRESS, check, NOW)
    for n in range(SIGN_IN.subject - (SIGN_IN.subject_at_address or 0)):
        throttle.record_failure(session, "sign_in", "anna@cafe.example", f"198.51.100.{n}", NOW)
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(session, "ANNA@cafe.example", PASSWORD, "203.0.113.9", check, NOW)
    assert check.asked == []
    assert _failures(session) == SIGN_IN.subject  # and the refusals are not more failures


def test_success_forgets_the_logins_failures(session: Session, repair_cafe: Organisation) -> None:
    _user(session, repair_cafe)
    for _ in range((SIGN_IN.subject_at_address or 0) - 1):
        with pytest.raises(NotAuthenticated):
            accounts.sign_in(session, "anna@cafe.example", "guess", ADDRESS, Checker(), NOW)
    with pytest.raises(NotAuthenticated):
        accounts.sign_in(session, "ben@cafe.example", "guess", ADDRESS, Checker(), NOW)
    accounts.sign_in(session, "anna@cafe.example", PASSWORD, ADDRESS, Checker(), NOW)
    session.commit()
    assert list(session.scalars(select(FailedAttempt.subject))) == [
        throttle._digest("sign_in", "ben@cafe.example")
    ]


def test_the_sessions_user_unless_disabled_or_unknown(
    session: Session, repair_cafe: Organisation
) -> None:
    user = _user(session, repair_cafe)
    found = accounts.signed_in_user(session, user.pk)
    assert found is not None and found.pk == user.pk
    for pk in (None, str(user.pk), float(user.pk), user.pk + 1000):
        assert accounts.signed_in_user(session, pk) is None
    user.disabled = True
    session.commit()
    assert accounts.signed_in_user(session, user.pk) is None
