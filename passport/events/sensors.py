"""Measured battery attributes: what an event may measure, and how EPCIS reports it.

An operator records the dynamic attributes of a battery (BatteryPass 1.2, DIN DKE SPEC 99100
"Performance and durability", the attributes the official access list marks ``Dynamic``) under
``measurements`` in a repair, maintenance, refurbishment or inspection event; the passport is
never edited. ``schemas/event.schema.json`` (``$defs/measurements``) holds the ranges; this
table holds what the schema cannot: each attribute's kind, its EPCIS measurement type and the
UN/CEFACT Rec. 20 code of its unit.

EPCIS 2.0 carries measurements in ``sensorElementList``/``sensorReport``. CBV's ``gs1:MT-``
types name physical quantities (ElectricCharge, Energy, Power, Time), not battery attributes:
a remaining capacity and a capacity throughput are both electric charges and could not be
told apart. Each attribute therefore has a measurement type of our own under
``https://w3id.org/kreislauf/cbv/MT-``, with the quantity's unit in ``uom``.

Access (``battery-passport-attribute-access-levels.csv``, column ``access_rights``): every
attribute here is restricted to **persons with a legitimate interest** (CSV rows 11, 53, 56-58,
63, 69, 72, 78, 81, 82, 87-92). ``stateOfHealth`` is not in the list (it is the complement of
the listed capacity fade) and is restricted the same way. The tier rule reads ``RESTRICTED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from passport.events.catalogue import OURS

# BatteryPass 1.2 batteryStatus (GeneralProductInformation), Annex XIII 4(c).
BATTERY_STATUSES = ("Original", "Repurposed", "Reused", "Remanufactured", "Waste")

# unit as sent -> UN/CEFACT Recommendation 20 code (EPCIS ``uom``)
UOM = {
    "%": "P1",
    "%/month": "P1",
    "Ah": "AMH",
    "mAh": "E09",
    "kWh": "KWH",
    "Wh": "WHR",
    "W": "WTT",
    "kW": "KWT",
    "min": "MIN",
}


@dataclass(frozen=True)
class Attribute:
    """One dynamic attribute: its kind (how its value is sent) and the unit of a plain number.

    Kinds: ``percent`` and ``minutes`` (a number in a fixed unit), ``count`` (an integer),
    ``quantity`` (``{"value": ..., "unit": ...}``), ``status`` (one of BATTERY_STATUSES).
    """

    name: str
    kind: str
    unit: str | None = None  # the fixed unit of a plain number

    @property
    def measurement_type(self) -> str:
        """The EPCIS sensorReport type: our own term, e.g. ``…/cbv/MT-StateOfHealth``."""
        return OURS + "MT-" + self.name[0].upper() + self.name[1:]


def _attributes(*rows: tuple[str, str, str | None]) -> dict[str, Attribute]:
    return {name: Attribute(name, kind, unit) for name, kind, unit in rows}


# In the order the passport shows them; names as BatteryPass 1.2 batteryCondition spells them.
ATTRIBUTES = _attributes(
    ("batteryStatus", "status", None),
    ("stateOfHealth", "percent", "%"),
    ("stateOfCharge", "percent", "%"),
    ("stateOfCertifiedEnergy", "percent", "%"),
    ("capacityFade", "percent", "%"),
    ("remainingCapacity", "quantity", None),
    ("remainingEnergy", "quantity", None),
    ("remainingPowerCapability", "quantity", None),
    ("remainingRoundTripEnergyEfficiency", "percent", "%"),
    ("currentSelfDischargingRate", "percent", "%/month"),
    ("numberOfFullCycles", "count", None),
    ("energyThroughput", "quantity", None),
    ("capacityThroughput", "quantity", None),
    ("numberOfDeepDischargeEvents", "count", None),
    ("numberOfOverchargeEvents", "count", None),
    ("timeExtremeHighTemp", "minutes", "min"),
    ("timeExtremeLowTemp", "minutes", "min"),
    ("timeExtremeHighTempCharging", "minutes", "min"),
    ("timeExtremeLowTempCharging", "minutes", "min"),
)
# Restricted to persons with a legitimate interest (see the module docstring).
RESTRICTED = frozenset(ATTRIBUTES)


def value_and_unit(name: str, sent: Any) -> tuple[Any, str | None]:
    """An attribute's value as sent, split into the value and its unit (None: no unit)."""
    attribute = ATTRIBUTES[name]
    if attribute.kind == "quantity" and isinstance(sent, Mapping):
        return sent["value"], str(sent["unit"])
    return sent, attribute.unit


def normalised(measurements: Mapping[str, Any]) -> dict[str, Any]:
    """Validated measurements with counts and minutes as integers (JSON Schema takes 3.0)."""
    return {
        name: int(value) if ATTRIBUTES[name].kind in ("count", "minutes") else value
        for name, value in measurements.items()
    }


def sensor_element(measurements: Mapping[str, Any], salt: str | None = None) -> dict[str, Any]:
    """The measurements as one EPCIS 2.0 sensorElement, one sensorReport per attribute.

    Reports follow ``ATTRIBUTES``, not the stored order (PostgreSQL's JSONB sorts keys its own
    way); the event hash sorts them anyway. ``salt`` (the event's ``content_salt``) goes into
    ``sensorMetadata`` as ``kreislauf:salt``: the eventID hashes it with the values, so a
    reader who is not shown the measurements cannot find them by trying values against the
    public eventID, and one who is shown them can still re-derive it.
    """
    reports: list[dict[str, Any]] = []
    for name, attribute in ATTRIBUTES.items():
        if name not in measurements:
            continue
        sent = measurements[name]
        report: dict[str, Any] = {"type": attribute.measurement_type}
        if attribute.kind == "status":
            report["stringValue"] = sent
        else:
            value, unit = value_and_unit(name, sent)
            report["value"] = value
            if unit is not None:
                report["uom"] = UOM[unit]
        reports.append(report)
    element: dict[str, Any] = {} if salt is None else {"sensorMetadata": {"kreislauf:salt": salt}}
    element["sensorReport"] = reports
    return element
