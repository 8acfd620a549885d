"""Event requests: parsing, every problem reported at once, the event schema, CBV look-alikes.

No database: ``passport.events.parsing``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from passport.errors import InvalidDocument
from passport.events.catalogue import EVENT_TYPES
from passport.events.parsing import NewEvent, event_schema, parse_event
from tests.passport.events.examples import DETAILS, NOW, body, problems


def test_parse_the_design_example() -> None:
    new = parse_event(
        {
            "type": "repair",
            "eventTime": "2026-05-03T14:00:00+01:00",
            "repair": {
                "outcome": "fixed",
                "problem": "Switch broken, replaced",
                "spareParts": "third_party",
            },
        },
        now=NOW,
    )
    assert new == NewEvent(
        type="repair",
        event_time=datetime(2026, 5, 3, 13, 0, tzinfo=UTC),
        offset="+01:00",
        details={
            "outcome": "fixed",
            "problem": "Switch broken, replaced",
            "spareParts": "third_party",
        },
        corrects=None,
    )
    assert new.event_time.tzinfo is UTC


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_type_parses_with_realistic_details(event_type: str) -> None:
    new = parse_event(body(event_type), now=NOW)
    assert new.type == event_type
    assert new.details == DETAILS[event_type]
    assert new.corrects == (1 if event_type == "correction" else None)


def test_details_are_optional_where_nothing_is_required() -> None:
    new = parse_event({"type": "sale", "eventTime": "2026-05-03T12:00:00Z"}, now=NOW)
    assert new.details == {}
    assert new.offset == "+00:00"
    assert new.event_time == datetime(2026, 5, 3, 12, 0, tzinfo=UTC)


def test_offset_kept_and_time_truncated_to_milliseconds() -> None:
    new = parse_event(
        {"type": "maintenance", "eventTime": "2026-05-02T23:30:00.1239876-05:30"}, now=NOW
    )
    assert new.offset == "-05:30"
    assert new.event_time == datetime(2026, 5, 3, 5, 0, 0, 123000, tzinfo=UTC)


def test_html_in_text_is_kept_as_text() -> None:
    text = 'Switch <script>alert("x")</script> & <b>lid</b> replaced'
    request = body("repair")
    request["repair"]["problem"] = text
    assert parse_event(request, now=NOW).details["problem"] == text


def test_a_few_minutes_of_clock_skew_are_not_the_future() -> None:
    ahead = (NOW + timedelta(minutes=4)).astimezone(timezone(timedelta(hours=2)))
    request = {"type": "maintenance", "eventTime": ahead.isoformat()}
    assert parse_event(request, now=NOW).offset == "+02:00"


BAD_REQUESTS: list[tuple[str, Any, str, str]] = [
    ("not an object", ["repair"], "", "the event must be a JSON object"),
    (
        "unknown type",
        {"type": "repairing", "eventTime": "2026-05-03T14:00:00+01:00"},
        "/type",
        "'type' must be one of: commissioning, sale, repair, maintenance, inspection, part_",
    ),
    ("type missing", {"eventTime": "2026-05-03T14:00:00+01:00"}, "/type", "'type' is required"),
    ("time missing", {"type": "sale"}, "/eventTime", "'eventTime' is required"),
    (
        "no offset",
        {"type": "sale", "eventTime": "2026-05-03T14:00:00"},
        "/eventTime",
        "must include a UTC offset, e.g. +01:00",
    ),
    (
        "not a date",
        {"type": "sale", "eventTime": "3 May 2026"},
        "/eventTime",
        "'eventTime' must be an RFC 3339 date-time with a UTC offset",
    ),
    (
        "impossible date",
        {"type": "sale", "eventTime": "2026-02-30T14:00:00+01:00"},
        "/eventTime",
        "'eventTime' must be an RFC 3339 date-time",
    ),
    (
        "year typo",
        {"type": "sale", "eventTime": "0202-05-03T14:00:00+01:00"},
        "/eventTime",
        "'eventTime' is before 1900; check the year",
    ),
    (
        "offset EPCIS cannot carry",
        {"type": "sale", "eventTime": "2026-05-03T14:00:00+15:00"},
        "/eventTime",
        "between -13:59 and +14:00",
    ),
    (
        "future",
        {"type": "sale", "eventTime": "2026-05-03T15:36:00+01:00"},
        "/eventTime",
        "'eventTime' is in the future",
    ),
    (
        "time not a string",
        {"type": "sale", "eventTime": 1777813200},
        "/eventTime",
        "must be a string",
    ),
    (
        "details of another type",
        {"type": "sale", "eventTime": "2026-05-03T14:00:00+01:00", "repair": {"outcome": "fixed"}},
        "/repair",
        "'repair' details do not belong to a 'sale' event",
    ),
    (
        "required details missing",
        {"type": "recall", "eventTime": "2026-05-03T14:00:00+01:00"},
        "/recall",
        "'recall' is required",
    ),
    (
        "unknown top-level property",
        {"type": "sale", "eventTime": "2026-05-03T14:00:00+01:00", "buyer": "Erika Mustermann"},
        "/buyer",
        "unknown property 'buyer'",
    ),
    (
        "bad enum",
        body("repair", repair={"outcome": "kaputt"}),
        "/repair/outcome",
        "'outcome' must be one of: fixed, repairable, end_of_life",
    ),
    (
        "outcome missing",
        body("repair", repair={"problem": "Leaks"}),
        "/repair/outcome",
        "'outcome' is required",
    ),
    (
        "personal data field",
        body("repair", repair={"outcome": "fixed", "owner": "Erika"}),
        "/repair/owner",
        "unknown property 'owner' (not part of repair details)",
    ),
    (
        "unknown property of a part",
        body("part_replacement", part_replacement={"removed": {"serial": "X1"}}),
        "/part_replacement/removed/serial",
        "unknown property 'serial' (not part of 'removed', which has description, passport)",
    ),
    (
        "text too long",
        body("repair", repair={"outcome": "fixed", "problem": "x" * 2001}),
        "/repair/problem",
        "'problem' must be at most 2000 characters long",
    ),
    (
        "array item too long",
        body("repair", repair={"outcome": "fixed", "partsReplaced": ["ok", "y" * 201]}),
        "/repair/partsReplaced/1",
        "'partsReplaced[1]' must be at most 200 characters long",
    ),
    (
        "barrier without end of life",
        body("repair", repair={"outcome": "fixed", "barrier": "No spare parts"}),
        "/repair/barrier",
        "'barrier' is only for the outcome end_of_life",
    ),
    (
        "next steps without repairable",
        body("repair", repair={"outcome": "end_of_life", "nextSteps": "Order a seal"}),
        "/repair/nextSteps",
        "'nextSteps' is only for the outcome repairable",
    ),
    (
        "script URL",
        body("recall", recall={"reason": "Fire risk", "url": "javascript:alert(1)"}),
        "/recall/url",
        "'url' must be an http:// or https:// URI",
    ),
    (
        "empty part replacement",
        body("part_replacement", part_replacement={}),
        "/part_replacement",
        "must not be empty: name the removed part, the installed part or both",
    ),
    (
        "battery health above 100",
        body("refurbishment", refurbishment={"batteryHealth": 120}),
        "/refurbishment/batteryHealth",
        "'batteryHealth' must be at most 100",
    ),
    (
        "condition not a schema.org name",
        body("resale", resale={"condition": "UsedCondition"}),
        "/resale/condition",
        "'condition' must be one of: New, Used, Refurbished, Damaged",
    ),
    (
        "corrects no event",
        body("correction", correction={"corrects": 0, "reason": "did_not_occur"}),
        "/correction/corrects",
        "'corrects' must be at least 1",
    ),
    (
        "correction reason missing",
        body("correction", correction={"corrects": 2}),
        "/correction/reason",
        "'reason' is required",
    ),
]


@pytest.mark.parametrize(
    ("request_body", "pointer", "message"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_requests(request_body: object, pointer: str, message: str) -> None:
    found = problems(request_body)
    assert any(p == pointer and message in m for p, m in found), found


def test_every_problem_is_reported_at_once() -> None:
    request = {
        "type": "repair",
        "eventTime": "2026-05-03T14:00:00",
        "repair": {"outcome": "kaputt", "spareParts": "stolen"},
        "sale": {},
    }
    assert problems(request) == [
        ("/eventTime", "'eventTime' must include a UTC offset, e.g. +01:00"),
        ("/repair/outcome", "'outcome' must be one of: fixed, repairable, end_of_life"),
        ("/repair/spareParts", "'spareParts' must be one of: none, manufacturer, third_party"),
        (
            "/sale",
            "'sale' details do not belong to a 'repair' event; put the details under 'repair'",
        ),
    ]


def test_problem_count_in_detail() -> None:
    with pytest.raises(InvalidDocument, match="The event has 2 problems"):
        parse_event({"type": "sale", "eventTime": "yesterday", "sale": {"channel": "?"}}, now=NOW)


# --- the event schema ----------------------------------------------------------------------

PERSONAL = ("name", "email", "mail", "phone", "telephone", "address", "street", "owner",
            "customer", "buyer", "seller", "person", "volunteer", "birth")  # fmt: skip


def _walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_event_schema_is_valid_and_matches_the_types() -> None:
    schema = event_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["type"]["enum"] == list(EVENT_TYPES)
    for name in EVENT_TYPES:
        assert schema["properties"][name]["additionalProperties"] is False


def test_event_schema_has_no_personal_data_fields() -> None:
    names = {
        name.lower()
        for node in _walk(event_schema())
        for name in [*node.get("properties", {}), *node.get("required", [])]
    }
    assert names, "the walk found no property names"
    offending = sorted(n for n in names for word in PERSONAL if word in n)
    assert offending == []


def test_every_string_in_the_event_schema_is_bounded() -> None:
    for node in _walk(event_schema()):
        if node.get("type") == "string":
            assert "maxLength" in node, node


# --- CBV look-alikes ------------------------------------------------------------------------------


def test_text_spelt_like_a_cbv_term_we_emit_is_refused() -> None:
    assert problems(body("destruction", destruction={"description": "destroyed"})) == [
        (
            "/destruction/description",
            "'destroyed' is spelt like the CBV term https://ref.gs1.org/cbv/Disp-destroyed, "
            "which EPCIS tools would read in its place; write it differently, e.g. capitalised "
            "or as a sentence",
        )
    ]
    assert [
        p
        for p, _ in problems(
            body("recycling", recycling={"recoveredMaterials": ["x", "Disp-active"]})
        )
    ] == ["/recycling/recoveredMaterials/1"]
    assert [
        p
        for p, _ in problems(
            body("part_replacement", part_replacement={"removed": {"description": "active"}})
        )
    ] == ["/part_replacement/removed/description"]
    for fine in ("Destroyed", "destroyed by fire", "recycling", "commissioning done"):
        parse_event(body("destruction", destruction={"description": fine}), now=NOW)
