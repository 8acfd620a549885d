"""Building the credential: a validated subject wrapped in the W3C VC 2.0
``DigitalProductPassport`` the registry serves, with the links and status a reader needs."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from passport.contexts import passport_contexts
from passport.documents import subject_schema


def _add_default_types(value: Any, node: dict[str, Any], defs: dict[str, Any]) -> None:
    """Give each object whose schema has a default ``type`` that type, where it has none.

    UNTP marks ``type`` read-only with a default, so the issuer may leave it out; but the UNTP
    context defines the terms of a Classification, Claim, Standard and the like only under
    their type, so a JSON-LD reader would drop all of them from an untyped object. The served
    credential always carries the type, as the first key, where UNTP's examples put it.
    """
    while "$ref" in node:
        if not node["$ref"].startswith("#/$defs/"):
            return  # another schema (the battery's): no UNTP type to add inside it
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
    lineage: Mapping[str, str] | None = None,
    latest_measurements: Mapping[str, Any] | None = None,
    registered_by: str | None = None,
    recalls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Wrap a validated subject in the W3C VC 2.0 ``DigitalProductPassport`` the registry serves.

    Keys keep the submitted order, with ``type`` (and the product's ``id``) first, so that two
    versions of a passport diff cleanly. ``registered_by`` marks a community passport: the
    URI (a DID) of the repairer that registered the product, which is then also the issuer.
    ``base_url`` is the registry's origin, which serves the Kreislauf context the credential
    names. ``lineage`` links a remanufactured or repurposed product and its original both ways
    (``remanufacturedFrom``, ``repurposedFrom`` on the new passport; ``remanufacturedInto``,
    ``repurposedInto`` on the original); ``latest_measurements`` is the battery's
    ``latestMeasurements`` section (``passport.credentials.measured``).
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
    # ESPR Art. 11(d), Battery Regulation Art. 77(6): a new passport for a remanufactured or
    # repurposed product links to the original, and the original to it.
    credential.update(lineage or {})
    if latest_measurements:
        credential["latestMeasurements"] = dict(latest_measurements)
    if recalls:
        # kreislauf:recalls: the recalls in force, its batch's and model's included
        # (passport.credentials.recalls): the item's own credential says it is recalled.
        credential["recalls"] = list(recalls)
    if registered_by is not None:
        # kreislauf:registeredBy: registered by a repairer for a product without a GS1
        # number, not issued by its manufacturer. Readers must not take it for the maker's word.
        credential["registeredBy"] = registered_by
    return credential
