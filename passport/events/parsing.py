"""An event request body, validated into a ``NewEvent`` or refused with every problem at once.

The body's shape is ``schemas/event.schema.json``; each jsonschema error becomes a plain-English
``FieldError`` located by a JSON pointer. ``eventTime`` is checked here with messages of its own:
an RFC 3339 time with a UTC offset EPCIS can carry, not before 1900, not in the future (beyond a
few minutes of clock skew), kept at millisecond precision.

Free text spelt like a CBV term our EPCIS documents use is refused: the reference event-hash
generator reads any such string as that term, so a document's later events could otherwise
change how an earlier event hashes (``passport.events.bare_words``).

A repair's ``faultType`` must be on its category's fault list when the category has one
(``passport.events.faults``); it is stored as the list spells it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from passport.documents import (
    compiled_validator,
    describe_rule,
    error_rule,
    field_name,
    json_pointer,
    load_schema,
    schema_validator,
    shape_errors,
)
from passport.errors import FieldError, InvalidDocument
from passport.events.bare_words import bare_word_matches
from passport.events.catalogue import EVENT_TYPES, emitted_vocabulary
from passport.events.faults import check_fault_type
from passport.events.sensors import normalised
from passport.events.times import as_utc, parse_rfc3339, utc_text

if TYPE_CHECKING:  # jsonschema loads with the first validation (passport.documents)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

# The future is allowed this much slack: recorders' clocks drift, and a volunteer typing
# "14:00" at 13:58 is not recording the future.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_YEAR = 1900


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


EVENT_SCHEMA = "event.schema.json"


def _validator() -> Draft202012Validator:
    return schema_validator(EVENT_SCHEMA)


def _schema_errors(body: dict[str, Any]) -> list[ValidationError]:
    """The event's JSON Schema errors: none when the compiled validator accepts it (the same
    verdict as python-jsonschema's, tests/passport/events/test_compiled_event_validator.py),
    else python-jsonschema's, which word the messages."""
    if compiled_validator(EVENT_SCHEMA).is_valid(body):
        return []
    return list(_validator().iter_errors(body))


# EPCIS eventTimeZoneOffset: -13:59 ... +14:00 (EPCIS-JSON-Schema.json, Event).
_EPCIS_OFFSET = re.compile(r"[+-]((0\d|1[0-3]):[0-5]\d|14:00)")


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
            where = f"'{field_name(path, 'the event')}', which has " + ", ".join(known)
        return [
            FieldError(
                json_pointer([*path, name]), f"unknown property '{name}' (not part of {where})"
            )
            for name in sorted(instance)
            if name not in known
        ]

    field = field_name(path, "the event")
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
        moment, offset = parse_rfc3339(value)
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
    latest = as_utc(now) + CLOCK_SKEW
    if utc > latest:
        message = (
            f"'eventTime' is in the future (the registry's time is "
            f"{utc_text(as_utc(now), 'seconds')}); record events once they have happened"
        )
        return None, offset, [FieldError(pointer, message)]
    return utc, offset, []


def parse_event(body: object, *, now: datetime) -> NewEvent:
    """Validate an event request body; raise ``InvalidDocument`` listing every problem."""
    if not isinstance(body, dict):
        raise InvalidDocument(
            "The event has 1 problem", [FieldError("", "the event must be a JSON object")]
        )
    shape = shape_errors(body)  # too deep or a number out of bounds: nothing else is looked at
    if shape:
        raise InvalidDocument(f"The event has {len(shape)} problem(s)", shape)
    found: dict[tuple[str, str], FieldError] = {}
    for error in _schema_errors(body):
        # eventTime's format is checked below, with messages that say what is wrong with it.
        if list(error.absolute_path) == ["eventTime"] and error.validator == "format":
            continue
        for field_error in _field_errors(error, body):
            found.setdefault((field_error.pointer, field_error.message), field_error)

    # A correction's details go into its errorDeclaration, which the event hash leaves out.
    if body.get("type") in EVENT_TYPES and body["type"] != "correction":
        for field_error in _cbv_lookalikes(body.get(body["type"]), f"/{body['type']}"):
            found.setdefault((field_error.pointer, field_error.message), field_error)

    # A repair's fault type, on its category's fault list if it has one (spelt as the list does).
    spelt: str | None = None
    if body.get("type") == "repair" and isinstance(body.get("repair"), dict):
        spelt, fault_error = check_fault_type(body["repair"])
        if fault_error is not None:
            found.setdefault((fault_error.pointer, fault_error.message), fault_error)

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
    if isinstance(details.get("measurements"), dict):
        details["measurements"] = normalised(details["measurements"])
    if spelt is not None:
        details["faultType"] = spelt
    return NewEvent(event_type, event_time, offset, details, corrects)


def _cbv_lookalikes(value: Any, pointer: str) -> list[FieldError]:
    """Text spelt like the end of a CBV term we emit ("active", "Disp-active", ...).

    The CBV 2.0 reference event-hash generator replaces such a value, wherever it stands, by
    the term when the document holds it, so the event's ID would depend on its neighbours.
    """
    if isinstance(value, str):
        matches = bare_word_matches(value, emitted_vocabulary())
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
