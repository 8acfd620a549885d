"""The impact pages: the registry's and each group's repairs, what they avoided, the method.

The numbers are checked against ``repairs.impact.summary`` over ``repair_rows`` on a known
set: the first 200 records of the real ORDS sample (Cardiff Cathays and Caerphilly, April
2017 to April 2018) and one repair logged in this registry.
"""

from __future__ import annotations

import html
import io
import itertools
import re
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest

import web.pages.impact
from passport import organisations
from passport.access import authenticate
from passport.events import history
from passport.passports import issuing
from repairs import impact
from repairs.importing import import_ords
from repairs.listing import repair_rows
from repairs.ords.records import BARRIERS
from tests.conftest import BASE_URL, settings_of
from tests.helpers import FIXTURES, passport

SAMPLE = FIXTURES / "ords" / "ords_v0.3_sample_202507.csv"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def import_sample(session: Any, records: int | None = 200) -> None:
    """The first ``records`` records of the ORDS sample (all of them for None)."""
    with SAMPLE.open("rb") as f:
        data = b"".join(itertools.islice(f, None if records is None else records + 1))
    import_ords(session, io.BytesIO(data), skip_invalid=False)
    session.commit()


def log_repair(session: Any, org: Any, **details: Any) -> str:
    """Issue a kettle passport and log a repair on it; returns the passport id."""
    maker = organisations.create_organisation(session, f"Maker {org.name}", "manufacturer", ())[0]
    body = passport("item", gtin_="09520123456788", serial=f"S{maker.pk}", via_uri=False)
    pid = issuing.issue_passport(session, settings_of(session), maker, body).public_id
    event = {"type": "repair", "eventTime": "2026-05-03T14:00:00+01:00", "repair": details}
    history.record_event(
        session, settings_of(session), authenticate(session, org.key), pid, event, now=NOW
    )
    session.commit()
    return pid


@pytest.fixture
def known(session, make_org):
    """200 imported records and one laptop fixed at a repair café using this registry."""
    import_sample(session)
    cafe = make_org("Repair Café Cardiff", "repairer")
    log_repair(session, cafe, outcome="fixed", problem="Hinge", category="Laptop")
    return cafe


def expected(session: Any, by: Any = "year", **filters: Any) -> impact.Summary:
    """What repairs.impact.summary makes of the same rows."""
    session.rollback()
    query = {"since": None, "until": None, "group": None} | filters
    rows = repair_rows(session, category=None, base_url=BASE_URL, **query)
    return impact.summary(rows, by=by)


def get(client: Any, url: str, status: int = 200, **kw: Any) -> str:
    response = client.get(url, **kw)
    assert response.status_code == status, response.status_code
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp  # own files only
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    return response.get_data(as_text=True)


def words(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def figures(body: str) -> dict[str, str]:
    """The key figures (dt -> dd), without their explanatory notes."""
    pairs = re.findall(r"<div><dt>(.*?)</dt><dd>(.*?)</dd></div>", body, re.S)
    return {words(dt): words(re.sub(r'<span class="note">.*?</span>', "", dd)) for dt, dd in pairs}


def number(text: str) -> float:
    """ "≈ 2,886 kg" -> 2886.0 (English page)."""
    found = re.search(r"[0-9][0-9,]*(?:\.[0-9]+)?", text)
    assert found, text
    return float(found.group(0).replace(",", ""))


def table_rows(body: str) -> list[tuple[str, list[str]]]:
    """The over-time table: (datetime attribute, the cells after the period)."""
    rows = re.findall(
        r'<tr>\s*<th scope="row"><time datetime="([0-9-]+)">.*?</time></th>(.*?)</tr>', body, re.S
    )
    return [
        (iso, [words(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", cells)])
        for iso, cells in rows
    ]


def chart(body: str) -> ET.Element:
    found = re.search(r"<svg.*?</svg>", body, re.S)
    assert found, "no chart"
    return ET.fromstring(found.group(0))


def close(shown: str, value: float) -> bool:
    """A figure shown rounded (to a whole kg from 10 kg, else to a tenth or hundredth)."""
    return abs(number(shown) - value) <= (0.5 if value >= 10 else 0.05) + 1e-9


# --- the registry's page ---------------------------------------------------------------------


def test_the_numbers_are_the_summary_of_every_repair(client, session, known):
    body = get(client, "/impact")
    s = expected(session)
    assert s.repairs == 201 and s.fixed == 96  # 200 records + the registry's laptop
    shown = figures(body)
    assert shown["Repairs"] == "201"
    assert shown["Fixed"] == str(s.fixed)
    assert shown["Repairable, not finished yet"] == str(s.repairable)
    assert shown["End of life: cannot be repaired"] == str(s.end_of_life)
    assert shown["Outcome unknown"] == str(s.unknown)
    assert s.fix_rate is not None and shown["Fix rate"] == f"{s.fix_rate:.0%}"
    assert shown["CO₂e avoided"].endswith(" kg") and close(shown["CO₂e avoided"], s.co2e_kg)
    assert close(shown["Waste avoided"], s.waste_kg)
    assert "Repairs from 1 April 2017 to 3 May 2026." in words(body)
    assert 'href="/impact/method"' in body

    # 2017 to 2026 is too long for monthly bars: by year, with the empty years in between.
    rows = table_rows(body)
    assert (
        [iso for iso, _ in rows]
        == [p.label for p in s.series]
        == [str(year) for year in range(2017, 2027)]
    )
    for (_, cells), period in zip(rows, s.series, strict=True):
        counts = [period.repairs, period.fixed, period.repairable, period.end_of_life]
        assert cells[:5] == [str(n) for n in [*counts, period.unknown]]
        rate = "–" if period.fix_rate is None else f"{period.fix_rate:.0%}"
        assert cells[5] == rate
        assert close(cells[6], period.co2e_kg) and close(cells[7], period.waste_kg)


def test_the_chart_is_an_accessible_inline_svg_and_no_script(client, session, known):
    body = get(client, "/impact")
    root = chart(body)
    assert root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and title.text == "Repairs and fix rate by year"
    assert desc is not None and "201 in total" in (desc.text or "")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    bars = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    assert len(bars) == 10
    # the registry's own outbox.js and offline.js (issue 15, point 2); no inline style
    assert body.lower().count("<script") == 2 and " style=" not in body.lower()
    # The table says what the chart shows, for screen readers and print.
    assert '<caption id="numbers">The numbers of the chart</caption>' in body


def test_barriers_are_counted_in_their_canonical_spelling(client, session, known):
    cafe = known
    # ORDS spells barrier 6 three ways; the registry's form stores one of them.
    for spelling in ("Too worn out", "Item too worn out"):
        log_repair(session, cafe, outcome="end_of_life", barrier=spelling, category="Toaster")
    body = get(client, "/impact")
    s = expected(session)
    assert s.barriers["Item too worn out"] == 2
    rows = dict(
        re.findall(r'<tr><th scope="row">([^<]*)</th><td class="num">(\d+)</td></tr>', body)
    )
    assert rows["Item too worn out"] == "2"
    assert rows["Spare parts not available"] == "0"
    assert len(rows) == len(BARRIERS)


def test_groups_are_listed_with_links(client, session, known):
    body = get(client, "/impact")
    groups = re.findall(
        r'<tr>\s*<th scope="row"><a href="([^"]+)">([^<]+)</a></th>\s*'
        r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>',
        body,
    )
    assert [(name, n) for _, name, n, _ in groups] == [
        ("Cardiff Cathays", "167"),
        ("Caerphilly", "33"),
        ("Repair Café Cardiff", "1"),  # the registry's repairs: the recording organisation
    ]
    assert groups[0][0] == "/impact/groups/Cardiff%20Cathays"


def test_a_groups_page(client, session, known):
    body = get(client, "/impact/groups/Cardiff%20Cathays")
    s = expected(session, group="Cardiff Cathays")
    shown = figures(body)
    assert shown["Repairs"] == str(s.repairs) == "167"
    assert shown["Fixed"] == str(s.fixed)
    assert close(shown["CO₂e avoided"], s.co2e_kg)
    assert "<h1>Cardiff Cathays</h1>" in body
    # Nine months fit monthly bars, with the empty months shown.
    months = expected(session, by="month", group="Cardiff Cathays").series
    rows = table_rows(body)
    assert [iso for iso, _ in rows] == [p.label for p in months]
    assert [iso for iso, _ in rows][:4] == ["2017-04", "2017-05", "2017-06", "2017-07"]
    assert [cells[0] for _, cells in rows] == [str(p.repairs) for p in months]
    title = chart(body).find(SVG + "title")
    assert title is not None and title.text == "Repairs and fix rate by month"
    assert "Repair groups" not in body  # no list of groups on a group's page

    # The registry's own repairs form a group named after the organisation.
    cafe = get(client, "/impact/groups/Repair%20Caf%C3%A9%20Cardiff")
    assert figures(cafe)["Repairs"] == "1"
    assert figures(cafe)["CO₂e avoided"] == "≈ 133 kg"  # a laptop: 265.32 kg × 0.5
    assert figures(cafe)["Waste avoided"] == "≈ 1.8 kg"


def test_group_names_with_slashes_and_unknown_groups(client, session, known, make_org):
    # A group name with a slash and a "#", as in the sample ("Abermaw/Barmouth").
    org = make_org("Abermaw/Barmouth #2", "repairer")
    log_repair(session, org, outcome="repairable", category="Lamp")
    body = get(client, "/impact")
    assert 'href="/impact/groups/Abermaw/Barmouth%20%232"' in body
    assert figures(get(client, "/impact/groups/Abermaw/Barmouth%20%232"))["Repairs"] == "1"
    missing = get(client, "/impact/groups/Nowhere", 404)
    assert "No repairs are recorded for a group of this name." in missing


def test_since_and_until_filter_every_number(client, session, known):
    url = "/impact?since=2017-08-01&until=2017-09-30"
    body = get(client, url)
    s = expected(session, since=datetime(2017, 8, 1).date(), until=datetime(2017, 9, 30).date())
    assert figures(body)["Repairs"] == str(s.repairs) == "51"
    assert [iso for iso, _ in table_rows(body)] == ["2017-08", "2017-09"]
    assert 'value="2017-08-01"' in body and 'href="/impact"' in body  # the "All time" link
    # The group links keep the period.
    assert "/impact/groups/Cardiff%20Cathays?since=2017-08-01&amp;until=2017-09-30" in body
    nothing = get(client, "/impact/groups/Cardiff%20Cathays?since=2030-01-01")
    assert "No repairs in this period." in nothing and figures(nothing)["Repairs"] == "0"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=last+week", "since", "Give a date as year-month-day"),
        ("since=2018-01-01&until=2017-01-01", "until", "This date is before the first one."),
    ],
)
def test_a_wrong_period_is_shown_next_to_its_field(client, session, query, field, message):
    body = get(client, f"/impact?{query}", 400)
    assert re.search(rf'<p class="error" id="f-{field}-error">{message}', body)
    assert re.search(rf'id="f-{field}"[^>]*aria-describedby="f-{field}-error"', body)


def test_the_page_speaks_german(client, session, known):
    body = get(client, "/impact?lang=de")
    assert '<html lang="de">' in body
    assert "<h1>Wirkung der Reparaturen</h1>" in body
    shown = figures(body)
    assert shown["Reparaturen"] == "201"
    assert shown["Reparaturquote"].endswith(" %")  # German puts a space before %
    s = expected(session)
    co2e = shown["Vermiedenes CO₂e"]  # "≈ 2.995 kg": German groups thousands with "."
    assert re.fullmatch(r"≈ \d\.\d{3} kg", co2e), co2e
    assert abs(float(co2e[2:-3].replace(".", "")) - s.co2e_kg) <= 0.5
    root = chart(body)
    assert root.find(SVG + "title").text == "Reparaturen und Reparaturquote nach Jahr"  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Reparaturen" in texts and "Reparaturquote" in texts and "100\xa0%" in texts
    assert "Repairs" not in texts
    assert "Reparaturgruppen" in body and "Im Zeitverlauf" in body


def test_an_empty_registry_says_so(client):
    body = get(client, "/impact")
    assert figures(body)["Repairs"] == "0"
    assert "No repairs in this period." in body and "<svg" not in body


# --- the method ------------------------------------------------------------------------------


def test_the_method_page_shows_the_method_the_version_and_the_factors(client):
    assert web.pages.impact.METHOD == impact.METHOD  # the catalog's copy is the method's text
    body = get(client, "/impact/method")
    assert impact.METHOD in html.unescape(body)
    assert impact.FACTORS_VERSION in html.unescape(body)
    assert "CC BY-SA 4.0, Open Repair Alliance / The Restart Project" in body
    rows = {
        words(th): [words(td) for td in tds.split("</td>") if td.strip()]
        for th, tds in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', body, re.S)
    }
    assert len(rows) == 40
    # avoided per fixed repair, weight, footprint of a new one
    assert rows["Laptop"] == ["132.66", "1.83", "265.32"]
    assert rows["Kettle"] == ["22.16", "1.25", "44.32"]
    assert rows["Misc"] == ["not estimated", "–", "–"]

    german = get(client, "/impact/method?lang=de")
    assert "Verdrängungsfaktor von 0,5" in german
    assert impact.FACTORS_VERSION in html.unescape(german)
    assert "Wasserkocher" in german  # the categories in German


# --- the impact of one repair on the passport page ----------------------------------------


def note(client: Any, pid: str, **kw: Any) -> str | None:
    body = get(client, f"/passports/{pid}", **kw)
    found = re.search(r'<p class="note impact">(.*?)</p>', body, re.S)
    return found.group(1) if found else None


def test_each_fixed_repair_says_what_it_avoided(client, session, make_org):
    cafe = make_org("Repair Café Cardiff", "repairer")
    laptop = log_repair(session, cafe, outcome="fixed", category="laptop")
    shown = note(client, laptop)
    assert shown is not None
    assert words(shown) == "Avoided ≈ 133 kg CO₂e and 1.8 kg of waste (how this is estimated)."
    assert '<a href="/impact/method">' in shown
    german = note(client, laptop, headers={"Accept-Language": "de"})
    assert german is not None and "Vermieden: ≈ 133 kg CO₂e und 1,8 kg Abfall" in words(german)

    misc = log_repair(session, cafe, outcome="fixed", category="Misc")
    assert "not estimated for Misc" in words(note(client, misc) or "")
    unnamed = log_repair(session, cafe, outcome="fixed", problem="Loose wire")
    assert "not estimated without a product category" in words(note(client, unnamed) or "")
    # Only a fixed repair avoids anything.
    assert note(client, log_repair(session, cafe, outcome="repairable", category="Laptop")) is None


def test_a_corrected_repair_shows_no_impact(client, session, make_org):
    cafe = make_org("Repair Café Cardiff", "repairer")
    pid = log_repair(session, cafe, outcome="fixed", category="Laptop")
    correction = {
        "type": "correction",
        "eventTime": "2026-05-04T10:00:00+01:00",
        "correction": {"corrects": 1, "reason": "did_not_occur", "explanation": "Wrong item"},
    }
    history.record_event(
        session, settings_of(session), authenticate(session, cafe.key), pid, correction, now=NOW
    )
    session.commit()
    assert note(client, pid) is None


# --- with the whole sample -------------------------------------------------------------------


def test_twenty_thousand_records_stay_fast(client, session):
    import_sample(session, None)
    client.get("/impact")  # templates compiled, catalog loaded
    # CPU time of this process, not wall time: on a busy machine (the suite runs on every core,
    # beside other jobs) waiting for a core would count against the page.
    started = time.process_time()
    body = get(client, "/impact")
    took = time.process_time() - started
    assert figures(body)["Repairs"] == "20,000"
    # About 0.2 s on a laptop (one pass over the rows); generous for a slow CI machine.
    assert took < 2.0, f"/impact took {took:.2f} s of CPU on 20,000 records"
