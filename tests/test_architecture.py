"""The dependency direction of DESIGN §1, enforced: arrows point down only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"passport", "schemas", "edge", "api", "repairs", "web", "migrations"}
FRAMEWORKS = {"flask", "flask_smorest", "marshmallow", "click", "werkzeug", "jinja2", "gunicorn"}

# module (or package) -> what of ours it may import
ALLOWED: dict[str, set[str]] = {
    "schemas": set(),
    "passport": {"passport", "schemas"},
    "repairs": {"repairs", "passport", "schemas"},
    # What both HTTP edges share (the request's session and settings); it knows no route.
    "edge": {"edge", "passport", "schemas"},
    "api": {"api", "edge", "passport", "repairs", "schemas"},
    # What every page shares: HTML answers, form fields, who is signed in, codes, the chart.
    "web.html": set(),
    "web.fields": {"edge"},
    "web.auth": {"web.html", "edge", "passport"},
    "web.lookup": {"edge", "passport"},
    "web.charts": {"repairs"},
    # The page controllers build on what every page shares, never the other way.
    "web.pages": {
        "web.pages",
        "web.html",
        "web.fields",
        "web.auth",
        "web.lookup",
        "web.charts",
        "edge",
        "passport",
        "repairs",
        "schemas",
    },
    "web.demo": {"passport", "repairs", "schemas"},
    # The command line is an entry point like the WSGI server: it may build the app.
    "web.cli": {"web.cli", "web.app", "web.demo", "passport", "repairs", "schemas"},
    "web.app": OURS,
    "web": set(),
    "migrations": {"passport", "repairs"},
}


def owner(module: str) -> str:
    """The most specific ALLOWED key that a module falls under."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in ALLOWED:
            return ".".join(parts[:n])
    raise AssertionError(f"{module} is not covered by the architecture rules")


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # "from web import i18n" imports web.i18n
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def modules() -> list[tuple[str, Path]]:
    result = []
    for package in sorted(OURS):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            name = ".".join(p for p in rel.parts if p != "__init__")
            result.append((name, path))
    return result


def allowed(target: str, rules: set[str]) -> bool:
    return any(target == r or target.startswith(r + ".") for r in rules)


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_point_down(module: str, path: Path) -> None:
    rules = ALLOWED[owner(module)]
    bad = []
    for line, target in imports(path):
        top = target.split(".")[0]
        if top in OURS and not allowed(target, rules | {module}):
            # "from web import i18n" also yields "web": only the specific name counts
            if target in OURS and any(t.startswith(target + ".") for _, t in imports(path)):
                continue
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
        if owner(module) in {"passport", "repairs", "schemas"} and top in FRAMEWORKS:
            bad.append(f"{path.relative_to(ROOT)}:{line} imports the framework {target}")
    assert not bad, "dependency direction broken:\n" + "\n".join(bad)


def test_the_guard_catches_an_upward_import(tmp_path: Path) -> None:
    """The checker itself must see a violation, or every test above is vacuous."""
    bad = tmp_path / "bad.py"
    bad.write_text("from api.passports import blp\nimport flask\n")
    targets = [t for _, t in imports(bad)]
    assert "api.passports" in targets and "flask" in targets
    assert not allowed("api.passports", ALLOWED["passport"])
    assert (
        owner("passport.passports.issuing") == "passport"
        and owner("web.pages.passport") == "web.pages"
    )


def test_every_package_is_checked() -> None:
    names = {m for m, _ in modules()}
    assert {
        "passport.passports.issuing",
        "passport.gs1.digital_link",
        "api.passports",
        "web.app",
    } <= names


def test_gs1_imports_only_errors() -> None:
    """``passport.gs1`` is GS1's syntax: of ours it imports only itself and ``passport.errors``."""
    checked, bad = [], []
    for module, path in modules():
        if module != "passport.gs1" and not module.startswith("passport.gs1."):
            continue
        checked.append(module)
        for line, target in imports(path):
            if target.split(".")[0] in OURS and not allowed(
                target, {"passport.gs1", "passport.errors"}
            ):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert {"passport.gs1.digital_link", "passport.gs1.identity"} <= set(checked)
    assert not bad, "passport.gs1 imports more than passport.errors:\n" + "\n".join(bad)
