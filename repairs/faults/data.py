"""The labelled open repair data the fault model learns from: the Open Repair Alliance quests.

Volunteers of The Restart Project's quests read repair records of six ORDS product categories
and gave each the fault type it shows (CC BY-SA 4.0, attribution "Open Repair Alliance / The
Restart Project"; the files and their provenance: tests/fixtures/SOURCES.md). Each category
has the fault list of its quest: CompCat for laptops and desktops, TabiCat for tablets and
mobiles (MobiFix labelled mobiles with TabiCat's titles and shipped no list of its own),
PrintCat for printers and scanners, DustUp for vacuums.

Records labelled as not telling the fault (``Unknown``, ``Poor data``) or ``Multiple`` (which
CompCat asks volunteers to avoid) teach nothing to suggest, and records without a problem text
nothing to learn from: :func:`load_records` leaves them out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ATTRIBUTION",
    "FAULT_LISTS",
    "NOT_A_FAULT",
    "QUESTS",
    "FaultType",
    "Quest",
    "Record",
    "lists_document",
    "load_fault_types",
    "load_records",
]

ATTRIBUTION = "Open Repair Alliance / The Restart Project"
LICENCE = "CC-BY-SA-4.0"
ORIGIN = "https://github.com/openrepair/data/tree/84dce89cf5b9c325e817b863d348be36f4613116/quests"

# Labels that say the text does not tell the fault: never suggested.
NOT_A_FAULT = frozenset({"Unknown", "Poor data", "Multiple"})


@dataclass(frozen=True)
class Quest:
    """One labelled file: the records of one ORDS category, labelled with one fault list."""

    file: str
    category: str
    fault_list: str  # the file of the fault types


QUESTS: tuple[Quest, ...] = (
    Quest("compcat_laptops.csv", "Laptop", "compcat_fault_types.csv"),
    Quest("compcat_desktops.csv", "Desktop computer", "compcat_fault_types.csv"),
    Quest("mobifix.csv", "Mobile", "tabicat_fault_types.csv"),
    Quest("tabicat.csv", "Tablet", "tabicat_fault_types.csv"),
    Quest("printcat.csv", "Printer/scanner", "printcat_fault_types.csv"),
    Quest("dustup.csv", "Vacuum", "dustup_fault_types.csv"),
)

FAULT_LISTS: dict[str, str] = {quest.category: quest.fault_list for quest in QUESTS}


@dataclass(frozen=True)
class FaultType:
    title: str
    description: str


@dataclass(frozen=True)
class Record:
    """One labelled repair: its id, ORDS category, the problem as written, the fault type, the
    language the file states (``""`` when it states none) and the country of the repair."""

    id: str
    category: str
    problem: str
    fault_type: str
    language: str
    country: str = ""


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load_fault_types(folder: Path, fault_list: str) -> list[FaultType]:
    """The fault types of one list, in the list's order, without those that are not faults."""
    types = []
    for row in _rows(folder / fault_list):
        title = (row.get("Title") or row.get("fault_type") or "").strip()
        if title and title not in NOT_A_FAULT:
            description = (row.get("Description") or row.get("description") or "").strip()
            types.append(FaultType(title, description))
    return types


def load_records(folder: Path) -> list[Record]:
    """Every usable record of the six quests, in file order (the files are read in QUESTS's)."""
    records = []
    for quest in QUESTS:
        known = {fault.title for fault in load_fault_types(folder, quest.fault_list)}
        for row in _rows(folder / quest.file):
            problem = " ".join(row["problem"].split())
            fault = row["fault_type"].strip()
            if problem and fault in known:
                record_id = row.get("id_ords") or row.get("id") or ""
                language = row.get("language") or ""
                records.append(
                    Record(record_id, quest.category, problem, fault, language, row["country"])
                )
    return records


def lists_document(lists: Mapping[str, Sequence[str]]) -> bytes:
    """The fault list of each ORDS category as the registry ships it beside the ORDS data
    (``schemas/ords/fault_types.json``, written by ``kreislauf train-faults`` with the model):
    what a repair event's ``faultType`` is checked against (``passport.events.faults``), which
    cannot read the model. Canonical JSON with the attribution its licence asks for."""
    document = {
        "attribution": ATTRIBUTION,
        "licence": LICENCE,
        "source": ORIGIN,
        "categories": {category: list(lists[category]) for category in sorted(lists)},
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode()
