"""Searching passports in the domain, without HTTP: filters, free text, a page at a time.

Every test runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy.orm import Session

from passport.errors import InvalidDocument
from passport.models import Organisation, Passport
from passport.passports import issuing
from passport.search import search
from tests.conftest import settings_of
from tests.helpers import GTIN, gtin, passport

OTHER_GTIN = gtin("952012300001")
FOREIGN_GTIN = gtin("400638133393")


def _issue(session: Session, issuer: Organisation, *bodies: dict[str, Any]) -> list[str]:
    issued = issuing.issue_passports(session, settings_of(session), issuer, list(bodies))
    session.commit()
    return [p.public_id for p in issued]


def _ids(session: Session, **query: Any) -> list[str]:
    page = search(session, **query)
    return [p.public_id for p in page.items]


def _described(body: dict[str, Any], description: str) -> dict[str, Any]:
    body["product"]["description"] = description
    return body


@pytest.fixture
def catalogue(session: Session, acme: Organisation, rival: Organisation) -> dict[str, str]:
    """Five passports of two issuers, by a short name."""
    steel, glass, toaster, model = _issue(
        session,
        acme,
        passport("item", serial="A1", name="Steel kettle"),
        _described(passport("item", lot="L9", serial="B2", name="Glass kettle"), "Borosilicate"),
        passport("item", gtin_=OTHER_GTIN, serial="A1", name="Toaster"),
        passport("model", serial=None, name="Steel kettle K1"),
    )
    (radio,) = _issue(session, rival, passport("item", gtin_=FOREIGN_GTIN, name="Radio"))
    return {"steel": steel, "glass": glass, "toaster": toaster, "model": model, "radio": radio}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({}, ["steel", "glass", "toaster", "model", "radio"]),
        ({"gtin": GTIN}, ["steel", "glass", "model"]),
        ({"gtin": GTIN[1:]}, ["steel", "glass", "model"]),  # the GTIN-13 form is the same GTIN
        ({"gtin": GTIN, "granularity": "item"}, ["steel", "glass"]),
        ({"granularity": "model"}, ["model"]),
        ({"serial": "A1"}, ["steel", "toaster"]),
        ({"gtin": GTIN, "serial": "A1"}, ["steel"]),
        ({"lot": "L9"}, ["glass"]),
        ({"lot": "L9", "serial": "A1"}, []),
        ({"q": "KETTLE"}, ["steel", "glass", "model"]),  # any letter case
        ({"q": "kettle  steel"}, ["steel", "model"]),  # every word, in any order
        ({"q": "glass kettle"}, ["glass"]),
        ({"q": "borosilicate"}, ["glass"]),  # the description counts
        ({"q": "l9"}, ["glass"]),  # and the identifiers
        ({"q": OTHER_GTIN}, ["toaster"]),
        ({"q": "ettl"}, ["steel", "glass", "model"]),  # parts of words too
        ({"q": "kettle radio"}, []),
        ({"issuer": "org_nobody"}, []),
        # Empty parameters are no filter.
        (
            {"gtin": "", "lot": "", "serial": "", "q": "", "granularity": ""},
            ["steel", "glass", "toaster", "model", "radio"],
        ),
    ],
)
def test_filters(session, catalogue, query, found) -> None:
    assert _ids(session, **query) == [catalogue[name] for name in found]


def test_by_issuer(session, catalogue, acme, rival) -> None:
    assert _ids(session, issuer=rival.public_id) == [catalogue["radio"]]
    assert _ids(session, issuer=acme.public_id, q="steel") == [
        catalogue["steel"],
        catalogue["model"],
    ]


def test_free_text_matches_percent_underscore_and_backslash_literally(session, acme) -> None:
    percent, hundred, underscore, letter, backslash, slash = _issue(
        session,
        acme,
        *(
            passport("item", serial=f"S{n}", name=name)
            for n, name in enumerate(
                ["100% steel", "1000 steel", "lid_a", "lidxa", "back\\slash", "back/slash"]
            )
        ),
    )
    assert _ids(session, q="100%") == [percent]
    assert _ids(session, q="%") == [percent]
    assert _ids(session, q="lid_a") == [underscore]
    assert _ids(session, q="back\\slash") == [backslash]
    assert _ids(session, q="lid") == [underscore, letter]
    assert _ids(session, q="1000") == [hundred]
    assert _ids(session, q="back/") == [slash]


def test_only_the_first_eight_words_count(session, acme) -> None:
    (kettle,) = _issue(
        session, acme, passport("item", name="one two three four five six seven eight")
    )
    eight = "one two three four five six seven eight"
    assert _ids(session, q=eight) == [kettle]
    assert _ids(session, q=eight + " nine") == [kettle]  # the ninth word is not looked at
    assert _ids(session, q="nine " + eight) == []


def test_pages_walk_every_passport_once_oldest_first(session, acme) -> None:
    issued = _issue(session, acme, *(passport("item", serial=f"P{n}") for n in range(7)))
    seen: list[str] = []
    cursor: str | None = None
    sizes = []
    while True:
        page = search(session, limit=3, cursor=cursor)
        seen += [p.public_id for p in page.items]
        sizes.append(len(page.items))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == issued and sizes == [3, 3, 1]


def test_a_page_that_ends_exactly_at_the_last_passport_has_no_next(session, acme) -> None:
    issued = _issue(session, acme, *(passport("item", serial=f"P{n}") for n in range(4)))
    first = search(session, limit=2)
    assert first.next_cursor is not None
    last = search(session, limit=2, cursor=first.next_cursor)
    assert [p.public_id for p in last.items] == issued[2:] and last.next_cursor is None
    assert search(session, limit=4).next_cursor is None
    empty = search(session, q="nothing like this")
    assert (empty.items, empty.next_cursor) == ([], None)


def test_a_cursor_keeps_the_filters_it_is_used_with(session, acme) -> None:
    issued = _issue(
        session,
        acme,
        *(passport("item", serial=f"P{n}", name="odd" if n % 2 else "even") for n in range(6)),
    )
    first = search(session, q="odd", limit=2)
    assert first.next_cursor is not None
    rest = search(session, q="odd", limit=2, cursor=first.next_cursor)
    assert [p.public_id for p in first.items + rest.items] == issued[1::2]


def test_the_cursor_is_opaque_but_only_this_registrys_cursors_are_accepted(session, acme) -> None:
    issued = _issue(session, acme, *(passport("item", serial=f"P{n}") for n in range(3)))
    page = search(session, limit=1)
    assert page.next_cursor is not None and "=" not in page.next_cursor  # URL-safe, unpadded
    first: Passport = page.items[0]
    made = base64.urlsafe_b64encode(f"p{first.pk}".encode()).decode().rstrip("=")
    assert _ids(session, cursor=made) == issued[1:]
    for bad in ("garbage!", "eDEy", base64.urlsafe_b64encode(b"pxyz").decode(), "/w"):
        with pytest.raises(InvalidDocument, match="Invalid cursor") as caught:
            search(session, cursor=bad)
        assert [e.pointer for e in caught.value.errors] == ["/cursor"]


@pytest.mark.parametrize("bad", ["09520123456789", "12345", "ABCDEFGHIJKLMN"])
def test_an_invalid_gtin_is_refused_naming_the_parameter(session, bad) -> None:
    with pytest.raises(InvalidDocument) as caught:
        search(session, gtin=bad)
    assert [e.pointer for e in caught.value.errors] == ["/gtin"]
    assert caught.value.errors[0].message == caught.value.detail
