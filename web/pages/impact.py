"""The impact of repairs, in public: the whole registry, each repair group, and the method.

The numbers come from ``repairs.impact_report.impact_report`` (one pass over every repair the
registry knows: imported ORDS records and the repairs logged here) and ``repairs.impact``
(The Restart Project's method and factors). The chart (``web.charts``) is SVG drawn on the
server and put inline: markup, not script, so the CSP stays as strict as it is. A table gives
the same numbers to screen readers, to print and to anyone who wants the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from edge.request import session, settings
from repairs import impact, impact_report
from web.charts import ChartText, svg_chart
from web.html import N_, kilograms, long_date, render
from web.pages.categories import BARRIER_NAMES

# repairs.impact.METHOD, marked for the catalog: the method page shows it in the reader's
# language. A test checks that this copy is still the same text.
METHOD = N_(
    "The Restart Project's method: each fixed repair avoids the emissions of making and "
    "transporting a replacement, times a displacement factor of 0.5 (the repair is assumed "
    "to extend the item's life by half), and the item's average weight in waste. Only fixed "
    "repairs count; Misc items count zero. Estimates, not measurements."
)
# Names, not words: the same in every language.
SOURCE = "Fixometer reference data 2021, The Restart Project"
LICENCE = "CC BY-SA 4.0, Open Repair Alliance / The Restart Project"

# The chart's viewBox: narrow enough that its 11-unit text stays readable when a phone
# scales it to its width, with few enough period labels that they never overlap.
CHART_WIDTH, CHART_HEIGHT = 400, 240
MAX_LABELS = {"month": 6, "year": 8}


@dataclass(frozen=True)
class Filters:
    """The optional ?since=&until= of an impact page (inclusive dates), and what was wrong."""

    since: date | None
    until: date | None
    typed: dict[str, str]  # as typed, to show in the form again
    errors: dict[str, str]  # field name -> message

    @property
    def active(self) -> bool:
        return self.since is not None or self.until is not None

    def query(self) -> dict[str, str]:
        """The filters for a link to another impact page."""
        return {
            key: value.isoformat()
            for key, value in (("since", self.since), ("until", self.until))
            if value is not None
        }


def _filters() -> Filters:
    values: dict[str, date | None] = {"since": None, "until": None}
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in values:
        text = request.args.get(name, "").strip()
        typed[name] = text
        if not text:
            continue
        try:
            values[name] = date.fromisoformat(text)
        except ValueError:
            errors[name] = _("Give a date as year-month-day, e.g. 2026-05-03.")
    since, until = values["since"], values["until"]
    if since is not None and until is not None and until < since:
        errors["until"] = _("This date is before the first one.")
    return Filters(since, until, typed, errors)


# --- numbers in words ------------------------------------------------------------------------


def _integer(value: int) -> str:
    return format_decimal(value, format="#,##0")


def _rate(rate: float | None) -> str:
    if rate is None:
        return _("no known outcomes")
    return format_percent(rate)  # the locale's pattern, whole percent: "61%", "61 %"


def _period_name(period: impact.Period, by: str | None) -> str:
    if by == "month":
        return format_date(period.start, format="MMM y")
    return period.label


def _chart_text(by: str | None) -> ChartText:
    """The chart's words in the page's language, its numbers in the page's format."""

    def bar_tip(p: impact.Period) -> str:
        return ngettext(
            "%(period)s: %(num)d repair, %(fixed)s fixed, fix rate %(rate)s",
            "%(period)s: %(num)d repairs, %(fixed)s fixed, fix rate %(rate)s",
            p.repairs,
            period=_period_name(p, by),
            fixed=_integer(p.fixed),
            rate=_rate(p.fix_rate),
        )

    def point_tip(p: impact.Period) -> str:
        return _(
            "%(period)s: fix rate %(rate)s", period=_period_name(p, by), rate=_rate(p.fix_rate)
        )

    def description(series: Sequence[impact.Period]) -> str:
        if not series:
            return _("No repairs to show.")
        busiest = max(series, key=lambda p: p.repairs)
        fixed = sum(p.fixed for p in series)
        known = sum(p.fixed + p.repairable + p.end_of_life for p in series)
        return _(
            "Bars: repairs per period from %(first)s to %(last)s, %(total)s in total, most in "
            "%(busiest)s (%(most)s). Line: fix rate (fixed of known outcomes), %(rate)s over "
            "the whole time.",
            first=_period_name(series[0], by),
            last=_period_name(series[-1], by),
            total=_integer(sum(p.repairs for p in series)),
            busiest=_period_name(busiest, by),
            most=_integer(busiest.repairs),
            rate=_rate(fixed / known if known else None),
        )

    return ChartText(
        repairs=_("Repairs"),
        fix_rate=_("Fix rate"),
        line_legend=_("Fix rate (of known outcomes)"),
        empty=_("No repairs to show"),
        integer=_integer,
        percent=_rate,
        bar_tip=bar_tip,
        point_tip=point_tip,
        description=description,
    )


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str | None = None


@dataclass(frozen=True)
class Row:
    """One period of the table under the chart."""

    name: str
    iso: str  # for <time datetime>
    repairs: str
    fixed: str
    repairable: str
    end_of_life: str
    unknown: str
    fix_rate: str
    co2e: str
    waste: str


def _figures(s: impact.Summary) -> list[Figure]:
    return [
        Figure(_("Repairs"), _integer(s.repairs)),
        Figure(_("Fixed"), _integer(s.fixed)),
        Figure(_("Repairable, not finished yet"), _integer(s.repairable)),
        Figure(_("End of life: cannot be repaired"), _integer(s.end_of_life)),
        Figure(_("Outcome unknown"), _integer(s.unknown)),
        Figure(_("Fix rate"), _rate(s.fix_rate), _("fixed of the repairs with a known outcome")),
        Figure(_("CO₂e avoided"), _("≈ %(amount)s kg", amount=kilograms(s.co2e_kg))),
        Figure(_("Waste avoided"), _("≈ %(amount)s kg", amount=kilograms(s.waste_kg))),
    ]


def _rows(s: impact.Summary) -> list[Row]:
    return [
        Row(
            name=_period_name(p, s.by),
            iso=p.label,
            repairs=_integer(p.repairs),
            fixed=_integer(p.fixed),
            repairable=_integer(p.repairable),
            end_of_life=_integer(p.end_of_life),
            unknown=_integer(p.unknown),
            fix_rate=_rate(p.fix_rate) if p.fix_rate is not None else "–",
            co2e=kilograms(p.co2e_kg),
            waste=kilograms(p.waste_kg),
        )
        for p in s.series
    ]


def _barriers(s: impact.Summary) -> list[tuple[str, str]]:
    return [
        (_(BARRIER_NAMES.get(name, name)), _integer(count)) for name, count in s.barriers.items()
    ]


def _groups(report: impact_report.ImpactReport, filters: Filters) -> list[dict[str, Any]]:
    return [
        {
            "name": g.name,
            "url": url_for("pages.impact_group", group=g.name, **filters.query())
            if g.name.strip()
            else None,
            "repairs": _integer(g.repairs),
            "fixed": _integer(g.fixed),
            "fix_rate": _rate(g.fix_rate) if g.fix_rate is not None else "–",
        }
        for g in report.groups
    ]


def _render(group: str | None) -> ResponseReturnValue:
    filters = _filters()
    context: dict[str, Any] = {"group": group, "filters": filters, "report": None}
    if filters.errors:
        return render("impact.html", 400, **context)
    report = impact_report.impact_report(
        session(),
        since=filters.since,
        until=filters.until,
        group=group,
        base_url=settings().base_url,
    )
    s = report.summary
    if group is not None and s.repairs == 0 and not filters.active:
        return render("impact.html", 404, **context, unknown_group=True)
    return render("impact.html", **context | _report(report, filters, group))


def _report(
    report: impact_report.ImpactReport, filters: Filters, group: str | None
) -> dict[str, Any]:
    """What the page shows of a report: figures, the chart, the table, barriers, groups."""
    s = report.summary
    if s.by == "year":
        title = _("Repairs and fix rate by year")
    else:
        title = _("Repairs and fix rate by month")
    chart = svg_chart(
        s.series,
        title=title,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        text=_chart_text(s.by),
        max_labels=MAX_LABELS.get(s.by or "month", 6),
    )
    return {
        "report": report,
        "summary": s,
        "figures": _figures(s),
        "chart_title": title,
        # Our own SVG: every text in it is escaped by web.charts.svg_chart.
        "chart": Markup(chart),
        "rows": _rows(s),
        "barriers": _barriers(s),
        "barrier_total": sum(s.barriers.values()),
        "groups": _groups(report, filters) if group is None else [],
        "first": long_date(s.first) if s.first else None,
        "last": long_date(s.last) if s.last else None,
    }


def impact_page() -> ResponseReturnValue:
    """Show what the repairs the registry knows of have achieved, over time and by group."""
    return _render(None)


def impact_group(group: str) -> ResponseReturnValue:
    """Show one repair group's repairs and what they avoided."""
    return _render(group)


@dataclass(frozen=True)
class FactorRow:
    category: Markup
    # None: the category has no factors (Misc), so nothing is estimated for it
    weight: str | None
    footprint: str | None
    avoided: str | None


def _factor(value: Decimal) -> str:
    # The factors have up to three decimals; all of them are shown, trailing zeros are not.
    return format_decimal(value, format="#,##0.0##")


def impact_method() -> ResponseReturnValue:
    """Explain how the impact is estimated: the method, the factors and their version."""
    return render(
        "impact_method.html",
        method=_(METHOD),
        displacement=format_decimal(impact.DISPLACEMENT, format="0.0#"),
        version=impact.FACTORS_VERSION,
        source=SOURCE,
        licence=LICENCE,
        factors=_factor_rows(),
    )


def _factor_rows() -> list[FactorRow]:
    """Every category's factors, sorted as the reader reads the category names."""
    table = []
    for name, factor in impact.factors().items():
        estimated = factor.footprint_kg_co2e > 0 or factor.weight_kg > 0
        table.append(
            FactorRow(
                # An ORDS category name; the catalog has them all (web.pages.categories).
                # "Akku/Ladegerät/Netzteil" may break after a slash, or a phone must scroll.
                category=Markup("/<wbr>").join(_(name).split("/")),
                weight=_factor(factor.weight_kg) if estimated else None,
                footprint=_factor(factor.footprint_kg_co2e) if estimated else None,
                avoided=_factor(factor.footprint_kg_co2e * impact.DISPLACEMENT)
                if estimated
                else None,
            )
        )
    # Sorted as the reader reads the names; casefold is enough for English and German.
    table.sort(key=lambda row: row.category.casefold())
    return table
