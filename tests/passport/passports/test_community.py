"""Community passports in the domain: the registry mints the URI, a repairer registers the item."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from passport.errors import Forbidden, InvalidDocument, InvalidIdentifier, NotFound
from passport.passports import community
from passport.passports.versions import get_version
from passport.routes import Routes
from tests.conftest import BASE_URL, settings_of

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_repairer_registers_an_item_under_a_uri_the_registry_mints(session, repair_cafe):
    made = community.issue_community_passport(
        session,
        settings_of(session),
        repair_cafe,
        category="Kettle",
        brand="Acme",
        model="K1",
        year=2019,
        now=NOW,
    )
    session.commit()
    key = made.identity_key.removeprefix("c/")
    assert community.COMMUNITY_KEY.fullmatch(key)
    assert made.uri == Routes(BASE_URL).community(key)
    assert (made.community, made.granularity, made.name) == (True, "item", "Acme K1")
    product = get_version(session, made).document["product"]
    assert product["characteristics"] == {
        "type": ["Characteristics"],
        "brand": "Acme",
        "model": "K1",
        "yearOfManufacture": 2019,
    }
    assert product["productCategory"][0]["schemeID"] == community.ORDS_SCHEME
    assert community.resolve_community(session, key) == made


def test_only_repairers_and_refurbishers_register(session, acme):
    with pytest.raises(Forbidden):
        community.issue_community_passport(
            session,
            settings_of(session),
            acme,
            category="Kettle",
            brand=None,
            model=None,
            year=None,
        )


def test_what_cannot_be_registered_is_named(session, repair_cafe):
    with pytest.raises(InvalidDocument) as caught:
        community.issue_community_passport(
            session,
            settings_of(session),
            repair_cafe,
            category=" ",
            brand="x" * 201,
            model=None,
            year=2027,
            now=NOW,
        )
    assert [e.pointer for e in caught.value.errors] == ["/category", "/brand", "/year"]


def test_resolving_a_community_key(session):
    with pytest.raises(InvalidIdentifier):
        community.resolve_community(session, "not-a-key")
    with pytest.raises(NotFound, match="/c/aaaaaaaaaaaaaaaa"):
        community.resolve_community(session, "a" * 16)
