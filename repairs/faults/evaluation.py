"""How well the shipped fault model suggests, beside the simplest guess, on the held-out notes.

For each held-out note (``repairs.faults.training.split``) the model ranks its category's fault
types; the baseline always answers the category's most frequent fault type in training. The
figures: top-1 (the first suggestion is the volunteers' label), top-3 (the label is among the
three the API answers) and macro-F1 (F1 of each fault type's first suggestions, averaged over
the fault types of the group, so that rare faults count as much as common ones). Per category
and per language (``repairs.faults.language``); docs/FAULTS.md holds the tables.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from repairs.faults import data
from repairs.faults.language import language_of
from repairs.faults.model import FaultModel
from repairs.faults.training import split

__all__ = ["Figures", "Row", "Timing", "evaluate", "markdown", "timing"]

MIN_LANGUAGE_NOTES = 10  # smaller language groups are reported together as "other"


@dataclass(frozen=True)
class Figures:
    notes: int
    top1: float
    top3: float
    macro_f1: float


@dataclass(frozen=True)
class Row:
    group: str
    model: Figures
    baseline: Figures


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p99_ms: float
    notes: int


def _figures(gold: Sequence[str], ranked: Sequence[Sequence[str]]) -> Figures:
    n = len(gold)
    top1 = sum(r[0] == g for g, r in zip(gold, ranked, strict=True))
    top3 = sum(g in r[:3] for g, r in zip(gold, ranked, strict=True))
    f1s = []
    for fault in sorted(set(gold) | {r[0] for r in ranked}):
        hits = sum(g == fault and r[0] == fault for g, r in zip(gold, ranked, strict=True))
        said = sum(r[0] == fault for r in ranked)
        true = sum(g == fault for g in gold)
        f1s.append(2 * hits / (said + true) if said + true else 0.0)
    return Figures(n, top1 / n, top3 / n, sum(f1s) / len(f1s))


def evaluate(model: FaultModel, folder: Path) -> tuple[list[Row], list[Row]]:
    """Rows per category and per language (each with an "all" row last)."""
    parts = split(data.load_records(folder))
    common: dict[str, list[str]] = {}
    for category in data.FAULT_LISTS:
        labels = [r.fault_type for r in parts.train if r.category == category]
        order = model.faults(category)
        # the most frequent, then the list's order: the baseline's ranking
        common[category] = sorted(order, key=lambda f: (-labels.count(f), order.index(f)))
    held = parts.held_out
    ranked = [[s.fault_type for s in model.scores(r.category, r.problem)] for r in held]
    languages = [language_of(r.problem, r.language, r.country) for r in held]
    counted = {lang: languages.count(lang) for lang in set(languages)}
    languages = [lang if counted[lang] >= MIN_LANGUAGE_NOTES else "other" for lang in languages]

    def rows(keys: Sequence[str], order: Sequence[str]) -> list[Row]:
        result = []
        for group in [*order, "all"]:
            chosen = [i for i, key in enumerate(keys) if group in (key, "all")]
            gold = [held[i].fault_type for i in chosen]
            result.append(
                Row(
                    group,
                    _figures(gold, [ranked[i] for i in chosen]),
                    _figures(gold, [common[held[i].category] for i in chosen]),
                )
            )
        return result

    by_language = sorted(
        set(languages), key=lambda lang: (lang == "other", -languages.count(lang), lang)
    )
    categories = [r.category for r in held]
    return rows(categories, list(data.FAULT_LISTS)), rows(languages, by_language)


def timing(model: FaultModel, folder: Path) -> Timing:
    """Wall time of one suggestion, for every held-out note (after one warm-up call)."""
    held = split(data.load_records(folder)).held_out
    model.scores(held[0].category, held[0].problem)
    times = []
    for record in held:
        start = time.perf_counter()
        model.scores(record.category, record.problem)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return Timing(statistics.median(times), times[int(len(times) * 0.99)], len(times))


def markdown(by_category: Sequence[Row], by_language: Sequence[Row]) -> str:
    """The two tables of docs/FAULTS.md."""

    def table(rows: Sequence[Row], heading: str) -> list[str]:
        lines = [
            f"| {heading} | notes | top-1 | top-3 | macro-F1 | baseline top-1 | baseline top-3 "
            "| baseline macro-F1 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows:
            m, b = row.model, row.baseline
            lines.append(
                f"| {row.group} | {m.notes} | {m.top1:.3f} | {m.top3:.3f} | {m.macro_f1:.3f} "
                f"| {b.top1:.3f} | {b.top3:.3f} | {b.macro_f1:.3f} |"
            )
        return lines

    return "\n".join([*table(by_category, "category"), "", *table(by_language, "language")])
