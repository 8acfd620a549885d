"""The impact chart: accessible, self-contained SVG, in the language it is given."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from repairs import impact
from tests.repairs.test_impact import row, sample_rows
from web.charts import ChartText, svg_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML or this raises


def test_the_chart_is_accessible_self_contained_svg() -> None:
    series = impact.summary(sample_rows(), by="month").series
    svg = svg_chart(series, title='Repairs & fix rate <by "month">')
    root = parse(svg)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and desc is not None
    assert title.text == 'Repairs & fix rate <by "month">'  # escaped in the source, intact here
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "20,000" in (desc.text or "") and "2016-03" in (desc.text or "")
    assert "59%" in (desc.text or "")
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Repairs" in texts and "Fix rate" in texts and "100%" in texts
    assert "2016-03" in texts
    bars = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    assert len(bars) == len(series)
    # No script, no styles or fonts from elsewhere, no links at all.
    lowered = svg.lower()
    for forbidden in ("<script", "href", "@import", "url(", "<style", "on" + "load="):
        assert forbidden not in lowered
    assert lowered.count("http") == 1  # the xmlns declaration only


def test_the_bars_are_proportional_and_the_line_breaks_where_nothing_is_known() -> None:
    rows = [
        row(1, event_date=date(2024, 1, 1)),
        row(2, event_date=date(2024, 1, 2), repair_status="End of life"),
        row(3, event_date=date(2024, 2, 1), repair_status="Unknown"),
        row(4, event_date=date(2024, 3, 1)),
        row(5, event_date=date(2024, 4, 1), repair_status="Repairable"),
    ]
    series = impact.summary(rows, by="month").series
    root = parse(svg_chart(series, title="Test", width=400, height=200))
    bars = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    heights = [float(b.get("height", "0")) for b in bars]
    assert heights[0] == pytest.approx(2 * heights[1]) and heights[1] == heights[2]
    tips = [b.find(SVG + "title").text for b in bars]  # type: ignore[union-attr]
    assert tips[0] == "2024-01: 2 repairs, 1 fixed, fix rate 50%"
    assert tips[1] == "2024-02: 1 repair, 0 fixed, fix rate no known outcomes"
    lines = list(root.iter(SVG + "polyline"))
    assert [len(p.get("points", "").split()) for p in lines] == [1, 2]  # Jan | Mar-Apr
    assert len(list(root.iter(SVG + "circle"))) == 3


def test_two_charts_on_one_page_do_not_share_ids() -> None:
    series = impact.summary([row(1)], by="month").series
    first = parse(svg_chart(series, title="Cardiff"))
    second = parse(svg_chart(series, title="Aarhus"))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_an_empty_chart_says_so() -> None:
    root = parse(svg_chart((), title="Nothing yet"))
    assert root.get("role") == "img"
    assert root.find(SVG + "desc").text == "No repairs to show."  # type: ignore[union-attr]
    assert "No repairs to show" in [t.text for t in root.iter(SVG + "text")]


def test_the_chart_speaks_the_language_it_is_given() -> None:
    series = impact.summary([row(1), row(2, repair_status="Repairable")], by="month").series
    text = ChartText(
        repairs="Reparaturen",
        fix_rate="Reparaturquote",
        line_legend="Quote",
        empty="Nichts",
        integer=lambda n: f"{n:,}".replace(",", "."),
        percent=lambda r: "–" if r is None else f"{r * 100:.0f} %",
        bar_tip=lambda p: f"{p.label}: {p.repairs} Reparaturen",
        point_tip=lambda p: f"{p.label}: Quote",
        description=lambda s: f"{len(s)} Monat",
    )
    root = parse(svg_chart(series, title="Titel", text=text, width=400, max_labels=6))
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Reparaturen" in texts and "Reparaturquote" in texts and "Quote" in texts
    assert "100 %" in texts and "Repairs" not in texts and "Fix rate" not in texts
    assert root.find(SVG + "desc").text == "1 Monat"  # type: ignore[union-attr]
    bar = next(r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None)
    assert bar.find(SVG + "title").text == "2024-01: 2 Reparaturen"  # type: ignore[union-attr]
    empty = parse(svg_chart((), title="Leer", text=text))
    assert "Nichts" in [t.text for t in empty.iter(SVG + "text")]


def test_fewer_period_labels_for_a_narrow_chart() -> None:
    months = [row(n, event_date=date(2024, n, 1)) for n in range(1, 13)]
    series = impact.summary(months, by="month").series
    labels = [
        t.text
        for t in parse(svg_chart(series, title="T", width=400, max_labels=6)).iter(SVG + "text")
        if t.text and t.text.startswith("2024-")
    ]
    assert labels == ["2024-01", "2024-03", "2024-05", "2024-07", "2024-09", "2024-11"]
