"""Suggesting a fault type for a repair note: the shipped model, loaded on first use.

The model file (``model.json.gz`` beside this module, written by ``kreislauf train-faults``)
is read the first time a suggestion is asked for, not when the registry starts.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any

from passport.errors import FieldError, InvalidDocument, UnsupportedProductCategory
from repairs.faults.features import MAX_PROBLEM_LENGTH
from repairs.faults.model import FaultModel, Scored

__all__ = [
    "MODEL_FILE",
    "SUGGESTIONS",
    "parse_request",
    "shipped_model",
    "suggest",
    "supported_categories",
]

MODEL_FILE = "model.json.gz"
SUGGESTIONS = 3

_lock = threading.Lock()
_model: FaultModel | None = None


def shipped_model() -> FaultModel:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                data = resources.files("repairs.faults").joinpath(MODEL_FILE).read_bytes()
                _model = FaultModel.from_bytes(data)
    return _model


def supported_categories() -> list[str]:
    return sorted(shipped_model().categories)


def suggest(category: str, problem: str, limit: int = SUGGESTIONS) -> list[Scored]:
    """The ``limit`` most likely fault types of a repair of ``category``, best first."""
    model = shipped_model()
    if category not in model.categories:
        supported = ", ".join(supported_categories())
        raise UnsupportedProductCategory(
            f"No fault types are known for the product category {category!r}; "
            f"suggestions are made for: {supported}.",
            [FieldError("/productCategory", f"supported: {supported}")],
        )
    if not problem.strip():
        raise InvalidDocument(
            "The problem is empty.", [FieldError("/problem", "describe the problem")]
        )
    if len(problem) > MAX_PROBLEM_LENGTH:
        raise InvalidDocument(
            f"The problem is longer than {MAX_PROBLEM_LENGTH} characters.",
            [FieldError("/problem", f"at most {MAX_PROBLEM_LENGTH} characters")],
        )
    return model.scores(category, problem)[:limit]


def parse_request(body: Any) -> tuple[str, str]:
    """``{"productCategory": …, "problem": …}`` as (category, problem), or every field's error."""
    if not isinstance(body, dict):
        raise InvalidDocument(
            "Send an object with productCategory and problem.",
            [FieldError("", "an object with productCategory and problem")],
        )
    found = []
    for name in ("productCategory", "problem"):
        value = body.get(name)
        if not isinstance(value, str):
            found.append(FieldError(f"/{name}", f"{name}: a string is required"))
    found += [FieldError(f"/{k}", f"{k}: unknown field") for k in sorted(body, key=str)
              if k not in ("productCategory", "problem")]  # fmt: skip
    if found:
        raise InvalidDocument("; ".join(error.message for error in found), found)
    return body["productCategory"], body["problem"]
