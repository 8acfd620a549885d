"""A passport's history as a UNTP 0.7.0 Digital Traceability Event (DTE) credential.

EPCIS 2.0 (``passport.events.epcis``) stays the registry's event record; this module maps the
same stored events once more, to the three UNTP 0.7.0 ``LifecycleEvent`` kinds, for
``GET /api/v1/passports/{id}/events?format=dte``. The shapes follow the official 0.7.0 DTE
samples (``MakeEvent`` and ``MoveEvent``); there is no official ``ModifyEvent`` sample.

The document is an **unsigned** credential document (no proof, no JWT), as the EPCIS way out is
unsigned: its issuer is the passport's issuer (``did:web`` under the registry, as for the
passport credential), on whose behalf the registry serves the history; each event names the
organisation that recorded it as a ``relatedParty``. Signing would be cheap
(``credentials.signed`` signs any document with the VC key) but would make the passport's
issuer vouch for events other organisations recorded; each event's proof is its log receipt
(``/events/{seq}/receipt``), whose leaf is the EPCIS event this DTE event names by its id.
Each event's ``id`` is its EPCIS eventID (the CBV 2.0 event hash, an RFC 6920 ``ni:`` URI), so
a reader can match the two forms.

Product identity comes from the stored passport row, never from the passport credential's shape:
``id`` is the passport's canonical URI (a GS1 Digital Link for GS1-identified products),
``modelNumber`` the GTIN (or GMN), ``batchNumber`` the lot, ``itemNumber`` the serial.

Facilities: UNTP requires one on every event, and the registry keeps no facility register. The
recording organisation, as the registry knows it (its page on the registry), stands for the
place where it acted; the other side of a sale, resale or collection (a customer or the last
holder) is never recorded, so it is the documented ``UNRECORDED_FACILITY``.

Which kind each event type is, and why (``KINDS``):

- ``commissioning`` → ``MakeEvent``: the product comes into being for the supply chain; no
  inputs are recorded, so ``inputProduct`` is empty; output disposition ``new`` (as the sample).
- ``sale``, ``resale`` → ``MoveEvent`` from the recorder to an unrecorded customer, ``active``.
- ``collection`` → ``MoveEvent`` from the unrecorded holder to the collector, ``disposed``
  (CBV ``disposed``: "returned for disposal").
- ``repair`` → ``ModifyEvent``; ``fixed`` → ``repaired``, ``end_of_life`` → ``expired`` (the one
  value of nine that says the product's useful life is over), ``repairable`` → none (none of the
  nine says "awaiting repair"; a wrong status is worse than none).
- ``refurbishment``, ``part_replacement`` → ``ModifyEvent``, ``repaired``.
- ``remanufacture``, ``repurpose`` → ``ModifyEvent``: this product's identity ends
  (``consumed``, as EPCIS says DELETE); the new product's passport, when the registry holds it,
  is a second ``modifiedProduct`` with ``new``.
- ``maintenance`` → ``ModifyEvent``, ``active``: an intervention on the product, which stays in
  use; the DTE schema names repair and inspection as ``ModifyEvent`` interventions.
- ``inspection`` (measurements) → ``ModifyEvent`` without disposition: nothing about the product
  changed; its measurements are ``sensorData`` (restricted, below).
- ``disassembly``, ``recycling`` → ``MakeEvent``: a transformation that consumes the product
  (input disposition ``consumed``, resp. ``recycled``); the parts and secondary materials made
  are not identified in our events, so ``outputProduct`` is empty.
- ``destruction`` → ``ModifyEvent``, ``disposed``: no output, nothing moves.
- ``recall`` → ``ModifyEvent``, ``recalled``: the product's status changes where it is; UNTP's
  ``recalled`` disposition needs an event to say it, and a recall neither makes nor moves.
- ``correction`` → no DTE of its own: a DTE cannot declare an error (EPCIS has
  ``errorDeclaration``). The corrected event is left out of the DTE, whatever the reason.

Measured values (battery state of health and the other dynamic attributes,
``passport.events.sensors``) are ``sensorData``, and only for a tier that may see them: the
details are read through ``disclosure.views.event_details_view`` before they are mapped, so a
restricted value never enters the document. A status (``batteryStatus``) is no measure and is
left out (EPCIS carries it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from passport.disclosure.tiers import Tier
from passport.disclosure.views import event_details_view
from passport.events.catalogue import CBV, EVENT_TYPES
from passport.events.epcis import KREISLAUF_NS
from passport.events.sensors import ATTRIBUTES, UOM, value_and_unit
from passport.events.times import local_text, utc_text
from passport.models import Event, Organisation, Passport
from passport.routes import Routes
from passport.signing.registry import issuer_did

VC_V2 = "https://www.w3.org/ns/credentials/v2"
UNTP_070 = "https://vocabulary.uncefact.org/untp/0.7.0/context/"
DTE_TYPE = ["DigitalTraceabilityEvent", "VerifiableCredential"]
# The other side of a sale or collection: a person, never recorded (no personal data).
UNRECORDED_FACILITY = {
    "type": ["Facility"],
    "id": KREISLAUF_NS + "UnrecordedFacility",
    "name": "Not recorded (a customer or holder; no personal data is kept)",
}
DPP_LINK_TYPE = "https://test.uncefact.org/vocabulary/linkTypes/dpp"
ONE = "C62"  # UN/CEFACT Rec. 20 "one": the unit of a count

# event type -> (LifecycleEvent kind, the product's disposition after it, recorder's role)
KINDS: dict[str, tuple[str, str | None, str]] = {
    "commissioning": ("MakeEvent", "new", "manufacturer"),
    "sale": ("MoveEvent", "active", "retailer"),
    "resale": ("MoveEvent", "active", "retailer"),
    "collection": ("MoveEvent", "disposed", "recycler"),
    "repair": ("ModifyEvent", None, "serviceProvider"),
    "refurbishment": ("ModifyEvent", "repaired", "remanufacturer"),
    "part_replacement": ("ModifyEvent", "repaired", "serviceProvider"),
    "remanufacture": ("ModifyEvent", "consumed", "remanufacturer"),
    "repurpose": ("ModifyEvent", "consumed", "remanufacturer"),
    "maintenance": ("ModifyEvent", "active", "serviceProvider"),
    "inspection": ("ModifyEvent", None, "inspector"),
    "disassembly": ("MakeEvent", "consumed", "recycler"),
    "recycling": ("MakeEvent", "recycled", "recycler"),
    "destruction": ("ModifyEvent", "disposed", "recycler"),
    "recall": ("ModifyEvent", "recalled", "brandOwner"),
}
# Not served as a DTE (see the module docstring).
LEFT_OUT = frozenset({"correction"})
REPAIR_DISPOSITIONS = {"fixed": "repaired", "end_of_life": "expired"}
# The 0.7.0 EventProduct.disposition values.
DISPOSITIONS = frozenset(
    {
        "new",
        "inTransit",
        "active",
        "repaired",
        "recalled",
        "expired",
        "consumed",
        "recycled",
        "disposed",
    }
)


def disposition(event_type: str, details: Mapping[str, Any]) -> str | None:
    """The product's UNTP disposition after an event of this type and details, or None."""
    if event_type == "repair":
        return REPAIR_DISPOSITIONS.get(str(details.get("outcome")))
    return KINDS[event_type][1]


def product(passport: Passport) -> dict[str, Any]:
    """The passport's product as a UNTP 0.7.0 ``Product`` reference, from the stored row."""
    found: dict[str, Any] = {
        "type": ["Product"],
        "id": passport.uri,
        "name": passport.name,
        "idGranularity": passport.granularity,
    }
    for key, value in (
        ("modelNumber", passport.gtin or passport.gmn),
        ("batchNumber", passport.lot),
        ("itemNumber", passport.serial),
    ):
        if value:
            found[key] = value
    return found


def _event_product(passport: Passport, state: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"product": product(passport)}
    if state is not None:
        item["disposition"] = state
    return item


def _party(base_url: str, org: Organisation) -> dict[str, Any]:
    return {"type": ["Party"], "id": issuer_did(base_url, org), "name": org.name}


def _facility(base_url: str, org: Organisation) -> dict[str, Any]:
    return {
        "type": ["Facility"],
        "id": Routes(base_url).organisation(org.public_id),
        "name": org.name,
    }


def _activity(biz_step: str) -> dict[str, str]:
    """The event's business step as a UNTP Classification (CBV's, or our documented one)."""
    scheme, code = biz_step.rsplit("-", 1) if "BizStep-" in biz_step else (biz_step, biz_step)
    ours = not scheme.startswith(CBV)
    return {
        "code": code,
        "name": code.replace("_", " ").capitalize(),
        "schemeId": scheme,
        "schemeName": "Kreislauf business steps" if ours else "GS1 CBV Business Step",
    }


def sensor_data(measurements: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Measured attributes as UNTP ``SensorData``, one per attribute (statuses left out)."""
    data: list[dict[str, Any]] = []
    for name, attribute in ATTRIBUTES.items():
        if name not in measurements or attribute.kind == "status":
            continue
        value, unit = value_and_unit(name, measurements[name])
        metric = {"type": ["PerformanceMetric"], "id": attribute.measurement_type, "name": name}
        measure = {"value": value, "unit": UOM[unit] if unit is not None else ONE}
        data.append({"metric": metric, "measure": [measure]})
    return data


def _links(base_url: str, passport: Passport, event: Event) -> list[dict[str, Any]]:
    routes = Routes(base_url)
    links = [
        {
            "linkURL": routes.passport(passport.public_id),
            "linkName": f"Digital Product Passport — {passport.name}",
            "mediaType": "application/ld+json",
            "linkType": DPP_LINK_TYPE,
        }
    ]
    if event.related is not None:
        links.append(
            {
                "linkURL": routes.passport(event.related.public_id),
                "linkName": f"Digital Product Passport — {event.related.name}",
                "mediaType": "application/ld+json",
                "linkType": DPP_LINK_TYPE,
            }
        )
    return links


def _places(
    kind: str, event_type: str, here: dict[str, Any], products: list[dict[str, Any]]
) -> dict[str, Any]:
    """The kind's product and facility properties."""
    if kind == "MoveEvent":
        inbound = event_type == "collection"
        return {
            "movedProduct": products,
            "fromFacility": UNRECORDED_FACILITY if inbound else here,
            "toFacility": here if inbound else UNRECORDED_FACILITY,
        }
    if kind == "ModifyEvent":
        return {"modifiedProduct": products, "modifiedAtFacility": here}
    if event_type == "commissioning":
        return {"inputProduct": [], "outputProduct": products, "madeAtFacility": here}
    return {"inputProduct": products, "outputProduct": [], "madeAtFacility": here}


def lifecycle_event(base_url: str, passport: Passport, event: Event, tier: Tier) -> dict[str, Any]:
    """One stored event as a UNTP 0.7.0 LifecycleEvent, as ``tier`` may see it."""
    details = event_details_view(event.details, tier) or {}
    kind, _, role = KINDS[event.type]
    products = [_event_product(passport, disposition(event.type, details))]
    if event.type in ("remanufacture", "repurpose") and event.related is not None:
        products.append(_event_product(event.related, "new"))
    body: dict[str, Any] = {
        "type": [kind, "LifecycleEvent"],
        "id": event.event_id,
        "name": f"{event.type.replace('_', ' ').capitalize()} of {passport.name}",
        "eventDate": local_text(event.event_time, event.time_offset),
        "activityType": _activity(EVENT_TYPES[event.type].biz_step),
        "relatedParty": [{"role": role, "party": _party(base_url, event.recorder)}],
    }
    body |= _places(kind, event.type, _facility(base_url, event.recorder), products)
    if details.get("measurements"):
        body["sensorData"] = sensor_data(details["measurements"])
    body["relatedDocument"] = _links(base_url, passport, event)
    return body


def standing(history: Sequence[Event]) -> list[Event]:
    """The events a DTE carries: neither corrections nor events a correction names."""
    corrected = {e.corrects_pk for e in history if e.corrects_pk is not None}
    return [e for e in history if e.type not in LEFT_OUT and e.pk not in corrected]


def dte_document(
    base_url: str, passport: Passport, history: Sequence[Event], tier: Tier, *, document_url: str
) -> dict[str, Any]:
    """A passport's history as one unsigned UNTP 0.7.0 DTE credential, as ``tier`` may see it.

    ``validFrom`` is when the latest event was recorded (the passport's creation without
    events), so the same history always gives the same document.
    """
    events = standing(history)
    moments = [e.recorded_at for e in history] or [passport.created_at]
    return {
        "@context": [VC_V2, UNTP_070],
        "type": list(DTE_TYPE),
        "id": document_url,
        "issuer": {
            "type": ["CredentialIssuer"],
            "id": issuer_did(base_url, passport.issuer),
            "name": passport.issuer.name,
        },
        "validFrom": utc_text(max(moments), "seconds"),
        "name": f"Lifecycle events of {passport.name}",
        "credentialSubject": [lifecycle_event(base_url, passport, e, tier) for e in events],
    }


__all__ = ["DISPOSITIONS", "KINDS", "LEFT_OUT", "dte_document", "lifecycle_event"]
