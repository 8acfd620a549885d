"""The view a tier may see: a document with every restricted property it may not see removed.

A restriction names a property by a JSON Pointer from the document's root, with ``*`` for
every item of an array (``/product/characteristics/*/secret``). Pure: nothing is read or
changed in place.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from passport.disclosure.tiers import Tier


@dataclass(frozen=True)
class Restriction:
    """One property only readers of ``tier`` (or a later tier) may see."""

    path: str
    tier: Tier

    @property
    def steps(self) -> list[str]:
        return pointer_steps(self.path)


def pointer_steps(path: str) -> list[str]:
    """The steps of a JSON Pointer (``~1`` is ``/``, ``~0`` is ``~``); ``*`` stays a wildcard."""
    if not path.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {path!r}")
    return [s.replace("~1", "/").replace("~0", "~") for s in path[1:].split("/")]


def hidden(tier: Tier, restrictions: Iterable[Restriction]) -> list[Restriction]:
    """The restrictions a reader of ``tier`` may not see past."""
    return [r for r in restrictions if not tier.sees(r.tier)]


def redact(
    document: dict[str, Any], tier: Tier, restrictions: Sequence[Restriction]
) -> dict[str, Any]:
    """A copy of ``document`` without what ``tier`` may not see."""
    result = copy.deepcopy(document)
    for restriction in hidden(tier, restrictions):
        _remove(result, restriction.steps)
    return result


def withheld(
    document: dict[str, Any], tier: Tier, restrictions: Sequence[Restriction]
) -> list[Restriction]:
    """The restrictions that actually remove something from ``document`` for ``tier``."""
    return [r for r in hidden(tier, restrictions) if present(document, r.steps)]


def present(node: Any, steps: Sequence[str]) -> bool:
    """Whether anything in ``node`` sits at ``steps`` (``*`` matches any array item)."""
    if not steps:
        return True
    step, rest = steps[0], steps[1:]
    if isinstance(node, list) and step == "*":
        return any(present(item, rest) for item in node)
    if isinstance(node, list) and step.isdigit() and int(step) < len(node):
        return present(node[int(step)], rest)
    if isinstance(node, dict) and step in node:
        return present(node[step], rest)
    return False


def _remove(node: Any, steps: Sequence[str]) -> None:
    step, rest = steps[0], steps[1:]
    if isinstance(node, list):
        items = range(len(node)) if step == "*" else [int(step)] if step.isdigit() else []
        if not rest:
            for index in sorted((i for i in items if i < len(node)), reverse=True):
                del node[index]
            return
        for index in items:
            if index < len(node):
                _remove(node[index], rest)
    elif isinstance(node, dict) and step in node:
        if rest:
            _remove(node[step], rest)
        else:
            del node[step]
