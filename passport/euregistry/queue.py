"""The queue of registrations and its states.

Every passport a manufacturer issues (community passports are not: no economic operator
places them on the market) gets one row in ``eu_registrations``, unique by passport and by
unique product identifier. Its ``state`` moves only forward:

* ``queued``: to be sent. ``attempts`` counts the sends, ``last_error`` says why the last one
  did not settle it (the registry was unreachable, answered 429 or 5xx).
* ``registered``: the registry answered with its ``registrationId`` (201 now, or 200 with the
  id it gave before). Final: a registered row is never sent again.
* ``rejected``: the registry refused the entry (400 naming the fields, or 409: the identifier
  is registered for another passport or operator). ``last_error`` names the fields. It waits
  for a person: ``kreislauf register-eu --retry-rejected`` queues it again.

A row is queued when the passport is issued (``KREISLAUF_EU_REGISTRY_AUTO=1``: in the issuing
transaction, so a passport is never stored without its row) or, for every passport without a
row, when ``kreislauf register-eu`` starts (:func:`enqueue_missing`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from passport.config import Settings
from passport.euregistry.messages import Entry, Result
from passport.models import EuRegistration, Organisation, Passport, utcnow
from passport.routes import Routes

QUEUED = "queued"
REGISTERED = "registered"
REJECTED = "rejected"
STATES = (QUEUED, REGISTERED, REJECTED)
_CHUNK = 500


def enqueue(session: Session, passports: Sequence[Passport]) -> int:
    """Queue the registration of newly issued passports (one INSERT; no network)."""
    now = utcnow()
    rows = [
        {
            "passport_pk": p.pk,
            "product_identifier": p.uri,
            "granularity": p.granularity,
            "state": QUEUED,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for p in passports
        if not p.community
    ]
    if rows:
        session.execute(insert(EuRegistration), rows)
    return len(rows)


def enqueue_missing(session: Session) -> int:
    """Queue every manufacturer's passport that has no registration row yet."""
    missing = select(Passport).where(
        Passport.community.is_(False),
        ~select(EuRegistration.pk).where(EuRegistration.passport_pk == Passport.pk).exists(),
    )
    passports = list(session.scalars(missing.order_by(Passport.pk)))
    for start in range(0, len(passports), _CHUNK):
        enqueue(session, passports[start : start + _CHUNK])
    return len(passports)


def without_operator_id(session: Session) -> list[Organisation]:
    """The organisations with queued registrations that name no operator identifier."""
    queued = select(Passport.issuer_pk).join(
        EuRegistration, EuRegistration.passport_pk == Passport.pk
    )
    queued = queued.where(EuRegistration.state == QUEUED)
    found = select(Organisation).where(
        Organisation.pk.in_(queued), Organisation.operator_id.is_(None)
    )
    return list(session.scalars(found.order_by(Organisation.pk)))


def requeue_rejected(session: Session) -> int:
    """Send the rejected registrations again (after their passports or settings were fixed)."""
    result = session.execute(
        update(EuRegistration)
        .where(EuRegistration.state == REJECTED)
        .values(state=QUEUED, updated_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count(session: Session, state: str) -> int:
    rows = session.scalars(select(EuRegistration.pk).where(EuRegistration.state == state))
    return len(list(rows))


def next_queued(
    session: Session, after_pk: int, limit: int
) -> list[tuple[EuRegistration, Passport]]:
    """The next ``limit`` queued registrations after ``after_pk``, with their passports."""
    rows = session.execute(
        select(EuRegistration, Passport)
        .join(Passport, Passport.pk == EuRegistration.passport_pk)
        .where(EuRegistration.state == QUEUED, EuRegistration.pk > after_pk)
        .order_by(EuRegistration.pk)
        .limit(limit)
    )
    return [(r, p) for r, p in rows]


def entry(settings: Settings, passport: Passport) -> Entry:
    """What is sent for ``passport``: its URI as the unique product identifier, its public id
    as the DPP id, the operators' identifiers (its issuer's own, else the registry's
    default), and its API address as the endpoint."""
    return Entry(
        product_identifier=passport.uri,
        dpp_id=passport.public_id,
        operator_id=passport.issuer.operator_id or settings.eu_operator_id,
        backup_operator_id=settings.eu_backup_operator_id,
        endpoint=Routes(settings.base_url).passport(passport.public_id),
        granularity=passport.granularity,
    )


def mark_sent(rows: Sequence[EuRegistration]) -> None:
    """Count one more send of each row (committed before the batch goes out)."""
    now = utcnow()
    for row in rows:
        row.attempts += 1
        row.updated_at = now


def mark_failed(rows: Sequence[EuRegistration], reason: str) -> None:
    """The batch was not settled (the rows stay queued), for this reason."""
    now = utcnow()
    for row in rows:
        row.last_error = reason[:2000]
        row.updated_at = now


def record(row: EuRegistration, result: Result) -> str:
    """Apply the registry's answer for one row; returns the row's new state."""
    now = utcnow()
    row.updated_at = now
    if result.registered:
        row.state = REGISTERED
        row.registration_id = result.registration_id
        row.registered_at = now
        row.last_error = None
    else:
        row.state = REJECTED
        row.last_error = result.reason()[:2000]
    return row.state
