"""The pages' URL map: every page has a handler, and every handler is short.

A handler reads the request, calls one use case and answers; anything longer is a helper of
its page module or a use case of the domain.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

from flask import Flask

from web.pages import routes

MAX_BODY_LINES = 15


def handlers() -> dict[str, object]:
    app = Flask(__name__)
    app.register_blueprint(routes.pages)
    app.register_blueprint(routes.forms)
    return {name: view for name, view in app.view_functions.items() if name != "static"}


def body_lines(view: object) -> int:
    """Lines of the function's body, without its docstring (decorators are not the body)."""
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(view)))  # type: ignore[arg-type]
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    body = function.body
    if ast.get_docstring(function) is not None:
        body = body[1:]
    return body[-1].end_lineno - body[0].lineno + 1  # type: ignore[operator]


def test_every_page_is_in_the_url_map() -> None:
    names = set(handlers())
    assert {"pages.index", "pages.passport_page", "pages.impact_method"} <= names
    assert {"forms.sign_in", "forms.log_repair", "forms.claim", "forms.labels"} <= names
    assert len(names) == 14


def test_every_handler_body_is_at_most_fifteen_lines() -> None:
    long = {
        name: n for name, view in handlers().items() if (n := body_lines(view)) > MAX_BODY_LINES
    }
    assert long == {}, f"handlers longer than {MAX_BODY_LINES} lines: {long}"


def test_the_count_leaves_out_the_docstring() -> None:
    def view() -> int:
        """A docstring,

        over three lines."""
        return 1

    assert body_lines(view) == 1
