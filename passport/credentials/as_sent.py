"""What a UNTP 0.7.0 body says that the stored (0.6.1) shape cannot say: kept as sent.

A 0.7.0 Product is stored in the 0.6.1 shape (``untp07.incoming``) and, under ``untp070``,
each member whose value the 0.6.1 shape cannot give back as sent (``untp07.to_v07`` would
serve it otherwise): a model number, an expiry date, packaging, labels, claims in 0.7.0's own
terms, parties beside the manufacturer, a category's definition, a link's media type, a
country's name. The 0.7.0 view serves those members as sent, so the official samples round-trip;
the 0.6.1 view, Turtle, pages and search read the 0.6.1 shape and never see them.

Who may see what holds: a member is served as sent only when no restriction hidden from the
reader lies in it (else the redacted mapped value is served), and a signed SD-JWT makes such a
member selectively disclosable whole (``passport.credentials.signed``). The member is the
registry's to set: a client sends the 0.7.0 body, never ``untp070`` itself (``untp07.incoming``
refuses it; the stored schema names the members it may hold).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from passport.credentials import untp07_paths
from passport.credentials.untp07 import AS_SENT

KEY = AS_SENT
EVERY = "*"  # a restriction on the whole product lies in every member


def split(document: Any) -> tuple[Any, dict[str, Any]]:
    """A stored document without its members kept as sent, and those members."""
    if not isinstance(document, dict) or KEY not in document:
        return document, {}
    rest = {k: v for k, v in document.items() if k != KEY}
    sent = document[KEY]
    return rest, sent if isinstance(sent, dict) else {}


def members(restricted: Iterable[Sequence[str]], subject: dict[str, Any]) -> set[str]:
    """The 0.7.0 Product members the stored ``restricted`` paths lie in."""
    found: set[str] = set()
    for steps in restricted:
        for place in untp07_paths.places(steps, subject):
            found.add(place[0] if place else EVERY)
    return found


def own(subject: dict[str, Any]) -> set[str]:
    """The members a stored subject states itself."""
    product = subject.get("product")
    steps = [("product", n) for n in product] if isinstance(product, dict) else []
    return members([*steps, *((n,) for n in subject if n != "product")], subject)


def inherit(
    sent: dict[str, Any], model_sent: dict[str, Any], subject: dict[str, Any]
) -> dict[str, Any]:
    """A batch or item's members as sent, filled from its model's where it states none."""
    stated = own(subject) | sent.keys()
    return {**{k: v for k, v in model_sent.items() if k not in stated}, **sent}


def visible(
    sent: dict[str, Any], hidden: Iterable[Sequence[str]], subject: dict[str, Any]
) -> dict[str, Any]:
    """The members as sent that hold nothing hidden from the reader (``subject``: unredacted)."""
    touched = members(hidden, subject)
    return {} if EVERY in touched else {k: v for k, v in sent.items() if k not in touched}


def served(product: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """The 0.7.0 Product with the members kept as sent."""
    return {**product, **copy.deepcopy(sent)} if sent else product
