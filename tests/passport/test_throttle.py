"""The rate limit on guessing, without HTTP: failures counted per subject at one address, per
subject, and per address, within a window, by kind; a success forgets its subject's failures.

Every test runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport import throttle
from passport.errors import TooManyAttempts
from passport.models import FailedAttempt

T0 = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
ADDRESS = "192.0.2.1"
SIGN_IN = throttle.LIMITS["sign_in"]
CLAIM = throttle.LIMITS["claim"]
PER_LOGIN_AT_ADDRESS = SIGN_IN.subject_at_address or 0


def _fail(
    session: Session, subject: str, at: datetime, *, kind: str = "sign_in", address: str = ADDRESS
) -> None:
    throttle.check(session, kind, subject, address, at)
    throttle.record_failure(session, kind, subject, address, at)


def _stored(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(FailedAttempt)) or 0)


def test_the_policy() -> None:
    assert throttle.WINDOW == timedelta(minutes=15)
    # A login: 5 from one address, 20 from all together, 200 at any logins from one address
    # (a repair café's volunteers share one); an item's transfer code: 5 from anywhere.
    assert SIGN_IN == throttle.Limits(subject_at_address=5, subject=20, address=200)
    assert CLAIM == throttle.Limits(subject_at_address=None, subject=5, address=20)


def test_only_digests_are_stored_and_they_differ_by_kind(session: Session) -> None:
    throttle.record_failure(session, "sign_in", "anna@cafe.example", ADDRESS, T0)
    throttle.record_failure(session, "claim", "anna@cafe.example", ADDRESS, T0)
    session.commit()
    sign_in, claim = session.scalars(select(FailedAttempt).order_by(FailedAttempt.pk))
    assert sign_in.subject == hashlib.sha256(b"sign_in\x00anna@cafe.example").hexdigest()
    assert claim.subject == hashlib.sha256(b"claim\x00anna@cafe.example").hexdigest()
    # The address is the same digest whatever the kind.
    assert sign_in.address == claim.address == hashlib.sha256(b"address\x00192.0.2.1").hexdigest()
    assert (sign_in.kind, claim.kind) == ("sign_in", "claim")


def test_the_fifth_failure_locks_the_subject_until_the_first_is_a_window_old(
    session: Session,
) -> None:
    for minute in range(PER_LOGIN_AT_ADDRESS - 1):
        _fail(session, "anna", T0 + timedelta(minutes=minute))
    throttle.check(session, "sign_in", "anna", ADDRESS, T0 + timedelta(minutes=5))  # 4: still open
    _fail(session, "anna", T0 + timedelta(minutes=5))

    with pytest.raises(TooManyAttempts, match="Try again in 9 minutes[.]") as caught:
        throttle.check(session, "sign_in", "anna", ADDRESS, T0 + timedelta(minutes=6))
    assert caught.value.retry_after == 9 * 60
    with pytest.raises(TooManyAttempts) as caught:
        throttle.check(session, "sign_in", "anna", ADDRESS, T0 + timedelta(minutes=10, seconds=1))
    assert caught.value.retry_after == 4 * 60 + 59
    assert "Try again in 5 minutes." in caught.value.detail  # minutes rounded up
    with pytest.raises(TooManyAttempts, match="Try again in 1 minute[.]$") as caught:
        throttle.check(session, "sign_in", "anna", ADDRESS, T0 + timedelta(minutes=14, seconds=59))
    assert caught.value.retry_after == 1
    # At 15 minutes the first failure still counts (it is not older than the window) ...
    with pytest.raises(TooManyAttempts) as caught:
        throttle.check(session, "sign_in", "anna", ADDRESS, T0 + timedelta(minutes=15))
    assert caught.value.retry_after == 1  # never 0: a wait of 0 would invite a busy loop
    # ... a moment later it does not, and four are not enough to lock.
    throttle.check(session, "sign_in", "anna", ADDRESS, T0 + timedelta(minutes=15, seconds=1))


def test_a_login_is_locked_at_the_address_and_then_everywhere_and_by_kind(
    session: Session,
) -> None:
    for n in range(PER_LOGIN_AT_ADDRESS):
        _fail(session, "anna", T0 + timedelta(seconds=n))
    later = T0 + timedelta(minutes=1)
    with pytest.raises(TooManyAttempts):
        throttle.check(session, "sign_in", "anna", ADDRESS, later)
    throttle.check(session, "sign_in", "anna", "203.0.113.9", later)  # anna, elsewhere
    throttle.check(session, "sign_in", "ben", ADDRESS, later)  # a colleague at the same address
    throttle.check(session, "claim", "anna", ADDRESS, later)  # the same words, another kind
    # Guessing at one login spread over many addresses locks it everywhere.
    for n in range(SIGN_IN.subject - PER_LOGIN_AT_ADDRESS):
        _fail(session, "anna", later, address=f"198.51.100.{n}")
    with pytest.raises(TooManyAttempts):
        throttle.check(session, "sign_in", "anna", "203.0.113.9", later)
    throttle.check(session, "sign_in", "ben", "203.0.113.9", later)


def test_an_items_claims_are_locked_from_anywhere(session: Session) -> None:
    for n in range(CLAIM.subject):
        _fail(session, "p_1", T0 + timedelta(seconds=n), kind="claim")
    later = T0 + timedelta(minutes=1)
    with pytest.raises(TooManyAttempts):
        throttle.check(session, "claim", "p_1", "203.0.113.9", later)  # from anywhere
    throttle.check(session, "claim", "p_2", ADDRESS, later)


def test_a_cafes_address_is_not_locked_by_one_login_and_is_by_many(session: Session) -> None:
    """One café, one router: someone guessing at one login locks that login there, not the
    café; only guessing at many logins, at 200 failures, locks the address."""
    for n in range(SIGN_IN.subject):  # guessing on, refused after the fifth
        try:
            _fail(session, "anna", T0 + timedelta(seconds=n))
        except TooManyAttempts:
            pass
    assert _stored(session) == PER_LOGIN_AT_ADDRESS  # a refused attempt is not a failure
    throttle.check(session, "sign_in", "ben", ADDRESS, T0 + timedelta(minutes=1))
    for n in range(SIGN_IN.address - PER_LOGIN_AT_ADDRESS):
        throttle.record_failure(session, "sign_in", f"guess{n}", ADDRESS, T0 + timedelta(seconds=n))
    later = T0 + timedelta(minutes=1)
    with pytest.raises(TooManyAttempts, match="Try again in 14 minutes"):
        throttle.check(session, "sign_in", "someone-new", ADDRESS, later)
    throttle.check(session, "sign_in", "someone-new", "203.0.113.9", later)
    # The address limit counts one kind: failed sign-ins do not lock out claims.
    throttle.check(session, "claim", "p_1", ADDRESS, later)


def test_one_address_is_locked_after_twenty_failed_claims_at_any_items(session: Session) -> None:
    for n in range(CLAIM.address):
        _fail(session, f"p_{n}", T0 + timedelta(seconds=n), kind="claim")
    later = T0 + timedelta(minutes=1)
    with pytest.raises(TooManyAttempts, match="Try again in 14 minutes"):
        throttle.check(session, "claim", "p_new", ADDRESS, later)
    throttle.check(session, "claim", "p_new", "203.0.113.9", later)
    throttle.check(session, "sign_in", "anna", ADDRESS, later)


def test_a_check_forgets_failures_older_than_the_window(session: Session) -> None:
    _fail(session, "anna", T0)
    _fail(session, "ben", T0 + timedelta(minutes=10), kind="claim", address="203.0.113.9")
    session.commit()
    assert _stored(session) == 2
    # Any check clears every old row, whatever its kind, subject or address.
    throttle.check(session, "claim", "zoe", "198.51.100.1", T0 + timedelta(minutes=20))
    session.commit()
    (left,) = session.scalars(select(FailedAttempt))
    assert left.kind == "claim"


def test_clear_forgets_the_subjects_failures_of_that_kind_only(session: Session) -> None:
    for n in range(PER_LOGIN_AT_ADDRESS - 1):
        _fail(session, "anna", T0 + timedelta(seconds=n))
    _fail(session, "ben", T0)
    _fail(session, "anna", T0, kind="claim")
    throttle.clear(session, "sign_in", "anna")
    session.commit()
    left = session.scalars(select(FailedAttempt).order_by(FailedAttempt.pk)).all()
    assert [(r.kind, r.subject) for r in left] == [
        ("sign_in", throttle._digest("sign_in", "ben")),
        ("claim", throttle._digest("claim", "anna")),
    ]


def test_clearing_a_subject_keeps_its_addresss_other_failures(session: Session) -> None:
    """One valid account must not let its owner keep guessing at others from one address."""
    for n in range(SIGN_IN.address - 1):
        throttle.record_failure(session, "sign_in", f"guess{n}", ADDRESS, T0 + timedelta(seconds=n))
    _fail(session, "mine", T0 + timedelta(seconds=30))
    throttle.clear(session, "sign_in", "mine")  # its owner signed in
    # The address's 199 other failures still count: one more locks it.
    _fail(session, "guess-again", T0 + timedelta(minutes=1))
    with pytest.raises(TooManyAttempts):
        throttle.check(session, "sign_in", "another", ADDRESS, T0 + timedelta(minutes=1))
