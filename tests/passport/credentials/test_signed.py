"""The credential signed, in the domain: it verifies against the DID documents the registry
publishes, under the issuing organisation's DID."""

from __future__ import annotations

from typing import Any

import pytest

from passport.config import Settings
from passport.credentials.reading import credential
from passport.credentials.signed import signed_credential
from passport.disclosure.tiers import Tier
from passport.errors import SigningUnavailable
from passport.passports import issuing
from passport.signing.did import verify_vc_jwt_with_did
from passport.signing.registry import (
    issuer_did,
    organisation_did_document,
    registry_did_document,
    vc_kid,
)
from tests.helpers import passport


def test_a_signed_credential_verifies_against_the_organisations_did(session, settings, acme):
    issued = issuing.issue_passport(session, settings, acme, passport())
    session.commit()
    token = signed_credential(session, settings, issued, tier=Tier.PUBLIC)

    def resolve(did: str) -> dict[str, Any]:
        documents = {
            issuer_did(settings.base_url, acme): organisation_did_document(
                session, settings, acme.public_id
            ),
            registry_did_document(settings)["id"]: registry_did_document(settings),
        }
        return documents[did]

    assert verify_vc_jwt_with_did(token, resolve) == credential(
        session, settings.base_url, issued, tier=Tier.PUBLIC
    )
    assert vc_kid(settings, acme).startswith(issuer_did(settings.base_url, acme) + "#vc-")


def test_a_registry_without_a_did_web_form_does_not_sign(session, settings, acme):
    issued = issuing.issue_passport(session, settings, acme, passport())
    plain = Settings(
        database_url=settings.database_url,
        base_url="http://registry.example.org",
        data_dir=settings.data_dir,
    )
    with pytest.raises(SigningUnavailable):
        signed_credential(session, plain, issued, tier=Tier.PUBLIC)
    with pytest.raises(SigningUnavailable):
        registry_did_document(plain)
