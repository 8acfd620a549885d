"""Events and a passport's history as EPCIS 2.0 JSON-LD (ObjectEvents in an EPCISDocument).

Each event type reads as its CBV 2.0 business step, disposition and action
(``passport.events.catalogue``); our own details and the recorder go under the ``kreislauf:``
prefix the document declares inline; battery measurements are a ``sensorElementList``
(``passport.events.sensors``). A correction is an error declaration: a copy of the wrong
event with the same eventID plus an ``errorDeclaration``.

EventIDs are CBV 2.0 event hashes (``ni:///sha-256;…?ver=CBV2.0``, ``passport.events.hashing``),
the same the reference generator (RalphTro/epcis-event-hash-generator) computes from the
served document. That generator reads any string value that is spelt like a CBV term used in
the document as that term, so what we emit never is: our own ``kreislauf:eventType`` is left
out where it would only repeat the business step, and free text that is exactly such a word
is refused when the event is recorded (``passport.events.parsing``; a document's later events
could otherwise change how an earlier event hashes).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from passport.events.catalogue import CBV, ERROR_REASONS, EVENT_TYPES, disposition_for
from passport.events.hashing import event_hash
from passport.events.sensors import sensor_element
from passport.events.times import local_text, utc_text

KREISLAUF_NS = "https://w3id.org/kreislauf#"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# The prefixes our EPCIS documents declare inline; the event hash names extensions by them.
EVENT_NAMESPACES = {"kreislauf": KREISLAUF_NS}


def event_id(event: Mapping[str, Any]) -> str:
    """The eventID the registry serves: ``ni:///sha-256;<hex>?ver=CBV2.0``.

    The CBV 2.0 event hash of ``event`` read with the prefixes our EPCIS documents declare.
    """
    return event_hash(event, namespaces=EVENT_NAMESPACES)


def _bare(uri: str, kind: str) -> str:
    """CBV terms in the bare-word form the EPCIS JSON-LD context expands; ours stay URIs."""
    prefix = CBV + kind + "-"
    return uri.removeprefix(prefix) if uri.startswith(prefix) else uri


def _namespaced(value: Any) -> Any:
    """Our details with every key as a ``kreislauf:`` term.

    Nested keys need a namespace too: the EPCIS context has no @vocab, so a JSON-LD processor
    drops bare nested keys, and the event hash names extension elements by namespace.
    """
    if isinstance(value, dict):
        return {f"kreislauf:{key}": _namespaced(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_namespaced(item) for item in value]
    return value


def epcis_event(
    *,
    event_type: str,
    event_time: datetime,
    offset: str,
    epc: str,
    details: Mapping[str, Any],
    recorder: str,
    recorded_at: datetime,
    corrects_event: Mapping[str, Any] | None = None,
    related: str | None = None,
    salt: str | None = None,
) -> dict[str, Any]:
    """One event as an EPCIS 2.0 JSON-LD ObjectEvent (without @context: see epcis_document).

    ``epc`` is the passport's canonical URI (a GS1 Digital Link for GS1-identified products),
    ``recorder`` the recording organisation's URI or DID, never a person. ``related`` is the
    registry URI of the part's passport (part_replacement) or of the new product's passport
    (remanufacture), when the registry holds it. ``salt`` is a measured event's
    ``content_salt``, hashed with its measurements (``passport.events.sensors``).

    A correction returns a copy of ``corrects_event`` (the corrected event as this function
    built it) with the same eventID and an ``errorDeclaration`` (EPCIS 2.0, 7.4.1.3); the
    event hash leaves errorDeclaration and recordTime out, so the eventID stays the same.
    """
    if event_type == "correction":
        if corrects_event is None:
            raise ValueError("a correction needs the corrected event (corrects_event)")
        return _error_declaration(
            corrects_event,
            declared_at=local_text(event_time, offset),
            details=details,
            recorder=recorder,
            recorded_at=recorded_at,
        )

    kind = EVENT_TYPES[event_type]
    body: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": local_text(event_time, offset),
        "eventTimeZoneOffset": offset,
        "epcList": [epc],
        "action": kind.action,
        "bizStep": _bare(kind.biz_step, "BizStep"),
    }
    disposition = disposition_for(event_type, details)
    if disposition is not None:
        body["disposition"] = _bare(disposition, "Disp")
    # sale and resale share a business step; our type keeps them apart for EPCIS readers. It is
    # left out where it would only repeat the step: event-hash tools read a bare value spelt
    # like a CBV term used in the document ("commissioning") as that term.
    if body["bizStep"] != event_type:
        body["kreislauf:eventType"] = event_type
    body["kreislauf:recordedBy"] = recorder
    rest = {key: value for key, value in details.items() if key != "measurements"}
    if rest:
        body["kreislauf:details"] = _namespaced(copy.deepcopy(rest))
    if details.get("measurements"):
        body["sensorElementList"] = [sensor_element(details["measurements"], salt)]
    if related is not None:
        body["kreislauf:relatedPassport"] = related
    identifier = event_id(body)
    return {
        "type": body.pop("type"),
        "eventID": identifier,
        "eventTime": body.pop("eventTime"),
        "eventTimeZoneOffset": body.pop("eventTimeZoneOffset"),
        "recordTime": utc_text(recorded_at),
        **body,
    }


def _error_declaration(
    corrected: Mapping[str, Any],
    *,
    declared_at: str,
    details: Mapping[str, Any],
    recorder: str,
    recorded_at: datetime,
) -> dict[str, Any]:
    declaration: dict[str, Any] = {
        "declarationTime": declared_at,
        "reason": ERROR_REASONS[str(details["reason"])],
        # A corrective event, if any, is recorded after the declaration and cannot be named
        # here without editing an append-only history.
        "correctiveEventIDs": [],
        "kreislauf:declaredBy": recorder,
    }
    if details.get("explanation"):
        declaration["kreislauf:explanation"] = details["explanation"]
    copied = copy.deepcopy(dict(corrected))
    copied.pop("errorDeclaration", None)
    # Everything as in the original except recordTime, which is when this copy was captured.
    copied["recordTime"] = utc_text(recorded_at)
    copied["errorDeclaration"] = declaration
    return copied


def epcis_document(
    events: Sequence[Mapping[str, Any]], *, document_id: str, created: datetime
) -> dict[str, Any]:
    """An EPCIS 2.0 JSON-LD document holding ``events`` (as built by ``epcis_event``)."""
    return {
        "@context": [EPCIS_CONTEXT, dict(EVENT_NAMESPACES)],
        "id": document_id,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": utc_text(created),
        "epcisBody": {"eventList": [dict(event) for event in events]},
    }
