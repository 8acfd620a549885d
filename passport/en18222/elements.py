"""Data elements addressed by RFC 9535 JSONPath (EN 18222 8.4, Table 18).

Parsing and evaluation are ``jsonpath-rfc9535``'s (a strict implementation of the RFC, with
the RFC's compliance suite in its tests); what is ours: a path must select exactly one node, and
a write may only reach into the credential's subject, which is the issuer's document.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpath_rfc9535

from passport.errors import Conflict, InvalidRequest, NotFound

SUBJECT = "credentialSubject"
Location = tuple[str | int, ...]


def select(path: str, document: dict[str, Any]) -> tuple[Location, Any]:
    """The one node ``path`` selects in ``document``: its location and value.

    400 for an expression RFC 9535 does not accept or one that selects several nodes; 404 when
    it selects none."""
    try:
        nodes = jsonpath_rfc9535.find(path, document)
    except jsonpath_rfc9535.JSONPathError as error:
        raise InvalidRequest(
            f"elementIdPath: not an RFC 9535 JSONPath expression ({str(error)[:200]})."
        ) from None
    if not nodes:
        raise NotFound(f"elementIdPath: '{path[:200]}' selects no element of this passport.")
    if len(nodes) > 1:
        raise InvalidRequest(
            f"elementIdPath: '{path[:200]}' selects {len(nodes)} elements; it must select one."
        )
    return tuple(nodes[0].location), nodes[0].value


def at(document: Any, location: Location) -> Any:
    """The value at a location ``select`` gave (in a later version of the same document)."""
    for step in location:
        if not _holds(document, step):
            raise NotFound("The element is no longer where it was.")
        document = document[step]
    return document


def name_of(location: Location) -> str:
    """The element's id: the last member name or index of its location (``$`` for the root)."""
    return str(location[-1]) if location else "$"


def replace(stored: dict[str, Any], location: Location, value: Any) -> dict[str, Any]:
    """A copy of the issuer's stored document with ``value`` at ``location`` (a location in the
    served passport; only those under ``credentialSubject`` are the issuer's to write)."""
    if len(location) < 2 or location[0] != SUBJECT:
        raise Conflict(
            f"Only elements inside {SUBJECT} are the issuer's to change; the envelope and the "
            "credential around the subject are set by the registry."
        )
    document = copy.deepcopy(stored)
    node: Any = document
    for step in location[1:-1]:
        node = _step(node, step)
    last = location[-1]
    if not _holds(node, last):
        raise Conflict(
            "This element is derived by the registry (inherited from the model passport or "
            "added to the credential), not stored in the passport: it cannot be changed here."
        )
    node[last] = value
    return document


def _holds(node: Any, step: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(step, str) and step in node
    return isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node)


def _step(node: Any, step: str | int) -> Any:
    if not _holds(node, step):
        raise Conflict(
            "This element lies in a part of the credential the registry derives, not in the "
            "stored passport: it cannot be changed here."
        )
    return node[step]
