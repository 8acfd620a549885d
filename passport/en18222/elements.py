"""Data elements addressed by RFC 9535 JSONPath (EN 18222 8.4, Table 18).

Parsing and evaluation are ``jsonpath-rfc9535``'s (a strict implementation of the RFC, with
the RFC's compliance suite in its tests); what is ours: a path must select exactly one node, and
a write may only reach into the credential's subject (not its id or type), which is the
issuer's document.
"""

from __future__ import annotations

import copy
from typing import Any

from passport.errors import Conflict, InvalidRequest, NotFound

SUBJECT = "credentialSubject"
Location = tuple[str | int, ...]


def select(path: str, document: dict[str, Any]) -> tuple[Location, Any]:
    """The one node ``path`` selects in ``document``: its location and value.

    400 for an expression RFC 9535 does not accept or one that selects several nodes; 404 when
    it selects none."""
    import jsonpath_rfc9535  # and its regex engine: loaded with the first element asked for

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


# Members of the subject the registry sets: the product's identity and the credential's types.
COMPUTED = ("id", "type")


def pointer_of(location: Location) -> str:
    """A location as a JSON pointer (how errors name a field)."""
    steps = (str(s).replace("~", "~0").replace("/", "~1") for s in location)
    return "".join("/" + s for s in steps)


def replace(served: dict[str, Any], location: Location, value: Any) -> dict[str, Any]:
    """A copy of the served passport with ``value`` at ``location``. Only the issuer's data,
    inside ``credentialSubject``, can change: the rest (ids, issuer, status, validFrom, the
    envelope) is the registry's (409 naming it)."""
    if len(location) < 2 or location[0] != SUBJECT or location[1] in COMPUTED:
        raise Conflict(
            f"{pointer_of(location) or '/'}: set by the registry, not the issuer's to change; "
            f"only the issuer's data inside {SUBJECT} (not its id or type) can change."
        )
    document = copy.deepcopy(served)
    node: Any = document
    for step in location[:-1]:
        node = node[step]
    node[location[-1]] = value
    return document


def _holds(node: Any, step: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(step, str) and step in node
    return isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node)
