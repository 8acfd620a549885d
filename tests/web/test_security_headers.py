"""Every HTML answer carries a CSP, nosniff and frame protection; every answer carries nosniff.

The test walks every GET route of the app's URL map, with real and unknown arguments, as a
browser asks (Accept: text/html) and as an API client does, and checks every answer, whoever
made it: the pages, the resolver's not-found page, Swagger UI on /api/docs, werkzeug's errors.
"""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import GTIN, passport
from web.html import DOCS_CSP

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def arguments(pid: str, org_id: str) -> list[dict[str, str]]:
    """Two ways to fill a rule's arguments: what exists, and what does not."""
    real = {
        "passport_id": pid,
        "kind": "svg",
        "seq": "1",
        "_rest": f"{GTIN}/21/12345",
        "key": "x",
        "org_id": org_id,
        "index": "0",
        "level": "0",
        "rest": "000",
        "name": "untp-dpp-context-0.6.1.jsonld",
        "filename": "kreislauf.css",
        "group": "Repair Café Cardiff",
        "dpp_id": pid,
        "product_id": f"01/{GTIN}/21/12345",
        "element_path": "$.name",
        "number": "1",
        "host": "registry.example.org",  # a mirrored origin (none here: 404)
        "lang": "de",  # the worker's page for a code scanned offline
    }
    unknown = real | {
        "passport_id": "nope",
        "dpp_id": "nope",
        "_rest": f"{GTIN}/21/none",
        "product_id": f"01/{GTIN}/21/none",
        "org_id": "nope",
        "lang": "xx",
    }
    return [real, unknown]


def url(rule: Any, values: dict[str, str]) -> str:
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)
    if "any(" in rule.rule:  # the <any(a, b):kind> converter: take its first choice
        path = re.sub(r"<any\(([^,)]+)[^>]*>", lambda m: m.group(1).strip(), rule.rule)
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], path)
    return path


def test_every_html_answer_is_locked_down(app: Any, client: Any, maker: Any) -> None:
    issued = client.post("/api/v1/passports", json=passport(), headers=maker.headers)
    pid = issued.json["id"]
    urls = {"/no/such/page", "/01/09520123456780", f"/passports/{pid}?lang=de"}
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            urls.update(url(rule, values) for values in arguments(pid, maker.id))
    html: list[str] = []
    for path in sorted(urls):
        for headers in (BROWSER, {}):
            response = client.get(path, headers=headers)
            response.close()  # static files are streamed
            assert response.status_code < 500, path
            assert response.headers.get("X-Content-Type-Options") == "nosniff", path
            if response.mimetype == "text/html":
                html.append(path)
                csp = response.headers.get("Content-Security-Policy", "")
                assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, path
                assert "'unsafe-eval'" not in csp and "script-src" not in csp.replace(
                    "script-src 'self';", ""
                ), path
                assert response.headers.get("X-Frame-Options") == "DENY", path
    for page in ("/", f"/passports/{pid}", "/api/docs", "/signin", "/impact"):
        assert page in html, page
    assert "/01/09520123456780" in html  # the resolver's not-found page
    # Swagger UI loads only the registry's own files, and runs no inline script
    docs = client.get("/api/docs", headers=BROWSER)
    assert docs.headers["Content-Security-Policy"] == DOCS_CSP
    page = docs.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert re.findall(r"<script>", page) == []
    for source in sources:
        with client.get(source) as asset:
            assert asset.status_code == 200, source
