"""The Restart Project's impact method, and summaries over time."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from repairs import impact
from repairs.ords.reader import read_ords
from repairs.ords.records import BARRIERS, OrdsRow, categories
from tests.helpers import FIXTURES

SAMPLE = FIXTURES / "ords" / "ords_v0.3_sample_202507.csv"
LCA = FIXTURES / "ords" / "ords_category_lca_reference.csv"
SHIPPED = Path(__file__).resolve().parents[2] / "schemas" / "ords"

BASE = OrdsRow(
    id="t_1",
    data_provider="Test",
    country="GBR",
    partner_product_category="Laptop",
    product_category="Laptop",
    product_category_id=16,
    brand="Unknown",
    year_of_manufacture=None,
    product_age=None,
    repair_status="Fixed",
    repair_barrier_if_end_of_life="",
    group_identifier="Cardiff",
    event_date=date(2024, 1, 15),
    problem="",
)


def row(n: int, **changes: object) -> OrdsRow:
    return replace(BASE, id=f"t_{n}", **changes)  # type: ignore[arg-type]


def sample_rows() -> list[OrdsRow]:
    with SAMPLE.open("rb") as f:
        return [r for r in read_ords(f) if isinstance(r, OrdsRow)]


# --- factors and one repair ------------------------------------------------------------------


def test_the_factors_are_the_published_table_with_their_version() -> None:
    assert (SHIPPED / "ords_category_lca_reference.csv").read_bytes() == LCA.read_bytes()
    assert set(impact.factors()) == set(categories().values())
    assert "ords_category_lca_reference.csv" in impact.FACTORS_VERSION
    assert "ccd642fe50f9fef2e6b1ce54eb48b54d6ca35c9d" in impact.FACTORS_VERSION
    assert "0.5" in impact.METHOD and "fixed" in impact.METHOD


@pytest.mark.parametrize(
    ("category", "co2e", "waste"),
    [
        # The worked example of notes/repair.md §5: 265.32 kg CO2e × 0.5, 1.83 kg.
        ("Laptop", 132.66, 1.83),
        ("laptop", 132.66, 1.83),
        ("Flat screen", 154.476, 8.268),
        ("Headphones", 1.5, 0.4),
        ("Misc", 0.0, 0.0),  # no factors: Restart uses a typed-in weight ORDS lacks
    ],
)
def test_impact_of_one_fixed_repair(category: str, co2e: float, waste: float) -> None:
    found = impact.impact_of(category)
    assert found.co2e_kg == co2e and found.waste_kg == waste
    assert found.method == impact.METHOD and found.factors_version == impact.FACTORS_VERSION


def test_impact_of_an_unknown_category_is_an_error() -> None:
    with pytest.raises(ValueError, match="Teapot"):
        impact.impact_of("Teapot")


# --- summaries -------------------------------------------------------------------------------


def test_only_fixed_repairs_avoid_anything_and_unknowns_do_not_lower_the_fix_rate() -> None:
    rows = [
        row(1),
        row(2, repair_status="Repairable"),
        row(3, repair_status="End of life", repair_barrier_if_end_of_life="Too worn out"),
        row(4, repair_status="End of life", repair_barrier_if_end_of_life="Lack of equipment"),
        row(5, repair_status="Unknown"),
        row(6, product_category="Kettle", product_category_id=14),
    ]
    found = impact.summary(rows)
    assert (found.repairs, found.fixed, found.repairable, found.end_of_life, found.unknown) == (
        6,
        2,
        1,
        2,
        1,
    )
    assert found.fix_rate == 2 / 5
    assert found.co2e_kg == pytest.approx(132.66 + 22.16)
    assert found.waste_kg == pytest.approx(1.83 + 1.25)
    assert found.barriers["Item too worn out"] == 1  # a variant spelling, counted once
    assert found.barriers["Lack of equipment"] == 1
    assert list(found.barriers) == list(BARRIERS)
    assert found.series == () and found.first == date(2024, 1, 15)


def test_no_rows_no_rate() -> None:
    found = impact.summary([], by="month")
    assert found.repairs == 0 and found.fix_rate is None and found.series == ()
    assert found.co2e_kg == 0 and found.first is None


def test_series_by_month_has_no_gaps() -> None:
    rows = [
        row(1, event_date=date(2023, 11, 30)),
        row(2, event_date=date(2024, 2, 1), repair_status="End of life"),
        row(3, event_date=date(2024, 2, 29)),
    ]
    series = impact.summary(rows, by="month").series
    assert [p.label for p in series] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert [p.repairs for p in series] == [1, 0, 0, 2]
    assert [p.fix_rate for p in series] == [1.0, None, None, 0.5]
    assert series[3].co2e_kg == 132.66 and series[1].start == date(2023, 12, 1)


def test_series_by_year() -> None:
    rows = [row(1, event_date=date(2019, 5, 1)), row(2, event_date=date(2021, 5, 1))]
    series = impact.summary(rows, by="year").series
    assert [(p.label, p.repairs) for p in series] == [("2019", 1), ("2020", 0), ("2021", 1)]


def test_by_must_be_month_year_or_none() -> None:
    with pytest.raises(ValueError):
        impact.summary([], by="week")  # type: ignore[arg-type]


def test_the_real_sample_matches_its_documented_facts() -> None:
    rows = sample_rows()
    found = impact.summary(rows, by="year")
    # The sample (tests/fixtures/SOURCES.md): Fixed 10,207, End of life 4,346, Unknown 2,832,
    # Repairable 2,615; 874 "Item too worn out"; dates 2016-03-19 … 2025-07-31.
    assert (found.fixed, found.end_of_life, found.unknown, found.repairable) == (
        10_207,
        4_346,
        2_832,
        2_615,
    )
    assert found.barriers["Item too worn out"] == 874
    assert (found.first, found.last) == (date(2016, 3, 19), date(2025, 7, 31))
    assert round(found.fix_rate or 0, 2) == 0.59  # notes/repair.md: 59 % of known outcomes
    assert [p.label for p in found.series] == [str(y) for y in range(2016, 2026)]
    assert sum(p.repairs for p in found.series) == 20_000

    # CO2e and waste, computed independently from the shared factor table.
    with LCA.open(encoding="utf-8", newline="") as f:
        table = {r["product_category"]: r for r in csv.DictReader(f)}
    fixed = [r for r in rows if r.repair_status == "Fixed"]
    co2e = sum(Decimal(table[r.product_category]["footprint"]) for r in fixed) / 2
    waste = sum(Decimal(table[r.product_category]["weight"]) for r in fixed)
    assert found.co2e_kg == float(co2e) and found.waste_kg == float(waste)
    assert math.isclose(sum(p.co2e_kg for p in found.series), found.co2e_kg)


# --- months added up to years ----------------------------------------------------------------


def test_months_add_up_to_the_years_summary_gives() -> None:
    rows = sample_rows()
    months = impact.summary(rows, by="month").series
    years = impact.summary(rows, by="year").series
    added = impact.yearly(months)
    assert [p.label for p in added] == [p.label for p in years]
    for mine, theirs in zip(added, years, strict=True):
        assert mine.start == theirs.start
        counts = (mine.fixed, mine.repairable, mine.end_of_life, mine.unknown)
        assert counts == (theirs.fixed, theirs.repairable, theirs.end_of_life, theirs.unknown)
        assert math.isclose(mine.co2e_kg, theirs.co2e_kg) and math.isclose(
            mine.waste_kg, theirs.waste_kg
        )
    assert impact.yearly(years) == years  # already yearly: unchanged
