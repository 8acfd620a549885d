"""Who may record which event, and when: roles, the issuer, terminal statuses, commissioning.

No database: ``passport.events.rules``.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from passport.errors import Conflict, Forbidden, InvalidDocument
from passport.events.catalogue import EVENT_TYPES
from passport.events.parsing import parse_event
from passport.events.rules import check_allowed, may_record
from passport.events.status import TERMINAL
from tests.passport.events.examples import COMMISSIONED, NOW, body


def allowed(event_type: str, role: str, *, is_issuer: bool = False, status: str = "in_use") -> None:
    new = parse_event(body(event_type), now=NOW)
    check_allowed(
        new, role=role, is_issuer=is_issuer, life_status=status, commissioned_at=COMMISSIONED
    )


def test_recycler_cannot_record_a_sale() -> None:
    with pytest.raises(Forbidden) as caught:
        allowed("sale", "recycler")
    assert "recycler" in caught.value.detail and "'sale'" in caught.value.detail
    assert "only the product's issuer may" in caught.value.detail


def test_who_may_is_named() -> None:
    named = "only the product's issuer and repairers, refurbishers and remanufacturers may"
    with pytest.raises(Forbidden, match=named):
        allowed("repair", "recycler")


def test_repairer_can_record_a_repair_on_any_product() -> None:
    allowed("repair", "repairer", is_issuer=False)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_issuer_can_record_anything(event_type: str) -> None:
    allowed(event_type, "manufacturer", is_issuer=True)


def test_roles() -> None:
    def may(role: str) -> set[str]:
        return {t for t in EVENT_TYPES if may_record(t, role, is_issuer=False)}

    assert may("repairer") == {
        "repair",
        "maintenance",
        "inspection",
        "part_replacement",
        "correction",
    }
    assert may("refurbisher") == {
        "repair",
        "maintenance",
        "inspection",
        "part_replacement",
        "refurbishment",
        "resale",
        "repurpose",
        "correction",
    }
    assert may("recycler") == {
        "inspection",
        "repurpose",
        "collection",
        "disassembly",
        "recycling",
        "destruction",
        "correction",
    }
    assert may("remanufacturer") == {
        "repair",
        "maintenance",
        "inspection",
        "part_replacement",
        "disassembly",
        "remanufacture",
        "repurpose",
        "correction",
    }
    assert may("authority") == {"recall", "correction"}
    # Another manufacturer decommissions nothing it did not issue (it registers as a
    # remanufacturer to remanufacture).
    assert may("manufacturer") == {"correction"}
    assert not may_record("repair", "plumber", is_issuer=True)
    assert not may_record("teleportation", "manufacturer", is_issuer=True)


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_after_the_end_of_life_only_corrections(status: str) -> None:
    with pytest.raises(Conflict) as caught:
        allowed("repair", "repairer", status=status)
    assert caught.value.detail.startswith(
        f"The product's life has ended ({status}); only corrections"
    )
    allowed("correction", "recycler", status=status)


def test_end_of_life_is_not_terminal() -> None:
    allowed("refurbishment", "refurbisher", status="end_of_life")


def test_event_before_commissioning() -> None:
    new = parse_event({"type": "maintenance", "eventTime": "2025-02-10T09:59:59+01:00"}, now=NOW)
    with pytest.raises(InvalidDocument) as caught:
        check_allowed(
            new,
            role="repairer",
            is_issuer=False,
            life_status="in_use",
            commissioned_at=COMMISSIONED,
        )
    [error] = caught.value.errors
    assert error.pointer == "/eventTime"
    assert error.message == (
        "'eventTime' is before the product was commissioned (2025-02-10T09:00:00Z)"
    )
    # SQLite returns naive UTC datetimes; they count as UTC.
    check_allowed(
        new,
        role="repairer",
        is_issuer=False,
        life_status="in_use",
        commissioned_at=datetime(2025, 2, 10, 8, 59),
    )
