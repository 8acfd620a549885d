"""The passport document: validating what manufacturers submit and building what we serve.

Clients submit a UNTP DPP 0.6.1 ``ProductPassport`` (the credential subject); the registry
serves it wrapped in a W3C VC 2.0 ``DigitalProductPassport``. The submitted document is
checked against our own schema (``schemas/product-passport.schema.json``), which is at least
as strict as the UNTP one, so everything we serve also satisfies UNTP.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from passport.contexts import passport_contexts
from passport.errors import FieldError, InvalidDocument

# A batch or item passport may leave these to its model passport: they describe the design,
# not the individual item, and repeating them in thousands of item passports invites drift.
INHERITABLE = (
    "conformityClaim",
    "emissionsScorecard",
    "circularityScorecard",
    "dueDiligenceDeclaration",
    "materialsProvenance",
    "traceabilityInformation",
)
PRODUCT_INHERITABLE = (
    "description",
    "productImage",
    "productCategory",
    "furtherInformation",
    "producedByParty",
    "producedAtFacility",
    "countryOfProduction",
    "dimensions",
    "characteristics",
)

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
    checker = Draft202012Validator.FORMAT_CHECKER
    return Draft202012Validator(load_schema(name), format_checker=checker)


SUBJECT_SCHEMA = "product-passport.schema.json"


def subject_schema() -> dict[str, Any]:
    """Return the registry's JSON Schema for a submitted ProductPassport (shared: copy to edit)."""
    return load_schema(SUBJECT_SCHEMA)


def _validator() -> Draft202012Validator:
    return schema_validator(SUBJECT_SCHEMA)


def validate_subject(subject: object) -> None:
    """Raise ``InvalidDocument`` listing every way ``subject`` breaks the passport schema."""
    if not isinstance(subject, dict):
        raise InvalidDocument(
            "The passport document has 1 problem",
            errors=[FieldError("", "the passport must be a JSON object")],
        )
    found: dict[tuple[str, str], FieldError] = {}
    for error in _validator().iter_errors(subject):
        for field_error in _field_errors(error):
            # `required` reports each missing property separately but we rebuild the list from
            # the instance, so the same error can come out twice.
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
    if keyword == "format":
        return "must be " + _FORMATS.get(value, f"a valid {value}")
    if keyword in _BOUNDS:
        return _BOUNDS[keyword].format(value)
    return None


def _field_name(path: Sequence[str | int]) -> str:
    """Name the value at ``path`` as a reader would, e.g. ``productCategory[1]``."""
    indices = ""
    for part in reversed(path):
        if isinstance(part, int):
            indices = f"[{part}]{indices}"
        else:
            return f"{part}{indices}"
    return f"the passport{indices}"


def error_rule(error: ValidationError) -> tuple[str, Any, Mapping[str, Any]]:
    """The keyword a jsonschema error broke, the keyword's value and the (sub)schema holding it.

    jsonschema types these as possibly unset; for an error from ``iter_errors`` they are set.
    """
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    return str(error.validator), error.validator_value, schema


def _field_errors(error: ValidationError) -> list[FieldError]:
    """Translate one jsonschema error into plain-English errors located by JSON pointers."""
    path = list(error.absolute_path)
    keyword, value, schema = error_rule(error)
    instance = error.instance

    if keyword == "required" and isinstance(instance, dict):
        return [
            FieldError(json_pointer([*path, name]), f"'{name}' is required")
            for name in value
            if name not in instance
        ]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = schema.get("properties", {})
        owner = schema.get("title", "object")
        return [
            FieldError(
                json_pointer([*path, name]),
                f"unknown property '{name}' (not part of the UNTP {owner})",
            )
            for name in sorted(instance)
            if name not in known
        ]

    field = _field_name(path)
    # A keyword the schema may gain later: jsonschema's wording beats dropping the error.
    rule = describe_rule(keyword, value) or error.message
    if field == "the passport":
        return [FieldError(json_pointer(path), f"the passport {rule}")]
    return [FieldError(json_pointer(path), f"'{field}' {rule}")]


def inherit(
    subject: dict[str, Any], model_subject: dict[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """Fill what ``subject`` leaves out from its model passport; say what was filled in.

    Returns a deep copy of ``subject`` and the sorted names of the inherited properties
    (product ones as ``product.<name>``). The subject's own values always win, even empty ones:
    an empty list is a statement ("no claims"), not an omission.
    """
    result = copy.deepcopy(subject)
    inherited: list[str] = []
    if not model_subject:
        return result, inherited

    for name in INHERITABLE:
        if name not in result and name in model_subject:
            result[name] = copy.deepcopy(model_subject[name])
            inherited.append(name)

    product = result.get("product")
    model_product = model_subject.get("product")
    if isinstance(product, dict) and isinstance(model_product, dict):
        for name in PRODUCT_INHERITABLE:
            if name not in product and name in model_product:
                product[name] = copy.deepcopy(model_product[name])
                inherited.append(f"product.{name}")

    return result, sorted(inherited)


def _add_default_types(value: Any, node: dict[str, Any], defs: dict[str, Any]) -> None:
    """Give each object whose schema has a default ``type`` that type, where it has none.

    UNTP marks ``type`` read-only with a default, so the issuer may leave it out; but the UNTP
    context defines the terms of a Classification, Claim, Standard and the like only under
    their type, so a JSON-LD reader would drop all of them from an untyped object. The served
    credential always carries the type, as the first key, where UNTP's examples put it.
    """
    while "$ref" in node:
        node = defs[node["$ref"].removeprefix("#/$defs/")]
    if isinstance(value, list) and "items" in node:
        for item in value:
            _add_default_types(item, node["items"], defs)
    elif isinstance(value, dict):
        properties: dict[str, Any] = node.get("properties", {})
        default = properties.get("type", {}).get("default")
        if default is not None and "type" not in value:
            rest = list(value.items())
            value.clear()
            value["type"] = list(default)
            value.update(rest)
        for name, item in value.items():
            if name != "type" and name in properties:
                _add_default_types(item, properties[name], defs)


def _rfc3339_utc(moment: datetime) -> str:
    """Format ``moment`` as ``YYYY-MM-DDTHH:MM:SSZ``, the form UNTP's validFrom pattern wants."""
    # SQLite hands back naive datetimes; the registry stores UTC, so naive means UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return utc.isoformat(timespec="seconds") + "Z"


def build_credential(
    *,
    base_url: str,
    subject: dict[str, Any],
    credential_id: str,
    canonical_uri: str,
    issuer_id: str,
    issuer_name: str,
    valid_from: datetime,
    status: str,
    version: int,
    previous_version: str | None = None,
    model_passport: str | None = None,
    batch_passport: str | None = None,
    inherited: list[str] | None = None,
    remanufactured_from: str | None = None,
    registered_by: str | None = None,
) -> dict[str, Any]:
    """Wrap a validated subject in the W3C VC 2.0 ``DigitalProductPassport`` the registry serves.

    Keys keep the submitted order, with ``type`` (and the product's ``id``) first, so that two
    versions of a passport diff cleanly. ``registered_by`` marks a community passport: the
    URI (a DID) of the repairer that registered the product, which is then also the issuer.
    ``base_url`` is the registry's origin, which serves the Kreislauf context the credential
    names.
    """
    body = copy.deepcopy(subject)
    schema = subject_schema()
    _add_default_types(body, schema, schema["$defs"])
    product = body.get("product")
    product = product if isinstance(product, dict) else {}
    # The registry's URI is the product's identity: it is what the QR code and resolver serve.
    product.pop("id", None)
    product_out = {"type": product.pop("type", ["Product"]), "id": canonical_uri, **product}

    credential_subject: dict[str, Any] = {"type": body.pop("type", ["ProductPassport"])}
    credential_subject.update(body)
    credential_subject["product"] = product_out

    credential: dict[str, Any] = {
        "@context": passport_contexts(base_url),
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        "id": credential_id,
        "issuer": {"type": ["CredentialIssuer"], "id": issuer_id, "name": issuer_name},
        "validFrom": _rfc3339_utc(valid_from),
        "credentialSubject": credential_subject,
        "passportStatus": status,
        "passportVersion": version,
    }
    if previous_version is not None:
        credential["previousVersion"] = previous_version
    if model_passport is not None:
        credential["modelPassport"] = model_passport
    if batch_passport is not None:
        credential["batchPassport"] = batch_passport
    if inherited:
        credential["inheritedProperties"] = list(inherited)
    if remanufactured_from is not None:
        # ESPR Art. 11(d): a new passport for a remanufactured product links to the original.
        credential["remanufacturedFrom"] = remanufactured_from
    if registered_by is not None:
        # kreislauf:registeredBy: registered by a repairer for a product without a GS1
        # number, not issued by its manufacturer. Readers must not take it for the maker's word.
        credential["registeredBy"] = registered_by
    return credential
