"""Label sheets from the browser: who may print, what is chosen, and that every code scans.

The PDFs are rasterised with poppler and decoded with zbar, label by label, exactly as
``tests/passport/carriers/test_labels.py`` checks ``passport.carriers.labels`` itself.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from passport.access import authenticate
from passport.carriers.layouts import LAYOUTS
from passport.passports import issuing, lookup
from tests.conftest import settings_of
from tests.helpers import GTIN, gtin, passport
from tests.passport.carriers.test_labels import cell_box, load, rasterise, zbarimg
from tests.web.conftest import field_error, form_defaults, sign_in
from web.pages import labels

OTHER_GTIN = gtin("952012300011")


def issue_items(
    session: Any, org: Any, count: int, *, gtin_: str = GTIN, lot: str | None = None
) -> list[Any]:
    """``count`` item passports of one product (serials S000, S001, ...)."""
    issuer = authenticate(session, org.key)
    made = []
    for i in range(count):
        body = passport("item", gtin_=gtin_, lot=lot, serial=f"{lot or 'S'}{i:03d}")
        made.append(issuing.issue_passport(session, settings_of(session), issuer, body))
    session.commit()
    return made


@pytest.fixture
def staff(client, maker, make_user):
    """A client signed in for the manufacturer."""
    sign_in(client, make_user(maker, "labels@acme.example"))
    return client


def pdf_of(response: Any) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=labels.pdf"
    assert response.headers["Cache-Control"] == "no-store"
    data: bytes = response.data
    assert data.startswith(b"%PDF-")
    return data


def decoded(pdf: bytes, layout: str, tmp_path: Any) -> list[str]:
    """The URI in every label cell that has a code, in label order."""
    grid = LAYOUTS[layout]
    found = []
    for page_number, path in enumerate(rasterise(pdf, tmp_path)):
        image = load(path)
        for cell in range(grid.per_page):
            crop = tmp_path / f"p{page_number}-c{cell}.pgm"
            image.crop(cell_box(grid, cell)).save(crop)
            uri = zbarimg(crop)
            if uri:
                found.append(uri)
    return found


def test_visitors_are_sent_to_sign_in(client, session, maker):
    response = client.get(f"/labels?gtin={GTIN}")
    assert response.status_code == 303
    assert response.location.startswith("/signin?next=/labels")
    assert client.get("/labels").status_code == 303


def test_the_form_is_a_get_form_with_the_layouts(staff):
    response = staff.get("/labels")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.text
    assert '<form method="get" action="/labels"' in body
    assert "csrf_token" not in body.split("<main", 1)[1].split("</main>", 1)[0]
    options = re.findall(r'<option value="([^"]+)"', body)
    assert options == list(LAYOUTS)
    assert ">A4 sheet of 3 × 7 (Avery L7160)</option>" in body
    for name in ("ids", "gtin", "lot", "layout"):
        assert f'name="{name}"' in body


def test_every_label_of_a_gtin_scans_to_its_passport(staff, session, maker, tmp_path):
    items = issue_items(session, maker, 23)  # 21 on the first sheet, 2 on the second
    issue_items(session, maker, 2, gtin_=OTHER_GTIN)  # another product: not on the sheet
    pdf = pdf_of(staff.get(f"/labels?gtin={GTIN}&layout=a4-3x7"))
    assert decoded(pdf, "a4-3x7", tmp_path) == [p.uri for p in items]


def test_a_lot_and_a_label_printer(staff, session, maker, tmp_path):
    issue_items(session, maker, 2)
    lot = issue_items(session, maker, 3, lot="L7")
    pdf = pdf_of(staff.get(f"/labels?gtin={GTIN}&lot=L7&layout=single-62x29"))
    assert pdf.count(b"/Type /Page ") == 3  # one label a page
    assert decoded(pdf, "single-62x29", tmp_path) == [p.uri for p in lot]


def test_passports_by_id_or_address_and_one_label_from_the_passport_page(
    staff, session, maker, make_org, tmp_path
):
    mine = issue_items(session, maker, 2)
    # By id, any passport: e.g. a repair café replacing a worn label on someone else's product.
    other = make_org("Other GmbH", "manufacturer", ("9520124",))
    (theirs,) = issue_items(session, other, 1, gtin_=gtin("952012400012"))
    ids = f"{mine[1].public_id}\n\n  {mine[0].uri}  \n{theirs.public_id}\n{mine[1].public_id}\n"
    pdf = pdf_of(staff.get("/labels", query_string={"ids": ids}))
    (tmp_path / "three").mkdir()
    found = decoded(pdf, "a4-3x7", tmp_path / "three")
    assert found == [mine[1].uri, mine[0].uri, theirs.uri]  # in the order given, no repeats

    page = staff.get(f"/passports/{mine[0].public_id}").text
    link = f'href="/labels?ids={mine[0].public_id}"'
    assert link in page and ">Print a label</a>" in page
    one = pdf_of(staff.get(f"/labels?ids={mine[0].public_id}"))
    assert one.count(b"/Type /Page ") == 1
    (tmp_path / "one").mkdir()
    assert decoded(one, "a4-3x7", tmp_path / "one") == [mine[0].uri]


def test_no_label_link_for_visitors(client, session, maker):
    (item,) = issue_items(session, maker, 1)
    assert "/labels" not in client.get(f"/passports/{item.public_id}").text


def test_a_community_passport_offers_its_label_at_once(client, session, cafe, make_user, tmp_path):
    sign_in(client, make_user(cafe))
    sent = form_defaults(client.get("/passports/new/community").text) | {"category": "Kettle"}
    response = client.post("/passports/new/community", data=sent)
    assert response.status_code == 303
    pid = response.location.split("/")[2]
    confirmation = client.get(response.location).text
    assert "The item has a passport now." in confirmation
    assert f'href="/labels?ids={pid}"' in confirmation
    pdf = pdf_of(client.get(f"/labels?ids={pid}"))
    session.rollback()
    assert decoded(pdf, "a4-3x7", tmp_path) == [lookup.get_passport(session, pid).uri]


def test_mistakes_are_shown_next_to_their_fields(staff, session, maker, make_org):
    other = make_org("Other GmbH", "manufacturer", ("9520124",))
    issue_items(session, other, 1, gtin_=gtin("952012400012"))
    cases = [
        ({"ids": "0123456789abcdef\nnot-a-passport"}, "ids", "2 codes name no passport"),
        ({"ids": "https://registry.example.org/01/123"}, "ids", "No passport has this code"),
        ({"gtin": "123"}, "gtin", "This is not a GTIN"),
        ({"gtin": gtin("952012400012")}, "gtin", "Your organisation has no passports"),
        ({"lot": "L1"}, "gtin", "Give the GTIN of the lot too."),
        ({"gtin": GTIN, "layout": "a5-weird"}, "layout", "Choose one of the options."),
    ]
    for query, field, message in cases:
        response = staff.get("/labels", query_string=query)
        assert response.status_code == 400, query
        error = field_error(response.text, field)
        assert error is not None and message in error, (query, error)
    for empty in ("/labels?layout=a4-3x7", "/labels?ids=+%0A+&gtin="):
        nothing = staff.get(empty)
        assert nothing.status_code == 400 and "Name the passports" in nothing.text
    assert staff.get("/labels?lang=de").status_code == 200  # only the language: the form


def test_too_many_labels_is_a_422_page(staff, session, maker, monkeypatch):
    monkeypatch.setattr(labels, "MAX_LABELS", 3)
    items = issue_items(session, maker, 4)
    for query in (
        {"gtin": GTIN},
        {"ids": "\n".join(p.public_id for p in items)},
        {"ids": items[0].public_id, "gtin": GTIN, "lot": ""},
    ):
        response = staff.get("/labels", query_string=query)
        assert response.status_code == 422, query
        assert "At most 3 labels at a time, please" in response.text
    assert staff.get("/labels", query_string={"gtin": GTIN, "lot": "none"}).status_code == 400
    exactly = {"ids": "\n".join(p.public_id for p in items[:3])}
    assert staff.get("/labels", query_string=exactly).status_code == 200


def test_the_real_limit_is_five_thousand():
    assert labels.MAX_LABELS == 5000


def test_the_page_speaks_german(staff, session, maker):
    body = staff.get("/labels?lang=de").text
    assert '<html lang="de">' in body
    assert "<h1>Etiketten drucken</h1>" in body
    assert ">A4-Bogen mit 3 × 7 (Avery L7160)</option>" in body
    assert "Höchstens 5.000 Etiketten auf einmal." in body
    wrong = staff.get("/labels?gtin=123&lang=de")
    assert "Das ist keine GTIN" in (field_error(wrong.text, "gtin") or "")
    (item,) = issue_items(session, maker, 1)
    assert ">Etikett drucken</a>" in staff.get(f"/passports/{item.public_id}?lang=de").text
