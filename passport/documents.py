"""The passport document: validating what manufacturers submit, with errors people can act on.

Clients submit a UNTP DPP 0.6.1 ``ProductPassport`` (the credential subject); the registry
serves it wrapped in a W3C VC 2.0 ``DigitalProductPassport`` (:mod:`passport.credentials`).
The submitted document is checked against our own schema
(``schemas/product-passport.schema.json``), which is at least as strict as the UNTP one, so
everything we serve also satisfies UNTP. A battery passport's ``battery`` is named by the
registry's battery schema (``schemas/battery.schema.json``, referenced from the passport schema)
and each of its BatteryPass categories is checked against the official schema
(:mod:`passport.batteries.categories`); its errors read like every other one.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from passport import language_tags
from passport.batteries.categories import battery_schema, category_errors
from passport.errors import FieldError, InvalidDocument

if TYPE_CHECKING:  # imported where used: a worker that only reads never loads them (memory)
    import jsonschema_rs
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

_JSON_TYPES = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a JSON object",
    "array": "a JSON array",
    "null": "null",
}
_FORMATS = {
    "uri": "a URI",
    "date": "a date (YYYY-MM-DD)",
    "date-time": "an RFC 3339 date-time",
}


def _language_tag(value: object) -> bool:
    # As JSON Schema's formats do, only strings are checked (``type`` words the rest), and a
    # tag too long is left to maxLength's error: one error each.
    if not isinstance(value, str) or len(value) > language_tags.MAX_LENGTH:
        return True
    return language_tags.well_formed(value)


# Formats of our own, beside JSON Schema's: name -> (check, the rule it words).
_OWN_FORMATS = {"language-tag": (_language_tag, language_tags.RULE)}


# Keywords whose rule reads the same whatever the field: the limit fills the blank.
_BOUNDS = {
    "maxLength": "must be at most {} characters long",
    "minLength": "must be at least {} characters long",
    "maxItems": "must have at most {} items",
    "minItems": "must have at least {} items",
    "maximum": "must be at most {}",
    "minimum": "must be at least {}",
    "exclusiveMaximum": "must be less than {}",
    "exclusiveMinimum": "must be greater than {}",
    "pattern": "must match the pattern {}",
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One of the registry's JSON Schemas from ``schemas/`` (shared: copy before editing)."""
    schema: dict[str, Any] = json.loads((files("schemas") / name).read_text(encoding="utf-8"))
    return schema


@cache
def schema_validator(name: str) -> Draft202012Validator:
    """A reusable validator for one of our schemas, with format checking on."""
    # Building a validator resolves every $ref; bulk issuance validates thousands of documents.
    # Without an explicit format checker python-jsonschema ignores "format" entirely.
    from jsonschema import Draft202012Validator

    checker = format_checker()
    return Draft202012Validator(load_schema(name), format_checker=checker, registry=_registry())


@cache
def format_checker() -> FormatChecker:
    """JSON Schema 2020-12's format checks, and ours (``language-tag``: a BCP 47 tag)."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    for name, (check, _rule) in _OWN_FORMATS.items():
        checker.checks(name)(check)
    return checker


@cache
def compiled_validator(name: str) -> jsonschema_rs.Validator:
    """The accept/reject decision of :func:`schema_validator`, compiled (jsonschema-rs): about
    20 times faster, so a batch of valid documents pays for validation, not for Python.

    Every ``format`` is checked by python-jsonschema's own checker (the functions
    :func:`schema_validator` uses), so formats give the same verdicts by construction; the
    other keywords are proven to by tests/passport/test_compiled_validator.py over the suite's
    whole corpus of documents and their mutations. A rejected document is validated again by
    :func:`schema_validator`, which words the errors: the messages are those of before.
    """
    import jsonschema_rs

    checker = format_checker()
    formats = {name: _format_check(checker, name) for name in checker.checkers}
    battery = battery_schema()
    return jsonschema_rs.validator_for(
        load_schema(name),
        formats=formats,
        validate_formats=True,
        registry=jsonschema_rs.Registry([(str(battery["$id"]), battery)]),
    )


def _format_check(checker: Any, name: str) -> Any:
    def conforms(value: str) -> bool:
        return bool(checker.conforms(value, name))

    return conforms


@cache
def _registry() -> Registry[Any]:
    """The schemas our schemas reference by URI: the battery schema, by its ``$id`` (which is
    where the passport schema's relative ``$ref`` "battery.schema.json" resolves to)."""
    from referencing import Registry, Resource

    battery = battery_schema()
    registry: Registry[Any] = Registry().with_resource(
        str(battery["$id"]), Resource.from_contents(battery)
    )
    return registry


SUBJECT_SCHEMA = "product-passport.schema.json"


def subject_schema() -> dict[str, Any]:
    """Return the registry's JSON Schema for a submitted ProductPassport (shared: copy to edit)."""
    return load_schema(SUBJECT_SCHEMA)


def _validator() -> Draft202012Validator:
    return schema_validator(SUBJECT_SCHEMA)


# What every stored document keeps to, so that every way out (JSON-LD, Turtle, the JWTs, the
# page, the resolver) can serve it for ever: at most 32 levels of arrays and objects (the passport
# itself is level 1), strings every database stores, and numbers JSON readers agree on (I-JSON,
# RFC 7493): finite, and integers within 2^53 - 1 either side of 0. Floats may be as large as a
# double goes (BatteryPass's own samples send -1.7976931348623157e+308); PostgreSQL's jsonb
# gives an integral one back as an integer, which passport.db.make_engine reads as the float.
MAX_DOCUMENT_DEPTH = 32
MAX_SAFE_INTEGER = 2**53 - 1


def shape_errors(document: object, limit: int = MAX_DOCUMENT_DEPTH) -> list[FieldError]:
    """Where ``document`` nests deeper than ``limit`` or holds a number out of bounds (the
    first place too deep on each branch), found without recursion."""
    if shape_ok(document, limit):
        return []  # the common case: no pointer built for any node
    return shape_walk(document, limit)


def shape_walk(document: object, limit: int = MAX_DOCUMENT_DEPTH) -> list[FieldError]:
    """:func:`shape_errors` without the quick check first."""
    errors: list[FieldError] = []
    stack: list[tuple[object, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict | list):
            if len(path) >= limit:
                errors.append(
                    FieldError(
                        json_pointer(path),
                        f"nests too deep: at most {limit} levels of arrays and objects",
                    )
                )
                continue
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((value, (*path, key)) for key, value in items)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, float) and not math.isfinite(node):
            errors.append(FieldError(json_pointer(path), "must be a finite number"))
        elif isinstance(node, int) and abs(node) > MAX_SAFE_INTEGER:
            errors.append(FieldError(json_pointer(path), f"must be within ±{MAX_SAFE_INTEGER}"))
        elif isinstance(node, str) and UNSTORABLE.search(node):
            errors.append(FieldError(json_pointer(path), _UNSTORABLE_RULE))
        if isinstance(node, dict) and any(UNSTORABLE.search(str(key)) for key in node):
            errors.append(FieldError(json_pointer(path), "property names " + _UNSTORABLE_RULE))
    return sorted(errors, key=lambda e: e.pointer)[:20]


def shape_ok(document: object, limit: int = MAX_DOCUMENT_DEPTH) -> bool:
    """Whether :func:`shape_errors` would find nothing: the same walk, keeping depths instead
    of paths (a batch's documents are nearly all fine, and their paths were most of the walk)."""
    stack: list[tuple[object, int]] = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth >= limit:
                return False
            for key, value in node.items():
                if UNSTORABLE.search(str(key)):
                    return False
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            if depth >= limit:
                return False
            stack.extend((value, depth + 1) for value in node)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, float):
            if not math.isfinite(node):
                return False
        elif isinstance(node, int):
            if abs(node) > MAX_SAFE_INTEGER:
                return False
        elif isinstance(node, str) and UNSTORABLE.search(node):
            return False
    return True


# U+0000 and lone surrogates: strings no database stores (PostgreSQL refuses both).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_RULE = "must not contain U+0000 or a lone surrogate"


def validate_subject(subject: object) -> None:
    """Raise ``InvalidDocument`` listing every way ``subject`` breaks the passport schema."""
    if not isinstance(subject, dict):
        raise InvalidDocument(
            "The passport document has 1 problem",
            errors=[FieldError("", "the passport must be a JSON object")],
        )
    shape = shape_errors(subject)
    if shape:
        noun = "problem" if len(shape) == 1 else "problems"
        raise InvalidDocument(f"The passport document has {len(shape)} {noun}", errors=shape)
    battery = subject.get("battery")
    if compiled_validator(SUBJECT_SCHEMA).is_valid(subject) and (
        battery is None or next(category_errors(battery), None) is None
    ):
        return  # the common case: valid, decided without building a single error
    found: dict[tuple[str, str], FieldError] = {}
    for error in _validator().iter_errors(subject):
        for field_error in _field_errors(error):
            # `required` reports each missing property separately but we rebuild the list from
            # the instance, so the same error can come out twice.
            found.setdefault((field_error.pointer, field_error.message), field_error)
    for category, error in category_errors(subject.get("battery")):
        for field_error in _field_errors(error, prefix=("battery", category)):
            found.setdefault((field_error.pointer, field_error.message), field_error)
    if found:
        errors = [found[key] for key in sorted(found)]
        noun = "problem" if len(errors) == 1 else "problems"
        raise InvalidDocument(f"The passport document has {len(errors)} {noun}", errors=errors)


def json_pointer(path: Iterable[str | int]) -> str:
    """Return the RFC 6901 JSON pointer for a path of keys and indices."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def describe_rule(keyword: str, value: Any) -> str | None:
    """The plain-English rule behind a common JSON Schema keyword, or None for others."""
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        return "must be " + " or ".join(_JSON_TYPES.get(kind, str(kind)) for kind in kinds)
    if keyword == "enum":
        return "must be one of: " + ", ".join(str(option) for option in value)
    if keyword == "const":
        return f"must be {json.dumps(value)}"
    if keyword == "contains" and isinstance(value, dict) and "const" in value:
        return f"must include {json.dumps(value['const'])}"
    if keyword == "format" and value in _OWN_FORMATS:
        return _OWN_FORMATS[value][1]
    if keyword == "format":
        return "must be " + _FORMATS.get(value, f"a valid {value}")
    if keyword in _BOUNDS:
        return _BOUNDS[keyword].format(value)
    return None


def field_name(path: Sequence[str | int], whole: str = "the passport") -> str:
    """Name the value at ``path`` as a reader would, e.g. ``productCategory[1]``; the document
    itself (or an item of it, ``the passport[2]``) is ``whole``."""
    indices = ""
    for part in reversed(path):
        if isinstance(part, int):
            indices = f"[{part}]{indices}"
        else:
            return f"{part}{indices}"
    return f"{whole}{indices}"


def error_rule(error: ValidationError) -> tuple[str, Any, Mapping[str, Any]]:
    """The keyword a jsonschema error broke, the keyword's value and the (sub)schema holding it.

    jsonschema types these as possibly unset; for an error from ``iter_errors`` they are set.
    """
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    return str(error.validator), error.validator_value, schema


V07_PRODUCT_SCHEMA = "product-untp-0.7.0.schema.json"


def validate_with(name: str, document: object, prefix: tuple[str, ...] = ()) -> None:
    """Raise ``InvalidDocument`` listing every way ``document`` breaks our schema ``name``
    (``prefix``: where in the request body the document sits)."""
    shape = shape_errors(document)
    if shape:
        raise InvalidDocument(f"The passport document has {len(shape)} problem(s)", errors=shape)
    if compiled_validator(name).is_valid(document):
        return
    found: dict[tuple[str, str], FieldError] = {}
    for error in schema_validator(name).iter_errors(document):
        for field_error in _field_errors(error, prefix):
            found.setdefault((field_error.pointer, field_error.message), field_error)
    if found:
        errors = [found[key] for key in sorted(found)]
        raise InvalidDocument(f"The passport document has {len(errors)} problem(s)", errors=errors)


def _field_errors(error: ValidationError, prefix: tuple[str, ...] = ()) -> list[FieldError]:
    """Translate one jsonschema error into plain-English errors located by JSON pointers
    (``prefix``: where in the passport the validated value sits)."""
    path = [*prefix, *error.absolute_path]
    keyword, value, schema = error_rule(error)
    instance = error.instance

    if keyword == "required" and isinstance(instance, dict):
        return [
            FieldError(json_pointer([*path, name]), f"'{name}' is required")
            for name in value
            if name not in instance
        ]
    if keyword == "not" and value == {"pattern": "^(@|_:)"} and isinstance(instance, str):
        # propertyNames of PlainJSON: the key itself is at fault (its value is not descended)
        return [
            FieldError(
                json_pointer([*path, instance]),
                f"'{instance}' reads as JSON-LD (a keyword or a blank node): a key here cannot "
                "start with '@' or '_:'",
            )
        ]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = schema.get("properties", {})
        owner = schema.get("title", "object")
        standard = schema.get("x-kreislauf-standard", "UNTP")
        return [
            FieldError(
                json_pointer([*path, name]),
                f"unknown property '{name}' (not part of the {standard} {owner})",
            )
            for name in sorted(instance)
            if name not in known
        ]

    field = field_name(path)
    # A keyword the schema may gain later: jsonschema's wording beats dropping the error.
    rule = describe_rule(keyword, value) or error.message
    if field == "the passport":
        return [FieldError(json_pointer(path), f"the passport {rule}")]
    return [FieldError(json_pointer(path), f"'{field}' {rule}")]
