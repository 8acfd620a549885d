"""The impact chart: repairs per period as bars, the fix rate as a line, in accessible SVG.

Drawn on the server and put inline in the page: markup, not script, so the CSP stays as
strict as it is. The numbers are ``repairs.impact``'s periods; the words come from the page
(``ChartText``), English unless it passes its own.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from repairs.impact import Period

_BAR = "#2f7d5b"  # green bars, 5.2:1 against white
_LINE = "#b3471d"  # rust line, 4.9:1 against white; told apart by shape too (dots, dashes)
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'  # local fonts only


def _tick_step(largest: int) -> int:
    """A round whole step (1, 1.5, 2, 2.5, 3, 4, 5 or 7.5 × 10^k) so 4 steps reach ``largest``."""
    target = max(largest / 4, 1)
    power: int = 10 ** math.floor(math.log10(target))  # target >= 1: a whole power
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10):
        step = factor * power
        if step >= target and step == int(step):
            return int(step)
    return 10 * power  # pragma: no cover - the loop always returns


def _text_width(text: str) -> int:
    # 11 px system-ui averages about 6 px a character; generous, since fonts differ.
    return math.ceil(len(text) * 6.2)


def _number(value: float) -> str:
    # SVG coordinates: two decimals are sub-pixel; no exponent notation ever.
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(rate: float | None) -> str:
    return "no known outcomes" if rate is None else f"{rate * 100:.0f}%"


def _integer(value: int) -> str:
    return f"{value:,}"


def _bar_tip(period: Period) -> str:
    return (
        f"{period.label}: {period.repairs:,} repair{'s' * (period.repairs != 1)}, "
        f"{period.fixed:,} fixed, fix rate {_percent(period.fix_rate)}"
    )


def _point_tip(period: Period) -> str:
    return f"{period.label}: fix rate {_percent(period.fix_rate)}"


def _description(series: Sequence[Period]) -> str:
    if not series:
        return "No repairs to show."
    repairs = sum(p.repairs for p in series)
    busiest = max(series, key=lambda p: p.repairs)
    fixed = sum(p.fixed for p in series)
    known = sum(p.fixed + p.repairable + p.end_of_life for p in series)
    rate = fixed / known if known else None
    return (
        f"Bars: repairs per period from {series[0].label} to {series[-1].label}, "
        f"{repairs:,} in total, most in {busiest.label} ({busiest.repairs:,}). "
        f"Line: fix rate (fixed of known outcomes), {_percent(rate)} over the whole time."
    )


@dataclass(frozen=True)
class ChartText:
    """The words and number formats of a chart: English unless a page passes its own, in the
    reader's language (the impact pages translate and format them).

    ``integer`` and ``percent`` format the axes and are what the default tips and
    description use; ``bar_tip``, ``point_tip`` and ``description`` write whole sentences,
    since word order differs between languages.
    """

    repairs: str = "Repairs"  # the left axis, and the bars in the legend
    fix_rate: str = "Fix rate"  # the right axis
    line_legend: str = "Fix rate (fixed of known outcomes)"
    empty: str = "No repairs to show"
    integer: Callable[[int], str] = _integer
    percent: Callable[[float | None], str] = _percent
    bar_tip: Callable[[Period], str] = _bar_tip
    point_tip: Callable[[Period], str] = _point_tip
    description: Callable[[Sequence[Period]], str] = _description


ENGLISH = ChartText()


def svg_chart(
    series: Sequence[Period],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
    text: ChartText = ENGLISH,
    max_labels: int = 12,
) -> str:
    """An accessible SVG chart: repairs per period as bars, fix rate as a line.

    Server-rendered, no script, no external fonts or styles. The ``<title>`` and
    ``<desc>`` (referenced by ``aria-labelledby``) give a screen reader the title and a
    summary in words; each bar and point has its own ``<title>`` for pointer users. Every
    text is escaped. Left axis: repairs; right axis: fix rate in percent. ``text`` gives
    the words in another language; ``max_labels`` caps the period labels under the bars
    (fewer for a narrow chart, so they never overlap).
    """
    ident = (
        "chart-"
        + hashlib.sha256(
            (title + "|" + ",".join(f"{p.label}:{p.repairs}" for p in series)).encode()
        ).hexdigest()[:10]
    )
    left, right, top, bottom = 48, 48, 24, 44
    plot_w, plot_h = max(width - left - right, 10), max(height - top - bottom, 10)
    base = top + plot_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(text.description(series))}</desc>',
        f'<g {_FONT} fill="currentColor">',
    ]
    if not series:
        out.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle">'
            f"{escape(text.empty)}</text></g></svg>"
        )
        return "".join(out)

    tick = _tick_step(max(p.repairs for p in series))
    top_value = 4 * tick
    slot = plot_w / len(series)
    bar_w = max(slot * 0.7, 1.0)

    # Axes and gridlines: the left scale counts repairs, the right one is 0-100 %.
    for i in range(5):
        y = base - plot_h * i / 4
        label = escape(text.integer(tick * i))
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_number(y)}" y2="{_number(y)}" '
            'stroke="currentColor" stroke-opacity="0.15"/>'
            f'<text x="{left - 6}" y="{_number(y + 4)}" text-anchor="end">{label}</text>'
            f'<text x="{left + plot_w + 6}" y="{_number(y + 4)}">'
            f"{escape(text.percent(i / 4))}</text>"
        )
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" '
        'stroke="currentColor"/>'
        f'<text transform="translate(12 {top + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{escape(text.repairs)}</text>'
        f'<text transform="translate({width - 8} {top + plot_h / 2:.0f}) rotate(90)" '
        f'text-anchor="middle">{escape(text.fix_rate)}</text>'
    )

    # Bars, with at most max_labels period labels so they never overlap.
    step = max(1, math.ceil(len(series) / max(max_labels, 1)))
    points: list[tuple[int, float, float, Period]] = []
    for i, period in enumerate(series):
        x = left + slot * i + (slot - bar_w) / 2
        h = plot_h * period.repairs / top_value
        tip = escape(text.bar_tip(period))
        out.append(
            f'<rect x="{_number(x)}" y="{_number(base - h)}" width="{_number(bar_w)}" '
            f'height="{_number(h)}" fill="{_BAR}"><title>{tip}</title></rect>'
        )
        centre = left + slot * (i + 0.5)
        if i % step == 0:
            out.append(
                f'<text x="{_number(centre)}" y="{base + 14}" text-anchor="middle">'
                f"{escape(period.label)}</text>"
            )
        if period.fix_rate is not None:
            points.append((i, centre, base - plot_h * period.fix_rate, period))

    # The fix-rate line, broken where a period has no known outcome.
    segments: list[list[tuple[float, float]]] = []
    previous = -2
    for index, centre, y, _period in points:
        if index != previous + 1:
            segments.append([])
        segments[-1].append((centre, y))
        previous = index
    for segment in segments:
        path = " ".join(f"{_number(x)},{_number(y)}" for x, y in segment)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{_LINE}" stroke-width="2" '
            'stroke-dasharray="6 3"/>'
        )
    for _index, centre, y, period in points:
        out.append(
            f'<circle cx="{_number(centre)}" cy="{_number(y)}" r="3" fill="{_LINE}">'
            f"<title>{escape(text.point_tip(period))}</title>"
            "</circle>"
        )

    # A legend in words, so colour is never the only cue.
    # The line's entry starts after the bars' words, however long they are in a language.
    line_x = left + 14 + max(66, _text_width(text.repairs) + 12)
    out.append(
        f'<rect x="{left}" y="{height - 14}" width="10" height="10" fill="{_BAR}"/>'
        f'<text x="{left + 14}" y="{height - 5}">{escape(text.repairs)}</text>'
        f'<line x1="{line_x}" x2="{line_x + 20}" y1="{height - 9}" y2="{height - 9}" '
        f'stroke="{_LINE}" stroke-width="2" stroke-dasharray="6 3"/>'
        f'<text x="{line_x + 24}" y="{height - 5}">{escape(text.line_legend)}</text>'
    )
    out.append("</g></svg>")
    return "".join(out)
