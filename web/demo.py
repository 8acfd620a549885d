"""Demo data: manufacturers and products at model, batch and item level, with their histories."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from passport import accounts, organisations
from passport.config import Settings
from passport.credentials.inheritance import BATTERY_NOT_INHERITED
from passport.events import history
from passport.gs1.check_digits import gs1_check_digit
from passport.passports import community, issuing, versions
from passport.routes import Routes
from web import demo_battery


def gtin(body13: str) -> str:
    """A GTIN-14 (indicator 0) from the first 12 digits of a GTIN-13."""
    return "0" + body13 + str(gs1_check_digit("0" + body13))


CAFE_LOGIN = "cafe@demo.kreislauf"
# Demo data only (a throw-away registry on 127.0.0.1): a fixed password lets README print it.
CAFE_PASSWORD = "fix-it-together"
KETTLE = gtin("409876500001")
BATTERY = gtin("871234500010")
EBIKE = gtin("406123400010")  # Akkuwerk's e-bike battery, with full BatteryPass data
HOME_STORAGE = gtin("406987600015")  # its second life: a home storage battery
EBIKE_SERIAL = "EB36-004711"


def _link(
    url: str, name: str, kind: str = "https://ref.gs1.org/voc/instructions"
) -> dict[str, str]:
    return {"linkURL": url, "linkName": name, "linkType": kind}


def kettle_model() -> dict[str, Any]:
    return {
        "type": ["ProductPassport"],
        "granularityLevel": "model",
        # The language of its texts: its batch and items, which name none, inherit it.
        "inLanguage": "en",
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
                "https://ref.gs1.org/voc/sustainabilityInfo",
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
                "https://ref.gs1.org/voc/sustainabilityInfo",
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


def ebike_model() -> dict[str, Any]:
    """The e-bike battery model: the BatteryPass categories every battery of it shares."""
    full = demo_battery.ebike_battery(
        gtin=EBIKE, serial=EBIKE_SERIAL, maker="Akkuwerk Demo GmbH", domain="akkuwerk.example"
    )
    return {
        "granularityLevel": "model",
        "inLanguage": "en",
        "product": {"name": "Akkuwerk EB36 e-bike battery, 36 V 482 Wh", "registeredId": EBIKE},
        "battery": {k: v for k, v in full.items() if k not in BATTERY_NOT_INHERITED},
    }


def ebike_item() -> dict[str, Any]:
    """One battery of the model: its own identity and measured condition; it inherits the rest."""
    full = demo_battery.ebike_battery(
        gtin=EBIKE, serial=EBIKE_SERIAL, maker="Akkuwerk Demo GmbH", domain="akkuwerk.example"
    )
    return {
        "granularityLevel": "item",
        "product": {
            "name": "Akkuwerk EB36 e-bike battery, 36 V 482 Wh",
            "registeredId": EBIKE,
            "serialNumber": EBIKE_SERIAL,
        },
        "battery": {k: full[k] for k in BATTERY_NOT_INHERITED},
    }


def home_storage(maker: str) -> dict[str, Any]:
    """The e-bike battery's cells in their second life, under a passport of their own."""
    serial = "HS1-000042"
    battery = demo_battery.ebike_battery(
        gtin=HOME_STORAGE, serial=serial, maker=maker, domain="zweitleben.example"
    )
    general = battery["generalProductInformation"]
    general |= {
        "batteryCategory": "stationary",
        "batteryStatus": "Repurposed",
        "manufacturingDate": "2026-11-18T09:00:00+01:00",
        "puttingIntoService": "2026-11-25T10:00:00+01:00",
    }
    return {
        "granularityLevel": "item",
        "inLanguage": "en",
        "product": {
            "name": "Zweitleben HS1 home storage battery (second-life cells)",
            "registeredId": HOME_STORAGE,
            "serialNumber": serial,
            "description": "The cells of an Akkuwerk EB36 e-bike battery, tested and rebuilt "
            "into a wall-mounted storage battery for a balcony solar panel.",
        },
        "battery": battery,
    }


def _event(kind: str, when: str, **details: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "eventTime": when}
    if details:
        body[kind] = details
    return body


def _seed_ebike(session: Session, settings: Settings, cafe: Any) -> tuple[Any, Any, Any]:
    """The e-bike battery's life: issued, sold, repaired with a state-of-health measurement by
    the repair café, then repurposed into home storage under a new, linked passport. Returns
    the model, the e-bike battery and the home storage battery."""
    akkuwerk, _ = organisations.create_organisation(
        session, "Akkuwerk Demo GmbH", "manufacturer", ["4061234"]
    )
    # A second-life company puts the repurposed battery on the market: as a remanufacturer it
    # issues its passport and records the repurposing on the original (Art. 77(6)).
    zweitleben, _ = organisations.create_organisation(
        session, "Zweitleben Speicher Demo GmbH", "remanufacturer", ["4069876"]
    )
    model = issuing.issue_passport(session, settings, akkuwerk, ebike_model())
    ebike = issuing.issue_passport(session, settings, akkuwerk, ebike_item())
    storage = issuing.issue_passport(session, settings, zweitleben, home_storage(zweitleben.name))

    def record(org: Any, passport: Any, body: dict[str, Any]) -> None:
        history.record_event(session, settings, org, passport.public_id, body)

    record(akkuwerk, ebike, _event("commissioning", "2026-03-01T10:00:00+01:00"))
    record(akkuwerk, ebike, _event("sale", "2026-03-05T17:30:00+01:00", channel="retail"))
    record(
        cafe,
        ebike,
        _event(
            "repair",
            "2026-09-12T14:00:00+02:00",
            outcome="fixed",
            problem="Pack cut out under load; replaced the battery management system",
            category="Battery/charger/adapter",  # the ORDS category, as the form files it
            spareParts="manufacturer",
            partsReplaced=["battery management system"],
            measurements={
                "stateOfHealth": 78,
                "remainingCapacity": {"value": 10.5, "unit": "Ah"},
                "numberOfFullCycles": 412,
            },
        ),
    )
    record(
        zweitleben,
        ebike,
        _event(
            "repurpose",
            "2026-11-20T10:00:00+01:00",
            description="Too weak for hills at 78 % state of health: the cells now store solar "
            "power at home",
            newPassport=storage.uri,
        ),
    )
    return model, ebike, storage


def _seed_fault_types(session: Session, settings: Settings, cafe: Any) -> tuple[Any, Any]:
    """A laptop and a vacuum cleaner registered at the café, each repaired with the fault type
    its volunteer confirmed (docs/FAULTS.md): the categories with an Open Repair Alliance fault
    list, so that suggestions, the fault type in the timeline and impact show."""
    found = []
    for category, brand, model, year, when, problem, fault in (
        ("Laptop", "Demo Computers", "Book 14", 2017, "2026-10-08T15:00:00+02:00",
         "Hinge broken, the screen wobbles; screwed the hinge back", "Case/chassis"),
        ("Vacuum", "Demo Haushalt", "Staubfix 2000", 2019, "2026-10-08T16:30:00+02:00",
         "Saugt kaum noch, Schlauch verstopft; Schlauch gereinigt", "Blockage"),
    ):  # fmt: skip
        item = community.issue_community_passport(
            session, settings, cafe, category=category, brand=brand, model=model, year=year
        )
        repair = _event("repair", when, outcome="fixed", problem=problem, category=category)
        repair["repair"] |= {"faultType": fault, "spareParts": "none"}
        history.record_event(session, settings, cafe, item.public_id, repair)
        found.append(item)
    return found[0], found[1]


def seed(session: Session, settings: Settings) -> list[str]:
    """Fill an empty registry; return lines worth printing for a newcomer."""
    base_url = settings.base_url
    kesselwerk, key_k = organisations.create_organisation(
        session, "Kesselwerk Demo GmbH", "manufacturer", ["4098765"]
    )
    velo, key_v = organisations.create_organisation(
        session, "Velo Circular Demo BV", "manufacturer", ["8712345"]
    )
    # Its passports name no language: each gets its issuer's (create-org --language en).
    organisations.set_language(velo, "en")
    cafe, key_c = organisations.create_organisation(session, "Repair Café Kreuzberg", "repairer")
    # A volunteer who signs in to log repairs from a scanned page.
    cafe_password = CAFE_PASSWORD
    accounts.create_user(
        session,
        cafe,
        CAFE_LOGIN,
        cafe_password,
        lambda p: generate_password_hash(p, method="scrypt"),
    )
    shop, _ = organisations.create_organisation(session, "Second Life Electronics", "refurbisher")
    recycler, _ = organisations.create_organisation(session, "Recyclinghof Nord", "recycler")
    authority, _ = organisations.create_organisation(session, "Product Safety Office", "authority")

    model = issuing.issue_passport(session, settings, kesselwerk, kettle_model())
    issuing.issue_passport(session, settings, kesselwerk, kettle_batch("2026W14"))
    items = issuing.issue_passports(
        session,
        settings,
        kesselwerk,
        [kettle_item("2026W14", f"K1-{n:06d}") for n in range(101, 106)],
    )
    # A second version of the model shows versioning: the recycled share went up.
    updated = kettle_model()
    updated["circularityScorecard"]["recycledContent"] = 0.4
    versions.update_passport(session, settings, kesselwerk, model.public_id, updated)

    issuing.issue_passport(session, settings, velo, battery("model"))
    cells = issuing.issue_passports(
        session, settings, velo, [battery("item", f"VB500-{n:05d}") for n in (1, 2, 3, 4)]
    )
    versions.withdraw_passport(session, velo, cells[-1].public_id, settings=settings)

    def record(org: Any, passport: Any, body: dict[str, Any]) -> None:
        history.record_event(session, settings, org, passport.public_id, body)

    kettle = items[0]
    record(kesselwerk, kettle, _event("commissioning", "2026-04-10T09:00:00+02:00"))
    record(kesselwerk, kettle, _event("sale", "2026-04-24T16:20:00+02:00", channel="retail"))
    record(
        cafe,
        kettle,
        _event(
            "repair",
            "2026-09-03T15:30:00+02:00",
            outcome="fixed",
            problem="Kettle switch did not click off; replaced the switch",
            category="Kettle",
            spareParts="manufacturer",
            partsReplaced=["power switch"],
        ),
    )
    record(
        shop,
        kettle,
        _event("resale", "2026-10-12T11:00:00+02:00", channel="second_hand_shop", condition="Used"),
    )
    second = items[1]
    record(kesselwerk, second, _event("commissioning", "2026-04-10T09:00:00+02:00"))
    record(
        cafe,
        second,
        _event(
            "repair",
            "2026-08-14T14:10:00+02:00",
            outcome="end_of_life",
            problem="Heating element burnt out",
            category="Kettle",
            barrier="Spare parts not available",
        ),
    )
    record(
        cafe,
        second,
        _event(
            "correction",
            "2026-08-15T10:00:00+02:00",
            corrects=2,
            reason="incorrect_data",
            explanation="A spare element was found after all",
        ),
    )
    record(
        cafe,
        second,
        _event(
            "repair",
            "2026-08-20T16:00:00+02:00",
            outcome="fixed",
            problem="Heating element replaced",
            category="Kettle",
            spareParts="third_party",
        ),
    )

    battery_item, recalled = cells[0], cells[1]
    record(velo, battery_item, _event("commissioning", "2026-02-01T08:00:00+01:00"))
    record(velo, battery_item, _event("sale", "2026-03-15T12:00:00+01:00", channel="retail"))
    record(
        shop,
        battery_item,
        _event(
            "refurbishment",
            "2026-07-02T10:00:00+02:00",
            condition="Refurbished",
            grade="A",
            batteryHealth=87,
            description="Two cell groups replaced",
        ),
    )
    record(
        shop,
        battery_item,
        _event(
            "resale", "2026-07-09T10:00:00+02:00", channel="refurbisher", condition="Refurbished"
        ),
    )
    record(velo, recalled, _event("commissioning", "2026-02-01T08:00:00+01:00"))
    record(
        authority,
        recalled,
        _event(
            "recall",
            "2026-10-01T09:00:00+02:00",
            severity="danger",
            reason="Cells from one supplier lot may overheat while charging",
            url="https://example.org/velo/recall-2026-10",
        ),
    )
    record(
        recycler,
        recalled,
        _event("collection", "2026-10-20T13:00:00+02:00", channel="manufacturer_takeback"),
    )
    record(
        recycler,
        recalled,
        _event(
            "recycling",
            "2026-11-02T13:00:00+01:00",
            recoveredMaterials=["cobalt", "nickel", "copper", "aluminium"],
        ),
    )
    ebike_model_, ebike, storage = _seed_ebike(session, settings, cafe)
    laptop, vacuum = _seed_fault_types(session, settings, cafe)
    routes = Routes(base_url)
    return [
        "Open these as a phone would after scanning a QR code:",
        f"  a repaired and resold kettle:  {kettle.uri}",
        f"  a kettle with a corrected repair: {second.uri}",
        f"  a refurbished e-bike battery:  {battery_item.uri}",
        f"  a recalled, recycled battery:  {recalled.uri}",
        f"  an e-bike battery (BatteryPass), repaired, then repurposed: {ebike.uri}",
        f"  its second life as home storage: {storage.uri}",
        f"  a laptop and a vacuum repaired, with fault types: {laptop.uri} {vacuum.uri}",
        f"  the e-bike battery's model:  {ebike_model_.uri}",
        f"The model with two versions: {routes.versions(model.public_id)}",
        f"A QR code: {routes.qr(kettle.public_id)}",
        f"API key of {kesselwerk.name} (demo only): {key_k}",
        f"API key of {velo.name} (demo only): {key_v}",
        f"API key of {cafe.name} (demo only): {key_c}",
        f"Sign in at {base_url}/signin as a volunteer of {cafe.name}: "
        f"{CAFE_LOGIN}, password {cafe_password} (demo only)",
    ]
