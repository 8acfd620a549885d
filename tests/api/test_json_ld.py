"""JSON-LD that anyone can expand: every context a served passport names is dereferenceable,
and every term and type in it is defined.

A third party has only what is published: the W3C VC 2.0 and UNTP DPP 0.6.1 contexts as their
publishers serve them (the official files in tests/fixtures, never the registry's own
rendering of UNTP) and whatever the registry serves over HTTP. These tests expand with exactly
that, in safe mode (see ``tests.helpers.safe_mode_problems``).
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import rdflib
from flask.testing import FlaskClient
from pyld import jsonld
from sqlalchemy.orm import Session

from passport import contexts, documents
from passport.config import Settings
from passport.credentials import as_sent
from passport.credentials.document import build_credential
from tests.conftest import BASE_URL, settings_of
from tests.helpers import (
    FIXTURES,
    PLACEHOLDER_BASE,
    PUBLISHED_CONTEXTS,
    RELATIVE_BASE,
    ebike_battery,
    published_loader,
    safe_mode_problems,
    untp_errors,
)
from web.app import create_app
from web.demo import seed


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


REPO = Path(__file__).resolve().parents[2]
PACKAGED = REPO / "schemas" / "contexts" / "kreislauf-v1.jsonld"
PACKAGED_V2 = REPO / "schemas" / "contexts" / "kreislauf-v2.jsonld"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OFFICIAL_INSTANCE = FIXTURES / "standards" / "untp" / "dpp" / "untp-dpp-instance.json"
UNTP_VOCABULARIES = [
    FIXTURES / "standards" / "untp" / "core" / "vocabulary.jsonld",
    FIXTURES / "standards" / "untp" / "dpp" / "vocabulary.jsonld",
]
CONTEXT_PATH = "/contexts/kreislauf/v1"


@pytest.fixture
def bare_client() -> Iterator[FlaskClient]:
    """The app, for routes that never touch the database (the URL is never opened)."""
    app = create_app(Settings(database_url="sqlite://", base_url=BASE_URL, testing=True))
    yield app.test_client()
    app.extensions["kreislauf"].engine.dispose()


def served_by(client: FlaskClient, fetched: list[str]) -> Callable[[str], dict[str, Any]]:
    """Fetch a context from the registry's own origin through its HTTP routes, as a third
    party would; a URL elsewhere is neither published nor the registry's, so it fails."""

    def fetch(url: str) -> dict[str, Any]:
        assert url.startswith(BASE_URL + "/"), f"{url} is neither published nor served here"
        response = client.get(url.removeprefix(BASE_URL))
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert response.mimetype == "application/ld+json", url
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        fetched.append(url)
        document: dict[str, Any] = json.loads(response.get_data())
        return document

    return fetch


# --- the served context ---------------------------------------------------------------


def test_the_context_is_served_as_json_ld_to_any_origin(bare_client):
    response = bare_client.get(CONTEXT_PATH, headers={"Origin": "https://reader.example"})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_data() == PACKAGED.read_bytes()
    assert response.cache_control.public and response.cache_control.max_age >= 86400
    assert response.get_etag() == (contexts.etag("kreislauf-v1.jsonld"), False)


def test_the_context_answers_conditional_head_and_preflight_requests(bare_client):
    etag = bare_client.get(CONTEXT_PATH).headers["ETag"]

    unchanged = bare_client.get(CONTEXT_PATH, headers={"If-None-Match": etag})
    head = bare_client.head(CONTEXT_PATH)
    preflight = bare_client.options(
        CONTEXT_PATH,
        headers={"Origin": "https://reader.example", "Access-Control-Request-Method": "GET"},
    )

    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert head.status_code == 200 and head.headers["Content-Type"] == "application/ld+json"
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "path",
    [
        "/contexts/kreislauf/v3",
        "/contexts/kreislauf-v1.jsonld",  # files are not served by name
        "/contexts/untp-dpp-0.6.1.jsonld",  # nor our rendering of someone else's context
        "/contexts/untp-0.7.0.jsonld",
    ],
)
def test_other_context_paths_are_not_found(bare_client, path):
    response = bare_client.get(path)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert CONTEXT_PATH in response.json["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def _terms_defined(context: Any) -> set[str]:
    """Every term a context defines, at the top or in any scoped context."""
    found: set[str] = set()
    if isinstance(context, dict):
        for term, definition in context.items():
            if not term.startswith("@"):
                found.add(term)
            if isinstance(definition, dict) and "@context" in definition:
                found |= _terms_defined(definition["@context"])
    return found


def test_the_context_redefines_no_published_term():
    """Both published contexts are @protected: redefining one of their terms would fail."""
    ours = _terms_defined(json.loads(PACKAGED.read_text(encoding="utf-8"))["@context"])
    v2 = _terms_defined(json.loads(PACKAGED_V2.read_text(encoding="utf-8"))["@context"])
    published: dict[str, set[str]] = {}
    for url, path in PUBLISHED_CONTEXTS.items():
        published[url] = _terms_defined(json.loads(path.read_text(encoding="utf-8"))["@context"])
    vc, untp07 = published[VC_V2], published["https://vocabulary.uncefact.org/untp/0.7.0/context/"]

    # v1 is named beside UNTP 0.6.1, v2 beside UNTP 0.7.0
    assert ours & (vc | published["https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/"]) == set()
    assert v2 & (vc | untp07) == set()
    assert {"passportStatus", "Material", "CircularityPerformance", "characteristics"} <= ours
    assert "battery" in ours


def test_the_context_defines_untp_types_by_untp_s_own_class_iris():
    """The UNTP type terms the Kreislauf context adds are classes of UNTP 0.6.1's vocabulary.

    The UNTP 0.6.1 JSON Schema lets these objects carry a type (``"CircularityPerformance"``,
    ``"Material"``, ...), and its vocabulary declares each as an ``rdfs:Class``, but its JSON-LD
    context defines no term for them, so they expanded to relative IRIs. The Kreislauf context
    adds exactly those terms, mapped to the classes UNTP publishes.
    """
    ours = json.loads(PACKAGED.read_text(encoding="utf-8"))["@context"]
    classes = set()
    for path in UNTP_VOCABULARIES:
        vocabulary = json.loads(path.read_text(encoding="utf-8"))
        prefixes = vocabulary["@context"]
        for node in vocabulary["@graph"]:
            if node.get("@type") == "rdfs:Class":
                prefix, name = node["@id"].split(":")
                classes.add(prefixes[prefix] + name)

    type_terms = {term: value["@id"] for term, value in ours.items() if term[:1].isupper()}
    assert set(type_terms) >= {"CircularityPerformance", "Material"}
    for term, iri in type_terms.items():
        assert iri in classes, f"{term} -> {iri} is not a UNTP 0.6.1 class"
        assert iri.rsplit("/", 1)[-1] == term


# --- what the registry serves ---------------------------------------------------------


def _passport_documents(client: FlaskClient) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every version of every passport, as the API serves its JSON-LD."""
    items = client.get("/api/v1/passports", query_string={"limit": 200}).json["items"]
    for item in items:
        for version in range(1, item["version"] + 1):
            path = f"/api/v1/passports/{item['id']}?version={version}"
            response = client.get(path)
            assert response.status_code == 200 and response.mimetype == "application/ld+json"
            yield path, response.json


@pytest.fixture
def demo(client: FlaskClient, session: Session) -> FlaskClient:
    """The registry after ``kreislauf demo`` has seeded it (the same function, web.demo.seed)."""
    seed(session, settings_of(session))
    session.commit()
    return client


def test_every_demo_passport_expands_in_safe_mode_with_only_published_and_served_contexts(demo):
    fetched: list[str] = []
    loader = published_loader(served_by(demo, fetched))
    checked = 0

    for path, document in _passport_documents(demo):
        for url in document["@context"]:
            assert url in PUBLISHED_CONTEXTS or url == BASE_URL + CONTEXT_PATH, (path, url)
        assert safe_mode_problems(document, loader) == [], path
        assert untp_errors(document) == [], path
        checked += 1

    assert checked >= 12  # the demo's models, batches, items, versions and a withdrawn one
    assert set(fetched) == {BASE_URL + CONTEXT_PATH}


def test_the_served_turtle_of_every_demo_passport_has_only_absolute_iris(demo):
    untp_core = "https://test.uncefact.org/vocabulary/untp/core/0/"
    types: set[rdflib.term.Node] = set()
    untp = "https://vocabulary.uncefact.org/untp/"
    items = demo.get("/api/v1/passports", query_string={"limit": 200}).json["items"]
    for item, version in itertools.product(items, ("0.7.0", "0.6.1")):
        query = {"format": "ttl", "untp": version}
        response = demo.get(f"/api/v1/passports/{item['id']}", query_string=query)
        turtle = response.get_data(as_text=True)

        assert response.status_code == 200 and response.mimetype == "text/turtle"
        assert PLACEHOLDER_BASE not in turtle
        # Parsed against a base of its own, a relative IRI would show up under it.
        graph = rdflib.Graph().parse(data=turtle, format="turtle", publicID=RELATIVE_BASE)
        for term in {t for triple in graph for t in triple}:
            if isinstance(term, rdflib.URIRef):
                assert not str(term).startswith(RELATIVE_BASE), (item["id"], term)
                assert ":" in str(term), (item["id"], term)
        types.update(graph.objects(None, rdflib.RDF.type))

    assert {
        rdflib.URIRef(untp_core + "Material"),  # 0.6.1
        rdflib.URIRef(untp_core + "CircularityPerformance"),
        rdflib.URIRef(untp + "Product"),  # 0.7.0
        rdflib.URIRef(untp + "Claim"),
    } <= types


def test_the_official_untp_example_expands_in_safe_mode():
    instance = json.loads(OFFICIAL_INSTANCE.read_text(encoding="utf-8"))

    assert safe_mode_problems(instance, published_loader()) == []


# --- every term and type the schema admits --------------------------------------------


def _sample(node: dict[str, Any], defs: dict[str, Any], name: str, seen: tuple[str, ...]) -> Any:
    """A value for every property the schema declares, each recursive definition once."""
    if node.get("$ref") == "battery.schema.json":
        return ebike_battery()  # BatteryPass's own schemas shape it: an rdf:JSON literal
    if "$ref" in node:
        target = node["$ref"].removeprefix("#/$defs/")
        if target in seen:
            return None
        return _sample(defs[target], defs, name, (*seen, target))
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        result = {}
        for key, schema in node.get("properties", {}).items():
            value = schema["default"] if key == "type" else _sample(schema, defs, key, seen)
            if value not in (None, []):
                result[key] = value
        if name == "characteristics":
            result.update({"ratedPowerW": 2200, "colour": {"name": "red", "ral": 3000}})
        return result
    if kind == "array":
        if name == "type":
            return None  # given by the default above, or left out
        item = _sample(node["items"], defs, name, seen)
        return [] if item is None else [item]
    samples = {"number": 0.5, "integer": 2, "boolean": True}
    if kind in samples:
        return samples[kind]
    if node.get("format") == "uri":
        return f"https://example.com/{name}"
    if node.get("format") == "language-tag":
        return "de-AT"
    return "2025-03-01" if node.get("format") == "date" else f"{name} text"


def _without_types(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_types(v) for k, v in node.items() if k != "type"}
    if isinstance(node, list):
        return [_without_types(item) for item in node]
    return node


def _types_everywhere(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with a default type on every object that may carry one."""
    schema = copy.deepcopy(schema)
    for definition in [schema, *schema["$defs"].values()]:
        kind = definition.get("properties", {}).get("type")
        if kind is not None and "default" not in kind:
            required = kind.get("allOf", []) or [kind]
            kind["default"] = [rule["contains"]["const"] for rule in required]
    return schema


@pytest.mark.parametrize("typed", [True, False], ids=["every-type-given", "no-type-given"])
def test_every_term_and_type_the_schema_admits_expands_in_safe_mode(bare_client, typed):
    schema = _types_everywhere(documents.subject_schema())
    subject = _sample(schema, schema["$defs"], "ProductPassport", ())
    if not typed:
        subject = _without_types(subject)
    documents.validate_subject(subject)  # the registry accepts it
    subject, _ = as_sent.split(subject)  # stored only: reading.read never serves it
    credential = build_credential(
        base_url=BASE_URL,
        subject=subject,
        credential_id=f"{BASE_URL}/api/v1/passports/p1?version=2",
        canonical_uri=f"{BASE_URL}/01/09520123456788/21/1",
        issuer_id="did:web:registry.example.org",
        issuer_name="Registry",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        status="withdrawn",
        version=2,
        previous_version=f"{BASE_URL}/api/v1/passports/p1?version=1",
        model_passport=f"{BASE_URL}/01/09520123456788",
        batch_passport=f"{BASE_URL}/01/09520123456788/10/L1",
        inherited=["circularityScorecard"],
        lineage={
            "remanufacturedFrom": f"{BASE_URL}/01/09520123456788/21/0",
            "repurposedInto": f"{BASE_URL}/01/09520123456788/21/2",
        },
        latest_measurements={
            "stateOfHealth": {
                "value": 88,
                "unit": "%",
                "measuredAt": "2026-05-03T14:00:00.000+01:00",
                "measuredBy": {"id": "did:web:registry.example.org:orgs:o2", "name": "Café"},
                "eventID": "ni:///sha-256;00?ver=CBV2.0",
            }
        },
        registered_by="did:web:registry.example.org:orgs:o1",
    )
    loader = published_loader(served_by(bare_client, []))

    assert len(json.dumps(credential)) > 4000, "the sample hardly covers the schema"
    assert credential["credentialSubject"]["battery"] == ebike_battery()
    assert safe_mode_problems(credential, loader) == []
    assert untp_errors(credential) == []


# --- the check itself -----------------------------------------------------------------


def test_safe_mode_check_reports_every_kind_of_loss(bare_client):
    """The check reports what jsonld.js's safe mode refuses, not only the first of them."""
    loader = published_loader(served_by(bare_client, []))
    document = {
        "@context": contexts.passport_contexts(BASE_URL),
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        "id": "passports/1",
        "colour": "red",
        "@colour": "red",
        "credentialSubject": {
            "type": ["ProductPassport", "Kettle"],
            "product": {"type": ["Product"], "id": "_:b0", "name": "Kettle", "gauge": 3},
        },
    }

    problems = "\n".join(safe_mode_problems(document, loader))

    assert "passports/1' is a relative IRI" in problems
    assert "property 'colour' is not defined" in problems
    assert "'@colour' looks like a keyword" in problems
    assert "type 'Kettle' is not defined" in problems
    assert "property 'gauge' is not defined" in problems


def test_safe_mode_check_fails_the_passports_served_before(demo):
    """Before: the old context URL, and no term for CircularityPerformance or Material."""
    document = next(doc for _, doc in _passport_documents(demo) if '"Material"' in json.dumps(doc))
    old = json.loads(PACKAGED.read_text(encoding="utf-8"))
    for term in [term for term in old["@context"] if term[:1].isupper()]:
        del old["@context"][term]
    old_name = "https://w3id.org/kreislauf/v1"
    document["@context"] = [*document["@context"][:2], old_name]

    with pytest.raises(jsonld.JsonLdError):  # nobody can fetch the old name
        safe_mode_problems(document, published_loader())
    problems = safe_mode_problems(document, published_loader(lambda url: old))

    assert "type 'CircularityPerformance' is not defined" in "\n".join(problems)
