"""Importing ORDS files and exporting every repair, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport import organisations
from passport.access import authenticate
from passport.errors import InvalidDocument
from passport.events import history
from passport.passports import issuing
from repairs.impact_report import impact_report
from repairs.importing import ImportReport, import_ords
from repairs.listing import repair_rows
from repairs.models import RepairRecord
from repairs.ords.reader import read_ords
from repairs.ords.records import COLUMNS, OrdsRow
from repairs.ords.writer import inert, write_ords
from tests.conftest import BASE_URL, settings_of
from tests.helpers import FIXTURES, passport
from tests.repairs.ords.test_ords import csv_bytes, record

SAMPLE = FIXTURES / "ords" / "ords_v0.3_sample_202507.csv"
# record_event refuses events from the future: pin "now".
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
# The only values an export may change: the spellings of barrier 6.
BARRIER_VARIANTS = {"Too worn out", "Product too worn out"}


def stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RepairRecord)) or 0


def load(session: Session, data: bytes, *, skip_invalid: bool = False) -> ImportReport:
    report = import_ords(session, io.BytesIO(data), skip_invalid=skip_invalid)
    session.commit()
    return report


def export(session: Session, **filters: Any) -> list[OrdsRow]:
    arguments: dict[str, Any] = {"since": None, "until": None, "category": None, "group": None}
    return list(repair_rows(session, base_url=BASE_URL, **(arguments | filters)))


# --- the real sample -------------------------------------------------------------------------


def test_the_real_sample_imports_whole_and_exports_the_same_values(session: Session) -> None:
    ticks: list[int] = []
    started = time.perf_counter()
    with SAMPLE.open("rb") as f:
        report = import_ords(session, f, skip_invalid=False, progress=ticks.append)
    session.commit()
    elapsed = time.perf_counter() - started
    print(f"\n20,000-row ORDS import on {session.get_bind().dialect.name}: {elapsed:.2f} s")

    # Every record of the sample is valid ORDS v0.3 (tests/repairs/ords/test_ords.py checks why).
    assert (report.read, report.imported, report.duplicates, report.skipped) == (20_000,) * 2 + (
        0,
        0,
    )
    assert report.errors == [] and stored(session) == 20_000
    assert sum(ticks) == 20_000 and set(ticks) == {1}
    assert elapsed < 20, f"the import took {elapsed:.1f} s"

    out = io.StringIO()
    written = write_ords(export(session), out)
    assert written == 20_000
    exported = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        original = list(csv.reader(f))
    assert exported[0] == original[0] == list(COLUMNS)
    assert all(len(values) == 14 for values in exported)

    # the same values, but no cell may start a spreadsheet formula (9 cells such as "-")
    by_id = {values[0]: [inert(cell) for cell in values] for values in original[1:]}
    assert len(by_id) == len(exported) - 1
    barrier = COLUMNS.index("repair_barrier_if_end_of_life")
    for values in exported[1:]:
        source = by_id[values[0]]
        differing = [i for i in range(14) if values[i] != source[i]]
        # Byte-identical values, except barrier spellings that become the published one.
        assert differing in ([], [barrier]), (values, source)
        if differing:
            assert source[barrier] in BARRIER_VARIANTS
            assert values[barrier] == "Item too worn out"

    # Ordered by event date, then id.
    keys = [(values[12], values[0]) for values in exported[1:]]
    assert keys == sorted(keys)


def test_importing_the_same_file_again_changes_nothing(session: Session) -> None:
    data = csv_bytes(*(record(id=f"rc_{i}") for i in range(1, 51)))
    first = load(session, data)
    assert (first.imported, first.duplicates) == (50, 0)
    again = load(session, data)
    assert (again.read, again.imported, again.duplicates) == (50, 0, 50)
    assert again.duplicate_ids[:2] == ["rc_1", "rc_2"]
    assert stored(session) == 50
    # A later release of the same data: old ids are duplicates, new ones are added.
    more = load(session, csv_bytes(*(record(id=f"rc_{i}") for i in range(41, 61))))
    assert (more.imported, more.duplicates) == (10, 10)
    assert stored(session) == 60


# --- bad files store nothing -----------------------------------------------------------------


def test_a_wrong_header_is_one_error_and_nothing_is_stored(session: Session) -> None:
    data = csv_bytes(record(), header=["id", "provider", *COLUMNS[2:]])
    for skip_invalid in (False, True):
        with pytest.raises(InvalidDocument) as caught:
            import_ords(session, io.BytesIO(data), skip_invalid=skip_invalid)
        (error,) = caught.value.errors
        assert error.pointer == "/line/1"
        assert ", ".join(COLUMNS) in error.message
    session.commit()
    assert stored(session) == 0


def broken_file() -> bytes:
    """Valid records mixed with each kind of invalid one; the line of each is known."""
    data = csv_bytes(
        record(id="ok_1"),  # line 2
        record(id="ok_2", problem="spans\ntwo lines"),  # lines 3-4
        record(id="bad_1", product_category="Teapot"),  # line 5
        record(id="bad_2", repair_barrier_if_end_of_life="Too worn out"),  # 6: on a Fixed item
        record(id="bad_3", brand="Caf\x00"),  # line 7: broken UTF-8 below
        record(id="ok_3", problem='comma, and "quotes"'),  # line 8
        record(id="bad_4", product_category_id="14", event_date="2021-13-01"),  # line 9
    )
    return data.replace(b"Caf\x00", b"Caf\xe9")


EXPECTED_POINTERS = [
    "/line/5/product_category",
    "/line/6/repair_barrier_if_end_of_life",
    "/line/7/brand",
    "/line/9/product_category_id",
    "/line/9/event_date",
]


def test_a_file_with_invalid_records_is_refused_whole(session: Session) -> None:
    # Enough valid records before the bad ones that some chunks were already inserted.
    data = (
        csv_bytes(*(record(id=f"early_{i}") for i in range(1, 4500)))
        + broken_file().split(b"\n", 1)[1]
    )
    with pytest.raises(InvalidDocument) as caught:
        import_ords(session, io.BytesIO(data), skip_invalid=False)
    session.commit()
    assert stored(session) == 0
    offset = 4499  # the early records shift every line number
    expected = [
        pointer.replace(f"/line/{n}/", f"/line/{n + offset}/")
        for pointer, n in ((p, int(p.split("/")[2])) for p in EXPECTED_POINTERS)
    ]
    assert [e.pointer for e in caught.value.errors] == expected
    assert "5 problems in 4 of 4506 records" in caught.value.detail
    assert "nothing was imported" in caught.value.detail
    messages = " | ".join(e.message for e in caught.value.errors)
    assert "Teapot" in messages and "End of life" in messages and "UTF-8" in messages


def test_only_the_first_thousand_errors_are_listed(session: Session) -> None:
    data = csv_bytes(*(record(id=f"x_{i}", country="UK") for i in range(1, 1201)))
    with pytest.raises(InvalidDocument) as caught:
        import_ords(session, io.BytesIO(data), skip_invalid=False)
    assert len(caught.value.errors) == 1000
    assert "1200 problems in 1200 of 1200 records (the first 1000 are listed)" in (
        caught.value.detail
    )
    session.rollback()
    assert stored(session) == 0


def test_skip_invalid_imports_the_valid_records_and_reports_the_rest(session: Session) -> None:
    report = load(session, broken_file(), skip_invalid=True)
    assert (report.read, report.imported, report.skipped, report.error_count) == (7, 3, 4, 5)
    assert [(e.line, e.column) for e in report.errors] == [
        (int(p.split("/")[2]), p.split("/")[3]) for p in EXPECTED_POINTERS
    ]
    assert sorted(session.scalars(select(RepairRecord.ords_id))) == ["ok_1", "ok_2", "ok_3"]
    again = load(session, broken_file(), skip_invalid=True)
    assert (again.imported, again.duplicates, again.skipped) == (0, 3, 4)


# --- exporting: filters and registry repairs -------------------------------------------------


@pytest.fixture
def mixed(session: Session) -> None:
    rows = [
        record(id="a_1", event_date="2021-03-01", group_identifier="Cardiff"),
        record(id="a_2", event_date="2021-06-15", group_identifier="Cardiff"),
        record(
            id="a_3",
            event_date="2021-06-15",
            product_category="Kettle",
            product_category_id="14",
            group_identifier="Aarhus",
        ),
        record(
            id="a_10",
            event_date="2022-01-31",
            product_category="Kettle",
            product_category_id="14",
            group_identifier="Cardiff",
            repair_status="End of life",
            repair_barrier_if_end_of_life="Product too worn out",
        ),
    ]
    load(session, csv_bytes(*rows))


@pytest.mark.usefixtures("mixed")
@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        ({}, ["a_1", "a_2", "a_3", "a_10"]),
        ({"since": date(2021, 6, 15)}, ["a_2", "a_3", "a_10"]),
        ({"until": date(2021, 6, 15)}, ["a_1", "a_2", "a_3"]),
        ({"since": date(2021, 6, 15), "until": date(2021, 6, 15)}, ["a_2", "a_3"]),
        ({"since": date(2023, 1, 1)}, []),
        ({"category": "Kettle"}, ["a_3", "a_10"]),
        ({"category": "kettle"}, ["a_3", "a_10"]),
        ({"category": "14"}, ["a_3", "a_10"]),
        ({"group": "Cardiff"}, ["a_1", "a_2", "a_10"]),
        ({"group": "Cardiff", "category": "Iron", "since": date(2021, 4, 1)}, ["a_2"]),
        ({"group": "Nowhere"}, []),
    ],
)
def test_filters(session: Session, filters: dict[str, Any], ids: list[str]) -> None:
    assert [r.id for r in export(session, **filters)] == ids


@pytest.mark.usefixtures("mixed")
def test_stored_rows_come_back_typed_and_normalised(session: Session) -> None:
    last = export(session)[-1]
    assert last.id == "a_10" and last.repair_barrier_if_end_of_life == "Item too worn out"
    assert last.event_date == date(2022, 1, 31) and last.product_category_id == 14


def test_an_unknown_category_filter_is_an_error(session: Session) -> None:
    with pytest.raises(InvalidDocument) as caught:
        export(session, category="Teapot")
    assert caught.value.errors[0].pointer == "/category"


def test_a_repair_recorded_in_the_registry_is_an_ords_row(session: Session, make_org: Any) -> None:
    maker = make_org("Acme Kettles GmbH", "manufacturer", ("9520123",))
    cafe = make_org("Repair Café Cardiff", "repairer")
    shop = make_org("Second Life Shop", "refurbisher")
    body = passport()
    body["product"] |= {"productionDate": "2019-06-01"}
    pid = issuing.issue_passport(
        session, settings_of(session), authenticate(session, maker.key), body
    )
    pid = pid.public_id
    session.commit()

    def repair(who: Any, when: str, **details: Any) -> int:
        event = history.record_event(
            session,
            settings_of(session),
            authenticate(session, who.key),
            pid,
            {"type": "repair", "eventTime": when, "repair": details},
            now=NOW,
        )
        session.commit()
        return event.pk

    fixed = repair(
        cafe, "2026-05-03T14:00:00+01:00", outcome="fixed", problem="Switch broken, replaced",
        category="Kettle",
    )  # fmt: skip
    # Local date 4 May although it is still 3 May in UTC.
    dead = repair(
        shop, "2026-05-04T00:30:00+02:00", outcome="end_of_life", barrier="Too worn out",
        problem="Element burnt out", category="kettle",
    )  # fmt: skip
    wrong = repair(cafe, "2026-05-05T10:00:00+01:00", outcome="repairable", category="Toaster")
    history.record_event(
        session,
        settings_of(session),
        authenticate(session, cafe.key),
        pid,
        {
            "type": "correction",
            "eventTime": "2026-05-05T11:00:00+01:00",
            "correction": {"corrects": 3, "reason": "did_not_occur", "explanation": "Other item"},
        },
        now=NOW,
    )
    odd = repair(cafe, "2026-05-06T10:00:00+01:00", outcome="end_of_life", barrier="Cat ate it")
    load(session, csv_bytes(record(id="a_1", event_date="2026-05-04", group_identifier="Cardiff")))

    found = export(session)
    assert [r.id for r in found] == [
        f"kreislauf_{fixed}",
        "a_1",
        f"kreislauf_{dead}",
        f"kreislauf_{odd}",
    ]
    assert f"kreislauf_{wrong}" not in {r.id for r in found}  # declared wrong by a correction
    row = found[0]
    assert row == OrdsRow(
        id=f"kreislauf_{fixed}",
        data_provider="Kreislauf (registry.example.org)",
        country="",
        partner_product_category="Kettle",
        product_category="Kettle",
        product_category_id=14,
        brand="Acme Kettles GmbH",
        year_of_manufacture=2019,
        product_age=7.0,
        repair_status="Fixed",
        repair_barrier_if_end_of_life="",
        group_identifier="Repair Café Cardiff",
        event_date=date(2026, 5, 3),
        problem="Switch broken, replaced",
    )
    eol = found[2]
    assert eol.event_date == date(2026, 5, 4) and eol.group_identifier == "Second Life Shop"
    assert eol.repair_status == "End of life"
    assert eol.repair_barrier_if_end_of_life == "Item too worn out"
    assert (eol.partner_product_category, eol.product_category) == ("kettle", "Kettle")
    other = found[3]
    assert (other.product_category, other.product_category_id) == ("Misc", 18)
    assert other.repair_barrier_if_end_of_life == ""
    assert other.problem == "[barrier: Cat ate it]"

    # The same filters apply to registry repairs (local dates, ORDS category, organisation).
    assert [r.id for r in export(session, since=date(2026, 5, 4), category="Kettle")] == [
        f"kreislauf_{dead}"
    ]
    assert [r.id for r in export(session, until=date(2026, 5, 3))] == [f"kreislauf_{fixed}"]
    assert [r.id for r in export(session, group="Repair Café Cardiff")] == [
        f"kreislauf_{fixed}",
        f"kreislauf_{odd}",
    ]
    assert [r.id for r in export(session, group="Cardiff")] == ["a_1"]

    # An operator who names the country makes the rows complete ORDS, readable by read_ords.
    complete = list(
        repair_rows(
            session,
            since=None,
            until=None,
            category=None,
            group=None,
            base_url=BASE_URL,
            country="GBR",
        )
    )
    out = io.BytesIO()
    write_ords(complete, out)
    again = list(read_ords(io.BytesIO(out.getvalue())))
    assert [r.id for r in again if isinstance(r, OrdsRow)] == [r.id for r in complete]


# --- the impact report ------------------------------------------------------------------------


def test_the_impact_report_counts_groups_and_picks_months_or_years(
    session: Session, make_org: Any
) -> None:
    load(
        session,
        csv_bytes(
            record(id="a_1", group_identifier="Cardiff", event_date="2024-01-10"),
            record(
                id="a_2",
                group_identifier="Cardiff",
                event_date="2024-03-10",
                repair_status="End of life",
            ),
            record(
                id="a_3",
                group_identifier="Aarhus",
                event_date="2024-02-01",
                repair_status="Unknown",
            ),
        ),
    )
    report = impact_report(session, since=None, until=None, group=None, base_url=BASE_URL)
    assert report.summary.by == "month" and len(report.summary.series) == 3
    assert [(g.name, g.repairs, g.fixed, g.known) for g in report.groups] == [
        ("Cardiff", 2, 1, 2),
        ("Aarhus", 1, 0, 0),
    ]
    assert report.groups[0].fix_rate == 0.5 and report.groups[1].fix_rate is None

    # A repair logged here, years later: the series is added up by year instead.
    cafe = make_org("Repair Café Cardiff", "repairer")
    maker = organisations.create_organisation(session, "Acme", "manufacturer", ("9520123",))[0]
    pid = issuing.issue_passport(session, settings_of(session), maker, passport("item")).public_id
    event = {
        "type": "repair",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "repair": {"outcome": "fixed"},
    }
    history.record_event(
        session, settings_of(session), authenticate(session, cafe.key), pid, event, now=NOW
    )
    session.commit()
    report = impact_report(session, since=None, until=None, group=None, base_url=BASE_URL)
    assert report.summary.by == "year"
    assert [p.label for p in report.summary.series] == ["2024", "2025", "2026"]
    assert report.summary.repairs == 4 and report.summary.fixed == 2
    assert [g.name for g in report.groups][-1] == "Repair Café Cardiff"

    only = impact_report(session, since=None, until=None, group="Aarhus", base_url=BASE_URL)
    assert only.summary.repairs == 1 and [g.name for g in only.groups] == ["Aarhus"]
    within = impact_report(
        session, since=date(2024, 2, 1), until=date(2024, 3, 31), group=None, base_url=BASE_URL
    )
    assert within.summary.repairs == 2 and within.summary.by == "month"
