"""Helpers of the schema sweeps (tests/passport/test_documents.py for UNTP 0.6.1,
tests/passport/test_untp07_schema.py for 0.7.0): each mutates an official sample one place at
a time and checks that our schema refuses whatever the official one refuses."""

from __future__ import annotations

import copy
from typing import Any

DELETE = object()  # a mutation that removes the key


def first_items(node: Any, key: str = "") -> Any:
    """Cut every array to its first entry (type lists excepted): the sweep mutates only that
    entry, and the UNTP examples repeat each entry's shape, so the rest only costs time."""
    if isinstance(node, dict):
        return {k: first_items(v, k) for k, v in node.items()}
    if isinstance(node, list) and key != "type":
        return [first_items(item) for item in node[:1]]
    return node


def apply(subject: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    """A copy of ``subject`` with ``value`` at ``path`` (``DELETE``: without the key)."""
    mutated = copy.deepcopy(subject)
    target: Any = mutated
    for part in path[:-1]:
        target = target[part]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return mutated
