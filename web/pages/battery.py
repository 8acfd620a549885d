"""The battery on its passport page: the latest measurements and the passports it is linked to.

Both come from the credential (``latestMeasurements``, ``repurposedFrom`` and the like), never
from the database, so what the credential leaves out for a reader the page leaves out too.
The measurements are restricted to persons with a legitimate interest
(``passport.events.sensors.RESTRICTED``).
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
    """The credential's latest measurements as rows of the page, in the credential's order."""
    section = doc.get("latestMeasurements")
    rows = []
    for name, entry in (section if isinstance(section, dict) else {}).items():
        if name not in LABELS or not isinstance(entry, dict):
            continue
        value = _value(entry)
        if value is None:
            continue
        by = entry.get("measuredBy")
        name_of = by.get("name") if isinstance(by, dict) else None
        rows.append(
            Reading(_(LABELS[name]), value, stated_day(entry.get("measuredAt")), name_of or None)
        )
    return rows


def lineage(doc: dict[str, Any]) -> list[Link]:
    """Links to the original product and to what it became, where the credential has them."""
    return [
        Link(url, _(text)) for term, text in LINEAGE.items() if (url := safe_url(doc.get(term)))
    ]
