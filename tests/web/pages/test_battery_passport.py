"""The battery passport section: the BatteryPass facts in plain words, en and de; the restricted
ones only for persons with a legitimate interest (and the issuer), under a visible mark.
"""

from __future__ import annotations

import re
from typing import Any

from passport.passports import issuing
from tests.conftest import settings_of
from tests.helpers import ebike_passport
from tests.web.conftest import sign_in
from tests.web.pages.test_passport import ev, org, page, record, text

MARK = "For repairers, recyclers and authorities"
MARK_DE = "Für Reparaturbetriebe, Recyclingbetriebe und Behörden"


def issue_ebike(session: Any, maker: Any) -> str:
    created = issuing.issue_passport(
        session, settings_of(session), org(session, maker), ebike_passport()
    )
    session.commit()
    return created.public_id


def restricted(body: str) -> list[str]:
    """What a reader sees inside each marked (restricted) section."""
    return [
        text(s) for s in re.findall(r'<section class="restricted"[^>]*>(.*?)</section>', body, re.S)
    ]


def test_a_public_reader_sees_the_public_facts_and_nothing_restricted(client, session, maker):
    pid = issue_ebike(session, maker)
    body = page(client, pid)
    seen = text(body)
    assert "Battery passport" in seen
    assert "Battery for light means of transport (e-bike, e-scooter)" in seen
    assert "Manufacturer Acme Akku GmbH" in seen and "Manufactured on 15 January 2026" in seen
    assert "Lithium nickel manganese cobalt oxide (8:1:1) / graphite (NMC811)" in seen
    assert "Rated capacity 13.4 Ah" in seen and "Rated energy 482 Wh" in seen
    assert "Carbon footprint 74.5 kg CO₂e per kWh" in seen and "Carbon footprint class B" in seen
    assert "Critical raw materials Nickel, Cobalt, Graphite" in seen
    assert "Hazardous substances Lithium hexafluorophosphate" in seen
    assert "Recycled content Nickel: 10 %, Cobalt: 20 %" in seen
    assert "Symbols on the battery Collect separately" in seen
    assert "https://acme-akku.example/eb36/eu-declaration.pdf" in body
    # restricted: absent, and no mark; the note says more is available
    assert restricted(body) == [] and MARK not in seen
    assert "Expected lifetime" not in seen and "dismantling.pdf" not in body
    assert "/spares" not in body and "Mass of each material" not in seen
    assert "test-reports.pdf" not in body
    assert "more is available to repairers, recyclers and authorities" in seen


def test_a_repairer_sees_the_restricted_facts_marked(client, session, maker, make_org, make_user):
    cafe = make_org("Repair Café Cardiff", "repairer")
    pid = issue_ebike(session, maker)
    record(
        session,
        cafe,
        pid,
        ev("inspection", "2026-05-03T14:00:00+01:00", measurements={"stateOfHealth": 86.5}),
    )
    sign_in(client, make_user(cafe))
    body = page(client, pid)
    marked = restricted(body)
    assert len(marked) == 2  # the battery passport's restricted facts, the battery condition
    facts, condition = marked
    assert facts.startswith(MARK) and condition.startswith("Battery condition " + MARK)
    assert f'aria-label="Restricted: {MARK}"' in body
    assert "Expected lifetime 6 years" in facts and "Battery status original" in facts
    assert "Put into service on 1 March 2026" in facts
    assert "Mass of each material Nickel: 0.41 kg, Cobalt: 0.05 kg, Graphite: 0.38 kg" in facts
    assert "Dismantling information" in facts and "Spare parts from Acme Akku GmbH" in facts
    assert "Safety instructions" in facts and "86.5 %" in condition
    assert "https://acme-akku.example/eb36/dismantling.pdf" in body
    # the public facts stay unmarked; what only authorities may see stays out
    assert "Rated capacity" not in facts and "Rated capacity 13.4 Ah" in text(body)
    assert "Test reports" not in text(body) and "test-reports.pdf" not in body
    german = page(client, pid, query_string={"lang": "de"})
    facts_de = restricted(german)[0]
    assert facts_de.startswith(MARK_DE) and f'aria-label="Eingeschränkt: {MARK_DE}"' in german
    assert "Erwartete Lebensdauer 6 Jahre" in facts_de
    assert "Nennkapazität 13,4 Ah" in text(german)
    assert "Batterie für leichte Verkehrsmittel (E-Bike, E-Scooter)" in text(german)
    assert "Getrennt sammeln" in text(german)


def test_the_issuer_sees_every_fact_marked_by_who_may_see_it(client, session, maker, make_user):
    pid = issue_ebike(session, maker)
    sign_in(client, make_user(maker, "akku@acme.example"))
    body = page(client, pid)
    legitimate, authority, condition = restricted(body)
    assert condition.startswith("Battery condition " + MARK)  # as the passport states it
    assert legitimate.startswith(MARK) and "Expected lifetime 6 years" in legitimate
    assert authority.startswith("For authorities") and "Results of the test reports" in authority
    assert "https://acme-akku.example/eb36/test-reports.pdf" in body
    assert "more is available" not in text(body)
    german = text(page(client, pid, query_string={"lang": "de"}))
    assert "Für Behörden" in german and "Ergebnisse der Prüfberichte" in german


def test_a_kettle_has_no_battery_passport_section(client, session, maker):
    from tests.web.pages.test_passport import issue

    body = page(client, issue(session, maker, serial="K-2"))
    assert "Battery passport" not in body and 'class="restricted"' not in body
