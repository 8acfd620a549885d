"""What an issuer marks restricted at issuance: the document's ``restricted`` list.

Any property of a passport may be restricted by its issuer, with the same tiers as the
schema's annotations::

    "restricted": [{"path": "/product/characteristics/recipe", "tier": "legitimate-interest"}]

``path`` is a JSON Pointer into the submitted document (``*`` for every array item) that must
point at something; ``tier`` is ``legitimate-interest``, ``authority`` or ``issuer``. The list
is stored with the version (inside the stored document) and is itself never served: the
credential's subject never carries it. The product's identity (its id, name, identifiers) is
always public.
"""

from __future__ import annotations

from typing import Any

from passport.disclosure.redaction import Restriction, pointer_steps, present
from passport.disclosure.tiers import NAMES, Tier
from passport.errors import FieldError, InvalidDocument

KEY = "restricted"
MAX_MARKS = 200
ALWAYS_PUBLIC = frozenset(
    {
        "",
        "/type",
        "/id",
        "/product",
        "/product/type",
        "/product/id",
        "/product/name",
        "/product/registeredId",
        "/product/idScheme",
        "/product/batchNumber",
        "/product/serialNumber",
    }
)
MARKABLE = tuple(n for n in NAMES if n != Tier.PUBLIC)
SCHEMA = {
    "description": "Properties the issuer restricts to a tier (stored, never served)",
    "type": "array",
    "maxItems": MAX_MARKS,
    "items": {
        "type": "object",
        "required": ["path", "tier"],
        "additionalProperties": False,
        "properties": {
            "path": {"type": "string", "description": "JSON Pointer; '*' for every array item"},
            "tier": {"enum": list(MARKABLE)},
        },
    },
}
"""The marks as JSON Schema, for the API description (``check`` is what enforces them)."""


def split(body: Any) -> tuple[Any, Any]:
    """The submitted document without its ``restricted`` list, and that list (or None)."""
    if not isinstance(body, dict) or KEY not in body:
        return body, None
    subject = {k: v for k, v in body.items() if k != KEY}
    return subject, body[KEY]


def check(subject: dict[str, Any], marks: Any) -> list[dict[str, str]]:
    """The issuer's marks, validated against the document; 422 naming each broken rule."""
    if marks is None:
        return []
    if not isinstance(marks, list) or len(marks) > MAX_MARKS:
        problem = FieldError(f"/{KEY}", f"must be a list of at most {MAX_MARKS} marks")
        raise InvalidDocument("The restricted properties are malformed.", [problem])
    errors: list[FieldError] = []
    stored: list[dict[str, str]] = []
    for index, mark in enumerate(marks):
        where = f"/{KEY}/{index}"
        if not isinstance(mark, dict) or set(mark) != {"path", "tier"}:
            errors.append(FieldError(where, "must be an object with exactly 'path' and 'tier'"))
            continue
        path, tier = mark["path"], mark["tier"]
        if tier not in MARKABLE:
            errors.append(FieldError(f"{where}/tier", f"must be one of {', '.join(MARKABLE)}"))
        if not isinstance(path, str) or not path.startswith("/"):
            errors.append(FieldError(f"{where}/path", "must be a JSON Pointer starting with '/'"))
        elif path.rstrip("/") in ALWAYS_PUBLIC or path.endswith("/"):
            errors.append(FieldError(f"{where}/path", "names the product's identity: public"))
        elif not present(subject, pointer_steps(path)):
            errors.append(FieldError(f"{where}/path", "points at nothing in the document"))
        else:
            stored.append({"path": path, "tier": tier})
    if errors:
        raise InvalidDocument("The restricted properties are invalid.", errors)
    return stored


def attach(document: dict[str, Any], marks: list[dict[str, str]]) -> dict[str, Any]:
    """The document as stored: with its marks, if it has any."""
    return {**document, KEY: marks} if marks else document


def stored_marks(document: dict[str, Any]) -> tuple[dict[str, Any], list[Restriction]]:
    """A stored document's subject (without marks) and the restrictions its issuer marked."""
    marks = document.get(KEY)
    if not marks:
        return document, []
    subject = {k: v for k, v in document.items() if k != KEY}
    return subject, [Restriction(m["path"], Tier(m["tier"])) for m in marks]
