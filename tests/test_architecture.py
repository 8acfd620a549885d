"""The house of docs/ARCHITECTURE.md, enforced.

* Arrows point down only (DESIGN §1): schemas → passport → repairs → edge → api | web, and
  inside ``passport/`` each room imports only the rooms below it (``RULES``).
* The rule table itself has no loop, so no two rooms can ever lean on each other.
* The domain (``passport/``, ``repairs/``, ``schemas/``) imports no web framework.
* Imports are absolute: a relative import hides which room it reaches into.
* No module is over 500 lines in ``passport/``, ``repairs/``, ``edge/``, ``api/``, ``web/``:
  a module that grows past that holds more than one idea and becomes a package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"passport", "schemas", "edge", "api", "repairs", "web", "migrations"}
FRAMEWORKS = {
    "flask",
    "flask_babel",
    "flask_smorest",
    "marshmallow",
    "click",
    "werkzeug",
    "jinja2",
    "markupsafe",
    "babel",
    "gunicorn",
}
DOMAIN = {"passport", "repairs", "schemas"}
MAX_LINES = 500
SIZED = ("passport", "repairs", "edge", "api", "web")

# The foundation of the domain: errors, settings, the database (and its statements compiled
# once), roles and public URLs. It imports nothing of ours, and every room of passport/ may
# build on it.
BASE = {
    "passport.errors",
    "passport.config",
    "passport.db",
    "passport.compiled_sql",
    "passport.roles",
    "passport.routes",
}
MODELS = BASE | {"passport.models"}

# room -> what of ours it may import besides itself (the most specific key applies)
RULES: dict[str, set[str]] = {
    "schemas": set(),
    # --- passport/: the domain, room by room, from the bottom up -----------------------------
    "passport": set(),  # the foundation modules (BASE) and the package itself
    "passport.models": {"passport.db"},
    "passport.gs1": {"passport.errors"},  # GS1's syntax knows nothing of the registry
    # the BatteryPass profile: its categories' official schemas and access list (data only)
    # the BatteryPass categories and their access list (measurements sit higher, below)
    "passport.batteries": {"passport.errors", "schemas"},
    # BCP 47 language tags (RFC 5646): grammar and case, no registry data
    "passport.language_tags": set(),
    "passport.documents": {
        "passport.errors",
        "passport.language_tags",
        "passport.batteries.categories",
        "passport.batteries.attributes",
        "schemas",
    },
    "passport.links": {"schemas"},
    "passport.contexts": {"passport.routes", "schemas"},
    "passport.rdf": {"passport.contexts", "schemas"},
    "passport.carriers": {"passport.models"},
    "passport.signing": MODELS,
    "passport.ledger": MODELS | {"passport.signing", "passport.links", "passport.moves.tables"},
    # the rows the dpp.moved and dpp.moved-in leaves commit to (issue 14, point 5)
    "passport.moves.tables": MODELS,
    # who may do what: the one table every check reads (docs/PERMISSIONS.md is made from it)
    "passport.permissions": set(),
    "passport.access": MODELS | {"passport.permissions"},
    "passport.throttle": MODELS,
    "passport.idempotency": MODELS,
    # backups: every table of Base.metadata as JSON lines, and back (web.cli.backup)
    "passport.backup": MODELS,
    # may this process take traffic: database, migrations, keys (/readyz)
    "passport.readiness": MODELS | {"passport.signing"},
    "passport.organisations": MODELS
    | {"passport.access", "passport.language_tags", "passport.ledger", "passport.signing"},
    "passport.accounts": MODELS | {"passport.access", "passport.throttle"},
    "passport.search": MODELS | {"passport.gs1"},
    # who may see what: tiers, schema annotations, issuer marks, readers, grants, redaction
    "passport.disclosure": MODELS | {"passport.documents", "passport.permissions", "schemas"},
    # the EU DPP registry (ESPR Art. 13): what is sent, the queue, the run, the HTTP transport
    "passport.euregistry": MODELS,
    # the use cases of passports: issuing, versions, community passports, lookup
    "passport.passports": MODELS
    | {
        "passport.access",
        "passport.disclosure",
        "passport.documents",
        "passport.euregistry.queue",  # issuing queues the registration (opt-in)
        "passport.gs1",
        "passport.language_tags",
        "passport.ledger",
        "passport.moves.tables",  # a moved passport takes no write
        "passport.signing",
    },
    # battery passports: the dynamic attributes read from events
    # a battery's latest measurements, read from its history
    "passport.batteries.measurements": MODELS | {"passport.events", "passport.passports"},
    # the credential: a passport version as a W3C VC, and that credential signed
    "passport.credentials": MODELS
    | {
        "passport.batteries",
        "passport.contexts",
        "passport.disclosure",
        "passport.documents",
        "passport.passports",
        "passport.signing",
    },
    # the EN 18222 DPP API: EN 18223 shapes and JSONPath elements over the passport's use cases
    "passport.en18222": MODELS
    | {
        "passport.access",
        "passport.credentials",
        "passport.disclosure",
        "passport.gs1",
        "passport.passports",
        "passport.signing",
    },
    # lifecycle events: catalogue, parsing, status, EPCIS, the event hash, the history
    "passport.events": MODELS
    | {
        "passport.documents",
        "passport.gs1",
        "passport.ledger",
        "passport.passports",
        "passport.permissions",
        "passport.signing",
    },
    # the history as a UNTP 0.7.0 DTE, as a reader's tier may see it
    "passport.events.dte": MODELS | {"passport.disclosure", "passport.events", "passport.signing"},
    "passport.transfers": MODELS
    | {"passport.events", "passport.passports", "passport.permissions", "passport.throttle"},
    # kreislauf verify: the log (passport.ledger) and every served fact derived from it
    "passport.audit": MODELS
    | {
        "passport.disclosure",
        "passport.events",
        "passport.gs1",
        "passport.ledger",
        "passport.moves",
        "passport.passports",
    },
    # mirrors of other registries (issue 14): their logs, the documents the leaves commit to
    "passport.mirrors": MODELS
    | {"passport.ledger", "passport.signing", "passport.gs1", "passport.links"},
    # moving a passport to another registry, and issuing one moved here (issue 14, point 5)
    "passport.moves": MODELS
    | {
        "passport.access",
        "passport.disclosure.tiers",
        "passport.gs1",
        "passport.ledger",
        "passport.mirrors.tables",
        "passport.passports",
        "passport.signing",
    },
    # the stored views' read key (one statement) and the store: they know no view's shape
    "passport.views_cache": MODELS,
    # --- above the domain ------------------------------------------------------------------
    "repairs": {"passport", "schemas"},
    # What both HTTP edges share (the request's session and settings); it knows no route.
    "edge": {"passport", "schemas"},
    "api": {"edge", "passport", "repairs", "schemas"},
    # What every page shares: HTML answers, form fields, who is signed in, codes, the chart.
    "web.html": set(),
    "web.fields": {"edge"},
    "web.auth": {"web.html", "edge", "passport"},
    "web.lookup": {"edge", "passport"},
    "web.charts": {"repairs"},
    # which language a product text is in (lang attributes)
    "web.languages": {"passport.language_tags"},
    # The page controllers build on what every page shares, never the other way.
    "web.pages": {
        "web.html",
        "web.fields",
        "web.auth",
        "web.lookup",
        "web.charts",
        "web.languages",
        "edge",
        "passport",
        "repairs",
        "schemas",
    },
    "web.demo_battery": set(),  # BatteryPass data of a demo battery: plain data
    "web.demo": {"web.demo_battery", "passport", "repairs", "schemas"},
    # The command line is an entry point like the WSGI server: it may build the app.
    # (and gives gunicorn the app's JSON log configuration, edge.log_format: without Flask)
    "web.cli": {
        "web.app",
        "web.demo",
        "edge.logs",
        "edge.log_format",
        "passport",
        "repairs",
        "schemas",
    },
    # The composition root: create_app is the one place that wires everything together.
    "web.app": OURS,
    "web": set(),  # web.i18n
    "migrations": {"passport", "repairs"},
}


def owner(module: str) -> str:
    """The most specific RULES key that a module falls under."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in RULES:
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
            # "from passport import documents" imports passport.documents
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def relative_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0]


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


def where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def violations(module: str, path: Path) -> list[str]:
    room = owner(module)
    rules = RULES[room] | {room, module}
    found = imports(path)
    bad = []
    for line, target in found:
        top = target.split(".")[0]
        if top in OURS and not allowed(target, rules):
            # "from passport import documents" also yields "passport": the specific name counts
            if any(t.startswith(target + ".") for _, t in found):
                continue
            # a module of the foundation is open to every room of passport/
            if room.startswith("passport") and allowed(target, BASE) and room != "passport":
                continue
            bad.append(f"{where(path)}:{line} ({room}) imports {target}")
        if room.split(".")[0] in DOMAIN and top in FRAMEWORKS:
            bad.append(f"{where(path)}:{line} imports the framework {target}")
    return bad


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_point_down(module: str, path: Path) -> None:
    bad = violations(module, path)
    assert not bad, "dependency direction broken:\n" + "\n".join(bad)


def test_the_rules_have_no_loop() -> None:
    """Follow every allowed arrow between rooms: none leads back to where it started."""

    def rooms(target: str) -> set[str]:
        inside = {k for k in RULES if k == target or k.startswith(target + ".")}
        return (inside | {owner(target)}) - {"web.app"}

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [r for t in RULES[start] for r in rooms(t) if r != start]
        while todo:
            room = todo.pop()
            if room not in seen:
                seen.add(room)
                todo += [r for t in RULES[room] for r in rooms(t) if r != room]
        return seen

    loops = [room for room in RULES if room != "web.app" and room in reach(room)]
    assert not loops, f"rooms that can reach themselves: {loops}"


@pytest.mark.parametrize("package", sorted(OURS))
def test_imports_are_absolute(package: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in relative_imports(path)
    ]
    assert not bad, "relative imports (name the module: from passport.x import y):\n" + "\n".join(
        bad
    )


@pytest.mark.parametrize("package", SIZED)
def test_no_module_is_over_500_lines(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in sorted((ROOT / package).rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by idea): {long}"


def test_the_guards_catch_what_they_forbid(tmp_path: Path) -> None:
    """The checkers themselves must see a violation, or every test above is vacuous."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from api.passports import blp\nimport flask_babel\nfrom passport.models import Passport\n"
        "from passport.passports import issuing\nfrom . import sibling\n"
    )
    # an upward import and a framework in the domain
    assert any("api.passports" in v for v in violations("passport.documents", bad))
    assert any("framework flask_babel" in v for v in violations("repairs.impact", bad))
    # gs1 may import only passport.errors
    gs1 = violations("passport.gs1.values", bad)
    assert any("passport.models" in v for v in gs1)
    # a room may not import a room above it: the credential builds on issuing, not the reverse
    assert any("passport.passports" in v for v in violations("passport.signing.did", bad))
    assert not any("passport.passports" in v for v in violations("passport.events.history", bad))
    assert relative_imports(bad) == [5]
    assert owner("passport.passports.issuing") == "passport.passports"
    assert owner("passport.errors") == "passport"
    assert owner("web.pages.passport") == "web.pages"


def test_every_room_is_checked() -> None:
    names = {m for m, _ in modules()}
    rooms = {owner(m) for m in names}
    assert {"passport.gs1", "passport.events", "passport.passports", "web.pages", "edge"} <= rooms
    # every rule names a room that exists: a rule for a room that is gone is dead weight
    assert set(RULES) <= rooms | {"schemas", "passport"}, set(RULES) - rooms
