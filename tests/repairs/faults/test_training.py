from __future__ import annotations

import collections
from importlib import resources
from pathlib import Path

from repairs.faults import data
from repairs.faults.suggestion import MODEL_FILE
from repairs.faults.training import HELD_OUT, split, train_from


def test_records_cover_the_six_categories_and_only_real_faults(quests: Path) -> None:
    records = data.load_records(quests)
    assert {r.category for r in records} == set(data.FAULT_LISTS)
    assert not {r.fault_type for r in records} & data.NOT_A_FAULT
    assert all(r.problem.strip() for r in records)
    assert len(records) == 8151


def test_the_split_is_stratified_seeded_and_disjoint(quests: Path) -> None:
    records = data.load_records(quests)
    first, second = split(records), split(records)
    assert first == second
    assert {r.id for r in first.train}.isdisjoint({r.id for r in first.held_out})
    strata = collections.Counter((r.category, r.fault_type) for r in records)
    held = collections.Counter((r.category, r.fault_type) for r in first.held_out)
    for key, n in strata.items():
        assert held[key] == (int(n * HELD_OUT + 0.5) if n > 1 else 0), key
    assert split(records, seed=1) != first


def test_training_twice_writes_the_same_bytes(small_quests: Path) -> None:
    assert train_from(small_quests).to_bytes() == train_from(small_quests).to_bytes()


def test_the_model_carries_its_attribution_and_sources(small_quests: Path) -> None:
    model = train_from(small_quests)
    assert model.metadata["attribution"] == "Open Repair Alliance / The Restart Project"
    assert model.metadata["licence"] == "CC-BY-SA-4.0"
    assert set(model.metadata["sha256"]) == {q.file for q in data.QUESTS}
    assert set(model.categories) == set(data.FAULT_LISTS)
    assert model.lists["compcat_fault_types.csv"].faults[0] == "Boot"


def test_the_shipped_model_is_what_train_faults_makes_from_the_vendored_quests(
    quests: Path,
) -> None:
    shipped = resources.files("repairs.faults").joinpath(MODEL_FILE).read_bytes()
    assert train_from(quests).to_bytes() == shipped, "run: kreislauf train-faults"
    assert len(shipped) < 1_000_000
