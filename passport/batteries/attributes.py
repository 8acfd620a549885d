"""The 93 battery passport attributes of BatteryPass 1.2 with who may see each, read from the
official access list (``schemas/batterypass/battery-passport-attribute-access-levels.csv``).

The tiers themselves are declared on the schema (``x-kreislauf-access`` in
``schemas/battery.schema.json``), not here: this module reads the list they were taken from,
so that what was declared can be checked against it, and so that code can ask which attributes
are dynamic or belong to the individual battery.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

ACCESS_LIST = "batterypass/battery-passport-attribute-access-levels.csv"

# The access_rights wording of the list -> the registry's tier (None: public).
TIERS: dict[str, str | None] = {
    "Public": None,
    "persons with a legitimate interest": "legitimate-interest",
    "persons with a legitimate interest and the Commission": "legitimate-interest",
    "Notified bodies, market surveillance authorities and the Commission": "authority",
}


@dataclass(frozen=True)
class Attribute:
    """One row of the access list."""

    number: int
    category: str
    name: str
    access_rights: str
    dynamic: bool
    individual: bool  # granularity "Individual battery" (else "Battery model")

    @property
    def tier(self) -> str | None:
        """The registry's tier for this attribute; None when it is public."""
        return TIERS[self.access_rights]

    @property
    def label(self) -> str:
        """How the battery schema names the row: ``"<#> <attribute>"``."""
        return f"{self.number} {self.name}"


@cache
def attributes() -> tuple[Attribute, ...]:
    """Every row of the access list, in its order."""
    text = (files("schemas") / ACCESS_LIST).read_text(encoding="utf-8")
    return tuple(
        Attribute(
            number=int(row["#"]),
            category=row["category"],
            name=row["attribute"],
            access_rights=row["access_rights"],
            dynamic=row["static_or_dynamic"] == "Dynamic",
            individual=row["granularity"] == "Individual battery",
        )
        for row in csv.DictReader(io.StringIO(text))
    )
