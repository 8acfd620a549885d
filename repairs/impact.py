"""The impact of repairs: counts, fix rate, CO2e and waste avoided, over time.

The method is The Restart Project's (restarters.net ``app/Helpers/LcaStats.php`` and
``app/Device.php``; explained at talk.restarters.net/t/…/6077 and /5646), as summarised in
``notes/repair.md`` §5:

- only repairs whose status is **Fixed** count;
- CO2e avoided = the category's footprint (kg CO2e to make and transport a new one) × 0.5,
  the displacement factor: "we assume that you have extended the useful life of that item
  by 50 %";
- waste avoided = the category's average weight (kg), without a factor.

"Misc" has no factors: Restart estimates it from a weight the repairer types in, which
ORDS does not carry, so it counts 0. (openrepair/tools' own ``ords_stats_emissions.py``
divided by 0.5 instead of multiplying; that is not copied here.)

The factors are the ORDS-category table of the Fixometer reference data 2021, shipped as
``schemas/ords/ords_category_lca_reference.csv``; ``FACTORS_VERSION`` names its exact
origin so every page showing a number can show which factors produced it. These are
estimates: there is no standard, and the 2021 revision shifted historical totals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Literal

from repairs.ords import records

__all__ = [
    "DISPLACEMENT",
    "FACTORS_VERSION",
    "METHOD",
    "Factor",
    "Impact",
    "Period",
    "Summary",
    "factors",
    "impact_of",
    "summary",
    "yearly",
]

FACTORS_FILE = "ords_category_lca_reference.csv"
FACTORS_VERSION = (
    "openrepair/tools@ccd642fe50f9fef2e6b1ce54eb48b54d6ca35c9d:"
    "dat/ords_category_lca_reference.csv (Fixometer reference data 2021, The Restart "
    "Project; CC BY-SA 4.0)"
)
DISPLACEMENT = Decimal("0.5")
METHOD = (
    "The Restart Project's method: each fixed repair avoids the emissions of making and "
    "transporting a replacement, times a displacement factor of 0.5 (the repair is assumed "
    "to extend the item's life by half), and the item's average weight in waste. Only fixed "
    "repairs count; Misc items count zero. Estimates, not measurements."
)

Granularity = Literal["month", "year"]


@dataclass(frozen=True)
class Factor:
    """One category's factors: average weight and production footprint."""

    weight_kg: Decimal
    footprint_kg_co2e: Decimal


@cache
def factors() -> dict[str, Factor]:
    """The factor table by ORDS category name (all 40 categories)."""
    text = (files("schemas") / "ords" / FACTORS_FILE).read_text("utf-8")
    table = {
        row["product_category"]: Factor(Decimal(row["weight"]), Decimal(row["footprint"]))
        for row in csv.DictReader(io.StringIO(text))
    }
    # The table and the category list come from different repositories: fail loudly if
    # they ever drift apart rather than count some category as zero.
    missing = set(records.categories().values()) - set(table)
    if missing:
        raise RuntimeError(f"{FACTORS_FILE} lacks factors for {sorted(missing)}")
    return table


@dataclass(frozen=True)
class Impact:
    """What one fixed repair of a category avoids."""

    co2e_kg: float
    waste_kg: float
    method: str
    factors_version: str


def _factor(category: str) -> Factor:
    number = records.category_id(category)
    if number is None:
        raise ValueError(f"{category!r} is not an ORDS v0.3 product category")
    return factors()[records.categories()[number]]


def impact_of(category: str) -> Impact:
    """CO2e and waste avoided by one **fixed** repair of an ORDS category (any letter case).

    Raises ValueError for a name that is not an ORDS category.
    """
    factor = _factor(category)
    return Impact(
        co2e_kg=float(factor.footprint_kg_co2e * DISPLACEMENT),
        waste_kg=float(factor.weight_kg),
        method=METHOD,
        factors_version=FACTORS_VERSION,
    )


@dataclass
class _Tally:
    fixed: int = 0
    repairable: int = 0
    end_of_life: int = 0
    unknown: int = 0
    co2e: Decimal = Decimal(0)
    waste: Decimal = Decimal(0)

    def add(self, status: str, category: str) -> None:
        if status == records.FIXED:
            self.fixed += 1
            factor = _factor(category)
            # Decimal: the factors have three decimals; sums of 300,000 of them stay exact.
            self.co2e += factor.footprint_kg_co2e * DISPLACEMENT
            self.waste += factor.weight_kg
        elif status == records.REPAIRABLE:
            self.repairable += 1
        elif status == records.END_OF_LIFE:
            self.end_of_life += 1
        else:
            self.unknown += 1


def _fix_rate(fixed: int, repairable: int, end_of_life: int) -> float | None:
    # Unknown outcomes say nothing about success: leaving them in the denominator would
    # punish groups that record less, so the rate is over known outcomes only.
    known = fixed + repairable + end_of_life
    return fixed / known if known else None


@dataclass(frozen=True)
class Period:
    """One month ("2024-03") or year ("2024") of a series."""

    label: str
    start: date
    fixed: int = 0
    repairable: int = 0
    end_of_life: int = 0
    unknown: int = 0
    co2e_kg: float = 0.0
    waste_kg: float = 0.0

    @property
    def repairs(self) -> int:
        return self.fixed + self.repairable + self.end_of_life + self.unknown

    @property
    def fix_rate(self) -> float | None:
        """Fixed / (Fixed + Repairable + End of life); None without a known outcome."""
        return _fix_rate(self.fixed, self.repairable, self.end_of_life)


@dataclass(frozen=True)
class Summary:
    """Totals over a set of repairs, and (``by`` month or year) a series without gaps."""

    repairs: int
    fixed: int
    repairable: int
    end_of_life: int
    unknown: int
    fix_rate: float | None
    # The six ORDS barriers in code order (canonical spelling), each with its count.
    barriers: dict[str, int]
    co2e_kg: float
    waste_kg: float
    series: tuple[Period, ...] = ()
    by: Granularity | None = None
    method: str = METHOD
    factors_version: str = FACTORS_VERSION
    # First and last event date seen (None when there were no rows).
    first: date | None = None
    last: date | None = None


def _period_start(day: date, by: Granularity) -> date:
    return date(day.year, day.month, 1) if by == "month" else date(day.year, 1, 1)


def _next_period(start: date, by: Granularity) -> date:
    if by == "year":
        return date(start.year + 1, 1, 1)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _label(start: date, by: Granularity) -> str:
    return f"{start.year:04d}-{start.month:02d}" if by == "month" else f"{start.year:04d}"


def summary(rows: Iterable[records.OrdsRow], *, by: Granularity | None = None) -> Summary:
    """Count outcomes and barriers, total the impact, and (optionally) a series over time.

    The series runs from the first to the last period with a repair, including empty
    periods in between, so a chart's bars are evenly spaced in time.
    """
    if by not in (None, "month", "year"):
        raise ValueError(f"by must be 'month', 'year' or None, not {by!r}")
    total = _Tally()
    periods: dict[date, _Tally] = {}
    barriers = dict.fromkeys(records.BARRIERS, 0)
    first: date | None = None
    last: date | None = None
    for row in rows:
        status = records.normalise_status(row.repair_status) or records.UNKNOWN
        total.add(status, row.product_category)
        if by is not None:
            key = _period_start(row.event_date, by)
            periods.setdefault(key, _Tally()).add(status, row.product_category)
        barrier = records.normalise_barrier(row.repair_barrier_if_end_of_life)
        if barrier:
            barriers[barrier] += 1
        first = row.event_date if first is None or row.event_date < first else first
        last = row.event_date if last is None or row.event_date > last else last

    series: list[Period] = []
    if by is not None and periods:
        start, end = min(periods), max(periods)
        while start <= end:
            tally = periods.get(start, _Tally())
            series.append(
                Period(
                    label=_label(start, by),
                    start=start,
                    fixed=tally.fixed,
                    repairable=tally.repairable,
                    end_of_life=tally.end_of_life,
                    unknown=tally.unknown,
                    co2e_kg=float(tally.co2e),
                    waste_kg=float(tally.waste),
                )
            )
            start = _next_period(start, by)

    return Summary(
        repairs=total.fixed + total.repairable + total.end_of_life + total.unknown,
        fixed=total.fixed,
        repairable=total.repairable,
        end_of_life=total.end_of_life,
        unknown=total.unknown,
        fix_rate=_fix_rate(total.fixed, total.repairable, total.end_of_life),
        barriers=barriers,
        co2e_kg=float(total.co2e),
        waste_kg=float(total.waste),
        series=tuple(series),
        by=by,
        first=first,
        last=last,
    )


def yearly(series: Sequence[Period]) -> tuple[Period, ...]:
    """A monthly series added up by calendar year (a yearly series comes back as it is).

    For a page that picks months or years once it has seen the time span: one pass over the
    rows by month, then this, instead of reading the rows twice. CO2e and waste are sums of
    the months' floats, so they can differ from ``summary(by="year")`` in the last digits.
    """
    years: dict[int, Period] = {}
    for p in series:
        y = years.get(p.start.year)
        if y is None:
            years[p.start.year] = replace(
                p, label=f"{p.start.year:04d}", start=date(p.start.year, 1, 1)
            )
            continue
        years[p.start.year] = replace(
            y,
            fixed=y.fixed + p.fixed,
            repairable=y.repairable + p.repairable,
            end_of_life=y.end_of_life + p.end_of_life,
            unknown=y.unknown + p.unknown,
            co2e_kg=y.co2e_kg + p.co2e_kg,
            waste_kg=y.waste_kg + p.waste_kg,
        )
    return tuple(years[year] for year in sorted(years))
