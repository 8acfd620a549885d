"""Transfer codes in the domain, without HTTP: who may create one for which item, one live code
per item, claiming a handover with it, and what a refused claim leaves behind.

Every test runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from passport import throttle, transfers
from passport.errors import (
    CodeExpired,
    CodeRefused,
    CodeUsed,
    Conflict,
    Forbidden,
    InvalidDocument,
    NotFound,
    TooManyAttempts,
)
from passport.events import history
from passport.events.times import as_utc
from passport.models import (
    ApiKey,
    Event,
    FailedAttempt,
    LogEntry,
    Organisation,
    Passport,
    TransferCode,
)
from passport.organisations import create_organisation
from passport.passports import issuing
from tests.conftest import settings_of
from tests.helpers import passport

BERLIN_SUMMER = timezone(timedelta(hours=2))
# The moment of a claim: aware, in the next holder's own time zone, with microseconds.
NOW = datetime(2026, 5, 3, 15, 30, 12, 345678, tzinfo=BERLIN_SUMMER)
ADDRESS = "192.0.2.1"
WRONG = "AAAA-BBBB-CCCC-DDDD"
CODE_FORMAT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


def _org(session: Session, name: str, role: str) -> Organisation:
    org, _ = create_organisation(session, name, role)
    session.commit()
    return org


@pytest.fixture
def shop(session: Session) -> Organisation:
    """A refurbisher: it may resell any item, so it may hand any item over."""
    return _org(session, "Second Life Electronics", "refurbisher")


@pytest.fixture
def recycler(session: Session) -> Organisation:
    return _org(session, "Recyclinghof Nord", "recycler")


def _issue(
    session: Session, issuer: Organisation, granularity: str = "item", **kw: Any
) -> Passport:
    issued = issuing.issue_passport(
        session, settings_of(session), issuer, passport(granularity, **kw)
    )
    session.commit()
    return issued


def _claim(
    session: Session,
    item: Passport,
    code: str,
    *,
    at: datetime = NOW,
    address: str = ADDRESS,
    channel: str = "private",
    condition: str = "Used",
    **details: Any,
) -> transfers.Handover:
    return transfers.claim(
        session,
        settings_of(session),
        item.public_id,
        code,
        channel=channel,
        condition=condition,
        address=address,
        now=at,
        **details,
    )


def _codes(session: Session, item: Passport) -> list[TransferCode]:
    return list(
        session.scalars(
            select(TransferCode)
            .where(TransferCode.passport_pk == item.pk)
            .order_by(TransferCode.pk)
        )
    )


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _footprint(session: Session) -> dict[str, int]:
    """How many rows of each kind a claim could write."""
    return {
        "events": _count(session, Event),
        "log entries": _count(session, LogEntry),
        "codes": _count(session, TransferCode),
        "used codes": _count(
            session, select(TransferCode).where(TransferCode.used_at.is_not(None)).subquery()
        ),
        "revoked codes": _count(
            session, select(TransferCode).where(TransferCode.revoked_at.is_not(None)).subquery()
        ),
        "failed attempts": _count(session, FailedAttempt),
        "organisations": _count(session, Organisation),
    }


def _with_failures(before: dict[str, int], n: int = 1) -> dict[str, int]:
    return before | {"failed attempts": before["failed attempts"] + n}


def _end_life(session: Session, item: Passport, event_type: str = "destruction") -> None:
    history.record_event(
        session,
        settings_of(session),
        item.issuer,
        item.public_id,
        {"type": event_type, "eventTime": "2026-01-01T10:00:00Z"},
        now=NOW,
    )
    session.commit()


# --- the code itself ---------------------------------------------------------------------------


def test_a_code_is_four_groups_of_crockford_base32_and_codes_differ() -> None:
    codes = {transfers.new_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert CODE_FORMAT.fullmatch(code), code
        assert len(code.replace("-", "")) == transfers.CODE_LENGTH
        assert set(code.replace("-", "")) <= set(transfers.ALPHABET)
    assert not set("ILOU") & set(transfers.ALPHABET)


def test_a_code_is_read_however_it_is_typed() -> None:
    assert transfers.normalise_code(" k7qm-3xhd 9rtw-pe2a\n") == "K7QM3XHD9RTWPE2A"
    # O, I and L are not in the alphabet: they can only be a 0 or a 1 misread.
    assert transfers.normalise_code("OIL0-1") == "01101"
    code = "K7QM-3XHD-9RTW-PE10"
    digest = hashlib.sha256(b"K7QM3XHD9RTWPE10").hexdigest()
    for typed in (code, "k7qm3xhd9rtwpe10", "K7QM 3XHD 9RTW PEIO", "k7qm-3xhd-9rtw-pelo"):
        assert transfers.hash_code(typed) == digest


# --- creating a code ---------------------------------------------------------------------------


def test_the_issuer_creates_a_code_stored_only_as_a_hash(session, acme) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, acme, NOW)
    session.commit()

    assert CODE_FORMAT.fullmatch(code)
    (stored,) = _codes(session, item)
    assert stored.code_hash == transfers.hash_code(code)
    assert (stored.created_by_pk, stored.used_at, stored.revoked_at) == (acme.pk, None, None)
    assert as_utc(stored.created_at) == NOW.astimezone(UTC)
    dump = str(session.execute(text("SELECT * FROM transfer_codes")).all())
    assert code not in dump and code.replace("-", "") not in dump
    assert _count(session, Event) == 0  # a code is a promise, not a handover


def test_who_may_hand_an_item_over(session, acme, rival, repair_cafe, shop, recycler) -> None:
    item = _issue(session, acme)
    assert transfers.may_hand_over(acme, item)  # the issuer, at the first sale
    assert transfers.may_hand_over(shop, item)  # a refurbisher resells anyone's items
    assert transfers.create_code(session, item, shop)
    for outsider in (rival, repair_cafe, recycler):
        assert not transfers.may_hand_over(outsider, item)
        with pytest.raises(Forbidden, match=f"A {outsider.role} cannot hand over"):
            transfers.create_code(session, item, outsider)
    # A private holder (no organisation) always may: holding the item is what counts.
    assert transfers.create_code(session, item, None)
    session.commit()
    assert [c.created_by_pk for c in _codes(session, item)] == [shop.pk, None]


def test_only_an_item_changes_hands(session, acme, shop) -> None:
    for granularity, kw in (("model", {"serial": None}), ("batch", {"lot": "L7", "serial": None})):
        product = _issue(session, acme, granularity, **kw)
        assert not transfers.may_hand_over(acme, product)
        for org in (acme, shop, None):
            with pytest.raises(Conflict, match=f"is for a {granularity}, not one item"):
                transfers.create_code(session, product, org)
        assert _codes(session, product) == []


@pytest.mark.parametrize("ending", ["destruction", "recycling"])
def test_no_code_once_the_products_life_has_ended(session, acme, shop, ending) -> None:
    item = _issue(session, acme)
    _end_life(session, item, ending)
    assert item.life_status in {"destroyed", "recycled"}
    assert not transfers.may_hand_over(acme, item)
    for org in (acme, shop, None):
        with pytest.raises(Conflict, match=rf"life has ended \({item.life_status}\)"):
            transfers.create_code(session, item, org)
    assert _codes(session, item) == []


def test_an_item_at_the_end_of_its_use_can_still_change_hands(session, acme, repair_cafe) -> None:
    item = _issue(session, acme)
    history.record_event(
        session,
        settings_of(session),
        repair_cafe,
        item.public_id,
        {
            "type": "repair",
            "eventTime": "2026-01-01T10:00:00Z",
            "repair": {"outcome": "end_of_life"},
        },
        now=NOW,
    )
    session.commit()
    assert item.life_status == "end_of_life"  # not terminal: it may go to someone who fixes it
    assert transfers.may_hand_over(acme, item)
    assert transfers.create_code(session, item, acme)


def test_a_new_code_revokes_the_unused_one_and_leaves_used_ones_alone(session, acme) -> None:
    item = _issue(session, acme)
    first = transfers.create_code(session, item, acme, NOW - timedelta(days=2))
    handover = _claim(session, item, first, at=NOW - timedelta(days=1))
    replaced_at = NOW - timedelta(hours=1)
    newest = transfers.create_code(session, item, None, replaced_at)
    session.commit()

    used, unused, live = _codes(session, item)
    assert used.code_hash == transfers.hash_code(first)
    assert as_utc(used.used_at) == (NOW - timedelta(days=1)).astimezone(UTC)
    assert used.revoked_at is None  # used, not revoked: it stays what it was
    assert unused.code_hash == transfers.hash_code(handover.next_code)
    assert unused.used_at is None and as_utc(unused.revoked_at) == replaced_at.astimezone(UTC)
    assert live.code_hash == transfers.hash_code(newest)
    assert (live.used_at, live.revoked_at) == (None, None)


def test_codes_of_one_item_leave_another_items_code_alone(session, acme) -> None:
    kettle = _issue(session, acme, serial="K1")
    toaster = _issue(session, acme, serial="T1")
    toaster_code = transfers.create_code(session, toaster, acme)
    transfers.create_code(session, kettle, acme)
    transfers.create_code(session, kettle, acme)
    session.commit()
    (live,) = _codes(session, toaster)
    assert live.revoked_at is None
    assert _claim(session, toaster, toaster_code).event.type == "resale"


# --- claiming with the right code ---------------------------------------------------------------


def test_the_right_code_records_the_resale_under_the_organisation_that_made_it(
    session, acme, shop
) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, shop, NOW - timedelta(days=1))
    session.commit()

    handover = _claim(
        session,
        item,
        code,
        channel="second_hand_shop",
        condition="Refurbished",
        grade="A+",
        battery_health=87.5,
    )
    session.commit()

    event = handover.event
    assert (event.seq, event.type, event.recorder_pk) == (1, "resale", shop.pk)
    assert event.details == {
        "channel": "second_hand_shop",
        "condition": "Refurbished",
        "grade": "A+",
        "batteryHealth": 87.5,
    }
    # When the next holder said it happened: their own offset, whole seconds.
    assert event.time_offset == "+02:00"
    assert as_utc(event.event_time) == datetime(2026, 5, 3, 13, 30, 12, tzinfo=UTC)
    assert event.biz_step == "https://ref.gs1.org/cbv/BizStep-retail_selling"
    assert event.disposition == "https://ref.gs1.org/cbv/Disp-retail_sold"
    assert history.list_events(session, item) == [event]
    assert item.life_status == "in_use"
    assert history.ownership_changes(history.list_events(session, item)) == 1
    entry = session.scalars(select(LogEntry).order_by(LogEntry.index.desc())).first()
    assert entry is not None and (entry.kind, entry.subject) == ("dpp.event.resale", item.uri)

    used, following = _codes(session, item)
    assert as_utc(used.used_at) == NOW.astimezone(UTC) and used.revoked_at is None
    # The new holder's code: for a private person, so made by nobody, and live.
    assert handover.next_code != code and CODE_FORMAT.fullmatch(handover.next_code)
    assert following.code_hash == transfers.hash_code(handover.next_code)
    assert (following.created_by_pk, following.used_at, following.revoked_at) == (None, None, None)


def test_the_issuers_code_records_the_first_sale_under_the_issuer(session, acme) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, acme)
    handover = _claim(session, item, code, channel="private", condition="New")
    assert handover.event.recorder_pk == acme.pk
    assert handover.event.details == {"channel": "private", "condition": "New"}


def test_a_private_holders_code_is_recorded_by_the_registry_organisation(
    session, acme, shop
) -> None:
    item = _issue(session, acme)
    first = _claim(session, item, transfers.create_code(session, item, shop))
    organisations = _count(session, Organisation)

    second = _claim(
        session, item, first.next_code, at=NOW + timedelta(days=30), condition="Damaged"
    )
    third = _claim(session, item, second.next_code, at=NOW + timedelta(days=60))
    session.commit()

    registry = second.event.recorder
    assert (registry.public_id, registry.name, registry.role) == (
        transfers.REGISTRY_ORG_ID,
        transfers.REGISTRY_ORG_NAME,
        "registry",
    )
    assert third.event.recorder_pk == registry.pk  # created once, then reused
    assert _count(session, Organisation) == organisations + 1
    assert transfers.registry_organisation(session).pk == registry.pk
    # Nobody acts in its name: it has no API key.
    assert (
        _count(session, select(ApiKey).where(ApiKey.organisation_pk == registry.pk).subquery()) == 0
    )
    assert [e.seq for e in history.list_events(session, item)] == [1, 2, 3]
    assert history.ownership_changes(history.list_events(session, item)) == 3


def test_empty_optional_details_are_left_out_and_the_bounds_are_allowed(session, acme) -> None:
    item = _issue(session, acme)
    first = _claim(
        session, item, transfers.create_code(session, item, acme), grade="", battery_health=0
    )
    assert first.event.details == {"channel": "private", "condition": "Used", "batteryHealth": 0}
    second = _claim(
        session,
        item,
        first.next_code,
        at=NOW + timedelta(days=1),
        grade="x" * 40,
        battery_health=100,
    )
    assert second.event.details["grade"] == "x" * 40
    assert second.event.details["batteryHealth"] == 100


def test_the_right_code_clears_the_items_failures_but_not_elsewhere(session, acme) -> None:
    item = _issue(session, acme, serial="K1")
    other = _issue(session, acme, serial="K2")
    code = transfers.create_code(session, item, acme)
    for address in ("192.0.2.1", "192.0.2.2"):
        with pytest.raises(CodeRefused):
            _claim(session, item, WRONG, address=address)
    with pytest.raises(CodeRefused):
        _claim(session, other, WRONG)
    session.commit()
    assert _count(session, FailedAttempt) == 3

    _claim(session, item, code)
    session.commit()
    # Only the other item's failure is left.
    (left,) = session.scalars(select(FailedAttempt))
    assert left.subject == throttle._digest("claim", other.public_id)


# --- refused claims -----------------------------------------------------------------------------


def test_a_wrong_code_is_refused_and_counts_as_one_failed_attempt(session, acme, shop) -> None:
    item = _issue(session, acme, serial="K1")
    other = _issue(session, acme, serial="K2")
    transfers.create_code(session, item, shop)
    other_code = transfers.create_code(session, other, shop)
    session.commit()
    before = _footprint(session)

    for n, wrong in enumerate((WRONG, other_code), start=1):  # another item's code opens nothing
        with pytest.raises(CodeRefused, match="not the code of this item") as caught:
            _claim(session, item, wrong)
        assert type(caught.value) is CodeRefused and not caught.value.used
        session.commit()  # what the edge does: the failure counts
        assert _footprint(session) == _with_failures(before, n)

    assert history.list_events(session, item) == [] and item.life_status == "active"
    rows = session.scalars(select(FailedAttempt)).all()
    assert {(r.kind, r.subject, r.address) for r in rows} == {
        ("claim", throttle._digest("claim", item.public_id), throttle._digest("address", ADDRESS))
    }
    assert {as_utc(r.created_at) for r in rows} == {NOW.astimezone(UTC)}


def test_a_used_code_is_refused_as_used(session, acme, shop) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, shop)
    _claim(session, item, code)
    session.commit()
    before = _footprint(session)

    with pytest.raises(CodeUsed, match="used already") as caught:
        _claim(session, item, code.lower(), at=NOW + timedelta(minutes=1))
    assert isinstance(caught.value, CodeRefused) and caught.value.used
    session.commit()
    assert _footprint(session) == _with_failures(before)
    assert len(history.list_events(session, item)) == 1


def test_a_replaced_code_is_refused_as_used_and_the_newest_works(session, acme, shop) -> None:
    item = _issue(session, acme)
    old = transfers.create_code(session, item, shop)
    new = transfers.create_code(session, item, shop)
    session.commit()
    with pytest.raises(CodeUsed):
        _claim(session, item, old)
    session.commit()
    assert _count(session, FailedAttempt) == 1
    assert _claim(session, item, new).event.recorder_pk == shop.pk


def test_two_holders_with_the_same_code_cannot_both_succeed(session, acme, monkeypatch) -> None:
    """The code is taken by a conditional update: whoever comes second finds it used, even if
    it was unused when they looked it up."""
    item = _issue(session, acme)
    code = transfers.create_code(session, item, None)
    session.commit()
    registry = transfers.registry_organisation

    def meanwhile(s: Session) -> Organisation:
        # Someone else claims the code between the lookup and the update.
        s.execute(
            update(TransferCode)
            .where(TransferCode.passport_pk == item.pk)
            .values(used_at=NOW)
            .execution_options(synchronize_session=False)
        )
        return registry(s)

    monkeypatch.setattr(transfers, "registry_organisation", meanwhile)
    with pytest.raises(CodeUsed, match="used already"):
        _claim(session, item, code)
    # The loser guessed nothing: no failure is counted, no event, no new code.
    assert _count(session, FailedAttempt) == 0
    assert history.list_events(session, item) == []
    assert len(_codes(session, item)) == 1


@pytest.mark.parametrize(
    ("details", "pointers"),
    [
        ({"channel": "auction"}, ["/channel"]),
        ({"condition": "Like new"}, ["/condition"]),
        ({"grade": "x" * 41}, ["/grade"]),
        ({"battery_health": 100.5}, ["/batteryHealth"]),
        ({"battery_health": -1}, ["/batteryHealth"]),
        (
            {"channel": "", "condition": "", "grade": "y" * 41, "battery_health": 101},
            ["/channel", "/condition", "/grade", "/batteryHealth"],
        ),
    ],
)
def test_invalid_handover_details_are_refused_before_the_code_is_looked_at(
    session, acme, details, pointers
) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, acme)
    session.commit()
    before = _footprint(session)
    with pytest.raises(InvalidDocument, match="The handover has problems") as caught:
        _claim(session, item, code, **details)
    assert [e.pointer for e in caught.value.errors] == pointers
    # Not a guess: nothing is counted, and the code still works.
    assert _footprint(session) == before
    session.rollback()
    assert _claim(session, item, code).event.type == "resale"


def test_an_unknown_passport_is_not_found_and_nothing_is_counted(session) -> None:
    with pytest.raises(NotFound, match="No passport with id 'p_nope'"):
        transfers.claim(
            session,
            settings_of(session),
            "p_nope",
            WRONG,
            channel="private",
            condition="Used",
            address=ADDRESS,
            now=NOW,
        )
    assert _count(session, FailedAttempt) == 0


def test_a_claim_on_an_ended_life_is_a_conflict_and_leaves_the_code(session, acme, shop) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, shop)
    session.commit()
    _end_life(session, item)
    before = _footprint(session)

    for typed in (code, WRONG):
        with pytest.raises(Conflict, match=r"life has ended \(destroyed\)"):
            _claim(session, item, typed)
    assert _footprint(session) == before  # no failure counted, the code not taken
    assert [e.type for e in history.list_events(session, item)] == ["destruction"]


def test_a_claim_on_a_model_is_a_conflict(session, acme) -> None:
    model = _issue(session, acme, "model", serial=None)
    with pytest.raises(Conflict, match="not one item"):
        _claim(session, model, WRONG)
    assert _count(session, FailedAttempt) == 0


# --- the rate limit -----------------------------------------------------------------------------


def test_guessing_locks_the_item_even_for_the_right_code_and_from_anywhere(session, acme) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, acme)
    session.commit()
    for n in range(throttle.LIMITS["claim"].subject):
        with pytest.raises(CodeRefused):
            _claim(session, item, f"WRONG-{n}", at=NOW + timedelta(minutes=n))
    session.commit()
    before = _footprint(session)

    for address in (ADDRESS, "203.0.113.9"):  # the item is locked, not the guesser's address
        with pytest.raises(TooManyAttempts, match="Try again in 5 minutes") as caught:
            _claim(session, item, code, at=NOW + timedelta(minutes=10), address=address)
        assert caught.value.retry_after == 5 * 60  # until the first failure is 15 minutes old
    # Nothing checked, nothing written: not another failure, not the handover.
    assert _footprint(session) == before
    (live,) = _codes(session, item)
    assert live.used_at is None

    # A minute before the lock lifts, the answer says so in the singular.
    with pytest.raises(TooManyAttempts, match="Try again in 1 minute[.]"):
        _claim(session, item, code, at=NOW + timedelta(minutes=14, seconds=30))
    handover = _claim(session, item, code, at=NOW + timedelta(minutes=15, seconds=1))
    session.commit()
    assert handover.event.type == "resale"
    assert _count(session, FailedAttempt) == 0  # the success forgot the item's failures


def test_one_address_guessing_at_many_items_is_locked_out(session, acme) -> None:
    # Spread over items so that no item reaches its own limit.
    spread = throttle.LIMITS["claim"].address // (throttle.LIMITS["claim"].subject - 1)
    items = [_issue(session, acme, serial=f"S{n}") for n in range(spread)]
    target = _issue(session, acme, serial="TARGET")
    code = transfers.create_code(session, target, acme)
    session.commit()
    for n in range(throttle.LIMITS["claim"].address):
        with pytest.raises(CodeRefused):
            _claim(session, items[n % spread], WRONG, at=NOW + timedelta(seconds=n))
    session.commit()
    with pytest.raises(TooManyAttempts):
        _claim(session, target, code, at=NOW + timedelta(minutes=1))
    assert _claim(session, target, code, at=NOW + timedelta(minutes=1), address="203.0.113.9")


# --- expiry ------------------------------------------------------------------------------------


def test_a_code_made_at_a_sale_expires_after_90_days_by_default(session, acme, shop) -> None:
    item = _issue(session, acme)
    issued = transfers.issue_code(session, item, shop, NOW)
    session.commit()
    assert issued.expires_at == NOW + timedelta(days=90)
    (stored,) = _codes(session, item)
    assert as_utc(stored.expires_at) == NOW.astimezone(UTC) + timedelta(days=90)
    assert transfers.create_code(session, item, acme, NOW)  # the plain form expires the same
    assert _codes(session, item)[-1].expires_at == stored.expires_at


def test_an_explicit_validity_is_kept_and_none_means_no_expiry(session, acme) -> None:
    item = _issue(session, acme)
    week = transfers.issue_code(session, item, acme, NOW, valid_for=timedelta(days=7))
    assert week.expires_at == NOW + timedelta(days=7)
    forever = transfers.issue_code(session, item, acme, NOW, valid_for=None)
    assert forever.expires_at is None


def test_a_private_holders_code_never_expires(session, acme) -> None:
    """They have no account to make a new one, and may pass the item on years later."""
    item = _issue(session, acme)
    first = _claim(session, item, transfers.create_code(session, item, acme, NOW))
    assert _codes(session, item)[-1].expires_at is None
    years_later = _claim(session, item, first.next_code, at=NOW + timedelta(days=5 * 365))
    assert years_later.event.type == "resale"


def test_a_code_works_until_its_last_moment_then_is_refused_as_expired(session, acme, shop) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, shop, NOW, valid_for=timedelta(days=1))
    session.commit()
    before = _footprint(session)
    ends = NOW + timedelta(days=1)
    with pytest.raises(CodeExpired, match="expired on 2026-05-04 13:30 UTC") as caught:
        _claim(session, item, code, at=ends)
    refusal = caught.value
    assert isinstance(refusal, CodeRefused) and refusal.expired and not refusal.used
    assert refusal.expires_at == ends
    session.commit()
    # refused like any wrong code: one failure counted, nothing else written
    assert _footprint(session) == _with_failures(before)
    assert _claim(session, item, code, at=ends - timedelta(microseconds=1)).event.type == "resale"


def test_a_used_or_replaced_code_is_refused_as_used_even_once_expired(session, acme, shop) -> None:
    item = _issue(session, acme)
    old = transfers.create_code(session, item, shop, NOW, valid_for=timedelta(days=1))
    new = transfers.create_code(session, item, shop, NOW, valid_for=timedelta(days=1))
    _claim(session, item, new)
    for code in (old, new):
        with pytest.raises(CodeUsed):
            _claim(session, item, code, at=NOW + timedelta(days=2))


def test_a_code_made_before_expiry_existed_still_works(session, acme, shop) -> None:
    item = _issue(session, acme)
    code = transfers.create_code(session, item, shop, NOW)
    session.execute(update(TransferCode).values(expires_at=None))  # as migration 0022 left it
    session.commit()
    handover = _claim(session, item, code, at=NOW + timedelta(days=3 * 365))
    assert handover.event.recorder_pk == shop.pk


@pytest.mark.parametrize(
    ("body", "days"),
    [(None, 90), ({}, 90), ({"expiresInDays": 1}, 1), ({"expiresInDays": 365}, 365)],
)
def test_a_code_request_takes_its_validity_in_days(session, acme, body, days) -> None:
    item = _issue(session, acme)
    issued = transfers.code_request(session, item.public_id, acme, body)
    assert issued.expires_at is not None
    assert issued.expires_at - issued.created_at == timedelta(days=days)


@pytest.mark.parametrize(
    ("body", "pointers"),
    [
        ({"expiresInDays": 0}, ["/expiresInDays"]),
        ({"expiresInDays": 366}, ["/expiresInDays"]),
        ({"expiresInDays": 1.5}, ["/expiresInDays"]),
        ({"expiresInDays": "30"}, ["/expiresInDays"]),
        ({"expiresInDays": True}, ["/expiresInDays"]),
        ({"expiresInDays": None}, ["/expiresInDays"]),
        ({"expiresInDays": 0, "code": "X"}, ["/expiresInDays", "/code"]),
        ([], [""]),
    ],
)
def test_a_bad_validity_is_refused_naming_the_field_and_the_rule(
    session, acme, body, pointers
) -> None:
    item = _issue(session, acme)
    with pytest.raises(InvalidDocument) as caught:
        transfers.code_request(session, item.public_id, acme, body)
    assert [e.pointer for e in caught.value.errors] == pointers
    if "/expiresInDays" in pointers:
        assert "whole number of days from 1 to 365" in caught.value.errors[0].message
    assert _codes(session, item) == []
