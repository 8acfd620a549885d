"""The fault model: multinomial naive Bayes over a note's features, one per fault list.

The categories that share a fault list (Laptop and Desktop computer; Mobile and Tablet) share
what a feature says about a fault, learnt from all their notes, and each keeps its own prior:
how often each fault is seen in that category. A feature seen once in training is dropped,
which keeps the file small and the model honest. Scores are the posterior, flattened by
:data:`TEMPERATURE`: naive Bayes counts every letter group as independent evidence, so its raw
posterior is nearly always 1.0 for its first guess. With 12, the mean first score on the
held-out notes (0.70) matches how often the first suggestion is right (0.69), and the log loss
is near its least; the temperature never changes the order, so no accuracy figure depends on it.

The model is plain data (counts), written as gzip'd canonical JSON: training twice gives the
same bytes.
"""

from __future__ import annotations

import gzip
import json
import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from repairs.faults.features import features

__all__ = ["FORMAT", "CategoryModel", "FaultModel", "ListModel", "Scored"]

FORMAT = "kreislauf-fault-model/1"
ALPHA = 1.0  # additive (Laplace) smoothing of the feature counts
PRIOR_ALPHA = 1.0  # additive smoothing of a category's fault counts
TEMPERATURE = 12.0


@dataclass(frozen=True)
class Scored:
    fault_type: str
    score: float


@dataclass
class ListModel:
    """One fault list: its fault types and, per kept feature, its count in each fault's notes.

    Held flat, as the server keeps it: ``rows`` maps a feature to its row; the row's entries
    are ``starts[row]`` to ``starts[row + 1]`` of ``fault_index`` and ``counts`` (arrays of
    machine integers, a few bytes an entry, not a Python object each).
    """

    faults: list[str]
    descriptions: list[str]
    rows: dict[str, int]
    starts: array[int]
    fault_index: array[int]
    counts: array[int]
    totals: list[int]  # all kept features counted, per fault
    _deltas: array[float] | None = field(default=None, repr=False)

    def row(self, feature: str) -> dict[int, int]:
        """A feature's counts per fault index (empty if it was not kept)."""
        if feature not in self.rows:
            return {}
        at = self.rows[feature]
        span = range(self.starts[at], self.starts[at + 1])
        return {self.fault_index[j]: self.counts[j] for j in span}

    def deltas(self) -> array[float]:
        """Per entry, what seeing its feature adds to its fault (log odds vs never seen)."""
        if self._deltas is None:
            self._deltas = array("d", (math.log((n + ALPHA) / ALPHA) for n in self.counts))
        return self._deltas

    def unseen(self) -> list[float]:
        """Per fault, the log probability of a kept feature never seen with it."""
        size = len(self.rows)
        return [math.log(ALPHA / (total + ALPHA * size)) for total in self.totals]


@dataclass(frozen=True)
class CategoryModel:
    fault_list: str
    prior: list[int]  # training notes per fault of the list, in this category


@dataclass
class FaultModel:
    lists: dict[str, ListModel]
    categories: dict[str, CategoryModel]
    metadata: dict[str, Any]

    def faults(self, category: str) -> list[str]:
        return self.lists[self.categories[category].fault_list].faults

    def scores(self, category: str, problem: str) -> list[Scored]:
        """Every fault type of the category's list, best first (ties: the list's order)."""
        chosen = self.categories[category]
        model = self.lists[chosen.fault_list]
        total = sum(chosen.prior) + PRIOR_ALPHA * len(model.faults)
        logits = [math.log((n + PRIOR_ALPHA) / total) for n in chosen.prior]
        deltas, starts, fault_index = model.deltas(), model.starts, model.fault_index
        rows = [model.rows[f] for f in features(problem) if f in model.rows]
        unseen = model.unseen()
        for index in range(len(logits)):
            logits[index] += len(rows) * unseen[index]
        for row in rows:
            for j in range(starts[row], starts[row + 1]):
                logits[fault_index[j]] += deltas[j]
        top = max(logits)
        weights = [math.exp((logit - top) / TEMPERATURE) for logit in logits]
        norm = sum(weights)
        ranked = sorted(range(len(logits)), key=lambda i: (-logits[i], i))
        return [Scored(model.faults[i], weights[i] / norm) for i in ranked]

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "metadata": self.metadata,
            "lists": {
                name: {
                    "faults": model.faults,
                    "descriptions": model.descriptions,
                    "totals": model.totals,
                    "features": sorted(model.rows, key=model.rows.__getitem__),
                    "starts": model.starts.tolist(),
                    "faultIndex": model.fault_index.tolist(),
                    "counts": model.counts.tolist(),
                }
                for name, model in sorted(self.lists.items())
            },
            "categories": {
                name: {"faultList": c.fault_list, "prior": c.prior}
                for name, c in sorted(self.categories.items())
            },
        }
        text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> FaultModel:
        document = json.loads(gzip.decompress(data))
        if document.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        lists = {
            name: ListModel(
                faults=list(entry["faults"]),
                descriptions=list(entry["descriptions"]),
                rows={feature: at for at, feature in enumerate(entry["features"])},
                starts=array("l", entry["starts"]),
                fault_index=array("H", entry["faultIndex"]),
                counts=array("l", entry["counts"]),
                totals=[int(t) for t in entry["totals"]],
            )
            for name, entry in document["lists"].items()
        }
        categories = {
            name: CategoryModel(entry["faultList"], [int(n) for n in entry["prior"]])
            for name, entry in document["categories"].items()
        }
        return cls(lists, categories, dict(document["metadata"]))


def fit_list(
    faults: Sequence[str],
    descriptions: Sequence[str],
    notes: Iterable[tuple[str, str]],
    min_count: int = 2,
) -> ListModel:
    """Count the features of ``(problem, fault)`` notes; keep those seen in ``min_count`` notes."""
    index = {fault: i for i, fault in enumerate(faults)}
    counts: dict[str, dict[int, int]] = {}
    for problem, fault in notes:
        for feature in features(problem):
            row = counts.setdefault(feature, {})
            row[index[fault]] = row.get(index[fault], 0) + 1
    kept = sorted(f for f, row in counts.items() if sum(row.values()) >= min_count)
    totals = [0] * len(faults)
    starts, fault_index, entries = array("l", [0]), array("H"), array("l")
    for feature in kept:
        for i, n in sorted(counts[feature].items()):
            totals[i] += n
            fault_index.append(i)
            entries.append(n)
        starts.append(len(entries))
    rows = {feature: at for at, feature in enumerate(kept)}
    return ListModel(list(faults), list(descriptions), rows, starts, fault_index, entries, totals)


def prior(faults: Sequence[str], labels: Iterable[str]) -> list[int]:
    seen: Mapping[str, int] = _count(labels)
    return [seen.get(fault, 0) for fault in faults]


def _count(labels: Iterable[str]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for label in labels:
        counted[label] = counted.get(label, 0) + 1
    return counted
