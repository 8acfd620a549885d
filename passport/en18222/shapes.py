"""EN 18223 shapes of a served passport: the envelope, the compressed representation (the
envelope plus the credential's members, as the credential builder returns them) and the full
one (the envelope plus ``elements[]``, EN 18223 Annex A), and data elements both ways.

The credential is whatever ``passport.credentials.reading`` serves (UNTP 0.7.0, or 0.6.1
on request): nothing here knows its shape.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from passport.errors import FieldError, InvalidDocument, InvalidRequest

SCHEMA_VERSION = "EN 18223:2026"
REPRESENTATIONS = ("compressed", "full")
# EN 18223 Table 1 base values: a withdrawn passport is no longer in force, but stays readable.
STATUS = {"active": "active", "withdrawn": "inactive"}
# Envelope members the registry derives; a client may echo them, never change them.
ENVELOPE = (
    "digitalProductPassportId",
    "uniqueProductIdentifier",
    "granularity",
    "dppSchemaVersion",
    "dppStatus",
    "lastUpdated",
    "economicOperatorId",
    "facilityId",
    "contentSpecificationIds",
)
OBJECT_TYPES = (
    "SingleValuedDataElement",
    "MultiValuedDataElement",
    "MultiLanguageDataElement",
    "DataElementCollection",
    "RelatedResource",
)


def representation(value: str | None) -> str:
    """The ``representation`` query flag (EN 18222 8.1): absent means compressed."""
    if value is None:
        return "compressed"
    if value not in REPRESENTATIONS:
        raise InvalidRequest(
            f"representation: must be 'compressed' or 'full' (EN 18222 8.1), not '{value[:40]}'."
        )
    return value


def timestamp(moment: datetime) -> str:
    """UTC, to the second, with a Z (EN 18223 dateTime)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def envelope(
    *,
    dpp_id: str,
    product_id: str,
    granularity: str,
    status: str,
    updated: datetime,
    operator: str,
) -> dict[str, Any]:
    """The EN 18223 envelope (clause 4.1.2.1, Table 1) of one passport version."""
    return {
        "digitalProductPassportId": dpp_id,
        "uniqueProductIdentifier": product_id,
        "granularity": granularity,
        "dppSchemaVersion": SCHEMA_VERSION,
        "dppStatus": STATUS.get(status, "inactive"),
        "lastUpdated": timestamp(updated),
        "economicOperatorId": operator,
    }


def shaped(head: dict[str, Any], credential: dict[str, Any], form: str) -> dict[str, Any]:
    """The passport in ``form``: compressed keeps the credential's members as they are (its
    ``@context`` is the data dictionary, EN 18223 5.2.2); full lists them as data elements."""
    if form == "full":
        return head | {"elements": [element(k, v) for k, v in credential.items()]}
    return head | {k: v for k, v in credential.items() if k not in head}


def _xsd(value: Any) -> str:
    if isinstance(value, bool):
        return "xsd:boolean"
    if isinstance(value, int):
        return "xsd:integer"
    if isinstance(value, float):
        return "xsd:decimal"
    return "xsd:string"


def element(name: str, value: Any) -> dict[str, Any]:
    """A JSON value as an EN 18223 data element (full representation, ``objectType`` set)."""
    head: dict[str, Any] = {"elementId": name}
    if isinstance(value, dict):
        # In key order: a stored object's own order is the database's (PostgreSQL's jsonb
        # sorts keys its own way), and the same passport must list the same elements.
        items = [element(k, v) for k, v in sorted(value.items())]
        return head | {"objectType": "DataElementCollection", "elements": items}
    if isinstance(value, list):
        out: dict[str, Any] = head | {"objectType": "MultiValuedDataElement"}
        if all(isinstance(v, str | int | float | bool) for v in value):
            types = {_xsd(v) for v in value}
            if len(types) == 1:
                out["valueDataType"] = types.pop()
            return out | {"value": list(value)}
        return out | {"value": [_member(i, v) for i, v in enumerate(value)]}
    out = head | {"objectType": "SingleValuedDataElement"}
    if value is None:
        return out  # JSON null: an element without a value
    return out | {"valueDataType": _xsd(value), "value": value}


def _member(index: int, value: Any) -> Any:
    """One value of a multi-valued element: a scalar, or a group of nested elements."""
    if isinstance(value, dict):
        return [element(k, v) for k, v in sorted(value.items())]
    if isinstance(value, list):
        return [element(str(i), v) for i, v in enumerate(value)]
    return value


def value_of(node: Any, pointer: str = "") -> Any:
    """The JSON value a data element carries (the inverse of :func:`element`).

    Without ``objectType`` (the compressed form) the members say which kind it is."""
    if not isinstance(node, dict) or not isinstance(node.get("elementId"), str):
        raise InvalidDocument(
            "A data element is an object with an elementId (EN 18223 4.1.2.3).",
            [FieldError(pointer or "/", "must be an object with a string 'elementId'")],
        )
    kind = node.get("objectType")
    if kind is not None and kind not in OBJECT_TYPES:
        raise InvalidDocument(
            f"Unknown objectType '{str(kind)[:40]}'.",
            [FieldError(f"{pointer}/objectType", f"must be one of {', '.join(OBJECT_TYPES)}")],
        )
    if kind == "DataElementCollection" or (kind is None and "elements" in node):
        return collection(node.get("elements"), f"{pointer}/elements")
    if kind == "RelatedResource":
        return {k: v for k, v in node.items() if k not in ("elementId", "objectType")}
    value = node.get("value")
    if isinstance(value, list) and kind != "MultiLanguageDataElement":
        return [
            collection(v, f"{pointer}/value/{i}") if isinstance(v, list) else v
            for i, v in enumerate(value)
        ]
    return value


def collection(nodes: Any, pointer: str) -> dict[str, Any]:
    """Data elements as one JSON object, keyed by elementId."""
    if not isinstance(nodes, list):
        raise InvalidDocument(
            "A collection's elements are an array.", [FieldError(pointer, "must be an array")]
        )
    out: dict[str, Any] = {}
    for i, node in enumerate(nodes):
        value = value_of(node, f"{pointer}/{i}")  # checks the node first
        out[node["elementId"]] = value
    return out
