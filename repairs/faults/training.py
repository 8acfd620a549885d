"""Training the fault model, reproducibly: the same data and seed give the same file, byte for byte.

The records are split per category and fault type (stratified): a fixed share of each, drawn
with a fixed seed from the records in file order, is held out for the evaluation
(``repairs.faults.evaluation``) and never trained on. The shipped model is the one trained on
the rest, so the figures in docs/FAULTS.md are those of the model the registry answers with.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from repairs.faults import data
from repairs.faults.model import CategoryModel, FaultModel, fit_list, prior

__all__ = ["HELD_OUT", "SEED", "Split", "split", "train", "train_from"]

SEED = 20260415
HELD_OUT = 0.2


@dataclass(frozen=True)
class Split:
    train: list[data.Record]
    held_out: list[data.Record]


def split(records: Sequence[data.Record], seed: int = SEED, share: float = HELD_OUT) -> Split:
    """Hold out ``share`` of each (category, fault type), rounded; a lone record is trained on."""
    strata: dict[tuple[str, str], list[int]] = {}
    for position, record in enumerate(records):
        strata.setdefault((record.category, record.fault_type), []).append(position)
    rng = random.Random(seed)
    held: set[int] = set()
    for key in sorted(strata):
        positions = strata[key]
        rng.shuffle(positions)
        if len(positions) > 1:
            held.update(positions[: int(len(positions) * share + 0.5)])
    return Split(
        [r for i, r in enumerate(records) if i not in held],
        [r for i, r in enumerate(records) if i in held],
    )


def train(folder: Path, records: Sequence[data.Record], metadata: dict[str, object]) -> FaultModel:
    """The model of ``records``, with every fault list and category of the quests in ``folder``."""
    lists = {}
    for fault_list in sorted(set(data.FAULT_LISTS.values())):
        types = data.load_fault_types(folder, fault_list)
        sharing = {c for c, name in data.FAULT_LISTS.items() if name == fault_list}
        notes = [(r.problem, r.fault_type) for r in records if r.category in sharing]
        titles = [t.title for t in types]
        lists[fault_list] = fit_list(titles, [t.description for t in types], notes)
    categories = {
        category: CategoryModel(
            fault_list,
            prior(
                lists[fault_list].faults, (r.fault_type for r in records if r.category == category)
            ),
        )
        for category, fault_list in data.FAULT_LISTS.items()
    }
    return FaultModel(lists, categories, dict(metadata))


def train_from(folder: Path, seed: int = SEED) -> FaultModel:
    """The shipped model: trained on the training part of the quests in ``folder``."""
    records = data.load_records(folder)
    parts = split(records, seed)
    sources = {
        quest.file: hashlib.sha256((folder / quest.file).read_bytes()).hexdigest()
        for quest in data.QUESTS
    }
    metadata: dict[str, object] = {
        "attribution": data.ATTRIBUTION,
        "licence": data.LICENCE,
        "source": data.ORIGIN,
        "sha256": sources,
        "seed": seed,
        "heldOut": HELD_OUT,
        "trainingRecords": len(parts.train),
        "heldOutRecords": len(parts.held_out),
        "note": "Trained on the Open Repair Alliance quests (CompCat, MobiFix, TabiCat, PrintCat, "
        "DustUp), CC BY-SA 4.0: this model is data derived from them and shared under the same "
        "licence, with their attribution.",
    }
    return train(folder, parts.train, metadata)
