"""Handing an item over without personal data: transfer codes (UNTP "owner access").

The current holder of an item has a secret code. Whoever they pass the item to enters it with
where and in what condition it changed hands; the registry records a ``resale`` event, the old
code stops working, and the new holder gets a new code for the next handover. Nobody is named
and no account is needed: a code proves holding, not identity.

Who records the event (an event always has a recording organisation, never a person):

* A code created by an organisation (a shop, or the issuer at the first sale) is recorded
  under that organisation: creating the code was its word that the item leaves it, so the
  history reads "Resold by <the shop>". Only an organisation that may record a resale on the
  item (the issuer, or a refurbisher) may create codes.
* A code a private holder got from their own claim is recorded under the registry's own
  organisation (role ``registry``, public id ``org_registry``), created on first use. It
  stands for "confirmed with a transfer code", which is all the registry knows.

Codes: 16 characters from Crockford's base-32 alphabet (80 random bits), shown as four groups
of four. Only a SHA-256 is stored: with 80 bits and the rate limit of ``passport.throttle``
there is nothing to brute-force, so a slow hash would add nothing. One code per item is live
at a time: a new code replaces (revokes) any unused older one, because only the newest
holder's code should open the item. A wrong code and a used one are told apart: a used code
can only be known to someone who once held the item, so saying so reveals nothing to a guesser
and helps the person who was given a stale code. An expired code is told apart for the same
reason.

Expiry: a code an organisation creates at a sale (the item page's button, the API) expires,
by default ``DEFAULT_VALIDITY`` (90 days) after it was made, at most ``MAX_VALIDITY_DAYS``
days: a code printed on a receipt that is never used should not open the item years later,
when the shop may have taken it back. The code a new holder gets when they claim does not
expire: a private holder has no account to make a new one, and may pass the item on years
later. Codes made before expiry existed (migration 0022) have none either.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from passport import throttle
from passport.config import Settings
from passport.errors import (
    CodeExpired,
    CodeRefused,
    CodeUsed,
    Conflict,
    FieldError,
    Forbidden,
    InvalidDocument,
)
from passport.events import history
from passport.events.status import TERMINAL
from passport.events.times import as_utc
from passport.models import Event, Organisation, Passport, TransferCode, utcnow
from passport.passports.lookup import get_passport, refuse_moved
from passport.permissions import REGISTRY_ROLE, may

# Crockford's base 32: no I, L, O or U, so nothing reads as another character.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 x 5 = 80 bits
# Where a private holder can say the item changed hands (schemas/event.schema.json saleChannel).
CHANNELS = ("private", "second_hand_shop", "refurbisher")
CONDITIONS = ("New", "Used", "Refurbished", "Damaged")
REGISTRY_ORG_ID = "org_registry"
REGISTRY_ORG_NAME = "Kreislauf registry"
_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# How long a code made at a sale opens the item: long enough for a buyer to get round to it
# (and for a return period to pass), short enough that a forgotten receipt stops working.
DEFAULT_VALIDITY_DAYS = 90
DEFAULT_VALIDITY = timedelta(days=DEFAULT_VALIDITY_DAYS)
MAX_VALIDITY_DAYS = 365


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """The code as typed, without spaces and dashes, in capitals, O/I/L read as 0/1/1."""
    return "".join(text.split()).replace("-", "").upper().translate(_READS_AS)


def hash_code(text: str) -> str:
    return hashlib.sha256(normalise_code(text).encode()).hexdigest()


def may_hand_over(org: Organisation, passport: Passport) -> bool:
    """Whether an organisation may create a transfer code for an item."""
    return (
        passport.granularity == "item"
        and passport.life_status not in TERMINAL
        and may("transfer.create-code", org.role, is_issuer=passport.issuer_pk == org.pk)
    )


def _check_transferable(passport: Passport) -> None:
    if passport.granularity != "item":
        raise Conflict(
            f"Passport {passport.public_id} is for a {passport.granularity}, not one item: "
            "only an item changes hands."
        )
    if passport.life_status in TERMINAL:
        raise Conflict(f"The product's life has ended ({passport.life_status}).")


def create_code(
    session: Session,
    passport: Passport,
    org: Organisation | None,
    now: datetime | None = None,
    *,
    valid_for: timedelta | None = DEFAULT_VALIDITY,
) -> str:
    """A new transfer code for an item (shown once), replacing any unused older one.

    ``org`` is the organisation handing the item over, or None for a private holder, whose
    code never expires (``valid_for`` is then ignored).
    """
    return issue_code(session, passport, org, now, valid_for=valid_for).code


@dataclass(frozen=True)
class IssuedCode:
    """A new transfer code: shown once, in the answer or on the page that creates it."""

    passport: Passport
    code: str
    created_at: datetime
    expires_at: datetime | None  # None: until it is used or replaced


def issue_code(
    session: Session,
    passport: Passport,
    org: Organisation | None,
    now: datetime | None = None,
    *,
    valid_for: timedelta | None = DEFAULT_VALIDITY,
) -> IssuedCode:
    """:func:`create_code`, with when the code was made and until when it opens the item."""
    now = now or utcnow()
    refuse_moved(session, passport.pk, passport.status, "handing it over")
    _check_transferable(passport)
    if org is not None and not may_hand_over(org, passport):
        raise Forbidden(
            f"A {org.role} cannot hand over another organisation's product: only its issuer "
            "and refurbishers create transfer codes."
        )
    session.execute(
        update(TransferCode)
        .where(
            TransferCode.passport_pk == passport.pk,
            TransferCode.used_at.is_(None),
            TransferCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    code = new_code()
    expires_at = now + valid_for if org is not None and valid_for is not None else None
    session.add(
        TransferCode(
            passport_pk=passport.pk,
            code_hash=hash_code(code),
            created_at=now,
            expires_at=expires_at,
            created_by_pk=org.pk if org is not None else None,
        )
    )
    session.flush()
    return IssuedCode(passport, code, now, expires_at)


def registry_organisation(session: Session) -> Organisation:
    """The registry's own organisation, which records handovers between private holders."""
    found = session.scalars(
        select(Organisation).where(Organisation.public_id == REGISTRY_ORG_ID)
    ).first()
    if found is not None:
        return found
    org = Organisation(public_id=REGISTRY_ORG_ID, name=REGISTRY_ORG_NAME, role=REGISTRY_ROLE)
    try:
        with session.begin_nested():
            session.add(org)
    except IntegrityError:
        # Another worker created it at the same moment: use theirs.
        return session.scalars(
            select(Organisation).where(Organisation.public_id == REGISTRY_ORG_ID)
        ).one()
    return org


def _details(
    channel: str, condition: str, grade: str | None, battery_health: float | None
) -> dict[str, Any]:
    errors = []
    if channel not in CHANNELS:
        errors.append(FieldError("/channel", f"must be one of: {', '.join(CHANNELS)}"))
    if condition not in CONDITIONS:
        errors.append(FieldError("/condition", f"must be one of: {', '.join(CONDITIONS)}"))
    if grade is not None and len(grade) > 40:
        errors.append(FieldError("/grade", "must be at most 40 characters long"))
    if battery_health is not None and not 0 <= battery_health <= 100:
        errors.append(FieldError("/batteryHealth", "must be between 0 and 100"))
    if errors:
        raise InvalidDocument("The handover has problems.", errors)
    details: dict[str, Any] = {"channel": channel, "condition": condition}
    if grade:
        details["grade"] = grade
    if battery_health is not None:
        details["batteryHealth"] = battery_health
    return details


@dataclass(frozen=True)
class Handover:
    event: Event
    next_code: str  # for the new holder's next handover; shown once


def claim(
    session: Session,
    settings: Settings,
    passport_public_id: str,
    code: str,
    *,
    channel: str,
    condition: str,
    grade: str | None = None,
    battery_health: float | None = None,
    address: str,
    now: datetime,
) -> Handover:
    """Record that the item changed hands, on the strength of its holder's transfer code.

    ``now`` must be aware: its offset is the one the event is recorded with. A refused code is
    recorded as a failure in the session (the edge commits it); nothing else changes.
    """
    details = _details(channel, condition, grade, battery_health)
    passport = get_passport(session, passport_public_id)
    refuse_moved(session, passport.pk, passport.status, "handing it over")
    _check_transferable(passport)
    throttle.check(session, "claim", passport.public_id, address, now)
    row = session.scalars(
        select(TransferCode).where(
            TransferCode.passport_pk == passport.pk, TransferCode.code_hash == hash_code(code)
        )
    ).first()
    expired = row is not None and row.expires_at is not None and as_utc(now) >= row.expires_at
    if row is None or row.used_at is not None or row.revoked_at is not None or expired:
        throttle.record_failure(session, "claim", passport.public_id, address, now)
        if row is None:
            raise CodeRefused("This transfer code is not the code of this item.")
        if row.used_at is None and row.revoked_at is None and row.expires_at is not None:
            raise CodeExpired(
                f"This transfer code expired on {row.expires_at:%Y-%m-%d %H:%M} UTC.",
                row.expires_at,
            )
        raise CodeUsed("This transfer code has been used already.")
    recorder = row.created_by or registry_organisation(session)
    # Conditional, so two people entering the same code at once cannot both succeed.
    taken: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(TransferCode)
        .where(
            TransferCode.pk == row.pk,
            TransferCode.used_at.is_(None),
            TransferCode.revoked_at.is_(None),
            or_(TransferCode.expires_at.is_(None), TransferCode.expires_at > now),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise CodeUsed("This transfer code has been used already.")
    body = {
        "type": "resale",
        "eventTime": now.replace(microsecond=0).isoformat(),
        "resale": details,
    }
    event = history.record_event(session, settings, recorder, passport.public_id, body, now=now)
    next_code = create_code(session, passport, None, now)
    throttle.clear(session, "claim", passport.public_id)
    return Handover(event, next_code)


def code_request(
    session: Session, passport_public_id: str, org: Organisation, body: Any
) -> IssuedCode:
    """``POST …/transfer-codes``: the rules of the item page's button, for an organisation
    selling through the API (the issuer at the first sale, a refurbisher). The body is empty,
    ``{}`` or ``{"expiresInDays": n}`` (1 to ``MAX_VALIDITY_DAYS``, by default 90): the code
    is the registry's to choose. A whole number of days, not a time: the seller says how long
    the buyer has, the registry's clock says from when, so no client clock or time zone can
    make a code that expired before it was handed over."""
    valid_for = _validity(body)
    passport = get_passport(session, passport_public_id, lock=True)
    return issue_code(session, passport, org, utcnow(), valid_for=valid_for)


def _validity(body: Any) -> timedelta:
    """How long the requested code opens the item, or every problem of the body."""
    if body is not None and not isinstance(body, dict):
        raise InvalidDocument(
            "The body must be a JSON object.",
            [FieldError("", 'send {}, {"expiresInDays": 30} or no body')],
        )
    fields = dict(body or {})
    days = fields.pop("expiresInDays", DEFAULT_VALIDITY_DAYS)
    errors = [
        FieldError(f"/{name}", f"{name}: unknown field; a transfer code takes only expiresInDays")
        for name in sorted(fields, key=str)
    ]
    whole = isinstance(days, int) and not isinstance(days, bool)
    if not whole or not 1 <= days <= MAX_VALIDITY_DAYS:
        errors.insert(
            0,
            FieldError(
                "/expiresInDays",
                f"expiresInDays: must be a whole number of days from 1 to {MAX_VALIDITY_DAYS}",
            ),
        )
    if errors:
        raise InvalidDocument("; ".join(error.message for error in errors), errors)
    return timedelta(days=days)
