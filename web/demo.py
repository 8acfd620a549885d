"""Demo data: two manufacturers and products at model, batch and item level."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from passport import services
from passport.identifiers import gs1_check_digit


def gtin(body13: str) -> str:
    """A GTIN-14 (indicator 0) from the first 12 digits of a GTIN-13."""
    return "0" + body13 + str(gs1_check_digit("0" + body13))


KETTLE = gtin("409876500001")
BATTERY = gtin("871234500010")
DRILL = gtin("409876500018")


def _link(
    url: str, name: str, kind: str = "https://ref.gs1.org/voc/instructions"
) -> dict[str, str]:
    return {"linkURL": url, "linkName": name, "linkType": kind}


def kettle_model() -> dict[str, Any]:
    return {
        "type": ["ProductPassport"],
        "granularityLevel": "model",
        "product": {
            "name": "Kesselwerk K1 electric kettle, 1.7 l",
            "registeredId": KETTLE,
            "description": "Stainless-steel kettle with a replaceable switch and a removable "
            "limescale filter. Screws, not glue: every part can be replaced.",
            "productCategory": [
                {
                    "type": ["Classification"],
                    "id": "https://unstats.un.org/unsd/classifications/Econ/cpc/44817",
                    "code": "44817",
                    "name": "Electro-thermic domestic appliances",
                    "schemeID": "https://unstats.un.org/unsd/classifications/Econ/cpc/",
                    "schemeName": "UN Central Product Classification (CPC)",
                }
            ],
            "countryOfProduction": "DE",
            "furtherInformation": [
                _link("https://example.org/kesselwerk/k1/manual.pdf", "User and repair manual")
            ],
        },
        "circularityScorecard": {
            "type": ["CircularityPerformance"],
            "recyclingInformation": _link(
                "https://example.org/kesselwerk/k1/recycling",
                "How to recycle the K1",
                "https://ref.gs1.org/voc/recyclingInfo",
            ),
            "repairInformation": _link(
                "https://example.org/kesselwerk/k1/repair",
                "Spare parts and repair guides",
                "https://ref.gs1.org/voc/serviceInfo",
            ),
            "recyclableContent": 0.92,
            "recycledContent": 0.35,
            "utilityFactor": 1.2,
            "materialCircularityIndicator": 0.61,
        },
        "materialsProvenance": [
            {
                "type": ["Material"],
                "name": "Stainless steel 304",
                "originCountry": "DE",
                "materialType": {
                    "type": ["Classification"],
                    "id": "https://www.gs1.org/voc/MaterialTypeCode-STAINLESS_STEEL",
                    "code": "STAINLESS_STEEL",
                    "name": "Stainless steel",
                },
                "massFraction": 0.71,
                "recycledMassFraction": 0.45,
                "hazardous": False,
            },
            {
                "type": ["Material"],
                "name": "Polypropylene",
                "originCountry": "NL",
                "materialType": {
                    "type": ["Classification"],
                    "id": "https://www.gs1.org/voc/MaterialTypeCode-PP",
                    "code": "PP",
                    "name": "Polypropylene",
                },
                "massFraction": 0.21,
                "recycledMassFraction": 0.1,
                "hazardous": False,
            },
        ],
    }


def kettle_batch(lot: str) -> dict[str, Any]:
    return {
        "granularityLevel": "batch",
        "product": {
            "id": f"https://id.gs1.org/01/{KETTLE}/10/{lot}",
            "name": "Kesselwerk K1 electric kettle, 1.7 l",
            "productionDate": "2026-04-02",
        },
    }


def kettle_item(lot: str, serial: str) -> dict[str, Any]:
    return {
        "granularityLevel": "item",
        "product": {
            "name": "Kesselwerk K1 electric kettle, 1.7 l",
            "registeredId": KETTLE,
            "batchNumber": lot,
            "serialNumber": serial,
        },
    }


def battery(granularity: str, serial: str | None = None) -> dict[str, Any]:
    product: dict[str, Any] = {
        "name": "Velo Circular 500 Wh e-bike battery",
        "registeredId": BATTERY,
        "description": "36 V 13.9 Ah lithium-ion pack; cells replaceable by a qualified repairer.",
        "countryOfProduction": "NL",
    }
    if serial:
        product["serialNumber"] = serial
    doc: dict[str, Any] = {"granularityLevel": granularity, "product": product}
    if granularity == "model":
        doc["circularityScorecard"] = {
            "type": ["CircularityPerformance"],
            "recyclingInformation": _link(
                "https://example.org/velo/battery/take-back",
                "Battery take-back points",
                "https://ref.gs1.org/voc/recyclingInfo",
            ),
            "repairInformation": _link(
                "https://example.org/velo/battery/cell-replacement",
                "Cell replacement guide",
                "https://ref.gs1.org/voc/serviceInfo",
            ),
            "recyclableContent": 0.8,
            "recycledContent": 0.12,
        }
    return doc


def seed(session: Session, base_url: str) -> list[str]:
    """Fill an empty registry; return lines worth printing for a newcomer."""
    kesselwerk, key_k = services.create_organisation(
        session, "Kesselwerk Demo GmbH", "manufacturer", ["4098765"]
    )
    velo, key_v = services.create_organisation(
        session, "Velo Circular Demo BV", "manufacturer", ["8712345"]
    )
    cafe, key_c = services.create_organisation(session, "Repair Café Demo", "repairer")

    model = services.issue_passport(session, base_url, kesselwerk, kettle_model())
    services.issue_passport(session, base_url, kesselwerk, kettle_batch("2026W14"))
    items = services.issue_passports(
        session,
        base_url,
        kesselwerk,
        [kettle_item("2026W14", f"K1-{n:06d}") for n in range(101, 106)],
    )
    # A second version of the model shows versioning: the recycled share went up.
    updated = kettle_model()
    updated["circularityScorecard"]["recycledContent"] = 0.4
    services.update_passport(session, base_url, kesselwerk, model.public_id, updated)

    services.issue_passport(session, base_url, velo, battery("model"))
    cells = services.issue_passports(
        session, base_url, velo, [battery("item", f"VB500-{n:05d}") for n in (1, 2, 3)]
    )
    services.withdraw_passport(session, velo, cells[-1].public_id)
    return [
        f"An item passport: {base_url}/api/v1/passports/{items[0].public_id}",
        f"  its QR code will say: {items[0].uri} (the resolver comes with the lifecycle issue)",
        f"The model with two versions: {base_url}/api/v1/passports/{model.public_id}/versions",
        f"API key of {kesselwerk.name} (demo only): {key_k}",
        f"API key of {velo.name} (demo only): {key_v}",
        f"API key of {cafe.name} (demo only): {key_c}",
    ]
