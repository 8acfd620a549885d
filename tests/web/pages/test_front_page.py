"""The front page lists the passports a page at a time, with a search box: plain links and a
GET form, no script (issue 15)."""

from __future__ import annotations

import re

from tests.web.conftest import issue
from web.pages import home


def names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/passports/[0-9a-f]+">([^<]+)</a>', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pages_of_n_with_next_and_previous(client, session, maker, monkeypatch):
    monkeypatch.setattr(home, "PAGE_SIZE", 3)
    for n in range(7):
        issue(session, maker, serial=f"S-{n}", name=f"Kettle {n}")
    first = client.get("/").text
    assert names(first) == ["Kettle 0", "Kettle 1", "Kettle 2"]
    assert link(first, "prev") is None
    second = client.get(link(first, "next")).text
    assert names(second) == ["Kettle 3", "Kettle 4", "Kettle 5"]
    third = client.get(link(second, "next")).text
    assert names(third) == ["Kettle 6"] and link(third, "next") is None
    back = client.get(link(third, "prev")).text
    assert names(back) == ["Kettle 3", "Kettle 4", "Kettle 5"]
    start = client.get(link(back, "prev")).text
    assert names(start) == ["Kettle 0", "Kettle 1", "Kettle 2"] and link(start, "prev") is None
    assert link(start, "next") == link(first, "next")
    # a cursor this registry did not write starts from the beginning
    assert names(client.get("/?cursor=nonsense").text) == names(first)


def test_search_keeps_its_words_across_pages(client, session, maker, monkeypatch):
    monkeypatch.setattr(home, "PAGE_SIZE", 2)
    for n in range(3):
        issue(session, maker, serial=f"T-{n}", name=f"Toaster {n}")
        issue(session, maker, serial=f"K-{n}", name=f"Kettle {n}")
    found = client.get("/", query_string={"q": "  toaster "}).text
    assert names(found) == ["Toaster 0", "Toaster 1"]
    assert 'type="search" id="q" name="q" value="toaster"' in found
    assert link(found, "next").startswith("/?cursor=") and "q=toaster" in link(found, "next")
    rest = client.get(link(found, "next")).text
    assert names(rest) == ["Toaster 2"] and "q=toaster" in link(rest, "prev")
    assert names(client.get("/", query_string={"q": "K-1"}).text) == ["Kettle 1"]
    none = client.get("/", query_string={"q": "fridge"})
    assert none.status_code == 200 and "No passport matches “fridge”." in none.text


def test_namesakes_are_told_apart_by_what_their_labels_print(client, session, maker):
    """Items of one model share its name; the list says each one's serial number (in the
    page's language), and every cell names its column for the phone's one-block-a-row view."""
    for serial in ("K1-1", "K1-2"):
        issue(session, maker, serial=serial, name="Kettle")
    english = client.get("/").text
    assert "Serial number K1-1" in english and "Serial number K1-2" in english
    assert 'data-label="Identifier (QR content)"' in english
    german = client.get("/", headers={"Accept-Language": "de"}).text
    assert "Seriennummer K1-1" in german and "UNTP DPP 0.7.0" in german
