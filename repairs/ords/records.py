"""The ORDS v0.3 record: its 14 columns, its vocabularies and the typed row.

The vocabularies are the repair statuses, the six repair barriers and the 40 product
categories (shipped in ``schemas/ords/``). Barriers and statuses are accepted by their ORDS
codes (1-6, 0-3), in any letter case and, for the sixth barrier, in each of the three
spellings of the standard ("Item too worn out" in the data and the spec's code table, "Too
worn out" in ``tableschema.json``, "Product too worn out" in the spec's prose); they are
normalised to the data's canonical spelling. An empty ``repair_status`` means Unknown (code 0).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = [
    "BARRIERS",
    "COLUMNS",
    "END_OF_LIFE",
    "FIXED",
    "REPAIRABLE",
    "REPAIR_STATUSES",
    "UNKNOWN",
    "OrdsRow",
    "RowError",
    "categories",
    "category_id",
    "format_age",
    "normalise_barrier",
    "normalise_status",
]

# The v0.3 header, in order and spelled as every published v0.3 file spells it.
COLUMNS: tuple[str, ...] = (
    "id",
    "data_provider",
    "country",
    "partner_product_category",
    "product_category",
    "product_category_id",
    "brand",
    "year_of_manufacture",
    "product_age",
    "repair_status",
    "repair_barrier_if_end_of_life",
    "group_identifier",
    "event_date",
    "problem",
)

FIXED, REPAIRABLE, END_OF_LIFE, UNKNOWN = "Fixed", "Repairable", "End of life", "Unknown"
REPAIR_STATUSES: tuple[str, ...] = (FIXED, REPAIRABLE, END_OF_LIFE, UNKNOWN)
# ORDS codes: 1 Fixed, 2 Repairable, 3 End of life, 0 (or empty) Unknown.
_STATUS_ALIASES: dict[str, str] = {s.casefold(): s for s in REPAIR_STATUSES} | {
    "": UNKNOWN,
    "0": UNKNOWN,
    "1": FIXED,
    "2": REPAIRABLE,
    "3": END_OF_LIFE,
}

# Barrier codes 1-6 in order (openrepair/datastandard standard.rst, "Repair barrier").
BARRIERS: tuple[str, ...] = (
    "Spare parts not available",
    "Spare parts too expensive",
    "No way to open product",
    "Repair information not available",
    "Lack of equipment",
    "Item too worn out",
)
_BARRIER_ALIASES: dict[str, str] = (
    {b.casefold(): b for b in BARRIERS}
    | {str(code): b for code, b in enumerate(BARRIERS, start=1)}
    | {
        # The spec's prose says "No way to open (the) product".
        "no way to open the product": BARRIERS[2],
        "too worn out": BARRIERS[5],
        "product too worn out": BARRIERS[5],
    }
)


@cache
def categories() -> dict[int, str]:
    """The 40 ORDS v0.3 product categories by id (shipped in ``schemas/ords/``)."""
    text = (files("schemas") / "ords" / "ords_v0.3_product_categories.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return {int(r["product_category_id"]): r["product_category"] for r in rows}


@cache
def _folded_category_ids() -> dict[str, int]:
    return {name.casefold(): number for number, name in categories().items()}


def category_id(name: str) -> int | None:
    """The id of an ORDS category, matched regardless of letter case; None if unknown."""
    return _folded_category_ids().get(name.strip().casefold())


def normalise_barrier(text: str) -> str | None:
    """The canonical spelling of a repair barrier ("" stays ""); None when unknown."""
    if not text.strip():
        return ""
    return _BARRIER_ALIASES.get(text.strip().casefold())


def normalise_status(text: str) -> str | None:
    """The canonical repair status (empty means Unknown); None when unknown."""
    return _STATUS_ALIASES.get(text.strip().casefold())


def format_age(age: float | None) -> str:
    """A product age as ORDS writes it: "12" for whole years, "2.5" otherwise."""
    if age is None:
        return ""
    # repr is the shortest text that reads back as the same float, so a value read from a
    # file is written back as it was (except "12.0", which becomes "12").
    return str(int(age)) if age.is_integer() else repr(age)


@dataclass(frozen=True, slots=True)
class OrdsRow:
    """One valid ORDS v0.3 record: the 14 columns, typed, with enums in canonical spelling.

    Text columns hold "" when empty; ``repair_barrier_if_end_of_life`` is "" unless the
    status is End of life and a barrier was given. ``line`` is where the record started in
    the file it was read from (not part of the record, not compared).
    """

    id: str
    data_provider: str
    country: str
    partner_product_category: str
    product_category: str
    product_category_id: int
    brand: str
    year_of_manufacture: int | None
    product_age: float | None
    repair_status: str
    repair_barrier_if_end_of_life: str
    group_identifier: str
    event_date: date
    problem: str
    line: int | None = field(default=None, compare=False)

    def fields(self) -> tuple[str, ...]:
        """The 14 column values as CSV text, in ``COLUMNS`` order."""
        return (
            self.id,
            self.data_provider,
            self.country,
            self.partner_product_category,
            self.product_category,
            str(self.product_category_id),
            self.brand,
            "" if self.year_of_manufacture is None else f"{self.year_of_manufacture:04d}",
            format_age(self.product_age),
            self.repair_status,
            self.repair_barrier_if_end_of_life,
            self.group_identifier,
            self.event_date.isoformat(),
            self.problem,
        )

    def as_json(self) -> dict[str, Any]:
        """The record as the Open Repair Alliance publishes ORDS JSON.

        Their v0.3 JSON files (e.g. openrepair/data ``partners/RepairConnects/202309/*.json``)
        are arrays of objects with the 14 keys, every value a string ("" when empty) except
        ``product_category_id``, a number. Keeping that shape lets a consumer read ours and
        theirs with the same code.
        """
        result: dict[str, Any] = dict(zip(COLUMNS, self.fields(), strict=True))
        result["product_category_id"] = self.product_category_id
        return result


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a record was rejected.

    ``line`` is the physical line of the file where the record starts (the header is line
    1; a quoted value may span several lines). ``column`` names the offending column when
    one is to blame. A ``fatal`` error (a wrong or missing header) ends the reading: nothing
    after it can be interpreted.
    """

    line: int
    reason: str
    column: str | None = None
    fatal: bool = False

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
