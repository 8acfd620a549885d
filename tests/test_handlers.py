"""Every HTTP handler is short: at most 15 lines of body (docstring and decorators not counted).

A handler reads the request, calls one use case and builds the response; anything longer
belongs in the domain or in a small helper of its edge. The handlers are read from the
application's own URL map, so every route counts however it was registered (``@bp.route``,
``add_url_rule``, the methods of a flask-smorest ``MethodView``).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from passport.config import Settings
from tests.conftest import BASE_URL
from web.app import create_app

MAX_BODY = 15
VIEW_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def body_lines(function: Callable[..., Any]) -> int:
    """Lines from the first statement after the docstring to the function's last line."""
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(function)))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    if not body:
        return 0
    assert node.end_lineno is not None
    return node.end_lineno - body[0].lineno + 1


def handlers(views: dict[str, Callable[..., Any]]) -> Iterator[tuple[str, Callable[..., Any]]]:
    """(endpoint, function) for every handler of a URL map; a MethodView gives each method."""
    for endpoint, view in views.items():
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            yield endpoint, view
            continue
        for method in VIEW_METHODS:
            if method in vars(view_class):
                yield f"{endpoint}.{method}", vars(view_class)[method]


def ours(function: Callable[..., Any]) -> bool:
    return inspect.unwrap(function).__module__.split(".")[0] in {"api", "web"}


def test_every_handler_body_is_at_most_15_lines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    app = create_app(Settings(database_url=url, base_url=BASE_URL, data_dir=tmp_path, testing=True))
    found = {name: f for name, f in handlers(app.view_functions) if ours(f)}
    # The finder must see both edges and both kinds of handler, or the check is vacuous.
    assert {"passports.PassportById.get", "pages.passport_page", "forms.log_repair"} <= set(found)
    assert len(found) >= 40
    long = {name: n for name, f in found.items() if (n := body_lines(f)) > MAX_BODY}
    assert long == {}, f"handlers longer than {MAX_BODY} lines: {long}"


def test_the_count_sees_a_long_handler_and_leaves_out_the_docstring() -> None:
    def short() -> int:
        """A docstring,

        over three lines."""
        return 1

    assert body_lines(short) == 1

    class View:
        def get(self) -> None:
            a = 1
            b = a
            del b

        def helper(self) -> None:
            pass

    View.view_class = View  # type: ignore[attr-defined]
    found = dict(handlers({"v": View}))  # type: ignore[dict-item]
    assert set(found) == {"v.get"} and body_lines(found["v.get"]) == 3
