"""The page that explains a passport's proof bundle to a consumer (issue 14, point 4)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import Org
from tests.helpers import passport


def _issue(client: FlaskClient, maker: Org) -> str:
    answer = client.post("/api/v1/passports", json=passport("item"), headers=maker.headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return str(answer.get_json()["id"])


def test_the_passport_page_links_to_the_page_that_explains_the_bundle(
    client: FlaskClient, maker: Org
) -> None:
    pid = _issue(client, maker)
    page = client.get(f"/passports/{pid}").get_data(as_text=True)
    assert f'href="/passports/{pid}/proof"' in page
    answer = client.get(f"/passports/{pid}/proof?lang=en")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert f'href="/api/v1/passports/{pid}/proof-bundle"' in text
    assert (
        f"kreislauf verify-bundle {pid}.proof-bundle.json --key registry.example.org/log/v1+"
        in (text)
    )
    assert "What it does not prove" in text
    # no inline script: only the registry's own offline files (issue 15, point 2)
    assert re.findall(r"<script[^>]*>", text) == [
        '<script src="/static/outbox.js" defer>',
        '<script src="/static/offline.js" defer>',
    ]
    assert 'name="viewport"' in text  # a phone's page


def test_the_page_speaks_german(client: FlaskClient, maker: Org) -> None:
    pid = _issue(client, maker)
    text = client.get(f"/passports/{pid}/proof?lang=de").get_data(as_text=True)
    assert "Was sie nicht beweist" in text and "Geschichte mit Nachweisen herunterladen" in text
    page = client.get(f"/passports/{pid}?lang=de").get_data(as_text=True)
    assert "Seine Geschichte, zum Selbstprüfen" in page


def test_an_unknown_passport_is_a_404_page(client: FlaskClient) -> None:
    answer = client.get("/passports/nope/proof")
    assert answer.status_code == 404
    assert answer.mimetype == "text/html"
