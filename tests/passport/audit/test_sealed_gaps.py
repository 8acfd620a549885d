"""What migration 0013 sealed: a key's revocation, grants (each and each issuer's set), and a
passport's public id (its first leaf since 0013, a one-signature seal for those logged before).

Each test changes the database as someone without the log key could, and ``kreislauf verify``
must name what changed; the registry's own writes (and the backfill at startup) must verify.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from passport.access import authenticate
from passport.audit import verify_registry
from passport.config import Settings
from passport.disclosure import grants
from passport.ledger import log, seals
from passport.models import ApiKey, Grant, Passport, RegistrySeal
from passport.organisations import create_organisation, issue_api_key, revoke_key, seal_grants
from passport.passports import issuing
from passport.signing.keys import load_key
from tests.helpers import passport


def _problems(session: Session, settings: Settings) -> list[str]:
    session.expire_all()
    return [str(p) for p in verify_registry(session, settings).problems]


@pytest.fixture
def acme(session: Session, settings: Settings) -> Any:
    org, key = create_organisation(session, "Acme", "manufacturer", ["9520123"], settings=settings)
    cafe, _ = create_organisation(session, "Café", "repairer", settings=settings)
    session.commit()
    issued = issuing.issue_passports(
        session,
        settings,
        authenticate(session, key),
        [passport("item", serial="S1"), passport("item", serial="S2")],
    )
    session.commit()
    return org, cafe, issued


def test_a_key_un_revoked_in_the_database_is_found(session, settings, acme):
    org = acme[0]
    spare = issue_api_key(session, org, settings)
    revoke_key(session, spare[:12], org, settings=settings)
    session.commit()
    assert _problems(session, settings) == []
    session.execute(update(ApiKey).where(ApiKey.prefix == spare[:12]).values(revoked_at=None))
    assert _problems(session, settings) == [
        f"api_key {spare[:12]}: does not match its seal (changed since the registry sealed it)"
    ]


def test_a_key_sealed_before_0013_still_verifies_revoked_or_not(session, settings, acme):
    """A v1 seal (no revokedAt) says nothing about revocation: either state verifies."""
    org = acme[0]
    key = session.scalars(select(ApiKey).where(ApiKey.organisation_pk == org.pk)).one()
    private = load_key(settings, "log").private_key
    key.seal = seals.sign(private, seals.legacy_key_facts(key, org.public_id), 1)
    session.commit()
    assert _problems(session, settings) == []
    key.revoked_at = key.created_at
    session.commit()
    assert _problems(session, settings) == []


def _grant(session: Session, settings: Settings, acme: Any, one: bool = True) -> Grant:
    org, cafe, issued = acme
    row = grants.grant(session, org, cafe.public_id, issued[0].public_id if one else None)
    seal_grants(session, settings, org, row)
    session.commit()
    return row


def test_grants_made_and_revoked_by_the_registry_verify(session, settings, acme):
    first = _grant(session, settings, acme)
    _grant(session, settings, acme, one=False)
    assert _problems(session, settings) == []
    grants.revoke(session, acme[0], first.public_id)
    seal_grants(session, settings, acme[0])
    session.commit()
    assert _problems(session, settings) == []


def test_a_grant_changed_added_or_removed_in_the_database_is_found(session, settings, acme):
    org, cafe, issued = acme
    row = _grant(session, settings, acme)
    values = {c: getattr(row, c) for c in ("public_id", "issuer_pk", "grantee_pk", "seal")}
    values["created_at"] = row.created_at
    head = f"grants {org.public_id}: the set of grants (one was added, removed or renamed)"

    session.execute(update(Grant).values(passport_pk=issued[1].pk))  # another passport
    assert _problems(session, settings) == [
        f"grant {row.public_id}: does not match its seal (changed since the registry sealed it)"
    ]
    session.rollback()
    session.execute(delete(Grant))  # removed: the issuer's set no longer matches
    assert _problems(session, settings) == [f"{head} does not match its seal " + _CHANGED]
    session.rollback()
    session.execute(insert(Grant).values(**values | {"public_id": "grant_forged", "seal": None}))
    session.execute(update(Grant).where(Grant.public_id == "grant_forged").values(passport_pk=None))
    found = _problems(session, settings)
    assert "grant grant_forged: has no seal" in found and len(found) == 2, found
    session.rollback()


_CHANGED = "(changed since the registry sealed it)"
_NOW = datetime(2026, 5, 3, 13, 30, tzinfo=UTC)


def test_a_forged_grant_stays_unsealed_when_the_issuer_next_grants(session, settings, acme):
    """The issuer's next grant seals its set of grants, the forged one's id included, but
    never the forged row itself."""
    org, cafe, _ = acme
    session.execute(
        insert(Grant).values(
            public_id="grant_forged", issuer_pk=org.pk, grantee_pk=cafe.pk, created_at=_NOW
        )
    )
    session.commit()
    row = _grant(session, settings, acme)
    assert _problems(session, settings) == ["grant grant_forged: has no seal"]
    grants.revoke(session, org, row.public_id)
    seal_grants(session, settings, org)
    session.commit()
    assert _problems(session, settings) == ["grant grant_forged: has no seal"]


def test_a_revoked_grant_put_back_with_its_own_seal_is_found(session, settings, acme):
    org = acme[0]
    row = _grant(session, settings, acme)
    kept = {c.name: getattr(row, c.name) for c in Grant.__table__.columns}
    grants.revoke(session, org, row.public_id)
    seal_grants(session, settings, org)
    session.commit()
    session.execute(insert(Grant).values(**kept))
    assert _problems(session, settings) == [
        f"grants {org.public_id}: the set of grants (one was added, removed or renamed) "
        f"does not match its seal {_CHANGED}"
    ]


def test_a_passport_public_id_changed_in_the_database_is_found(session, settings, acme):
    first = acme[2][0]
    session.execute(update(Passport).where(Passport.pk == first.pk).values(public_id="f" * 16))
    found = _problems(session, settings)
    assert len(found) == 1 and "log index 0 (dpp.issued" in found[0], found


def _issue_before_0013(session: Session, settings: Settings, org: Any, serial: str) -> Passport:
    """Issue as the registry did before 0013: the first leaf without the public id."""
    real = log.committed
    mp = pytest.MonkeyPatch()
    mp.setattr(log, "committed", lambda doc, salt, _id=None: real(doc, salt))
    try:
        key = issue_api_key(session, org, settings)
        [made] = issuing.issue_passports(
            session, settings, authenticate(session, key), [passport("item", serial=serial)]
        )
    finally:
        mp.undo()
    session.commit()
    return made


def test_ids_logged_before_0013_are_sealed_once_at_startup(session, settings, acme):
    org = acme[0]
    old = _issue_before_0013(session, settings, org, "OLD1")
    # Grants made before 0013 carry no seal either.
    session.execute(update(Grant).values(seal=None))
    row = grants.grant(session, org, acme[1].public_id)
    session.commit()
    found = _problems(session, settings)
    assert any("committed by neither its first leaf nor a seal" in p for p in found), found
    assert any(f"grant {row.public_id}: has no seal" in p for p in found), found
    private = load_key(settings, "log").private_key
    seals.seal_all(session, private)  # what `kreislauf run` / `init-db` do at startup
    session.commit()
    assert _problems(session, settings) == []
    sealed = session.get(RegistrySeal, seals.PASSPORT_IDS).seal
    seals.seal_all(session, private)  # never again
    assert session.get(RegistrySeal, seals.PASSPORT_IDS).seal == sealed

    # A passport issued after the backfill commits its id in its leaf; the old one's id is
    # covered by the backfill's seal.
    issuing.issue_passports(
        session,
        settings,
        authenticate(session, issue_api_key(session, org, settings)),
        [passport("item", serial="NEW1")],
    )
    session.commit()
    assert _problems(session, settings) == []
    session.execute(update(Passport).where(Passport.pk == old.pk).values(public_id="0" * 16))
    assert _problems(session, settings) == [
        "passports passport-ids: the public ids of the passports logged before migration 0013 "
        f"does not match its seal {_CHANGED}"
    ]
    session.rollback()
    # An old-format first leaf after the backfill was made: its id is committed nowhere.
    _issue_before_0013(session, settings, org, "OLD2")
    found = _problems(session, settings)
    assert len(found) == 1 and "committed by neither" in found[0], found


def test_grants_and_revocations_over_http_are_sealed(client, session, settings, make_org):
    maker, cafe = make_org(), make_org("Café", "repairer")
    made = client.post("/api/v1/grants", json={"organisation": cafe.id}, headers=maker.headers)
    assert made.status_code == 201
    spare = client.post("/api/v1/keys", headers=maker.headers).get_json()["prefix"]
    assert client.delete(f"/api/v1/keys/{spare}", headers=maker.headers).status_code == 204
    assert _problems(session, settings) == []
    gone = client.delete(f"/api/v1/grants/{made.get_json()['id']}", headers=maker.headers)
    assert gone.status_code == 204
    assert _problems(session, settings) == []
    session.rollback()  # a fresh snapshot: the app wrote since
    session.execute(update(ApiKey).values(revoked_at=None))
    assert any("does not match its seal" in p for p in _problems(session, settings))
