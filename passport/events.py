"""Lifecycle events: what may happen to a product, who may say so, and how it reads in EPCIS.

A request body names a ``type``, an ``eventTime`` with its UTC offset, and the details of that
type under a key of the same name (``schemas/event.schema.json``). Each type maps to a CBV 2.0
business step and disposition (our own documented URIs under ``OURS`` where CBV has none), to
the roles that may record it, and to the product's life status afterwards.

Events are append-only. A ``correction`` declares an earlier event wrong; the product's status
and ownership count are always derived from the whole history, so a correction undoes the
wrong event's effect without rewriting anything. In EPCIS a correction is an error declaration:
a copy of the wrong event with the same eventID plus an ``errorDeclaration``.

EventIDs are CBV 2.0 event hashes (``ni:///sha-256;…?ver=CBV2.0``, ``passport.epcis_hash``),
the same the reference generator (RalphTro/epcis-event-hash-generator) computes from the
served document. That generator reads any string value that is spelt like a CBV term used in
the document as that term, so what we emit never is: our own ``kreislauf:eventType`` is left
out where it would only repeat the business step, and free text that is exactly such a word
is refused when the event is recorded (a document's later events could otherwise change how
an earlier event hashes).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from passport import epcis_hash
from passport.documents import (
    describe_rule,
    error_rule,
    json_pointer,
    load_schema,
    schema_validator,
)
from passport.errors import Conflict, FieldError, Forbidden, InvalidDocument

__all__ = [
    "CBV",
    "EPCIS_CONTEXT",
    "EVENT_NAMESPACES",
    "EVENT_TYPES",
    "KREISLAUF_NS",
    "OURS",
    "REGISTRY_ROLE",
    "STATUSES",
    "TERMINAL",
    "EventType",
    "NewEvent",
    "check_allowed",
    "derive_status",
    "disposition_for",
    "epcis_document",
    "emitted_vocabulary",
    "epcis_event",
    "event_hash",
    "may_record",
    "ownership_changes",
    "parse_event",
    "prehash",
    "status_for",
]

STATUSES = ("active", "in_use", "under_repair", "end_of_life", "recycled", "destroyed")
TERMINAL = frozenset({"recycled", "destroyed"})
CBV = "https://ref.gs1.org/cbv/"
# Our own terms where CBV 2.0 has none (refurbishing, recycling, ...). CBV allows user
# vocabulary outside its namespaces; these are documented at this address.
OURS = "https://w3id.org/kreislauf/cbv/"
KREISLAUF_NS = "https://w3id.org/kreislauf#"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# The prefixes our EPCIS documents declare inline; the event hash names extensions by them.
EVENT_NAMESPACES = {"kreislauf": KREISLAUF_NS}

# The same five roles as passport.access; not imported from there because that module needs
# the database models and this one must stay free of them.
_ROLES = ("manufacturer", "repairer", "refurbisher", "recycler", "authority")
# The registry's own organisation (passport.transfers) records one thing only: a handover
# between private holders confirmed with a transfer code, where no organisation took part.
# It has no API keys and no users, so nobody can record anything else in its name.
REGISTRY_ROLE = "registry"

# The future is allowed this much slack: recorders' clocks drift, and a volunteer typing
# "14:00" at 13:58 is not recording the future.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_YEAR = 1900


@dataclass(frozen=True)
class EventType:
    """One kind of lifecycle event and how it reads in CBV 2.0."""

    name: str
    biz_step: str
    disposition: str | None
    action: str
    roles: frozenset[str]
    status_after: str | None


def _type(
    name: str,
    biz_step: str,
    disposition: str | None,
    roles: Iterable[str],
    status_after: str | None,
    action: str = "OBSERVE",
) -> EventType:
    return EventType(name, biz_step, disposition, action, frozenset(roles), status_after)


# The CBV mapping. Definitions quoted are from CBV 2.0 (Ontology/CBV.ttl).
EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        # "associating an instance-level identifier with a specific object"; EPCIS says the
        # object comes into being for the supply chain with action ADD.
        _type(
            "commissioning",
            CBV + "BizStep-commissioning",
            CBV + "Disp-active",
            (),
            "in_use",
            action="ADD",
        ),
        # retail_selling: "transferring ownership to a customer"; retail_sold: "purchased by a
        # customer". Only the issuer records the first sale: there is no retailer role.
        _type("sale", CBV + "BizStep-retail_selling", CBV + "Disp-retail_sold", (), "in_use"),
        # repairing: "a malfunctioning product is repaired ... without replacing it by a new
        # one". Disposition and status depend on the outcome: see disposition_for/status_for.
        _type("repair", CBV + "BizStep-repairing", None, ("repairer", "refurbisher"), None),
        # CBV has no maintenance step; inspecting is about packaging and seals in transit.
        _type("maintenance", OURS + "BizStep-maintaining", None, ("repairer", "refurbisher"), None),
        # replacing: "an object is substituted or exchanged for another object" -- the part.
        # installing/removing would say the product itself goes into or out of a composite.
        _type(
            "part_replacement",
            CBV + "BizStep-replacing",
            None,
            ("repairer", "refurbisher"),
            None,
        ),
        # available: "returned to service or to the supply chain". The product is ready for
        # another life but not yet in anyone's use, hence "active" (not "in_use"); this also
        # lifts an end_of_life status when a collected product is refurbished.
        _type(
            "refurbishment",
            OURS + "BizStep-refurbishing",
            CBV + "Disp-available",
            ("refurbisher",),
            "active",
        ),
        # A later sale is the same business step as the first; our eventType extension and the
        # stored type tell them apart (the consumer page counts both as ownership changes).
        _type(
            "resale",
            CBV + "BizStep-retail_selling",
            CBV + "Disp-retail_sold",
            ("refurbisher",),
            "in_use",
        ),
        # decommissioning: "disassociating an instance-level identifier with an object ... may be
        # re-commissioned ... only with a new instance-level identifier" -- exactly what
        # remanufacturing does to this passport (the product lives on under a new one).
        # inactive: "decommissioned object that may be reintroduced to the supply chain".
        # DELETE: the EPC ceases to be used (EPCIS 2.0, ObjectEvent action).
        _type(
            "remanufacture",
            CBV + "BizStep-decommissioning",
            CBV + "Disp-inactive",
            ("manufacturer",),
            "end_of_life",
            action="DELETE",
        ),
        # CBV has a recalled disposition ("non-sellable because of public safety reasons") but
        # no recalling step. A recall warns; it does not change where the product is in life.
        _type("recall", OURS + "BizStep-recalling", CBV + "Disp-recalled", ("authority",), None),
        # collecting: "picked up and collected for future disposal, recycling or re-use";
        # disposed: "returned for disposal". A refurbishment can still revive it.
        _type(
            "collection",
            CBV + "BizStep-collecting",
            CBV + "Disp-disposed",
            ("recycler",),
            "end_of_life",
        ),
        # disassembling: "broken down into separate ... component parts". No CBV disposition
        # says "taken apart", so none is claimed.
        _type("disassembly", CBV + "BizStep-disassembling", None, ("recycler",), "end_of_life"),
        # No CBV recycling step. destroyed: "fully rendered non-usable" -- true of the product
        # once its materials are recovered; DELETE because no later event should name it.
        _type(
            "recycling",
            OURS + "BizStep-recycling",
            CBV + "Disp-destroyed",
            ("recycler",),
            "recycled",
            action="DELETE",
        ),
        # destroying: "the object should not be the subject of subsequent events".
        _type(
            "destruction",
            CBV + "BizStep-destroying",
            CBV + "Disp-destroyed",
            ("recycler",),
            "destroyed",
            action="DELETE",
        ),
        # Never emitted as its own EPCIS event (it becomes an error declaration); the step is
        # what the database stores. Anyone may file one; the history layer accepts it only from
        # the organisation that recorded the corrected event.
        _type("correction", OURS + "BizStep-correcting", None, _ROLES, None),
    )
}

# ORDS repair_status -> CBV disposition.
_REPAIR_DISPOSITIONS = {
    # available: "returned to service ... (e.g., following a successfully completed repairing
    # step)".
    "fixed": CBV + "Disp-available",
    # unavailable: "removed from service ... (e.g., pending repair)". needs_replacement was the
    # other candidate, but "repairable" also covers waiting for time or skills, not only parts.
    "repairable": CBV + "Disp-unavailable",
    # non_conformant: "outcome of an unsuccessful/failed inspection in an inspecting or
    # repairing step" -- "the opposite of available".
    "end_of_life": CBV + "Disp-non_conformant",
}
_REPAIR_STATUSES = {"fixed": "in_use", "repairable": "under_repair", "end_of_life": "end_of_life"}
_OWNERSHIP = frozenset({"sale", "resale"})


def disposition_for(event_type: str, details: Mapping[str, Any]) -> str | None:
    """The CBV disposition (full URI) an event of this type and details states, or None."""
    if event_type == "repair":
        return _REPAIR_DISPOSITIONS.get(str(details.get("outcome")))
    return EVENT_TYPES[event_type].disposition


def status_for(event_type: str, details: Mapping[str, Any]) -> str | None:
    """The product's life status after such an event; None when the event does not change it."""
    if event_type == "repair":
        return _REPAIR_STATUSES.get(str(details.get("outcome")))
    return EVENT_TYPES[event_type].status_after


def may_record(event_type: str, role: str, *, is_issuer: bool) -> bool:
    """Whether an organisation of ``role`` may record this type of event on a product.

    The issuer may record anything on its own products. Others by role: repairers repair,
    maintain and replace parts on any product; refurbishers also refurbish and resell;
    recyclers collect, disassemble, recycle and destroy; authorities recall; another
    manufacturer remanufactures. Anyone may file a correction here: the history layer accepts
    it only from the organisation that recorded the corrected event.
    """
    kind = EVENT_TYPES.get(event_type)
    if role == REGISTRY_ROLE:
        return event_type == "resale"
    if kind is None or role not in _ROLES:
        return False
    return is_issuer or role in kind.roles


def _who_may(kind: EventType) -> str:
    if not kind.roles:
        return "only the product's issuer may"
    plural = [f"{role}s" for role in _ROLES if role in kind.roles]
    listed = plural[0] if len(plural) == 1 else ", ".join(plural[:-1]) + " and " + plural[-1]
    return f"only the product's issuer and {listed} may"


# --- parsing a request ----------------------------------------------------------------------


@dataclass(frozen=True)
class NewEvent:
    """A validated event request, before the registry decides whether it may be recorded."""

    type: str
    event_time: datetime  # aware, UTC, millisecond precision
    offset: str  # "+01:00" as given; "Z" becomes "+00:00"
    details: dict[str, Any]
    corrects: int | None


def event_schema() -> dict[str, Any]:
    """The JSON Schema of an event request body (shared: copy before editing)."""
    return load_schema("event.schema.json")


def _validator() -> Draft202012Validator:
    return schema_validator("event.schema.json")


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})?"
)
# EPCIS eventTimeZoneOffset: -13:59 ... +14:00 (EPCIS-JSON-Schema.json, Event).
_EPCIS_OFFSET = re.compile(r"[+-]((0\d|1[0-3]):[0-5]\d|14:00)")


def _offset_tz(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def _parse_rfc3339(text: str) -> tuple[datetime, str | None]:
    """Parse an RFC 3339 date-time; the offset is None when the text has none (naive).

    Raises ValueError for anything else. Digits beyond microseconds are dropped.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction = (match.group(7) or "").ljust(6, "0")[:6]
    moment = datetime(year, month, day, hour, minute, second, int(fraction))
    offset = match.group(8)
    if offset is None:
        return moment, None
    offset = "+00:00" if offset in ("Z", "z") else offset
    if int(offset[1:3]) > 23 or int(offset[4:6]) > 59:
        raise ValueError(text)
    return moment.replace(tzinfo=_offset_tz(offset)), offset


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the registry stores UTC, so naive means UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _field_name(path: Sequence[str | int]) -> str:
    indices = ""
    for part in reversed(path):
        if isinstance(part, int):
            indices = f"[{part}]{indices}"
        else:
            return f"{part}{indices}"
    return f"the event{indices}"


def _field_errors(error: ValidationError, body: Mapping[str, Any]) -> list[FieldError]:
    """Translate one jsonschema error into plain-English errors located by JSON pointers."""
    path = list(error.absolute_path)
    keyword, value, schema = error_rule(error)
    instance = error.instance

    if "propertyNames" in error.absolute_schema_path:
        # Only the top level restricts property names: the details of another type.
        # Unknown names are reported once, by additionalProperties.
        if instance not in EVENT_TYPES:
            return []
        return [
            FieldError(
                json_pointer([*path, instance]),
                f"'{instance}' details do not belong to a '{body.get('type')}' event; "
                f"put the details under '{body.get('type')}'",
            )
        ]
    if keyword == "required" and isinstance(instance, dict):
        return [
            FieldError(json_pointer([*path, name]), f"'{name}' is required")
            for name in value
            if name not in instance
        ]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = schema.get("properties", {})
        if not path:
            where = "an event: it has 'type', 'eventTime' and the details of its type"
        elif "title" in schema:
            where = f"{schema['title'].lower()} details"
        else:
            where = f"'{_field_name(path)}', which has " + ", ".join(known)
        return [
            FieldError(
                json_pointer([*path, name]), f"unknown property '{name}' (not part of {where})"
            )
            for name in sorted(instance)
            if name not in known
        ]

    field = _field_name(path)
    if keyword == "pattern" and value == "^https?://":
        rule = "must be an http:// or https:// URI"
    elif keyword == "not":
        rule = schema.get("description", "is not allowed here")
    elif keyword == "minProperties" and value == 1:
        rule = "must not be empty"
        if path == ["part_replacement"]:
            rule += ": name the removed part, the installed part or both"
    else:
        # A keyword the schema may gain later: jsonschema's wording beats dropping the error.
        rule = describe_rule(keyword, value) or error.message
    return [FieldError(json_pointer(path), f"'{field}' {rule}" if path else f"{field} {rule}")]


def _check_event_time(value: str, now: datetime) -> tuple[datetime | None, str, list[FieldError]]:
    pointer = "/eventTime"
    example = "e.g. 2026-05-03T14:00:00+01:00"
    try:
        moment, offset = _parse_rfc3339(value)
    except ValueError:
        message = f"'eventTime' must be an RFC 3339 date-time with a UTC offset, {example}"
        return None, "", [FieldError(pointer, message)]
    if offset is None:
        return None, "", [FieldError(pointer, "'eventTime' must include a UTC offset, e.g. +01:00")]
    if not _EPCIS_OFFSET.fullmatch(offset):
        message = "'eventTime' must have a UTC offset between -13:59 and +14:00"
        return None, "", [FieldError(pointer, message)]
    # Catches typos such as "0202-05-03", and keeps every time renderable in any offset
    # (year 1 at +01:00 is year 0 in UTC, which datetime cannot hold).
    if moment.year < EARLIEST_YEAR:
        message = f"'eventTime' is before {EARLIEST_YEAR}; check the year"
        return None, offset, [FieldError(pointer, message)]
    # EPCIS hashes times at millisecond precision: keeping finer digits would let two
    # renderings of one stored event disagree on where to round.
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # past 9999-12-31 in UTC: the future by any measure
        utc = datetime.max.replace(tzinfo=UTC)
    utc = utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    latest = _as_utc(now) + CLOCK_SKEW
    if utc > latest:
        message = (
            f"'eventTime' is in the future (the registry's time is "
            f"{_utc_text(_as_utc(now), 'seconds')}); record events once they have happened"
        )
        return None, offset, [FieldError(pointer, message)]
    return utc, offset, []


def parse_event(body: object, *, now: datetime) -> NewEvent:
    """Validate an event request body; raise ``InvalidDocument`` listing every problem."""
    if not isinstance(body, dict):
        raise InvalidDocument(
            "The event has 1 problem", [FieldError("", "the event must be a JSON object")]
        )
    found: dict[tuple[str, str], FieldError] = {}
    for error in _validator().iter_errors(body):
        # eventTime's format is checked below, with messages that say what is wrong with it.
        if list(error.absolute_path) == ["eventTime"] and error.validator == "format":
            continue
        for field_error in _field_errors(error, body):
            found.setdefault((field_error.pointer, field_error.message), field_error)

    # A correction's details go into its errorDeclaration, which the event hash leaves out.
    if body.get("type") in EVENT_TYPES and body["type"] != "correction":
        for field_error in _cbv_lookalikes(body.get(body["type"]), f"/{body['type']}"):
            found.setdefault((field_error.pointer, field_error.message), field_error)

    event_time: datetime | None = None
    offset = ""
    raw_time = body.get("eventTime")
    if isinstance(raw_time, str):
        event_time, offset, time_errors = _check_event_time(raw_time, now)
        for field_error in time_errors:
            found.setdefault((field_error.pointer, field_error.message), field_error)

    if found or event_time is None:
        errors = [found[key] for key in sorted(found)]
        noun = "problem" if len(errors) == 1 else "problems"
        raise InvalidDocument(f"The event has {len(errors)} {noun}", errors=errors)

    event_type: str = body["type"]
    details: dict[str, Any] = copy.deepcopy(body.get(event_type, {}))
    corrects = int(details["corrects"]) if event_type == "correction" else None
    if corrects is not None:
        details["corrects"] = corrects  # 3.0 is a valid JSON Schema integer; store 3
    return NewEvent(event_type, event_time, offset, details, corrects)


@cache
def emitted_vocabulary() -> frozenset[str]:
    """Every CBV term our EPCIS documents can hold: business steps, dispositions, error reasons."""
    terms = {kind.biz_step for kind in EVENT_TYPES.values()}
    terms |= {kind.disposition for kind in EVENT_TYPES.values() if kind.disposition}
    terms |= set(_REPAIR_DISPOSITIONS.values()) | set(_ERROR_REASONS.values())
    return frozenset(term for term in terms if term.startswith(CBV))


def _cbv_lookalikes(value: Any, pointer: str) -> list[FieldError]:
    """Text spelt like the end of a CBV term we emit ("active", "Disp-active", ...).

    The CBV 2.0 reference event-hash generator replaces such a value, wherever it stands, by
    the term when the document holds it, so the event's ID would depend on its neighbours.
    """
    if isinstance(value, str):
        matches = epcis_hash.bare_word_matches(value, emitted_vocabulary())
        if matches:
            return [
                FieldError(
                    pointer,
                    f"{value!r} is spelt like the CBV term {matches[0]}, which EPCIS tools "
                    "would read in its place; write it differently, e.g. capitalised or as a "
                    "sentence",
                )
            ]
    elif isinstance(value, list):
        return [e for i, item in enumerate(value) for e in _cbv_lookalikes(item, f"{pointer}/{i}")]
    elif isinstance(value, dict):
        return [
            e
            for key, item in value.items()
            for e in _cbv_lookalikes(item, pointer + json_pointer([key]))
        ]
    return []


def check_allowed(
    event: NewEvent,
    *,
    role: str,
    is_issuer: bool,
    life_status: str,
    commissioned_at: datetime,
) -> None:
    """Raise when this organisation may not record ``event`` on the product as it stands now."""
    kind = EVENT_TYPES[event.type]
    if not may_record(event.type, role, is_issuer=is_issuer):
        raise Forbidden(
            f"A {role} cannot record a '{event.type}' event on another organisation's product: "
            f"{_who_may(kind)}."
        )
    if life_status in TERMINAL and event.type != "correction":
        raise Conflict(
            f"The product's life has ended ({life_status}); only corrections can be recorded "
            "now. If that was a mistake, its recorder can correct it."
        )
    start = _as_utc(commissioned_at)
    if event.event_time < start:
        raise InvalidDocument(
            "The event has 1 problem",
            [
                FieldError(
                    "/eventTime",
                    "'eventTime' is before the product was commissioned "
                    f"({_utc_text(start, 'seconds')})",
                )
            ],
        )


# --- the life of a product, from its history -------------------------------------------------

# (type, details, corrects): corrects is the seq of the event a correction declares wrong.
EventSummary = tuple[str, Mapping[str, Any], int | None]


def _standing(events: Sequence[EventSummary]) -> list[EventSummary]:
    """The events that stand: not declared wrong by a correction that itself stands.

    The i-th event (from 0) has seq i + 1: the history layer numbers events 1, 2, 3, ... per
    passport without gaps. Walking backwards settles a correction of a correction before
    the event it would otherwise undo.
    """
    wrong: set[int] = set()
    standing: list[EventSummary] = []
    for index in range(len(events) - 1, -1, -1):
        event_type, details, corrects = events[index]
        if index + 1 in wrong:
            continue
        if event_type == "correction" and corrects is not None:
            wrong.add(corrects)
        standing.append((event_type, details, corrects))
    standing.reverse()
    return standing


def derive_status(events: Sequence[EventSummary]) -> str:
    """The product's life status after ``events`` (in seq order, corrections included)."""
    status = "active"
    for event_type, details, _ in _standing(events):
        after = status_for(event_type, details)
        if after is not None:
            status = after
    return status


def ownership_changes(events: Sequence[EventSummary]) -> int:
    """How many times the product changed hands (sales and resales that stand). Never who."""
    return sum(1 for event_type, _, _ in _standing(events) if event_type in _OWNERSHIP)


# --- EPCIS 2.0 -------------------------------------------------------------------------------

_ERROR_REASONS = {
    "incorrect_data": CBV + "ER-incorrect_data",
    "did_not_occur": CBV + "ER-did_not_occur",
}


def _utc_text(moment: datetime, timespec: str = "milliseconds") -> str:
    return _as_utc(moment).replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def _local_text(moment: datetime, offset: str) -> str:
    """RFC 3339 in the recorder's offset, with milliseconds only when there are any."""
    local = _as_utc(moment).astimezone(_offset_tz(offset)).replace(tzinfo=None)
    timespec = "milliseconds" if local.microsecond else "seconds"
    # The offset is written as given: "-00:00" (offset unknown, RFC 3339) stays "-00:00".
    return local.isoformat(timespec=timespec) + offset


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
) -> dict[str, Any]:
    """One event as an EPCIS 2.0 JSON-LD ObjectEvent (without @context: see epcis_document).

    ``epc`` is the passport's canonical URI (a GS1 Digital Link for GS1-identified products),
    ``recorder`` the recording organisation's URI or DID, never a person. ``related`` is the
    registry URI of the part's passport (part_replacement) or of the new product's passport
    (remanufacture), when the registry holds it.

    A correction returns a copy of ``corrects_event`` (the corrected event as this function
    built it) with the same eventID and an ``errorDeclaration`` (EPCIS 2.0, 7.4.1.3); the
    event hash leaves errorDeclaration and recordTime out, so the eventID stays the same.
    """
    if event_type == "correction":
        if corrects_event is None:
            raise ValueError("a correction needs the corrected event (corrects_event)")
        return _error_declaration(
            corrects_event,
            declared_at=_local_text(event_time, offset),
            details=details,
            recorder=recorder,
            recorded_at=recorded_at,
        )

    kind = EVENT_TYPES[event_type]
    body: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": _local_text(event_time, offset),
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
    if details:
        body["kreislauf:details"] = _namespaced(copy.deepcopy(dict(details)))
    if related is not None:
        body["kreislauf:relatedPassport"] = related
    event_id = event_hash(body)
    return {
        "type": body.pop("type"),
        "eventID": event_id,
        "eventTime": body.pop("eventTime"),
        "eventTimeZoneOffset": body.pop("eventTimeZoneOffset"),
        "recordTime": _utc_text(recorded_at),
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
        "reason": _ERROR_REASONS[str(details["reason"])],
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
    copied["recordTime"] = _utc_text(recorded_at)
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
        "creationDate": _utc_text(created),
        "epcisBody": {"eventList": [dict(event) for event in events]},
    }


# --- CBV 2.0 event hash ----------------------------------------------------------------------


def prehash(event: Mapping[str, Any], *, namespaces: Mapping[str, str] | None = None) -> str:
    """The CBV 2.0 pre-hash string of one event (``passport.epcis_hash.prehash``).

    ``namespaces`` default to the prefixes the registry's EPCIS documents declare.
    """
    return epcis_hash.prehash(
        event, namespaces=EVENT_NAMESPACES if namespaces is None else namespaces
    )


def event_hash(event: Mapping[str, Any], *, namespaces: Mapping[str, str] | None = None) -> str:
    """The CBV 2.0 event hash ID, ``ni:///sha-256;<hex>?ver=CBV2.0``, as served in eventID."""
    return epcis_hash.hash_id(prehash(event, namespaces=namespaces))
