"""Where a stored (UNTP 0.6.1) property lands in the 0.7.0 credential ``untp07.to_v07`` serves.

A restriction names a property of the stored subject (``/product/description``); the 0.7.0
SD-JWT makes it selectively disclosable at its place in the 0.7.0 Product, the
``credentialSubject``. ``places`` follows :mod:`passport.credentials.untp07`'s mapping step by
step. Where that mapping reshapes a value (a link, a party, a category, a material, a claim, a
scorecard) the place is the whole reshaped value, and where it copies a value into a second
property (a claim's description is also its name) both are places: a restricted value never
lands outside its places, at the cost of disclosing a little more together. A place the
credential does not hold is skipped by the caller (``signed._places``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from passport.credentials.untp07 import _SCORECARDS, RENAMED, _complete

Steps = tuple[str, ...]

# product.<name> -> its 0.7.0 name, and how much of what lies inside keeps its shape:
# "same" (every step), "item" (an array whose items are reshaped: the item), "whole".
_PRODUCT: dict[str, tuple[str, str]] = {
    "serialNumber": ("itemNumber", "whole"),
    "furtherInformation": ("relatedDocument", "item"),
    "producedByParty": ("relatedParty", "whole"),
    "producedAtFacility": ("producedAtFacility", "whole"),
    "countryOfProduction": ("countryOfProduction", "whole"),
    "productImage": ("productImage", "whole"),
    "productCategory": ("productCategory", "item"),
    "idScheme": ("idScheme", "whole"),
    "characteristics": ("characteristics", "same"),
    "dimensions": ("dimensions", "same"),
}
# A 0.6.1 claim's property -> its 0.7.0 claim's properties (anything else: the whole claim).
_CLAIM: dict[str, tuple[str, ...]] = {
    "description": ("description", "name"),
    "assessmentCriteria": ("referenceCriteria",),
    "referenceStandard": ("referenceStandard",),
    "referenceRegulation": ("referenceRegulation",),
    "assessmentDate": ("claimDate",),
    "conformityEvidence": ("evidence",),
}


def places(steps: Sequence[str], stored: dict[str, Any]) -> list[Steps]:
    """The 0.7.0 places (steps from the Product) of the stored subject's ``steps``;
    ``stored`` is the issuer's whole stored subject (it says where materials and claims go)."""
    if not steps:
        return [()]
    head, rest = steps[0], tuple(steps[1:])
    if head == "product":
        return _product(rest)
    if head == "materialsProvenance":
        return _materials(rest, stored.get(head) or [])
    if head == "conformityClaim":
        return _claims(rest, len(stored.get(head) or []))
    if head in _SCORECARDS:
        claims = len(stored.get("conformityClaim") or [])
        present = [name for name in _SCORECARDS if name in stored]
        return [("performanceClaim", str(claims + present.index(head)))] if head in stored else []
    if head in RENAMED and RENAMED[head] != "performanceClaim":  # granularityLevel
        return [(RENAMED[head], *rest)]
    if head == "traceabilityInformation":
        return []  # not served in 0.7.0
    return [(head, *rest)]  # battery and the rest: as stored


def _product(rest: Steps) -> list[Steps]:
    if not rest:
        return [()]  # the whole product: the whole subject
    name, inner = rest[0], rest[1:]
    new, keeps = _PRODUCT.get(name, (name, "same"))
    if keeps == "same":
        return [(new, *inner)]
    if keeps == "item" and len(inner) > 1 and name == "furtherInformation":
        # A link keeps its linkName and linkType; its linkURL is also the default linkName.
        return [(new, *inner)] if inner[1] in ("linkName", "linkType") else [(new, inner[0])]
    if keeps == "item" and inner:
        return [(new, inner[0])]
    return [(new,)]


def _materials(rest: Steps, materials: list[Any]) -> list[Steps]:
    """A material is complete (``materialProvenance``) or not (``partialMaterialProvenance``)."""
    complete = [isinstance(m, dict) and _complete(m) for m in materials]
    lists = ("partialMaterialProvenance", "materialProvenance")
    if not rest:
        return [(lists[1],), (lists[0],)]
    index, inner = rest[0], rest[1:2]  # a material's property is reshaped whole
    if index == "*":
        return [(lists[1], "*", *inner), (lists[0], "*", *inner)]
    if not index.isdigit() or int(index) >= len(materials):
        return []
    i = int(index)
    position = sum(1 for c in complete[:i] if c == complete[i])
    return [(lists[complete[i]], str(position), *inner)]


def _claims(rest: Steps, count: int) -> list[Steps]:
    """The 0.6.1 claims come first among the 0.7.0 ``performanceClaim``, in order."""
    if not rest:
        return [("performanceClaim", str(i)) for i in range(count)]
    index, inner = rest[0], rest[1:]
    indices = range(count) if index == "*" else [int(index)] if index.isdigit() else []
    out: list[Steps] = []
    for i in indices:
        claim: Steps = ("performanceClaim", str(i))
        if not inner:
            out.append(claim)
        elif inner[0] == "declaredValue" and len(inner) > 1:
            out.append((*claim, "claimedPerformance", inner[1]))
        elif inner[0] in _CLAIM:
            out += [(*claim, name) for name in _CLAIM[inner[0]]]
        else:
            out.append(claim)
    return out
