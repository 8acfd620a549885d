"""Fixtures for the form pages: people who sign in, and filling forms as a browser would."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from passport import accounts
from passport.access import authenticate
from passport.passports import issuing
from tests.conftest import Org, settings_of
from tests.helpers import passport

PASSWORD = "kettles-deserve-a-second-life"


def hashed(password: str) -> str:
    # scrypt as stored everywhere, at a test cost (N=2^10 instead of werkzeug's 2^15): every
    # sign-in checks it, and at full cost hashing and checking took 0.3 s per test.
    return generate_password_hash(password, method="scrypt:1024:8:1")


@pytest.fixture(scope="session")
def one_chromium() -> Iterator[Any]:
    """One Chromium per xdist worker for the browser tests of every module (launching one
    took about a second); tests/web/test_browser.py's ``browser`` fixture hands it out."""
    from tests.web.test_browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def make_user(session: Session) -> Callable[..., str]:
    """Give a test organisation a person who signs in; returns the login name."""

    def make(org: Org, login: str = "volunteer@cafe.example", password: str = PASSWORD) -> str:
        accounts.create_user(session, authenticate(session, org.key), login, password, hashed)
        session.commit()
        return login

    return make


@pytest.fixture
def cafe(make_org: Any) -> Org:
    return make_org("Repair Café Cardiff", "repairer")  # type: ignore[no-any-return]


@pytest.fixture
def shop(make_org: Any) -> Org:
    return make_org("Second Life Electronics", "refurbisher")  # type: ignore[no-any-return]


def issue(session: Session, org: Org, granularity: str = "item", **kw: Any) -> str:
    """Issue a passport through the service; returns its id."""
    body = passport(granularity, **kw)
    created = issuing.issue_passport(
        session, settings_of(session), authenticate(session, org.key), body
    )
    session.commit()
    return created.public_id


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: Any, login: str, password: str = PASSWORD) -> Any:
    page = client.get("/signin").get_data(as_text=True)
    return client.post(
        "/signin", data={"csrf_token": token(page), "login": login, "password": password}
    )


class FormReader(HTMLParser):
    """What a browser would send for the forms of a page, untouched: every field's default."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": a.get("method"), "data": {}})
            return
        if not self.forms:
            return
        data = self.forms[-1]["data"]
        if tag == "input" and "name" in a:
            if a.get("type") == "radio":
                if "checked" in a:
                    data[a["name"]] = a.get("value", "")
            else:
                data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            data.setdefault(a["name"], None)
        elif tag == "option" and self._select is not None:
            if data[self._select] is None or "selected" in a:
                data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            data[a["name"]] = ""

    def handle_data(self, text: str) -> None:
        if self._textarea is not None:
            self.forms[-1]["data"][self._textarea] += text

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_defaults(html: str, action: str | None = None) -> dict[str, str]:
    """The data of the page's form (the one posting to ``action``, else the last one)."""
    reader = FormReader()
    reader.feed(html)
    forms = [f for f in reader.forms if f["method"] == "post"]
    chosen = next((f for f in forms if f["action"] == action), forms[-1] if forms else None)
    assert chosen is not None, "no form on the page"
    return {k: v for k, v in chosen["data"].items() if v is not None}


def field_error(html: str, name: str) -> str | None:
    """The error shown next to a field, tied to it by aria-describedby; None if none."""
    fid = "f-" + name.replace("_", "-")
    found = re.search(rf'<p class="error" id="{fid}-error">(.*?)</p>', html, re.S)
    if found is None:
        return None
    described = re.search(rf'id="{fid}"[^>]*aria-describedby="([^"]*)"', html)
    assert described and f"{fid}-error" in described.group(1).split(), f"{fid} not described"
    return found.group(1)
