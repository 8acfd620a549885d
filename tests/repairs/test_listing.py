"""Listing every repair as ORDS rows, without HTTP: the category filter, and the local dates
of the registry's own repairs at the widest offsets an event may have.

Imported rows and the other filters are covered with the import (``tests/repairs/test_import.py``).
The database tests run on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from passport.access import authenticate
from passport.errors import InvalidDocument
from passport.events import history
from passport.passports import issuing
from repairs.listing import repair_rows, resolve_category
from tests.conftest import BASE_URL, Org, settings_of
from tests.helpers import passport

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "number"),
    [
        ("Kettle", 14),
        ("kettle", 14),
        ("  KETTLE\t", 14),
        ("14", 14),
        (" 14 ", 14),
        ("Misc", 18),
        ("Toaster", 31),
    ],
)
def test_a_category_by_name_in_any_letter_case_or_by_id(given: str, number: int) -> None:
    assert resolve_category(given) == number


@pytest.mark.parametrize("given", ["Teapot", "", "0", "99", "-14", "14.0", "١٤", "Kettles"])
def test_anything_else_is_not_a_category(given: str) -> None:
    with pytest.raises(InvalidDocument, match=f"'{given}' is not an ORDS v0.3") as caught:
        resolve_category(given)
    assert [e.pointer for e in caught.value.errors] == ["/category"]
    assert "e.g. 'Kettle' or 14" in caught.value.errors[0].message


def _export(session: Session, **filters: Any) -> list[str]:
    arguments: dict[str, Any] = {"since": None, "until": None, "category": None, "group": None}
    rows = repair_rows(session, base_url=BASE_URL, **(arguments | filters))
    return [f"{row.event_date}:{row.problem}" for row in rows]


def test_registry_repairs_are_filtered_by_their_local_date_at_any_offset(
    session: Session, maker: Org, make_org: Any
) -> None:
    cafe = authenticate(session, make_org("Repair Café Apia", "repairer").key)
    item = issuing.issue_passport(
        session, settings_of(session), authenticate(session, maker.key), passport()
    )
    # Three repairs on 4 May, local time, at the ends of the day and of the offsets an event
    # may have (passport.events.parsing): UTC says 3 May 10:00, 4 May 12:00 and 5 May 13:59.
    for when, problem in (
        ("2026-05-04T00:00:00+14:00", "earliest"),
        ("2026-05-04T12:00:00+00:00", "noon"),
        ("2026-05-04T23:59:00-14:00", "latest"),
    ):
        body = {
            "type": "repair",
            "eventTime": when,
            "repair": {"outcome": "fixed", "problem": problem},
        }
        history.record_event(session, settings_of(session), cafe, item.public_id, body, now=NOW)
    session.commit()

    may_4 = ["2026-05-04:earliest", "2026-05-04:noon", "2026-05-04:latest"]
    assert sorted(_export(session)) == sorted(may_4)
    assert sorted(_export(session, since=date(2026, 5, 4), until=date(2026, 5, 4))) == sorted(may_4)
    assert sorted(_export(session, since=date(2026, 5, 4))) == sorted(may_4)
    assert sorted(_export(session, until=date(2026, 5, 4))) == sorted(may_4)
    assert _export(session, until=date(2026, 5, 3)) == []
    assert _export(session, since=date(2026, 5, 5)) == []
