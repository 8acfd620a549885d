"""Finding the item in front of you on /repairs/start by whatever its label or packaging prints
(issue 15): element strings, Digital Links with or without scheme, GTIN + serial, a serial
alone, a community id; and never offering to register a duplicate of an item it can find."""

from __future__ import annotations

import subprocess

import pytest

from passport.access import authenticate
from passport.carriers.labels import label_for, label_sheet_pdf
from passport.carriers.layouts import LAYOUTS
from passport.errors import InvalidIdentifier
from passport.events import history
from passport.gs1.element_strings import parse_element_string
from passport.passports import community, lookup
from tests.conftest import settings_of
from tests.helpers import GTIN, gtin
from tests.web.conftest import field_error, issue, sign_in

SERIAL = "K1-000104"
OTHER_GTIN = gtin("952012300001")


@pytest.fixture
def volunteer(client, cafe, make_user):
    sign_in(client, make_user(cafe))
    return client


def repair_form_of(pid: str) -> str:
    return f"/passports/{pid}/repairs/new"


def start(client, code: str):
    return client.get("/repairs/start", query_string={"code": code})


@pytest.mark.parametrize(
    "code",
    [
        f"(01){GTIN}(21){SERIAL}",
        f"(01) {GTIN} (21) {SERIAL}",
        f"01{GTIN} 21{SERIAL}",
        f"01{GTIN}21{SERIAL}",
        f"]d201{GTIN}\x1d21{SERIAL}",
        f"https://id.gs1.org/01/{GTIN}/21/{SERIAL}",
        f"id.gs1.org/01/{GTIN}/21/{SERIAL}",
        f"dpp.example.org/01/{GTIN}/21/{SERIAL}/",
        f"{GTIN} {SERIAL}",
        f"GTIN {GTIN} Serial {SERIAL}",
        f"GTIN: {GTIN} · Serial: {SERIAL}",
        SERIAL,
        f"Serial {SERIAL}",
        f"  {SERIAL} ",
    ],
)
def test_the_start_page_finds_an_item_by_what_its_label_prints(volunteer, session, maker, code):
    pid = issue(session, maker, serial=SERIAL)
    found = start(volunteer, code)
    assert found.status_code == 303, field_error(found.text, "code")
    assert found.location == repair_form_of(pid)


def test_a_serial_alone_prefers_the_cafes_recent_items(volunteer, session, maker, cafe):
    theirs = issue(session, maker, serial=SERIAL)
    ours = issue(session, maker, serial=SERIAL, gtin_=OTHER_GTIN)
    # Two items share the serial: the volunteer picks, no duplicate is proposed.
    both = start(volunteer, SERIAL)
    assert both.status_code == 200
    assert "Several items have this serial number" in field_error(both.text, "code")
    assert repair_form_of(theirs) in both.text and repair_form_of(ours) in both.text
    # Once the café has worked on one of them, the serial leads to that one.
    history.record_event(
        session,
        settings_of(session),
        authenticate(session, cafe.key),
        ours,
        {"type": "maintenance", "eventTime": "2026-01-01T10:00:00Z"},
    )
    session.commit()
    assert start(volunteer, SERIAL).location == repair_form_of(ours)


def test_a_community_passport_is_found_by_its_id(volunteer, session, cafe):
    passport = community.issue_community_passport(
        session,
        settings_of(session),
        authenticate(session, cafe.key),
        category="Kettle",
        brand="Acme",
        model="K1",
        year=None,
    )
    session.commit()
    key = passport.uri.rsplit("/", 1)[-1]
    for code in (key, key.upper(), passport.uri, passport.uri.split("://", 1)[1]):
        found = start(volunteer, code)
        assert found.location == repair_form_of(passport.public_id), code


def test_an_unknown_item_of_a_known_model_leads_to_the_model(volunteer, session, maker):
    model = issue(session, maker, granularity="model", serial=None)
    found = start(volunteer, f"(01){GTIN}(21)NOT-MADE")
    assert found.status_code == 303
    assert found.location == f"/passports/{model}?for=/01/{GTIN}/21/NOT-MADE"
    page = volunteer.get(found.location).text
    assert "No passport is registered for the item you scanned" in page
    assert "Register this one item" in page  # to log its repair, on a passport of its own
    assert start(volunteer, GTIN).location == f"/passports/{model}"


def test_codes_it_cannot_find_or_read(volunteer, session, maker):
    issue(session, maker, serial=SERIAL)
    missing = start(volunteer, "K9-999999")
    assert missing.status_code == 404
    assert "No passport has this code" in field_error(missing.text, "code")
    for unreadable in (f"(01){GTIN[:-1]}1(21){SERIAL}", "(01)123"):
        assert start(volunteer, unreadable).status_code == 400


def test_element_strings_name_the_product_only():
    link = parse_element_string(f"(01){GTIN}(17)261231(10)2026W14(21){SERIAL}")
    assert (link.gtin, link.lot, link.serial) == (GTIN, "2026W14", SERIAL)
    assert parse_element_string(f"01{GTIN}102026W14^21{SERIAL}").lot == "2026W14"
    for wrong in ("(17)261231", f"(01){GTIN} and more", f"(01){GTIN}(01){GTIN}", "99"):
        with pytest.raises(InvalidIdentifier):
            parse_element_string(wrong)
    assert lookup.RECENT > 0


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_what_a_label_prints_finds_its_item(volunteer, session, maker, cafe, layout, tmp_path):
    item = lookup.get_passport(session, issue(session, maker, serial=SERIAL, lot="2026W14"))
    batch_pid = issue(session, maker, granularity="batch", serial=None, lot="2026W15")
    batch = lookup.get_passport(session, batch_pid)
    kept = community.issue_community_passport(
        session,
        settings_of(session),
        authenticate(session, cafe.key),
        category="Kettle",
        brand="Acme",
        model="K1",
        year=None,
    )
    session.commit()
    for passport, where in (
        (item, repair_form_of(item.public_id)),
        (batch, f"/passports/{batch.public_id}"),
        (kept, repair_form_of(kept.public_id)),
    ):
        label = label_for(passport, "registry.example.org")
        pdf = tmp_path / "label.pdf"
        pdf.write_bytes(label_sheet_pdf([label], layout))
        run = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
        printed = run.stdout.decode()
        # every identifier line is printed whole (shrunk to fit, never cut)
        lines = [line for line in (label.number, label.line2) if line]
        assert lines and all(line in printed for line in lines), printed
        assert "…" not in " ".join(lines)
        # typed as printed: the identifier lines together, or the whole label's text
        for typed in (" ".join(lines), " ".join(printed.split())):
            found = start(volunteer, typed)
            assert found.status_code == 303, (typed, field_error(found.text, "code"))
            assert found.location == where
    assert label_for(item, "h").number == f"GTIN {GTIN}"
    assert label_for(item, "h").line2 == f"Serial {SERIAL}"
    assert label_for(kept, "h").line2 == "ID " + kept.uri.rsplit("/", 1)[-1]
