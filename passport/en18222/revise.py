"""Writes in the UNTP version the client reads (0.7.0 by default, 0.6.1 on request).

A write changes the SERVED subject (the issuer's view: nothing redacted), and the change is
taken in through the one mapper (``untp07.incoming``): the subject before and after the change
are both mapped to the stored (0.6.1) shape, and what differs between the two is merged into
the stored document. So what the round trip cannot carry (inherited values, the issuer's
``restricted`` marks, the parts of a 0.6.1 passport 0.7.0 serves differently) stays as it was,
and only the client's change is written. What the 0.6.1 shape cannot say is kept as sent
(``passport.credentials.as_sent``); a change the stored form still cannot keep is a 422 naming
the field: nothing is dropped silently.
"""

from __future__ import annotations

import copy
from typing import Any

from passport.credentials import as_sent, untp07
from passport.errors import FieldError, InvalidDocument

SUBJECT = "credentialSubject"
UNKEPT = "the registry cannot keep this change"


def merge(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def diff(old: Any, new: Any) -> Any:
    """The RFC 7396 merge patch that turns ``old`` into ``new`` (objects; ``{}`` if equal)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return copy.deepcopy(new)
    out: dict[str, Any] = {k: None for k in old if k not in new}
    for key, value in new.items():
        if key not in old:
            out[key] = copy.deepcopy(value)
        elif old[key] != value:
            out[key] = diff(old[key], value)
    return out


def taken(subject: dict[str, Any], untp: str) -> Any:
    """A served subject as the registry stores it (0.6.1: it is the stored shape)."""
    if untp == untp07.V061:
        return untp07.incoming(subject)  # the same, unless it names what the registry sets
    return untp07.incoming({SUBJECT: subject})


def change(before: dict[str, Any], after: dict[str, Any], untp: str) -> Any:
    """The merge patch of the stored document that makes the served ``before`` ``after``."""
    return diff(taken(before, untp), taken(after, untp))


def leaves(patch: Any, pointer: str = "") -> list[str]:
    """The JSON pointers a merge patch sets or removes (objects are descended into)."""
    if not isinstance(patch, dict) or not patch:
        return [pointer]
    found: list[str] = []
    for key, value in patch.items():
        step = str(key).replace("~", "~0").replace("/", "~1")
        found += leaves(value, f"{pointer}/{step}")
    return found


def at(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or None where there is none."""
    for raw in pointer.split("/")[1:]:
        step = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(document, dict):
            document = document.get(step)
        elif isinstance(document, list) and step.isdigit() and int(step) < len(document):
            document = document[int(step)]
        else:
            return None
    return document


def served_again(
    credential: dict[str, Any], sent: dict[str, Any], stored_change: Any
) -> dict[str, Any]:
    """The 0.7.0 subject the registry will serve once ``stored_change`` is written, from the
    issuer's 0.6.1 credential of the current version and the members kept as ``sent``."""
    now = merge({**credential[SUBJECT], as_sent.KEY: sent}, stored_change)
    subject, now_sent = as_sent.split(now)
    product = untp07.to_v07(credential | {SUBJECT: subject}, "")[SUBJECT]
    return as_sent.served(product, now_sent)


def unsent(stored_change: Any, stored: dict[str, Any]) -> Any:
    """A 0.6.1 change, and the members kept as sent that it makes stale removed: the 0.6.1
    value the client changed is served in 0.7.0 too."""
    _, sent = as_sent.split(stored)
    if not sent or not isinstance(stored_change, dict):
        return stored_change
    changed = [p.lstrip("/").split("/") for p in leaves(stored_change)]
    stale = as_sent.members(changed, merge(stored, stored_change)) & sent.keys()
    if as_sent.EVERY in as_sent.members(changed, stored):
        stale = set(sent)
    return {**stored_change, as_sent.KEY: {k: None for k in stale}} if stale else stored_change


def check_kept(
    before: dict[str, Any], after: dict[str, Any], again: dict[str, Any], prefix: str
) -> None:
    """422 for every part of the client's change that the stored form does not keep."""
    lost = [p for p in leaves(diff(before, after)) if at(after, p) != at(again, p)]
    if lost:
        raise InvalidDocument(
            "The change cannot be kept as sent. Leave it out (or send ?untp=0.6.1 and the 0.6.1 "
            "shape).",
            [FieldError(prefix + p, rule(p)) for p in lost],
        )


def rule(pointer: str) -> str:
    """Why the stored form does not keep what ``pointer`` (in a 0.7.0 Product) names."""
    steps = pointer.lstrip("/").split("/")
    name = steps[0] if steps else ""
    for key, why in untp07.V061_LACKS.items():
        if key == name or (key.startswith(name + "/") and key.endswith(steps[-1])):
            return f"not kept: {why}"
    return UNKEPT
