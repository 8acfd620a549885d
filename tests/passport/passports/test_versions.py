"""A passport's versions in the domain, without HTTP: update, withdraw, read every version."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from passport.errors import Conflict, Forbidden, InvalidDocument, NotFound
from passport.ledger import log
from passport.ledger.verify import verify_log
from passport.models import LogEntry
from passport.passports import issuing, versions
from passport.passports.lookup import get_passport
from tests.conftest import BASE_URL, settings_of
from tests.helpers import passport


@pytest.fixture
def issued(session, acme):
    issued = issuing.issue_passport(session, settings_of(session), acme, passport(name="K1 kettle"))
    session.commit()
    return issued.public_id


def _kinds(session) -> list[str]:
    return list(session.scalars(select(LogEntry.kind).order_by(LogEntry.index)))


def test_an_update_writes_version_n_plus_1_and_keeps_every_earlier_one(session, acme, issued):
    second = versions.update_passport(
        session,
        settings_of(session),
        acme,
        issued,
        passport(name="K1 kettle, now with a steel lid"),
    )
    session.commit()

    found = get_passport(session, issued)
    assert (second.version, second.status, found.current_version) == (2, "active", 2)
    assert found.name == "K1 kettle, now with a steel lid"
    assert "steel lid" in found.search_text
    rows = versions.list_versions(session, found)
    assert [(r.version, r.status) for r in rows] == [(1, "active"), (2, "active")]
    assert versions.get_version(session, found, 1).document["product"]["name"] == "K1 kettle"
    assert versions.get_version(session, found).version == 2  # the current one by default
    assert _kinds(session) == ["dpp.issued", "dpp.version"]
    assert verify_log(session, BASE_URL).ok


def test_a_version_that_does_not_exist_is_not_found(session, issued):
    found = get_passport(session, issued)
    with pytest.raises(NotFound, match="its versions are 1 to 1"):
        versions.get_version(session, found, 2)


def test_a_new_version_must_describe_the_same_product(session, acme, issued):
    with pytest.raises(InvalidDocument) as caught:
        versions.update_passport(
            session, settings_of(session), acme, issued, passport(serial="other")
        )
    assert [e.pointer for e in caught.value.errors] == ["/product"]
    session.rollback()
    assert get_passport(session, issued).current_version == 1


def test_only_the_issuer_writes_versions_or_withdraws(session, rival, issued):
    with pytest.raises(Forbidden):
        versions.update_passport(session, settings_of(session), rival, issued, passport())
    with pytest.raises(Forbidden):
        versions.withdraw_passport(session, rival, issued, settings=settings_of(session))


def test_withdrawing_is_a_new_version_with_the_same_document(session, acme, issued):
    withdrawn = versions.withdraw_passport(session, acme, issued, settings=settings_of(session))
    session.commit()

    found = get_passport(session, issued)
    assert (found.status, found.current_version) == ("withdrawn", 2)
    assert (withdrawn.version, withdrawn.status) == (2, "withdrawn")
    first = versions.get_version(session, found, 1)
    assert (first.status, first.document) == ("active", withdrawn.document)
    assert _kinds(session) == ["dpp.issued", "dpp.withdrawn"]
    assert log.head(session)[0] == 2


def test_a_withdrawn_passport_gets_no_new_versions(session, acme, issued):
    versions.withdraw_passport(session, acme, issued, settings=settings_of(session))
    session.commit()
    with pytest.raises(Conflict, match="already withdrawn"):
        versions.withdraw_passport(session, acme, issued, settings=settings_of(session))
    with pytest.raises(Conflict, match="gets no new versions"):
        versions.update_passport(session, settings_of(session), acme, issued, passport())


def test_an_unknown_passport_is_not_found(session, acme):
    with pytest.raises(NotFound):
        versions.update_passport(session, settings_of(session), acme, "nope", passport())
    with pytest.raises(NotFound):
        versions.withdraw_passport(session, acme, "nope", settings=settings_of(session))
