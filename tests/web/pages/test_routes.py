"""The pages' URL map: every page has a handler (their length: tests/test_handlers.py)."""

from __future__ import annotations

from flask import Flask

from web.pages import routes


def handlers() -> dict[str, object]:
    app = Flask(__name__)
    app.register_blueprint(routes.pages)
    app.register_blueprint(routes.forms)
    return {name: view for name, view in app.view_functions.items() if name != "static"}


def test_every_page_is_in_the_url_map() -> None:
    names = set(handlers())
    assert {
        "pages.index",
        "pages.passport_page",
        "pages.impact_method",
        "pages.proof_page",
    } <= names
    assert {"forms.sign_in", "forms.log_repair", "forms.claim", "forms.labels"} <= names
    assert len(names) == 19
