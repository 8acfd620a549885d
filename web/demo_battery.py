"""The BatteryPass 1.2 data of an e-bike battery: every category, realistic values.

One LMT battery (36 V, 13.4 Ah, 482 Wh, NMC), valid against the official BatteryPass schemas.
``kreislauf demo`` issues it under its demo battery maker; the tests issue it under GS1's example
prefix. Only the identity changes (GTIN, serial, maker, web domain), never the figures.
"""

from __future__ import annotations

from typing import Any

STAMP = "2026-03-02T09:00:00+01:00"  # when the dynamic values were last updated


def ebike_battery(
    *, gtin: str, serial: str, maker: str, domain: str, stamp: str = STAMP
) -> dict[str, Any]:
    """A complete BatteryPass 1.2 ``battery`` for one e-bike battery of ``maker``, whose web
    site is ``domain``; the product identifier is the GS1 Digital Link of ``gtin`` + ``serial``."""
    address = {"addressCountry": "DE", "postalCode": "09111", "streetAddress": "Akkuweg 5"}
    company = {
        "contactName": maker,
        "postalAddress": address,
        "identifier": f"did:web:{domain}",
        "webAddress": f"https://{domain}",
    }
    urn = domain.split(".")[0].replace("-", "")
    return {
        "generalProductInformation": {
            "productIdentifier": f"https://id.gs1.org/01/{gtin}/21/{serial}",
            "batteryPassportIdentifier": f"urn:{urn}:{serial.lower().replace('-', '')}",
            "batteryCategory": "lmt",
            "manufacturerInformation": company,
            "operatorInformation": company,
            "manufacturingDate": "2026-01-15T08:00:00+01:00",
            "manufacturingPlace": address,
            "batteryStatus": "Original",
            "batteryMass": 2.9,
            "puttingIntoService": "2026-03-01T10:00:00+01:00",
            "warrentyPeriod": "--12",  # BatteryPass 1.2 types it as an xsd:gMonth
        },
        "carbonFootprint": {
            "batteryCarbonFootprint": 74.5,
            "carbonFootprintPerLifecycleStage": [
                {"lifecycleStage": "RawMaterialExtraction", "carbonFootprint": 48.2},
                {"lifecycleStage": "MainProduction", "carbonFootprint": 21.0},
                {"lifecycleStage": "Distribution", "carbonFootprint": 3.1},
                {"lifecycleStage": "Recycling", "carbonFootprint": 2.2},
            ],
            "carbonFootprintPerformanceClass": "B",
            "carbonFootprintStudy": f"https://{domain}/eb36/carbon-footprint-study.pdf",
            "absoluteCarbonFootprint": 35.9,
        },
        "supplyChainDueDiligence": {
            "supplyChainDueDiligenceReport": f"https://{domain}/due-diligence-2025.pdf",
            "thirdPartyAussurances": f"https://{domain}/assurance/rmi-2025.pdf",
        },
        "materialComposition": {
            "batteryChemistry": {
                "shortName": "NMC811",
                "clearName": "Lithium nickel manganese cobalt oxide (8:1:1) / graphite",
            },
            "batteryMaterials": [
                {
                    "batteryMaterialLocation": {"componentName": "Cathode"},
                    "batteryMaterialIdentifier": "7440-02-0",
                    "batteryMaterialName": "Nickel",
                    "batteryMaterialMass": 0.41,
                    "isCriticalRawMaterial": True,
                },
                {
                    "batteryMaterialLocation": {"componentName": "Cathode"},
                    "batteryMaterialIdentifier": "7440-48-4",
                    "batteryMaterialName": "Cobalt",
                    "batteryMaterialMass": 0.05,
                    "isCriticalRawMaterial": True,
                },
                {
                    "batteryMaterialLocation": {"componentName": "Anode"},
                    "batteryMaterialIdentifier": "7782-42-5",
                    "batteryMaterialName": "Graphite",
                    "batteryMaterialMass": 0.38,
                    "isCriticalRawMaterial": True,
                },
            ],
            "hazardousSubstances": [
                {
                    "hazardousSubstanceClass": "AcuteToxicity",
                    "hazardousSubstanceName": "Lithium hexafluorophosphate",
                    "hazardousSubstanceConcentration": 1.2,
                    "hazardousSubstanceImpact": ["H301 Toxic if swallowed"],
                    "hazardousSubstanceLocation": {"componentName": "Electrolyte"},
                    "hazardousSubstanceIdentifier": "21324-40-3",
                }
            ],
        },
        "circularity": {
            "dismantlingAndRemovalInformation": [
                {
                    "documentType": "DismantlingManual",
                    "mimeType": "application/pdf",
                    "documentURL": f"https://{domain}/eb36/dismantling.pdf",
                }
            ],
            "sparePartSources": [
                {
                    "nameOfSupplier": maker,
                    "addressOfSupplier": address,
                    "emailAddressOfSupplier": f"service@{domain}",
                    "supplierWebAddress": f"https://{domain}/spares",
                    "components": [
                        {"partName": "Battery management system", "partNumber": "EB36-BMS-2"},
                        {"partName": "Cell module", "partNumber": "EB36-MOD-10S"},
                    ],
                }
            ],
            "recycledContent": [
                {"recycledMaterial": "Nickel", "preConsumerShare": 4.0, "postConsumerShare": 6.0},
                {"recycledMaterial": "Cobalt", "preConsumerShare": 8.0, "postConsumerShare": 12.0},
            ],
            "safetyMeasures": {
                "safetyInstructions": f"https://{domain}/eb36/safety.pdf",
                "extinguishingAgent": ["D"],
            },
            "endOfLifeInformation": {
                "wastePrevention": f"https://{domain}/eol/prevention",
                "separateCollection": f"https://{domain}/eol/collection",
                "informationOnCollection": f"https://{domain}/eol/second-life",
            },
            "renewableContent": 0.0,
        },
        "performance": {
            "batteryTechicalProperties": {
                "originalPowerCapability": [{"atSoC": 80, "powerCapabilityAt": 750}],
                "ratedMaximumPower": 750,
                "powerCapabilityRatio": 1.5,
                "ratedEnergy": 482,
                "expectedNumberOfCycles": 1000,
                "initialSelfDischarge": 2.0,
                "roundtripEfficiency": 95.0,
                "ratedCapacity": 13.4,
                "initialInternalResistance": [
                    {"ohmicResistance": 0.12, "batteryComponent": "pack"}
                ],
                "expectedLifetime": 6,
                "cRate": 1.5,
                "nominalVoltage": 36,
                "minimumVoltage": 30,
                "maximumVoltage": 42,
                "capacityThresholdForExhaustion": 70,
                "lifetimeReferenceTest": f"https://{domain}/eb36/cycle-life-test.pdf",
                "cRateLifeCycleTest": 0.5,
                "temperatureRangeIdleState": 45,
            },
            "batteryCondition": {
                "energyThroughput": 4.82,  # kWh (the official access list's unit)
                "capacityThroughput": {"capacityThroughputValue": 134, "lastUpdate": stamp},
                "numberOfFullCycles": {"numberOfFullCyclesValue": 10, "lastUpdate": stamp},
                "stateOfCertifiedEnergy": {"stateOfCertifiedEnergyValue": 99, "lastUpdate": stamp},
                "capacityFade": {"capacityFadeValue": 1, "lastUpdate": stamp},
                "remainingEnergy": {"remainingEnergyalue": 0.477, "lastUpdate": stamp},  # kWh
                "remainingCapacity": {"remainingCapacityValue": 13.3, "lastUpdate": stamp},
                "negativeEvents": [],
                "temperatureInformation": {
                    "timeExtremeHighTemp": 0,
                    "timeExtremeLowTemp": 0,
                    "timeExtremeHighTempCharging": 0,
                    "timeExtremeLowTempCharging": 0,
                    "lastUpdate": stamp,
                },
                "remainingPowerCapability": [
                    {
                        "remainingPowerCapabilityValue": {
                            "rPCLastUpdated": stamp,
                            "atSoC": 80,
                            "powerCapabilityAt": 745,
                        },
                        "lastUpdate": stamp,
                    }
                ],
                "powerFade": 0.7,
                "roundTripEfficiencyFade": 0.2,
                "evolutionOfSelfDischarge": {"evolutionOfSelfDischargeEntityValue": 0.1},
                "currentSelfDischargingRate": {
                    "currentSelfDischargingRateEntity": 2.1,
                    "lastUpdate": stamp,
                },
                "internalResistanceIncrease": [
                    {
                        "internalResistanceIncreaseValue": 1.0,
                        "batteryComponent": "pack",
                        "lastUpdate": stamp,
                    }
                ],
                "roundTripEfficiencyat50PerCentCycleLife": 92.0,
                "remainingRoundTripEnergyEfficiency": {
                    "remainingRoundTripEnergyEfficiencyValue": 94.8,
                    "lastUpdate": stamp,
                },
                "stateOfCharge": {"stateOfChargeValue": 80, "lastUpdate": stamp},
            },
        },
        "labels": {
            "declarationOfConformity": f"https://{domain}/eb36/eu-declaration.pdf",
            "resultOfTestReport": f"https://{domain}/eb36/test-reports.pdf",
            "labels": [
                {
                    "labelingSubject": "SeparateCollection",
                    "labelingSymbol": f"https://{domain}/labels/weee-bin.svg",
                    "labelingMeaning": {"en": "Collect separately", "de": "Getrennt sammeln"},
                }
            ],
        },
    }
