"""The battery on its passport page: its condition (the latest measurements, else the values the
passport states) and the passports it is linked to.

All come from the credential (``latestMeasurements``, ``battery.performance.batteryCondition``,
``repurposedFrom`` and the like), never from the database, so what the credential leaves out
for a reader the page leaves out too. The measurements and the stated condition are restricted
to persons with a legitimate interest (``passport.events.sensors.RESTRICTED``, the schema's
annotations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from web.html import N_, Link, safe_url, stated_day

LABELS = {
    "batteryStatus": N_("Battery status"),
    "stateOfHealth": N_("State of health"),
    "stateOfCharge": N_("State of charge"),
    "stateOfCertifiedEnergy": N_("State of certified energy"),
    "capacityFade": N_("Capacity fade"),
    "remainingCapacity": N_("Remaining capacity"),
    "remainingEnergy": N_("Remaining energy"),
    "remainingPowerCapability": N_("Remaining power capability"),
    "remainingRoundTripEnergyEfficiency": N_("Remaining round-trip efficiency"),
    "currentSelfDischargingRate": N_("Self-discharge rate"),
    "numberOfFullCycles": N_("Full charge cycles"),
    "energyThroughput": N_("Energy throughput"),
    "capacityThroughput": N_("Capacity throughput"),
    "numberOfDeepDischargeEvents": N_("Deep discharges"),
    "numberOfOverchargeEvents": N_("Overcharges"),
    "timeExtremeHighTemp": N_("Time above the temperature limit"),
    "timeExtremeLowTemp": N_("Time below the temperature limit"),
    "timeExtremeHighTempCharging": N_("Time charging above the temperature limit"),
    "timeExtremeLowTempCharging": N_("Time charging below the temperature limit"),
}
STATUSES = {
    "Original": N_("original"),
    "Repurposed": N_("repurposed"),
    "Reused": N_("reused"),
    "Remanufactured": N_("remanufactured"),
    "Waste": N_("waste"),
}
# credential term -> the link's text
LINEAGE = {
    "remanufacturedFrom": N_("Remanufactured from this product"),
    "repurposedFrom": N_("Repurposed from this battery"),
    "remanufacturedInto": N_("It lives on as a remanufactured product"),
    "repurposedInto": N_("It lives on as a repurposed battery"),
}


@dataclass(frozen=True)
class Reading:
    label: str
    value: str
    day: str | None  # when it was measured, as the recorder's date
    by: str | None  # the organisation that measured it


def _value(entry: dict[str, Any]) -> str | None:
    value, unit = entry.get("value"), entry.get("unit")
    if isinstance(value, str):
        return _(STATUSES[value]) if value in STATUSES else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = format_decimal(value, format="#,##0.##")
    if unit == "min":
        return _("%(number)s min", number=number)
    return f"{number} {unit}" if unit else number


def readings(doc: dict[str, Any]) -> list[Reading]:
    """The battery's condition as rows of the page, in the order of ``LABELS``: each
    attribute's latest measurement (``latestMeasurements``), or else the value the
    manufacturer stated in the passport (BatteryPass ``performance.batteryCondition``)."""
    measured = _measured(doc)
    stated = _stated(doc)
    return [row for name in LABELS if (row := measured.get(name) or stated.get(name))]


def _measured(doc: dict[str, Any]) -> dict[str, Reading]:
    section = doc.get("latestMeasurements")
    rows = {}
    for name, entry in (section if isinstance(section, dict) else {}).items():
        if name not in LABELS or not isinstance(entry, dict):
            continue
        value = _value(entry)
        if value is None:
            continue
        by = entry.get("measuredBy")
        name_of = by.get("name") if isinstance(by, dict) else None
        day = stated_day(entry.get("measuredAt"))
        rows[name] = Reading(_(LABELS[name]), value, day, name_of or None)
    return rows


# attribute -> (its object in BatteryPass 1.2 batteryCondition, the value's key, the unit the
# official access list gives it). "remainingEnergyalue" is spelt as BatteryPass 1.2 spells it.
STATED = {
    "stateOfCharge": ("stateOfCharge", "stateOfChargeValue", "%"),
    "stateOfCertifiedEnergy": ("stateOfCertifiedEnergy", "stateOfCertifiedEnergyValue", "%"),
    "capacityFade": ("capacityFade", "capacityFadeValue", "%"),
    "remainingCapacity": ("remainingCapacity", "remainingCapacityValue", "Ah"),
    "remainingEnergy": ("remainingEnergy", "remainingEnergyalue", "kWh"),
    "remainingRoundTripEnergyEfficiency": (
        "remainingRoundTripEnergyEfficiency",
        "remainingRoundTripEnergyEfficiencyValue",
        "%",
    ),
    "currentSelfDischargingRate": (
        "currentSelfDischargingRate",
        "currentSelfDischargingRateEntity",
        "%/month",
    ),
    "numberOfFullCycles": ("numberOfFullCycles", "numberOfFullCyclesValue", None),
    "energyThroughput": ("", "energyThroughput", "kWh"),  # a plain number, no date of its own
    "capacityThroughput": ("capacityThroughput", "capacityThroughputValue", "Ah"),
    "timeExtremeHighTemp": ("temperatureInformation", "timeExtremeHighTemp", "min"),
    "timeExtremeLowTemp": ("temperatureInformation", "timeExtremeLowTemp", "min"),
    "timeExtremeHighTempCharging": (
        "temperatureInformation",
        "timeExtremeHighTempCharging",
        "min",
    ),
    "timeExtremeLowTempCharging": ("temperatureInformation", "timeExtremeLowTempCharging", "min"),
}


def _stated(doc: dict[str, Any]) -> dict[str, Reading]:
    """The condition the passport states (what the reader's credential shows of it)."""
    subject = doc.get("credentialSubject")
    battery = subject.get("battery") if isinstance(subject, dict) else None
    performance = battery.get("performance") if isinstance(battery, dict) else None
    condition = performance.get("batteryCondition") if isinstance(performance, dict) else None
    if not isinstance(condition, dict):
        return {}
    issuer = doc.get("issuer")
    maker = issuer.get("name") if isinstance(issuer, dict) else None
    by = _("stated by %(maker)s", maker=maker) if isinstance(maker, str) else None
    rows = {}
    for name, (holder, key, unit) in STATED.items():
        entry = condition.get(holder) if holder else condition
        if not isinstance(entry, dict):
            continue
        value = _value({"value": entry.get(key), "unit": unit})
        if value is not None:
            day = stated_day(entry.get("lastUpdate")) if holder else None
            rows[name] = Reading(_(LABELS[name]), value, day, by)
    return rows


def lineage(doc: dict[str, Any]) -> list[Link]:
    """Links to the original product and to what it became, where the credential has them."""
    return [
        Link(url, _(text)) for term, text in LINEAGE.items() if (url := safe_url(doc.get(term)))
    ]
