"""Building the credential: its layout, the types it adds, and UNTP's schema accepting it."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from passport.contexts import passport_contexts
from passport.credentials.document import build_credential
from tests.passport.kettle import (
    CANONICAL,
    KETTLE,
    REGISTRY,
    credential_for,
    describe,
    kettle,
    official_errors,
    official_instance_subject,
)


@pytest.mark.parametrize("subject", [official_instance_subject(), KETTLE], ids=["untp", "kettle"])
def test_served_credential_passes_official_schema(subject: dict[str, Any]) -> None:
    credential = credential_for(
        copy.deepcopy(subject),
        previous_version="https://registry.example/api/v1/passports/p_7Hq2?version=0",
        model_passport="https://registry.example/api/v1/passports/p_model",
        inherited=["product.description"],
    )
    assert describe(official_errors(credential)) == []


def test_served_credential_without_product_id_passes_official_schema() -> None:
    subject = kettle()
    assert "id" not in subject["product"]
    credential = credential_for(subject)
    assert credential["credentialSubject"]["product"]["id"] == CANONICAL
    assert describe(official_errors(credential)) == []


# --- build_credential ---------------------------------------------------------------------


def test_build_credential_layout_and_key_order() -> None:
    subject = kettle()
    del subject["type"]
    del subject["product"]["type"]
    subject["product"]["id"] = "https://id.gs1.org/01/04260123450007/21/KT-000417"
    before = copy.deepcopy(subject)

    credential = credential_for(
        subject,
        previous_version="https://registry.example/v/0",
        model_passport="https://registry.example/p/model",
        batch_passport="https://registry.example/p/batch",
        inherited=["conformityClaim"],
    )

    assert subject == before, "build_credential must not mutate its input"
    assert list(credential) == [
        "@context",
        "type",
        "id",
        "issuer",
        "validFrom",
        "credentialSubject",
        "passportStatus",
        "passportVersion",
        "previousVersion",
        "modelPassport",
        "batchPassport",
        "inheritedProperties",
    ]
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/",
        "https://registry.example/contexts/kreislauf/v1",
    ]
    assert credential["@context"] == passport_contexts(REGISTRY)
    assert credential["type"] == ["DigitalProductPassport", "VerifiableCredential"]
    assert credential["issuer"] == {
        "type": ["CredentialIssuer"],
        "id": "did:web:registry.example",
        "name": "Kreislauf registry (example)",
    }
    assert credential["validFrom"] == "2025-02-05T09:30:12Z"
    assert credential["passportStatus"] == "active"
    assert credential["passportVersion"] == 1
    assert credential["inheritedProperties"] == ["conformityClaim"]

    served = credential["credentialSubject"]
    assert list(served)[0] == "type"
    assert served["type"] == ["ProductPassport"]
    assert list(served)[1:] == list(before)
    product = served["product"]
    assert list(product)[:2] == ["type", "id"]
    assert product["type"] == ["Product"]
    assert product["id"] == CANONICAL  # the registry's URI wins over the client's
    assert {k: v for k, v in product.items() if k not in ("type", "id")} == {
        k: v for k, v in before["product"].items() if k != "id"
    }


def test_build_credential_keeps_given_types_and_omits_empty_extras() -> None:
    subject = kettle()
    subject["type"] = ["ProductPassport", "BatteryPassport"]
    subject["product"]["type"] = ["Product", "Kettle"]

    credential = credential_for(subject, inherited=[])

    assert credential["credentialSubject"]["type"] == ["ProductPassport", "BatteryPassport"]
    assert credential["credentialSubject"]["product"]["type"] == ["Product", "Kettle"]
    for absent in ("previousVersion", "modelPassport", "batchPassport", "inheritedProperties"):
        assert absent not in credential


def test_build_credential_adds_the_types_untp_defines_terms_under() -> None:
    """UNTP's context defines a Standard's or Classification's terms only under its type."""
    subject = kettle()
    del subject["type"]
    del subject["product"]["productCategory"][0]["type"]
    claim = subject["conformityClaim"][0]
    del claim["type"]
    assert "type" not in claim["referenceStandard"]

    served = credential_for(subject)["credentialSubject"]
    served_claim = served["conformityClaim"][0]

    assert served["type"] == ["ProductPassport"]
    assert list(served["product"]["productCategory"][0])[:2] == ["type", "id"]
    assert served["product"]["productCategory"][0]["type"] == ["Classification"]
    assert served_claim["type"] == ["Claim", "Declaration"]
    assert served_claim["referenceStandard"]["type"] == ["Standard"]
    assert served_claim["referenceRegulation"]["type"] == ["Regulation"]
    # Objects UNTP defines by the property that holds them keep what the client sent.
    assert "type" not in served["product"]["productImage"]
    assert "type" not in served_claim["referenceStandard"]["issuingParty"]
    assert served_claim["conformityEvidence"]["type"] == ["SecureLink", "Link"]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (
            datetime(2025, 2, 5, 10, 30, 12, 999999, tzinfo=timezone(timedelta(hours=1))),
            "2025-02-05T09:30:12Z",
        ),
        (datetime(2025, 2, 5, 9, 30), "2025-02-05T09:30:00Z"),  # naive: stored as UTC
    ],
)
def test_valid_from_is_utc_with_seconds(moment: datetime, expected: str) -> None:
    credential = build_credential(
        base_url=REGISTRY,
        subject=kettle(),
        credential_id="https://registry.example/c/1",
        canonical_uri=CANONICAL,
        issuer_id="did:web:registry.example",
        issuer_name="Registry",
        valid_from=moment,
        status="active",
        version=3,
    )
    assert credential["validFrom"] == expected
