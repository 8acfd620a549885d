"""Refusals: what the reference generator would hash differently from here, or not at all.

Where the reference's answer depends on something these modules cannot reproduce, the hash
raises ``EventHashError`` naming the field: a refusal, never a hash that someone else would
not get.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from passport.events.hash_fields import DROPPED, NOT_HASHED, PAIR_LISTS, TIME_FIELDS
from passport.events.hash_values import EventHashError, timestamp


def _pointer(path: Sequence[str | int]) -> str:
    return "/".join(str(part) for part in path) or "(event)"


def check(event: Mapping[str, Any], ignored: Sequence[str]) -> None:
    """Refuse what the reference would hash differently from here, or not at all."""
    if not isinstance(event.get("type"), str):
        raise EventHashError("type", "an event needs its type (ObjectEvent, ...) as a string")
    if "@context" in event:
        raise EventHashError(
            "@context", "an event-level @context is not read by the reference generator"
        )
    for key, value in event.items():
        if key in NOT_HASHED or key in ignored or key in DROPPED:
            continue
        _check_value(value, [key], (key,))


def _check_value(value: Any, path: list[str | int], keys: tuple[str, ...]) -> None:
    where = _pointer(path)
    if isinstance(value, bool) or value is None:
        # JSON true reads as Python's "True" in the reference, while the same event in XML
        # hashes "true": no answer is the reference's, so none is given.
        raise EventHashError(where, "true, false and null have no agreed form in the event hash")
    if isinstance(value, float | int) and not math.isfinite(value):
        raise EventHashError(where, "a number must be finite")
    if isinstance(value, str):
        if keys in TIME_FIELDS:
            timestamp(value, where)
        else:
            _check_number(value.strip(), where)
        return
    if isinstance(value, int | float):
        if keys in TIME_FIELDS:
            raise EventHashError(where, "a time must be an RFC 3339 string")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            if keys[-1] == "childEPCs" and not isinstance(item, str):
                raise EventHashError(_pointer([*path, index]), "childEPCs holds EPC strings")
            if keys[-1] in PAIR_LISTS:
                _check_pair(item, [*path, index])
            _check_value(item, [*path, index], keys)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "#text" or key.startswith("@xmlns"):
                raise EventHashError(_pointer([*path, key]), "XML mapping keys are not JSON-LD")
            if key == "type" and not isinstance(item, str):
                raise EventHashError(_pointer([*path, key]), "a type must be a string")
            if key in DROPPED:
                continue
            _check_value(item, [*path, key], (*keys, key))
        if keys[-1] in PAIR_LISTS:
            _check_pair(value, path)


def _check_pair(item: Any, path: list[str | int]) -> None:
    """The reference reads a transaction, source or destination as its first two keys."""
    kept = [key for key in item if key not in DROPPED] if isinstance(item, Mapping) else []
    if len(kept) != 2:
        raise EventHashError(
            _pointer(path),
            "must hold exactly a type and its value: the reference generator reads the first "
            "two keys only (and fails with fewer)",
        )


def _check_number(text: str, where: str) -> None:
    try:
        number = float(text)
    except ValueError:
        return
    if math.isinf(number):
        raise EventHashError(where, f"{text!r} reads as an infinite number")
