"""A stored passport read as a credential, in the domain: ids, links, inheritance, issuer."""

from __future__ import annotations

from passport.credentials.reading import credential
from passport.disclosure.tiers import Tier
from passport.passports import community, issuing, versions
from passport.routes import Routes
from passport.signing.registry import issuer_did
from tests.conftest import BASE_URL, settings_of
from tests.helpers import passport

ROUTES = Routes(BASE_URL)


def test_each_version_is_a_credential_whose_id_is_its_address(session, acme):
    issued = issuing.issue_passport(session, settings_of(session), acme, passport(name="K1"))
    versions.update_passport(
        session, settings_of(session), acme, issued.public_id, passport(name="K1 v2")
    )
    session.commit()

    first = credential(session, BASE_URL, issued, 1, tier=Tier.PUBLIC)
    latest = credential(session, BASE_URL, issued, tier=Tier.PUBLIC)
    assert first["id"] == ROUTES.version(issued.public_id, 1)
    assert "previousVersion" not in first
    assert latest["id"] == ROUTES.version(issued.public_id, 2)
    assert latest["previousVersion"] == first["id"]
    assert (latest["passportVersion"], latest["passportStatus"]) == (2, "active")
    assert latest["credentialSubject"]["product"]["name"] == "K1 v2"
    assert latest["credentialSubject"]["product"]["id"] == issued.uri
    assert latest["issuer"] == {
        "type": ["CredentialIssuer"],
        "id": issuer_did(BASE_URL, acme),
        "name": "Acme Kettles GmbH",
    }
    assert ROUTES.kreislauf_context in latest["@context"]
    assert "registeredBy" not in latest


def test_an_item_links_to_its_model_and_batch_and_inherits_from_the_model(session, acme):
    body = passport("model", serial=None)
    body["product"]["description"] = "A kettle with a replaceable lid hinge."
    model = issuing.issue_passport(session, settings_of(session), acme, body)
    batch = issuing.issue_passport(
        session, settings_of(session), acme, passport("batch", lot="L1", serial=None)
    )
    item = issuing.issue_passport(
        session, settings_of(session), acme, passport(lot="L1", serial="1")
    )
    session.commit()

    served = credential(session, BASE_URL, item, tier=Tier.PUBLIC)
    assert served["modelPassport"] == model.uri
    assert served["batchPassport"] == batch.uri
    assert served["inheritedProperties"] == ["product.description"]
    assert served["credentialSubject"]["product"]["description"] == body["product"]["description"]


def test_a_community_passport_says_who_registered_it(session, repair_cafe):
    made = community.issue_community_passport(
        session,
        settings_of(session),
        repair_cafe,
        category="Toaster",
        brand=None,
        model=None,
        year=None,
    )
    session.commit()
    served = credential(session, BASE_URL, made, tier=Tier.PUBLIC)
    assert served["registeredBy"] == issuer_did(BASE_URL, repair_cafe) == served["issuer"]["id"]
