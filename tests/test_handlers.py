"""Every HTTP handler is short: at most 15 lines of body (docstring and decorators not counted).

A handler reads the request, calls one use case and builds the response; anything longer
belongs in the domain or in a small helper of its edge. Handlers are found by their
decorators (``@bp.route``, ``@bp.get``, ``@app.route``, … and the methods of a flask-smorest
``MethodView`` registered with ``@blp.route``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_BODY = 15
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete", "head", "options"}
VIEW_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}

# Web handlers still longer than MAX_BODY, shortened in their own change. The coordinator
# removes this list (and its use below) once web/ is done: web/ is then checked like api/.
WEB_TODO = {
    "web/forms/auth.py:sign_in",
    "web/forms/auth.py:start",
    "web/forms/community.py:register_community",
    "web/forms/labels.py:labels",
    "web/forms/repairs.py:log_repair",
    "web/forms/repairs.py:record",
    "web/forms/transfer.py:claim",
    "web/forms/transfer.py:create_transfer_code",
    "web/views/__init__.py:passport_page",
    "web/views/impact.py:impact_method",
}


def _is_route(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS


def body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the function's last line."""
    body = function.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        if isinstance(first.value.value, str):
            body = body[1:]
    if not body:
        return 0
    assert function.end_lineno is not None
    return function.end_lineno - body[0].lineno + 1


def handlers(path: Path) -> list[tuple[str, int]]:
    """(name, body lines) of every route handler in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if any(_is_route(d) for d in node.decorator_list):
                found.append((node.name, body_lines(node)))
        elif isinstance(node, ast.ClassDef) and any(_is_route(d) for d in node.decorator_list):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    if item.name in VIEW_METHODS:
                        found.append((f"{node.name}.{item.name}", body_lines(item)))
    return found


def _all(package: str) -> list[tuple[str, int]]:
    return [
        (f"{path.relative_to(ROOT).as_posix()}:{name}", size)
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, size in handlers(path)
    ]


@pytest.mark.parametrize("package", ["api", "web"])
def test_every_handler_body_is_at_most_15_lines(package: str) -> None:
    found = _all(package)
    assert found, f"no handlers found in {package}/: the finder is broken"
    long = [f"{name}: {size} lines" for name, size in found if size > MAX_BODY]
    if package == "web":
        long = [entry for entry in long if entry.split(": ")[0] not in WEB_TODO]
    assert not long, f"handlers longer than {MAX_BODY} lines:\n" + "\n".join(long)


def test_web_todo_names_only_handlers_that_exist() -> None:
    """A stale WEB_TODO entry (renamed or shortened handler) is reported, so the list only
    shrinks."""
    sizes = dict(_all("web"))
    stale = sorted(name for name in WEB_TODO if sizes.get(name, 0) <= MAX_BODY)
    assert not stale, "remove from WEB_TODO (gone or short now): " + ", ".join(stale)


def test_the_finder_sees_every_kind_of_handler(tmp_path: Path) -> None:
    """The checker itself must see long handlers, or the tests above are vacuous."""

    def body(indent: str) -> str:
        return "\n".join(f"{indent}x{i} = {i}" for i in range(MAX_BODY + 1))

    source = tmp_path / "views.py"
    source.write_text(
        f'@bp.route("/a")\ndef a():\n    """Doc."""\n{body("    ")}\n\n'
        f'@app.get("/b")\ndef b():\n{body("    ")}\n\n'
        '@blp.route("/c")\nclass C(MethodView):\n'
        f"    @blp.response(200)\n    def post(self):\n{body('        ')}\n\n"
        f"    def helper(self):\n{body('        ')}\n\n"
        f"@bp.after_request\ndef headers(response):\n{body('    ')}\n\n"
        f"def not_a_handler():\n{body('    ')}\n"
    )
    found = dict(handlers(source))
    assert found == {"a": MAX_BODY + 1, "b": MAX_BODY + 1, "C.post": MAX_BODY + 1}
