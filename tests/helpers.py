"""Test helpers shared by the API and web tests."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import time
import urllib.request
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from web import demo_battery

FIXTURES = Path(__file__).resolve().parent / "fixtures"  # official artefacts; see SOURCES.md there
UNTP_SCHEMA = FIXTURES / "standards" / "untp" / "dpp" / "untp-dpp-schema.json"
UNTP_CONTEXT = FIXTURES / "standards" / "untp" / "dpp" / "context.jsonld"
VC_V2_CONTEXT = FIXTURES / "standards" / "w3c-vc" / "contexts" / "credentials" / "v2"
UNTP07 = FIXTURES / "standards-2026" / "untp-0.7.0"
UNTP07_SCHEMA = UNTP07 / "schema" / "DigitalProductPassport.json"
UNTP07_CONTEXT = UNTP07 / "context" / "untp-context.jsonld"

# The contexts as their publishers serve them, by the URLs documents name them with.
PUBLISHED_CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": VC_V2_CONTEXT,
    "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/": UNTP_CONTEXT,
    "https://vocabulary.uncefact.org/untp/0.7.0/context/": UNTP07_CONTEXT,
}


@cache
def untp_validator() -> Draft202012Validator:
    schema = json.loads(UNTP_SCHEMA.read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def untp_errors(document: dict[str, Any]) -> list[str]:
    """Violations of the official UNTP DPP 0.6.1 schema, as readable strings."""
    return [f"{e.json_path}: {e.message}" for e in untp_validator().iter_errors(document)]


@cache
def untp07_validator() -> Draft202012Validator:
    schema = json.loads(UNTP07_SCHEMA.read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def untp07_errors(document: dict[str, Any]) -> list[str]:
    """Violations of the official UNTP DPP 0.7.0 schema, as readable strings."""
    return [f"{e.json_path}: {e.message}" for e in untp07_validator().iter_errors(document)]


def check_digit(body: str) -> str:
    """GS1 mod-10, computed independently of passport.gs1.check_digits."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gtin(body13: str) -> str:
    """A valid GTIN-14 with indicator 0 from 12 digits."""
    assert len(body13) == 12
    return "0" + body13 + check_digit("0" + body13)


GTIN = "09520123456788"  # GS1's own example GTIN, company prefix 9520123


def passport(
    granularity: str = "item",
    *,
    gtin_: str = GTIN,
    lot: str | None = None,
    serial: str | None = "12345",
    name: str = "Acme K1 kettle",
    via_uri: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A valid UNTP ProductPassport request body."""
    product: dict[str, Any] = {"name": name}
    if via_uri:
        path = f"/01/{gtin_}" + (f"/10/{lot}" if lot else "") + (f"/21/{serial}" if serial else "")
        product["id"] = "https://id.gs1.org" + path
    else:
        product["registeredId"] = gtin_
        if lot:
            product["batchNumber"] = lot
        if serial:
            product["serialNumber"] = serial
    if granularity == "model":
        product.pop("serialNumber", None)
    body: dict[str, Any] = {"granularityLevel": granularity, "product": product}
    body.update(copy.deepcopy(extra))
    return body


CIRCULARITY = {
    "type": ["CircularityPerformance"],
    "repairInformation": {
        "linkURL": "https://acme.example/k1/repair",
        "linkName": "Repair guide",
        "linkType": "https://ref.gs1.org/voc/serviceInfo",
    },
    "recyclableContent": 0.9,
    "recycledContent": 0.3,
}


def count_passports(client: Any) -> int:
    """How many passports the search API lists, walking every page."""
    total, cursor = 0, None
    while True:
        query = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/passports", query_string=query).json
        total += len(page["items"])
        cursor = page["next"]
        if not cursor:
            return total


# --- JSON-LD "safe mode" ------------------------------------------------------------------

DocumentLoader = Callable[..., dict[str, Any]]

# A catch-all vocabulary and a base IRI that no real document uses: anything that lands in
# them is a term the contexts left undefined, or an IRI that was relative.
UNDEFINED = "urn:x-kreislauf-test:undefined:"
RELATIVE_BASE = "https://relative-iri.invalid/base/"
# PyLD's own default base (pyld.jsonld.DEFAULT_BASE_IRI): rdflib and the Turtle it wrote
# showed relative types as <http://example.org/base/CircularityPerformance>.
PLACEHOLDER_BASE = "http://example.org/base/"
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def published_loader(own: Callable[[str], dict[str, Any]] | None = None) -> DocumentLoader:
    """A PyLD document loader that knows only the published contexts, from the official files
    in tests/fixtures (UNTP DPP 0.6.1, W3C VC 2.0), and hands every other URL to ``own``
    (a registry's served contexts); without ``own`` any other URL fails."""

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url in PUBLISHED_CONTEXTS:
            document = json.loads(PUBLISHED_CONTEXTS[url].read_text(encoding="utf-8"))
        elif own is not None:
            document = own(url)
        else:
            raise LookupError(f"{url} is not a published context")
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


def safe_mode_problems(document: dict[str, Any], loader: DocumentLoader) -> list[str]:
    """What JSON-LD expansion in safe mode (jsonld.js ``safe: true``) would refuse, as lines.

    PyLD has no safe mode, so the check uses the algorithm itself: the document is expanded
    with one extra context after its own, a catch-all ``@vocab``, and a base IRI of the test's
    own. A term or type that the document's contexts leave undefined then expands into the
    catch-all instead of being dropped or left relative, and a relative IRI resolves against
    the test's base. The expanded output is searched for both, for PyLD's placeholder base,
    for non-absolute IRIs, for blank nodes as properties or types, and the input for keys that
    look like keywords but are not (expansion drops those silently). Limitation: inside a
    scoped ``"@context": null`` (VC 2.0 uses one only for a presentation's credentials) the
    catch-all is cleared too; none of the documents checked here has one.
    """
    from pyld import jsonld

    problems: list[str] = []

    def check_input(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("@") and key not in jsonld.KEYWORDS and key[1:].isalpha():
                    problems.append(f"{where}: key {key!r} looks like a keyword: dropped")
                if key != "@context":
                    check_input(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                check_input(item, f"{where}/{index}")

    def check_iri(iri: str, what: str, where: str) -> None:
        if iri.startswith(UNDEFINED):
            problems.append(f"{where}: {what} {iri.removeprefix(UNDEFINED)!r} is not defined")
        elif iri.startswith((RELATIVE_BASE, PLACEHOLDER_BASE)):
            problems.append(f"{where}: {what} {iri!r} is a relative IRI")
        elif iri.startswith("_:") and what in ("property", "type"):
            problems.append(f"{where}: {what} {iri!r} is a blank node")
        elif not iri.startswith("_:") and not _ABSOLUTE_IRI.match(iri):
            problems.append(f"{where}: {what} {iri!r} is not an absolute IRI")

    def check_expanded(node: Any, where: str) -> None:
        if isinstance(node, list):
            for item in node:
                check_expanded(item, where)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "@id":
                check_iri(value, "@id", where)
            elif key == "@type":
                for kind in value if isinstance(value, list) else [value]:
                    if not ("@value" in node and kind == "@json"):
                        check_iri(kind, "type", where)
            elif key == "@value":
                continue  # a literal (an @json literal may hold any keys)
            elif not key.startswith("@"):
                check_iri(key, "property", where)
                check_expanded(value, f"{where}/{key.rsplit('/', 1)[-1].rsplit('#', 1)[-1]}")
            else:  # @graph, @list, @set, @reverse, @included, @nest
                check_expanded(value, where)

    check_input(document, "")
    context = document.get("@context", [])
    probe = {**document, "@context": [*(context if isinstance(context, list) else [context])]}
    probe["@context"].append({"@vocab": UNDEFINED})
    expanded = jsonld.expand(probe, {"documentLoader": loader, "base": RELATIVE_BASE})
    check_expanded(expanded, "")
    return problems


# --- battery passports (BatteryPass 1.2) ---------------------------------------------------

BATTERYPASS = FIXTURES / "standards" / "batterypass"
# The official sample payload of each category, by the category key a passport uses.
BATTERYPASS_SAMPLES = {
    "generalProductInformation": "GeneralProductInformation-payload.json",
    "carbonFootprint": "CarbonFootprintForBatteries-payload.json",
    "supplyChainDueDiligence": "SupplyChainDueDiligence-payload.json",
    "materialComposition": "MaterialComposition-payload.json",
    "circularity": "Circularity.json",
    "performance": "PerformanceAndDurability-payload.json",
    "labels": "Labeling-payload.json",
}


def batterypass_sample(category: str) -> dict[str, Any]:
    """The official BatteryPass 1.2 sample payload of a category (UTF-16 with BOM, or UTF-8)."""
    from edge.body import parse_json

    data = (BATTERYPASS / BATTERYPASS_SAMPLES[category]).read_bytes()
    text = data.decode("utf-16" if data[:2] == b"\xff\xfe" else "utf-8")
    # read as the registry reads a request (its 310-digit integers as the floats they are)
    sample: dict[str, Any] = parse_json(text.encode("utf-8"))
    return sample


EBIKE_GTIN = "09520123456702"  # GS1's example prefix 9520123, valid check digit
EBIKE_STAMP = demo_battery.STAMP


def ebike_battery(*, serial: str = "EB-000123") -> dict[str, Any]:
    """A complete BatteryPass 1.2 ``battery`` for one e-bike battery (an LMT battery, 36 V,
    13.4 Ah, 482 Wh, NMC) of Acme Akku GmbH, under GS1's example prefix: every category,
    realistic values, valid against the official schemas (the demo's battery, another maker)."""
    return demo_battery.ebike_battery(
        gtin=EBIKE_GTIN,
        serial=serial,
        maker="Acme Akku GmbH",
        domain="acme-akku.example",
        stamp=EBIKE_STAMP,
    )


def ebike_passport(granularity: str = "item", *, serial: str = "EB-000123") -> dict[str, Any]:
    """A request body for an e-bike battery's passport with its full BatteryPass data."""
    body = passport(
        granularity,
        gtin_=EBIKE_GTIN,
        serial=serial,
        name="Acme EB36 e-bike battery, 36 V 482 Wh",
        battery=ebike_battery(serial=serial),
    )
    return body


def _example(parameter: dict[str, Any]) -> str:
    schema = parameter["schema"]
    if schema.get("type") == "integer":
        return "1"
    return str((schema.get("examples") or schema.get("enum") or ["x"])[0])


def described_rules(app: Any, spec: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(METHOD, described path) -> the URL rule that answers it, found by calling the path with
    its parameters' examples; werkzeug raises NotFound or MethodNotAllowed for a described
    operation that no route answers."""
    adapter = app.url_map.bind("registry.example.org")
    found = {}
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            params = {p["name"]: p for p in shared + operation.get("parameters", [])}
            url = re.sub(r"\{(\w+)\}", lambda m, p=params: _example(p[m.group(1)]), path)
            rule, _ = adapter.match(url, method.upper(), return_rule=True)
            found[(method.upper(), path)] = rule.rule
    return found


def wait_until_serving(proc: subprocess.Popen[bytes], url: str, timeout: float = 60) -> None:
    """Wait until ``url`` answers; fail with the server's output (if piped) if it stops first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url):
                return
        except OSError:
            # the message is read only when it fails: a running server's pipe has no end yet
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else "stopped"
            assert time.monotonic() < deadline, f"{url} did not come up"
            time.sleep(0.2)
