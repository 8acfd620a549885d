from __future__ import annotations

from pathlib import Path

from repairs.faults.evaluation import _figures, evaluate, markdown
from repairs.faults.suggestion import shipped_model


def test_figures() -> None:
    gold = ["A", "A", "B", "C"]
    ranked = [["A", "B", "C"], ["B", "A", "C"], ["B", "A", "C"], ["A", "B", "C"]]
    figures = _figures(gold, ranked)
    assert (figures.notes, figures.top1, figures.top3) == (4, 0.5, 1.0)
    # A: hits 1, said 2, true 2 -> 0.5; B: 1, 2, 1 -> 2/3; C: 0 -> 0
    assert abs(figures.macro_f1 - (0.5 + 2 / 3 + 0) / 3) < 1e-9


def test_the_shipped_model_beats_the_baseline_in_every_category(quests: Path) -> None:
    by_category, by_language = evaluate(shipped_model(), quests)
    assert [row.group for row in by_category][-1] == "all"
    for row in by_category:
        assert row.model.top1 > row.baseline.top1 + 0.2, row
        assert row.model.top3 > row.baseline.top3, row
        assert row.model.macro_f1 > row.baseline.macro_f1, row
    overall = by_category[-1]
    assert overall.model.top1 > 0.6 and overall.model.top3 > 0.8
    assert {"en", "nl", "de"} <= {row.group for row in by_language}
    assert by_language[-1].model == overall.model
    assert "| Laptop |" in markdown(by_category, by_language)
