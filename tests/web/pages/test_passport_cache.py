"""The passport page from the stored views (docs/CACHING.md): one kept page per language and
address for readers who are not signed in, the newest checkpoint filled in as it is served, and
a signed-in person's page never kept."""

from __future__ import annotations

from typing import Any

from passport.config import Settings
from passport.ledger import checkpoints
from tests.web.conftest import issue, sign_in

HTML = {"Accept": "text/html"}


def store(client: Any) -> Any:
    return client.application.extensions["kreislauf"].views


def test_the_page_stays_kept_while_the_checkpoint_line_follows_the_log(client, maker, session):
    pid = issue(session, maker)
    first = client.get(f"/passports/{pid}", headers=HTML)
    size = checkpoints.newest_size(session)
    assert f"History verified up to checkpoint {size}" in first.get_data(as_text=True)
    assert "kreislauf:checkpoint" not in first.get_data(as_text=True)
    issue(session, maker, serial="another")  # a write elsewhere moves the checkpoint on
    hits = store(client).hits
    again = client.get(f"/passports/{pid}", headers=HTML)
    assert store(client).hits == hits + 1  # the same kept page ...
    assert f"checkpoint {checkpoints.newest_size(session)}<" in again.get_data(as_text=True)
    assert again.headers["ETag"] != first.headers["ETag"]  # ... with another line, another tag
    stale = client.get(
        f"/passports/{pid}", headers={**HTML, "If-None-Match": first.headers["ETag"]}
    )
    assert stale.status_code == 200


def test_each_language_is_its_own_page(client, maker, session):
    pid = issue(session, maker)
    english = client.get(f"/passports/{pid}?lang=en")
    german = client.get(f"/passports/{pid}?lang=de")
    assert english.headers["ETag"] != german.headers["ETag"]
    assert english.data != german.data
    assert "Accept-Language" in german.vary


def test_a_signed_in_persons_page_is_never_kept(client, maker, session, cafe, make_user):
    pid = issue(session, maker)
    client.get(f"/passports/{pid}", headers=HTML)
    kept = len(store(client))
    sign_in(client, make_user(cafe))
    page = client.get(f"/passports/{pid}", headers=HTML)
    assert page.status_code == 200 and "csrf_token" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in page.headers and len(store(client)) == kept


def test_without_a_store_every_page_is_built_and_still_has_its_etag(
    app, client, maker, session, settings: Settings
):
    views = app.extensions["kreislauf"].views
    views.limit = 0
    pid = issue(session, maker)
    first = client.get(f"/passports/{pid}", headers=HTML)
    again = client.get(
        f"/passports/{pid}", headers={**HTML, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and len(views) == 0
