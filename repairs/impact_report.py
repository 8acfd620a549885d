"""What the impact pages show: every repair summarised over time, and counted by group.

``impact_report`` reads every repair the registry knows (``repairs.listing.repair_rows``)
once, summarising it with ``repairs.impact`` by month (or by year over a long span) and
tallying each repair group (an ORDS ``group_identifier``) on the way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from repairs import impact
from repairs.listing import repair_rows
from repairs.ords.records import END_OF_LIFE, FIXED, REPAIRABLE, OrdsRow

__all__ = ["MONTHS_SHOWN", "GroupTally", "ImpactReport", "impact_report"]

# An impact series spanning more months than this is added up by year: two years of monthly
# bars still fit a phone's width, ten years of them would be slivers.
MONTHS_SHOWN = 24


@dataclass(frozen=True)
class GroupTally:
    """One repair group (an ORDS ``group_identifier``) in an impact report."""

    name: str
    repairs: int
    fixed: int
    known: int  # fixed, repairable or end of life: the fix rate's denominator

    @property
    def fix_rate(self) -> float | None:
        """Fixed of known outcomes, as ``repairs.impact`` counts it; None without any."""
        return self.fixed / self.known if self.known else None


@dataclass(frozen=True)
class ImpactReport:
    """What the impact pages show: a summary over time, and the groups' counts."""

    summary: impact.Summary  # by month, or by year (``summary.by``) over a long span
    groups: tuple[GroupTally, ...]  # most repairs first, then by name


def impact_report(
    session: Session,
    *,
    since: date | None,
    until: date | None,
    group: str | None,
    base_url: str,
    months: int = MONTHS_SHOWN,
) -> ImpactReport:
    """Summarise every repair the registry knows (``repair_rows``) in one pass over them.

    The series is by month, or by year when it spans more than ``months`` months (decided
    after the pass, by adding the months up: the rows are read once). Each group is counted
    on the way; ``group`` narrows everything to one group.
    """
    counts: dict[str, list[int]] = {}  # name -> [repairs, fixed, known]

    def counted(rows: Iterable[OrdsRow]) -> Iterator[OrdsRow]:
        for row in rows:
            tally = counts.get(row.group_identifier)
            if tally is None:
                tally = counts[row.group_identifier] = [0, 0, 0]
            tally[0] += 1
            if row.repair_status == FIXED:
                tally[1] += 1
            if row.repair_status in (FIXED, REPAIRABLE, END_OF_LIFE):
                tally[2] += 1
            yield row

    rows = repair_rows(
        session, since=since, until=until, category=None, group=group, base_url=base_url
    )
    found = impact.summary(counted(rows), by="month")
    if len(found.series) > months:
        found = dataclasses.replace(found, series=impact.yearly(found.series), by="year")
    groups = sorted(
        (GroupTally(name, *tally) for name, tally in counts.items()),
        key=lambda g: (-g.repairs, g.name),
    )
    return ImpactReport(summary=found, groups=tuple(groups))
