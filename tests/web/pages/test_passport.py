"""The passport page a phone opens after scanning a QR code: content, languages, safety."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from passport.access import authenticate
from passport.events import history
from passport.passports import issuing, versions
from tests.conftest import BASE_URL, settings_of
from tests.helpers import CIRCULARITY, passport

WEB = Path(__file__).resolve().parents[3] / "web"
PO = WEB / "translations" / "de" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# record_event refuses events from the future: pin "now" so the 2026 dates below always work.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

PRODUCT_EXTRAS: dict[str, Any] = {
    "circularityScorecard": CIRCULARITY
    | {
        "recyclingInformation": {
            "linkURL": "https://acme.example/k1/recycling",
            "linkName": "Recycling guide",
        }
    },
    "materialsProvenance": [
        {"name": "Stainless steel", "massFraction": 0.6, "recycledMassFraction": 0.25},
        {"name": "Polypropylene", "massFraction": 0.35},
    ],
}


# --- helpers -----------------------------------------------------------------------------


def org(session: Any, made: Any) -> Any:
    """The Organisation model behind a make_org result."""
    return authenticate(session, made.key)


def issue(
    session: Any,
    issuer: Any,
    granularity: str = "item",
    product: dict[str, Any] | None = None,
    **kw: Any,
) -> str:
    """Issue a passport straight through the service; ``product`` adds product fields."""
    body = passport(granularity, **kw)
    body["product"] |= {"productionDate": "2025-01-15"} | (product or {})
    created = issuing.issue_passport(session, settings_of(session), org(session, issuer), body)
    session.commit()
    return created.public_id


def record(session: Any, who: Any, pid: str, body: dict[str, Any]) -> int:
    event = history.record_event(
        session, settings_of(session), org(session, who), pid, body, now=NOW
    )
    session.commit()
    return event.seq


def page(client: Any, pid: str, **kw: Any) -> str:
    response = client.get(f"/passports/{pid}", **kw)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def text(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded, spaces folded."""
    folded = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    return re.sub(r" ([,:)])", r"\1", folded)


def timeline(body: str) -> list[str]:
    return [text(item) for item in re.findall(r'<li id="event-\d+"[^>]*>(.*?)</li>', body, re.S)]


def li(body: str, seq: int) -> str:
    found = re.search(rf'<li id="event-{seq}"([^>]*)>(.*?)</li>', body, re.S)
    assert found, f"no event {seq} on the page"
    return found.group(0)


def ev(kind: str, when: str, **details: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "eventTime": when}
    if details:
        body[kind] = details
    return body


@pytest.fixture
def cafe(make_org: Any) -> Any:
    return make_org("Repair Café Cardiff", "repairer")


@pytest.fixture
def shop(make_org: Any) -> Any:
    return make_org("Second Life Electronics", "refurbisher")


@pytest.fixture
def recycler(make_org: Any) -> Any:
    return make_org("Recycling Centre North", "recycler")


@pytest.fixture
def lived(session: Any, maker: Any, cafe: Any, shop: Any) -> str:
    """A kettle with a full life so far: sold, repaired, refurbished, resold."""
    pid = issue(session, maker, **PRODUCT_EXTRAS)
    for who, body in [
        (maker, ev("commissioning", "2026-03-01T09:00:00+01:00")),
        (maker, ev("sale", "2026-03-02T10:00:00+01:00", channel="retail", condition="New")),
        (
            cafe,
            ev(
                "repair",
                "2026-05-03T14:00:00+01:00",
                outcome="fixed",
                problem="kettle switch replaced",
                category="Kettle",
                spareParts="third_party",
                partsReplaced=["switch"],
            ),
        ),
        (
            shop,
            ev(
                "refurbishment",
                "2026-07-01T11:00:00+02:00",
                condition="Refurbished",
                grade="A",
                batteryHealth=87,
            ),
        ),
        (
            shop,
            ev("resale", "2026-07-02T23:30:00-05:00", channel="second_hand_shop", condition="Used"),
        ),
    ]:
        record(session, who, pid, body)
    return pid


# --- content -----------------------------------------------------------------------------


def test_the_page_says_what_the_product_is(client, session, maker):
    pid = issue(
        session,
        maker,
        product={
            "productImage": {"linkURL": "https://acme.example/k1.jpg", "linkName": "The K1 kettle"},
            "furtherInformation": [
                {"linkURL": "https://acme.example/k1/parts", "linkName": "Spare parts shop"},
                {"linkURL": "https://acme.example/k1/manual.pdf", "linkName": "User manual"},
                {"linkURL": "https://acme.example/k1/" + "x" * 80},
            ],
        },
        **PRODUCT_EXTRAS,
    )
    body = page(client, pid)
    assert "<h1>Acme K1 kettle</h1>" in body
    assert '<img class="product" src="https://acme.example/k1.jpg" alt="The K1 kettle"' in body
    facts = text(body)
    assert "Made by Acme Kettles GmbH" in facts
    assert "Product number 09520123456788" in facts and "Serial number 12345" in facts
    assert "This passport is for this one item." in facts
    # what matters for its circular life
    assert '<a href="https://acme.example/k1/repair">Repair guide</a>' in body
    assert '<a href="https://acme.example/k1/parts">Spare parts shop</a>' in body
    assert '<a href="https://acme.example/k1/manual.pdf">User manual</a>' in body
    assert '<a href="https://acme.example/k1/recycling">Recycling guide</a>' in body
    # a link without a name shows its address, cut short (the href keeps all of it)
    assert f'">acme.example/k1/{"x" * 43}…</a>' in body
    assert "Recycled content 30%" in facts and "Recyclable 90%" in facts
    assert "Stainless steel 60% 25%" in facts and "Polypropylene 35% –" in facts


def test_sections_without_data_are_left_out(client, session, maker):
    body = page(client, issue(session, maker))
    for heading in ("Repair, spare parts and manuals", "Materials", "Recycling", "History"):
        assert f">{heading}</h2>" not in body
    assert "<h2" in body and "About this product" in body
    headings = [int(level) for level in re.findall(r"<h([1-6])", body)]
    assert headings[0] == 1  # and no level is skipped on the way down
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False))


def test_what_a_batch_inherits_from_its_model_is_said(client, session, maker):
    issue(session, maker, "model", serial=None, **PRODUCT_EXTRAS)
    pid = issue(session, maker, "batch", lot="L42", serial=None)
    body = page(client, pid)
    assert "Some of this information comes from the passport of the product model." in body
    assert f'<a href="{BASE_URL}/01/09520123456788">Model passport</a>' in body
    assert "This passport is for a production batch." in body
    assert "Batch L42" in text(body)
    assert '<a href="https://acme.example/k1/repair">Repair guide</a>' in body  # inherited


def test_the_history_reads_as_sentences_in_the_order_it_was_recorded(client, lived):
    body = page(client, lived)
    assert timeline(body) == [
        "Registered by Acme Kettles GmbH, 1 March 2026",
        "Sold by Acme Kettles GmbH, 2 March 2026 — in a shop, new",
        "Repaired at Repair Café Cardiff, 3 May 2026 — kettle switch replaced, fixed "
        "Parts replaced: switch Spare parts came from another supplier. "
        "Avoided ≈ 22 kg CO₂e and 1.2 kg of waste ( how this is estimated).",
        "Refurbished by Second Life Electronics, 1 July 2026 — refurbished, grade A, "
        "battery health 87%",
        # 23:30 in Chicago is already 3 July in UTC: the recorder's own date is shown.
        "Resold by Second Life Electronics, 2 July 2026 — in a second-hand shop, used",
    ]
    assert '<ol class="timeline">' in body
    assert '<time datetime="2026-05-03T14:00:00+01:00">3 May 2026</time>' in body
    assert '<time datetime="2026-07-02T23:30:00-05:00">2 July 2026</time>' in body
    assert "Changed hands 2 times." in body


def test_every_event_type_has_its_sentence(client, session, maker, cafe, recycler):
    pid = issue(session, maker)
    events = [
        (
            cafe,
            ev(
                "repair",
                "2026-04-01T10:00:00+01:00",
                outcome="repairable",
                problem="Leaks",
                nextSteps="Professional help",
            ),
        ),
        (
            cafe,
            ev(
                "repair",
                "2026-04-02T10:00:00+01:00",
                outcome="end_of_life",
                problem="Element burnt out",
                barrier="Spare parts not available",
            ),
        ),
        (cafe, ev("maintenance", "2026-04-03T10:00:00+01:00", description="Descaled")),
        (
            cafe,
            ev(
                "part_replacement",
                "2026-04-04T10:00:00+01:00",
                removed={"description": "old lid"},
                installed={"description": "new lid", "passport": "https://parts.example/lid"},
            ),
        ),
        (
            maker,
            ev(
                "recall",
                "2026-04-05T10:00:00+01:00",
                reason="Lid may open",
                severity="warning",
                url="https://acme.example/recall",
            ),
        ),
        (recycler, ev("collection", "2026-04-06T10:00:00+01:00", channel="municipal")),
        (recycler, ev("disassembly", "2026-04-07T10:00:00+01:00", description="Into parts")),
        (
            recycler,
            ev("recycling", "2026-04-08T10:00:00+01:00", recoveredMaterials=["steel", "copper"]),
        ),
    ]
    for who, body in events:
        record(session, who, pid, body)
    lines = timeline(page(client, pid))
    assert lines == [
        "Repair begun at Repair Café Cardiff, 1 April 2026 — Leaks, repairable, not finished "
        "yet Next step: professional help",
        "Repair attempted at Repair Café Cardiff, 2 April 2026 — Element burnt out, could not "
        "be repaired What stopped the repair: spare parts not available",
        "Serviced by Repair Café Cardiff, 3 April 2026 — Descaled",
        "Part replaced by Repair Café Cardiff, 4 April 2026 — removed: old lid, installed: new "
        "lid Passport of the installed part",
        "Safety recall by Acme Kettles GmbH, 5 April 2026 — Lid may open, warning Recall notice",
        "Handed in at Recycling Centre North, 6 April 2026 — at a municipal collection point",
        "Taken apart by Recycling Centre North, 7 April 2026 — Into parts",
        "Recycled by Recycling Centre North, 8 April 2026 — recovered: steel, copper",
    ]


def test_remanufacture_and_destruction_sentences(client, session, maker, recycler):
    reman = issue(session, maker)
    record(
        session,
        maker,
        reman,
        ev(
            "remanufacture",
            "2026-04-01T10:00:00Z",
            description="Rebuilt as K1 Pro",
            newPassport="https://registry.example.org/01/1",
        ),
    )
    body = page(client, reman)
    assert timeline(body) == [
        "Remanufactured by Acme Kettles GmbH, 1 April 2026 — Rebuilt as K1 Pro "
        "It lives on with a new passport"
    ]
    assert "This product has reached the end of its life." in body
    gone = issue(session, maker, serial="999")
    record(session, recycler, gone, ev("destruction", "2026-04-02T10:00:00Z"))
    body = page(client, gone)
    assert timeline(body) == ["Destroyed by Recycling Centre North, 2 April 2026"]
    assert "This product has been destroyed." in body


def test_a_corrected_event_stays_visible_marked_as_corrected(client, session, maker, cafe):
    pid = issue(session, maker)
    record(session, maker, pid, ev("sale", "2026-03-02T10:00:00+01:00", channel="online"))
    wrong = record(
        session,
        cafe,
        pid,
        ev("repair", "2026-05-03T14:00:00+01:00", outcome="fixed", problem="Lid"),
    )
    fix = record(
        session,
        cafe,
        pid,
        ev(
            "correction",
            "2026-05-04T09:00:00+01:00",
            corrects=wrong,
            reason="did_not_occur",
            explanation="Logged on the wrong kettle",
        ),
    )
    body = page(client, pid)
    corrected = li(body, wrong)
    assert 'class="event repair corrected"' in corrected
    assert "<s>Repaired at Repair Café Cardiff" in corrected
    assert text(corrected).endswith("Corrected: see the correction of 4 May 2026")
    assert f'href="#event-{fix}"' in corrected
    assert text(li(body, fix)) == (
        "Correction by Repair Café Cardiff, 4 May 2026: the entry of 3 May 2026 was wrong "
        "(did not occur) — Logged on the wrong kettle"
    )
    assert f'href="#event-{wrong}"' in li(body, fix)
    assert len(timeline(body)) == 3  # both stay in the history

    german = page(client, pid, query_string={"lang": "de"})
    assert text(li(german, fix)).startswith(
        "Korrektur von Repair Café Cardiff, 4. Mai 2026: Der Eintrag vom 3. Mai 2026 war falsch "
        "(hat nicht stattgefunden)"
    )
    assert "Korrigiert: siehe die Korrektur vom 4. Mai 2026" in text(li(german, wrong))


def test_a_corrected_sale_is_not_counted_as_a_change_of_hands(client, session, maker):
    pid = issue(session, maker)
    sale = record(session, maker, pid, ev("sale", "2026-03-02T10:00:00+01:00"))
    assert "Changed hands once." in page(client, pid)
    record(
        session,
        maker,
        pid,
        ev("correction", "2026-03-03T10:00:00+01:00", corrects=sale, reason="did_not_occur"),
    )
    assert "Changed hands" not in page(client, pid)


def test_ownership_changes_are_counted_never_named(client, session, maker, shop):
    pid = issue(session, maker)
    record(session, maker, pid, ev("sale", "2026-03-02T10:00:00+01:00", channel="private"))
    for day in ("05", "06"):
        record(session, shop, pid, ev("resale", f"2026-06-{day}T10:00:00+02:00", channel="online"))
    body = page(client, pid)
    assert "Changed hands 3 times." in body
    assert "Hat 3-mal den Besitzer gewechselt." in page(client, pid, query_string={"lang": "de"})


# --- banners -----------------------------------------------------------------------------


def test_a_recall_is_an_alert_until_it_is_corrected(client, session, maker):
    pid = issue(session, maker)
    recall = record(
        session,
        maker,
        pid,
        ev(
            "recall",
            "2026-06-01T08:00:00+02:00",
            reason="The base can overheat",
            severity="danger",
            url="https://acme.example/recall/k1",
        ),
    )
    body = page(client, pid)
    alert = re.search(r'<div class="banner alert" role="alert">(.*?)</div>', body, re.S)
    assert alert, body
    assert text(alert.group(1)) == (
        "Safety recall: The base can overheat Severity: danger Read the recall notice"
    )
    assert '<a href="https://acme.example/recall/k1">' in alert.group(1)
    assert body.index('role="alert"') < body.index("<h1>")  # the first thing read out

    german = page(client, pid, headers={"Accept-Language": "de"})
    assert "Sicherheitsrückruf: The base can overheat" in german
    assert "Schweregrad: Gefahr" in german

    record(
        session,
        maker,
        pid,
        ev("correction", "2026-06-02T08:00:00+02:00", corrects=recall, reason="incorrect_data"),
    )
    body = page(client, pid)
    assert 'role="alert"' not in body
    assert "its details were wrong" in body


def test_end_of_life_and_recycling_show_a_calm_banner(client, session, maker, recycler):
    pid = issue(session, maker)
    record(session, recycler, pid, ev("collection", "2026-06-01T08:00:00Z"))
    body = page(client, pid)
    assert '<div class="banner calm">' in body and 'role="alert"' not in body
    assert "This product has reached the end of its life." in body
    record(session, recycler, pid, ev("recycling", "2026-06-02T08:00:00Z"))
    body = page(client, pid)
    assert "This product has been recycled." in body and 'role="alert"' not in body
    assert "Dieses Produkt wurde recycelt." in page(client, pid, query_string={"lang": "de"})


def test_a_withdrawn_passport_says_so(client, session, maker):
    pid = issue(session, maker)
    versions.withdraw_passport(session, org(session, maker), pid, settings=settings_of(session))
    session.commit()
    body = page(client, pid)
    assert "The maker has withdrawn this passport." in body


# --- languages ---------------------------------------------------------------------------


def test_german_from_accept_language_and_from_lang(client, lived):
    for kw in (
        {"headers": {"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"}},
        {"query_string": {"lang": "de"}},
    ):
        body = page(client, lived, **kw)
        assert '<html lang="de">' in body
        for german in (
            "Über dieses Produkt",
            "Hergestellt von",
            "Lebenslauf",
            "Seriennummer",
            "Reparatur, Ersatzteile und Anleitungen",
            "Materialien",
            "Recyclinganteil",
        ):
            assert german in body, german
        assert (
            "Repariert bei Repair Café Cardiff, 3. Mai 2026 — kettle switch replaced, "
            "repariert" in timeline(body)[2]
        )
        assert '<time datetime="2026-05-03T14:00:00+01:00">3. Mai 2026</time>' in body
        assert "Weiterverkauft von Second Life Electronics, 2. Juli 2026" in text(body)
        assert "Recyclinganteil 30 %" in text(body)  # German percent: with a space
        client.delete_cookie("lang")


def test_lang_is_remembered_in_a_cookie_for_a_year(client, lived):
    response = client.get(f"/passports/{lived}?lang=de")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=de;") and "Max-Age=31536000" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    # the next scan, without ?lang=, is German even though the browser prefers English
    assert '<html lang="de">' in page(client, lived, headers={"Accept-Language": "en"})
    assert '<html lang="en">' in page(client, lived, query_string={"lang": "en"})
    assert '<html lang="en">' in page(client, lived)


def test_english_is_the_fallback(client, lived):
    for headers in ({"Accept-Language": "fr-FR,fr;q=0.9"}, {}):
        assert '<html lang="en">' in page(client, lived, headers=headers)
    assert '<html lang="en">' in page(client, lived, query_string={"lang": "xx"})
    assert "Set-Cookie" not in client.get(f"/passports/{lived}?lang=xx").headers


def test_the_language_switch_is_a_labelled_list_of_links(client, lived):
    body = page(client, lived, query_string={"lang": "de"})
    nav = re.search(r'<nav class="languages" aria-label="Sprache">(.*?)</nav>', body, re.S)
    assert nav, body
    links = re.findall(
        r'<a href="([^"]+)" hreflang="(\w+)" lang="\w+"([^>]*)>([^<]+)</a>', nav.group(1)
    )
    assert [(href, lang, name) for href, lang, _, name in links] == [
        ("?lang=en", "en", "English"),
        ("?lang=de", "de", "Deutsch"),
    ]
    assert [lang for _, lang, current, _ in links if "aria-current" in current] == ["de"]


def test_unknown_passport_is_a_helpful_html_404(client):
    response = client.get("/passports/doesnotexist")
    assert response.status_code == 404 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "<h1>We don't know this product yet</h1>" in body
    assert "What you can do" in body and '<html lang="en">' in body
    german = client.get("/passports/doesnotexist", headers={"Accept-Language": "de"})
    assert german.status_code == 404
    assert "Dieses Produkt kennen wir noch nicht" in german.get_data(as_text=True)


# --- safety, speed, accessibility -----------------------------------------------------------


def test_html_in_text_fields_is_shown_as_text(client, session, maker, cafe):
    pid = issue(
        session,
        maker,
        name="<script>alert(1)</script>",
        product={
            "productImage": {"linkURL": "https://acme.example/i.jpg", "linkName": '"><b>x</b>'},
            "furtherInformation": [
                {"linkURL": "javascript:alert(1)", "linkName": "Tap me"},
                {"linkURL": "https://acme.example/ok", "linkName": "<i>Manual</i>"},
            ],
        },
    )
    record(
        session,
        cafe,
        pid,
        ev(
            "repair",
            "2026-05-03T14:00:00+01:00",
            outcome="fixed",
            problem="<img src=x onerror=alert(1)>",
        ),
    )
    record(
        session,
        maker,
        pid,
        ev(
            "recall", "2026-05-04T14:00:00+01:00", reason="<a href='https://evil.example'>click</a>"
        ),
    )
    body = page(client, pid)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "&lt;a href=&#39;https://evil.example&#39;&gt;click&lt;/a&gt;" in body
    assert "&lt;i&gt;Manual&lt;/i&gt;" in body
    assert 'alt="&#34;&gt;&lt;b&gt;x&lt;/b&gt;"' in body
    lowered = body.lower()
    # the only script tags are the registry's own offline files (issue 15, point 2)
    assert lowered.count("<script") == 2 and '<script src="/static/offline.js" defer>' in body
    assert "<img src=x" not in lowered
    assert "javascript:" not in lowered and "Tap me" not in body  # not a web link: not shown
    assert "evil.example'>" not in body


class Resources(HTMLParser):
    """Every tag, and the URLs a browser would load (not follow) for the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.loads: list[tuple[str, str]] = []
        self.styled: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if "style" in a:
            self.styled.append(tag)
        if tag in ("img", "script", "iframe", "video", "audio", "source") and a.get("src"):
            self.loads.append((tag, a["src"] or ""))
        if tag == "link" and a.get("href"):
            self.loads.append((tag, a["href"] or ""))


def test_no_script_and_nothing_external_but_the_product_image(client, session, maker, cafe):
    pid = issue(
        session,
        maker,
        product={"productImage": {"linkURL": "https://cdn.acme.example/k1.jpg", "linkName": "K1"}},
        **PRODUCT_EXTRAS,
    )
    record(session, cafe, pid, ev("repair", "2026-05-03T14:00:00+01:00", outcome="fixed"))
    response = client.get(f"/passports/{pid}")
    parser = Resources()
    parser.feed(response.get_data(as_text=True))
    # the registry's own outbox.js and offline.js (issue 15, point 2); no inline script
    assert parser.tags.count("script") == 2
    assert parser.styled == []  # no inline styles: the CSP allows our stylesheet only
    ours = [(tag, url) for tag, url in parser.loads if url != "https://cdn.acme.example/k1.jpg"]
    assert ours == [
        ("link", "/static/kreislauf.css"),
        ("link", "/favicon.ico"),
        ("link", "/manifest.webmanifest"),
        ("script", "/static/outbox.js"),
        ("script", "/static/offline.js"),
    ]
    for _, url in ours:
        assert not urlsplit(url).netloc or urlsplit(url).netloc == "localhost"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    css = client.get("/static/kreislauf.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    stylesheet = css.get_data(as_text=True)
    css.close()
    assert "@import" not in stylesheet and "url(" not in stylesheet  # no fonts, no images
    assert "@media print" in stylesheet and len(stylesheet) < 12_000


# --- the German catalog ----------------------------------------------------------------------


def test_every_text_is_translated_and_the_compiled_catalog_is_current():
    with PO.open("rb") as f:
        catalog = read_po(f)
    untranslated = [
        m.id
        for m in catalog
        if m.id
        and ("fuzzy" in m.flags or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert untranslated == [], f"untranslated in {PO.name}: {untranslated}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []  # e.g. a %(placeholder)s missing or misspelt in a translation

    # Every text the code and templates use is in the catalog (pybabel extract, in memory).
    with (WEB / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = dict(DEFAULT_KEYWORDS) | {"lazy_gettext": None}
    used = {
        message[0] if isinstance(message, tuple) else message
        for _, _, message, _, _ in extract_from_dir(
            str(WEB), method_map, options_map, keywords=keywords
        )
    }
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
    assert sorted(used - known) == [], "run the workflow in web/babel.cfg (extract, update)"
    assert sorted(known - used) == [], "obsolete texts in the catalog: run pybabel update"

    # The shipped .mo is the .po compiled (pybabel compile after every edit).
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    with MO.open("rb") as f:
        shipped = read_mo(f)
    fresh = read_mo(compiled)
    assert _pairs(shipped) == _pairs(fresh), "compile the catalog: pybabel compile"


def _pairs(catalog: Any) -> dict[str, str]:
    return {repr(m.id): repr(m.string) for m in catalog if m.id}
