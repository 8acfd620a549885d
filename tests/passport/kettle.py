"""A kettle's passport and UNTP's own DPP schema: what the document and credential tests share.

The UNTP files are GPL-3.0, so they are read from tests/fixtures at test time only and
never copied into the package.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from passport.credentials.document import build_credential
from passport.documents import validate_subject
from passport.errors import FieldError, InvalidDocument
from tests.helpers import FIXTURES

UNTP_DPP = FIXTURES / "standards" / "untp" / "dpp"
REGISTRY = "https://registry.example"
CANONICAL = f"{REGISTRY}/01/04260123450007/21/KT-000417"

# A product passport for one kettle, written for these tests (GTIN with a valid check digit).
KETTLE: dict[str, Any] = {
    "type": ["ProductPassport"],
    "product": {
        "type": ["Product"],
        "name": "Wasserkocher WK-17, 1.7 l, stainless steel",
        "registeredId": "04260123450007",
        "idScheme": {
            "type": ["IdentifierScheme"],
            "id": "https://id.gs1.org/01/",
            "name": "Global Trade Item Number (GTIN)",
        },
        "serialNumber": "KT-000417",
        "batchNumber": "2025-W06",
        "description": "Cordless electric kettle, 2200 W, replaceable lid hinge and base switch.",
        "productImage": {
            "linkURL": "https://kessel.example/media/wk-17.jpg",
            "linkName": "Product photo",
            "linkType": "https://gs1.org/voc/defaultThumbnailSmall",
        },
        "productCategory": [
            {
                "type": ["Classification"],
                "id": "https://unstats.un.org/unsd/classifications/Econ/cpc/44821",
                "code": "44821",
                "name": "Electro-thermic domestic appliances",
                "schemeID": "https://unstats.un.org/unsd/classifications/Econ/cpc/",
                "schemeName": "UN Central Product Classification (CPC)",
            }
        ],
        "furtherInformation": [
            {
                "linkURL": "https://kessel.example/manuals/wk-17-de.pdf",
                "linkName": "Bedienungsanleitung",
                "linkType": "https://gs1.org/voc/instructions",
            }
        ],
        "producedByParty": {"id": "did:web:kessel.example", "name": "Kessel Haushaltsgeräte GmbH"},
        "producedAtFacility": {
            "id": "https://kessel.example/facilities/chemnitz",
            "name": "Werk Chemnitz",
            "registeredId": "4260123450014",
        },
        "productionDate": "2025-02-04",
        "countryOfProduction": "DE",
        "characteristics": {"ratedPowerW": 2200, "capacityLitres": 1.7, "cordLengthM": 0.75},
        "dimensions": {
            "weight": {"value": 1.1, "unit": "KGM"},
            "height": {"value": 245, "unit": "MMT"},
            "volume": {"value": 1.7, "unit": "LTR"},
        },
    },
    "granularityLevel": "item",
    "conformityClaim": [
        {
            "type": ["Claim", "Declaration"],
            "id": "https://kessel.example/declarations/eu-doc-wk-17",
            "description": "EU declaration of conformity: electrical safety of household kettles.",
            "referenceStandard": {
                "name": "EN 60335-2-15: household appliances for heating liquids",
                "issuingParty": {"id": "https://www.cencenelec.eu/", "name": "CENELEC"},
                "issueDate": "2016-03-18",
            },
            "referenceRegulation": {
                "id": "https://eur-lex.europa.eu/eli/dir/2014/35/oj",
                "name": "Low Voltage Directive 2014/35/EU",
                "jurisdictionCountry": "EU",
                "administeredBy": {
                    "id": "https://commission.europa.eu/",
                    "name": "European Commission",
                },
                "effectiveDate": "2016-04-20",
            },
            "assessmentDate": "2025-01-15",
            "conformance": True,
            "conformityTopic": "social.safety",
            "conformityEvidence": {
                "type": ["SecureLink", "Link"],
                "linkURL": "https://kessel.example/declarations/eu-doc-wk-17.pdf",
                "linkName": "Signed declaration of conformity",
                "hashDigest": "9f2c3b7d1e0a4c6b8d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c",
                "hashMethod": "SHA-256",
                "encryptionMethod": "none",
            },
        }
    ],
    "emissionsScorecard": {
        "carbonFootprint": 12.4,
        "declaredUnit": "KGM",
        "operationalScope": "CradleToGate",
        "primarySourcedRatio": 0.4,
    },
    "circularityScorecard": {
        "repairInformation": {
            "linkURL": "https://kessel.example/repair/wk-17",
            "linkName": "Repair guide and spare parts",
        },
        "recyclableContent": 0.85,
        "recycledContent": 0.3,
    },
    "materialsProvenance": [
        {
            "name": "Stainless steel 1.4301",
            "originCountry": "DE",
            "massFraction": 0.55,
            "recycledMassFraction": 0.6,
            "hazardous": False,
        },
        {"name": "Polypropylene", "massFraction": 0.3, "hazardous": False},
    ],
}


@cache
def official_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((UNTP_DPP / "untp-dpp-schema.json").read_text())
    return schema


@cache
def official_validator() -> Draft202012Validator:
    checker = Draft202012Validator.FORMAT_CHECKER
    return Draft202012Validator(official_schema(), format_checker=checker)


def official_instance_subject() -> dict[str, Any]:
    instance = json.loads((UNTP_DPP / "untp-dpp-instance.json").read_text())
    subject: dict[str, Any] = instance["credentialSubject"]
    return subject


def kettle() -> dict[str, Any]:
    return copy.deepcopy(KETTLE)


def credential_for(subject: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Build the served credential the way the registry does."""
    return build_credential(
        base_url=REGISTRY,
        subject=subject,
        credential_id="https://registry.example/api/v1/passports/p_7Hq2/versions/1",
        canonical_uri=CANONICAL,
        issuer_id="did:web:registry.example",
        issuer_name="Kreislauf registry (example)",
        valid_from=datetime(2025, 2, 5, 9, 30, 12, 345678, tzinfo=UTC),
        status="active",
        version=1,
        **extra,
    )


def official_view(subject: dict[str, Any]) -> dict[str, Any]:
    """Return the credential UNTP would judge, keeping a client-sent product.id verbatim.

    build_credential replaces product.id with the canonical URI; putting the client's value
    back lets the sweep compare both schemas on that field too.
    """
    credential = credential_for(subject)
    product = subject.get("product")
    if isinstance(product, dict) and "id" in product:
        credential["credentialSubject"]["product"]["id"] = product["id"]
    return credential


def official_errors(document: dict[str, Any]) -> list[ValidationError]:
    return list(official_validator().iter_errors(document))


def our_errors(subject: object) -> list[FieldError]:
    try:
        validate_subject(subject)
    except InvalidDocument as exc:
        assert exc.errors, "InvalidDocument without errors"
        return exc.errors
    return []


def describe(errors: list[ValidationError]) -> list[str]:
    return [f"{e.json_path}: {e.message[:120]}" for e in errors]
