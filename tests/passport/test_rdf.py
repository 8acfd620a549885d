"""JSON-LD -> RDF with the packaged contexts, checked against the official UNTP context.

The official UNTP DPP context (GPL-3.0) is a test fixture only; the package ships
Kreislauf's own rendering of its term definitions. These tests are the evidence that the
two produce the same RDF.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from passport import contexts, rdf
from passport.routes import Routes
from tests.helpers import FIXTURES

REPO = Path(__file__).resolve().parents[2]
STANDARDS = FIXTURES / "standards"
OFFICIAL_UNTP_CONTEXT = STANDARDS / "untp" / "dpp" / "context.jsonld"
OFFICIAL_UNTP_INSTANCE = STANDARDS / "untp" / "dpp" / "untp-dpp-instance.json"
OFFICIAL_VC_CONTEXT = STANDARDS / "w3c-vc" / "contexts" / "credentials" / "v2"

KREISLAUF = rdflib.Namespace("https://w3id.org/kreislauf#")
UNTP_CORE = rdflib.Namespace("https://test.uncefact.org/vocabulary/untp/core/0/")
UNTP_DPP = rdflib.Namespace("https://test.uncefact.org/vocabulary/untp/dpp/0/")
CRED = rdflib.Namespace("https://www.w3.org/2018/credentials#")
SCHEMA = rdflib.Namespace("https://schema.org/")

REGISTRY = "https://kreislauf.example"
KREISLAUF_V1 = Routes(REGISTRY).kreislauf_context
PASSPORT_ID = f"{REGISTRY}/passports/0d5b8f3e-2c1a-4f7e-9a61-3c2b7d9e4f10"
SUBJECT_ID = PASSPORT_ID + "#subject"

Loader = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Fail any test in this module that so much as tries to open a connection.

    Attempts are recorded as well as refused, because PyLD wraps loader exceptions and a
    refused connection could otherwise hide inside an expected JsonLdError.
    """
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access is not allowed in passport RDF tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == [], f"network access attempted: {attempts!r}"


def _official_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Serve the official UNTP context; everything else (VC v2, kreislauf) as the package does.

    Kreislauf's context is ours in both worlds, so it is served from the package here too.
    """
    if url in (contexts.UNTP_DPP, contexts.UNTP_DPP.rstrip("/")):
        document = json.loads(OFFICIAL_UNTP_CONTEXT.read_text(encoding="utf-8"))
        return {"contextUrl": None, "documentUrl": contexts.UNTP_DPP, "document": document}
    return rdf.document_loader(REGISTRY)(url, options)


def _graph_with(loader: Loader, document: dict[str, Any]) -> rdflib.Graph:
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loader})
    graph = rdflib.Graph()
    # No named graphs in these documents, so every quad is an N-Triples line.
    graph.parse(data=nquads, format="nt")
    return graph


def _official_graph(document: dict[str, Any]) -> rdflib.Graph:
    return _graph_with(_official_loader, document)


def _canonical(graph: rdflib.Graph) -> str:
    """Canonical N-Quads (URDNA2015): equal strings mean isomorphic graphs.

    Used where rdflib.compare.isomorphic is too slow: the UNTP example repeats identical
    blank-node structures, on which rdflib's algorithm takes seconds and URDNA2015
    milliseconds.
    """
    canonical: str = jsonld.normalize(
        graph.serialize(format="nt"),
        {
            "algorithm": "URDNA2015",
            "inputFormat": "application/n-quads",
            "format": "application/n-quads",
        },
    )
    return canonical


def _untp_instance() -> dict[str, Any]:
    instance: dict[str, Any] = json.loads(OFFICIAL_UNTP_INSTANCE.read_text(encoding="utf-8"))
    return instance


def _registry_credential() -> dict[str, Any]:
    """A credential shaped like the ones the registry serves for an item-level passport."""
    return {
        "@context": [contexts.VC_V2, contexts.UNTP_DPP, KREISLAUF_V1],
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        "id": PASSPORT_ID,
        "issuer": {
            "type": ["CredentialIssuer"],
            "id": "did:web:kreislauf.example",
            "name": "Kreislauf Registry",
        },
        "validFrom": "2025-01-15T10:00:00Z",
        "credentialSubject": {
            "type": ["ProductPassport"],
            "id": SUBJECT_ID,
            "product": {
                "type": ["Product"],
                "id": "https://id.gs1.org/01/09520123456788/21/12345",
                "name": "Cordless drill 18 V",
                "registeredId": "09520123456788",
                "serialNumber": "12345",
                "batchNumber": "L2025-03",
            },
            "granularityLevel": "item",
            "circularityScorecard": {
                "recyclableContent": 0.8,
                "recycledContent": 0.25,
                "repairInformation": {
                    "linkURL": "https://kreislauf.example/repair/drill-18v",
                    "linkName": "Repair manual",
                    "linkType": "https://test.uncefact.org/vocabulary/linkTypes/repair",
                },
            },
        },
        "passportStatus": "active",
        "passportVersion": 2,
        "previousVersion": PASSPORT_ID + "/versions/1",
        "modelPassport": "https://kreislauf.example/passports/model-09520123456788",
        "inheritedProperties": ["circularityScorecard"],
    }


# --- the official example -------------------------------------------------------------


def test_official_example_converts_with_our_contexts() -> None:
    graph = rdf.to_graph(_untp_instance())

    # PyLD with the official context gives 253 triples; rdflib's own JSON-LD parser gives 2.
    assert 200 <= len(graph) < 1000
    credential = rdflib.URIRef(
        "https://example-company.com/credentials/2a423366-a0d6-4855-ba65-2e0c926d09b0"
    )
    assert (credential, RDF.type, UNTP_DPP.DigitalProductPassport) in graph
    assert (credential, RDF.type, CRED.VerifiableCredential) in graph


def test_official_example_is_isomorphic_to_official_context() -> None:
    document = _untp_instance()

    ours = rdf.to_graph(document)
    official = _official_graph(document)

    assert len(ours) == len(official)
    # Equal URDNA2015 canonical forms prove the graphs isomorphic (the canonical form only
    # relabels blank nodes); rdflib's isomorphic() took 20 s on this example's repeated
    # blank-node structures, URDNA2015 takes 50 ms.
    assert _canonical(ours) == _canonical(official)


def test_untp_url_without_trailing_slash_gives_same_graph() -> None:
    document = _untp_instance()
    unslashed = copy.deepcopy(document)
    unslashed["@context"] = [contexts.VC_V2, contexts.UNTP_DPP.rstrip("/")]

    assert rdf.to_nquads(unslashed) == rdf.to_nquads(document)


def _official_term_positions() -> tuple[dict[str, Any], set[str]]:
    """A document that uses every term of the official context where that context defines it.

    The official context scopes most terms to types and properties, so a term is only
    exercised by putting it at such a position; the document is derived from the official
    context's own structure rather than written out, so no position is missed.
    """
    official = json.loads(OFFICIAL_UNTP_CONTEXT.read_text(encoding="utf-8"))["@context"]
    used: set[str] = set()

    def node(scoped: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for term, definition in scoped.items():
            if term.startswith("@") or isinstance(definition, str):
                continue  # keywords and prefix definitions
            used.add(term)
            result[term] = value(term, definition)
        return result

    def value(term: str, definition: dict[str, Any]) -> list[Any]:
        # Each position gets a native JSON value and a differently-typed one, so that a
        # missing or wrong coercion (@type) shows up as a different literal or IRI.
        kind = definition.get("@type")
        scoped = definition.get("@context")
        if kind == "@vocab":
            return ["ZZ9"]
        if kind == "@id":
            iri = f"https://example.com/{term}"
            return [{"id": iri + "/node", **node(scoped)}, iri] if scoped else [iri]
        if kind == "xsd:double":
            return [10, "2.5"]
        if kind == "xsd:boolean":
            return [True, "false"]
        if kind == "xsd:string":
            return [f"{term} text", 7]
        # Untyped: numeric-looking strings stay well-formed should a coercion apply after all.
        if scoped:
            return [node(scoped), "12.5", 7]
        return ["12.5", 7]

    nodes = []
    for term, definition in official.items():
        if term.startswith("@") or isinstance(definition, str):
            continue
        if term[0].isupper():
            used.add(term)
            nodes.append(
                {
                    "type": [term],
                    "id": f"https://example.com/{term}",
                    **node(definition.get("@context", {})),
                }
            )
        else:
            used.add(term)
            nodes.append({"id": f"https://example.com/top/{term}", term: value(term, definition)})
    document = {"@context": [contexts.VC_V2, contexts.UNTP_DPP], "@graph": nodes}
    return document, used


def test_every_official_term_position_gives_the_same_rdf() -> None:
    document, used = _official_term_positions()
    our_terms = json.dumps(rdf.load_context(contexts.UNTP_DPP))

    ours = rdf.to_graph(document)
    official = _official_graph(document)

    assert len(used) == 123
    assert all(f'"{term}"' in our_terms for term in used)
    assert len(ours) == len(official)
    assert isomorphic(ours, official)


# --- a registry credential ------------------------------------------------------------


def test_registry_credential_expands() -> None:
    expanded = rdf.expand(_registry_credential(), REGISTRY)

    assert len(expanded) == 1
    assert str(KREISLAUF.passportVersion) in expanded[0]


def test_registry_credential_kreislauf_triples() -> None:
    graph = rdf.to_graph(_registry_credential(), REGISTRY)
    credential = rdflib.URIRef(PASSPORT_ID)

    assert graph.value(credential, KREISLAUF.passportStatus) == KREISLAUF.active
    version = graph.value(credential, KREISLAUF.passportVersion)
    assert isinstance(version, rdflib.Literal)
    assert version.datatype == XSD.integer
    assert version.toPython() == 2
    assert graph.value(credential, KREISLAUF.previousVersion) == rdflib.URIRef(
        PASSPORT_ID + "/versions/1"
    )
    assert graph.value(credential, KREISLAUF.modelPassport) == rdflib.URIRef(
        "https://kreislauf.example/passports/model-09520123456788"
    )
    inherited = list(graph.objects(credential, KREISLAUF.inheritedProperties))
    assert inherited == [rdflib.Literal("circularityScorecard")]
    # RDF 1.1: a plain literal is an xsd:string; PyLD omits the datatype in N-Quads.
    assert inherited[0].datatype in (None, XSD.string)
    assert {p for p in graph.predicates() if str(p).startswith(str(KREISLAUF))} == {
        KREISLAUF.passportStatus,
        KREISLAUF.passportVersion,
        KREISLAUF.previousVersion,
        KREISLAUF.modelPassport,
        KREISLAUF.inheritedProperties,
    }


def test_registry_credential_untp_triples() -> None:
    graph = rdf.to_graph(_registry_credential(), REGISTRY)
    credential = rdflib.URIRef(PASSPORT_ID)
    subject = rdflib.URIRef(SUBJECT_ID)
    product = rdflib.URIRef("https://id.gs1.org/01/09520123456788/21/12345")

    assert graph.value(credential, CRED.credentialSubject) == subject
    assert graph.value(credential, CRED.issuer) == rdflib.URIRef("did:web:kreislauf.example")
    assert (subject, RDF.type, UNTP_DPP.ProductPassport) in graph
    assert graph.value(subject, UNTP_CORE.product) == product
    assert (product, RDF.type, UNTP_CORE.Product) in graph
    assert graph.value(subject, UNTP_DPP.granularityLevel) == rdflib.URIRef(
        "https://test.uncefact.org/vocabulary/untp/dpp/0/granularityCode#item"
    )
    assert graph.value(product, UNTP_CORE.serialNumber) == rdflib.Literal("12345")
    assert graph.value(product, SCHEMA.name) == rdflib.Literal("Cordless drill 18 V")
    valid_from = graph.value(credential, CRED.validFrom)
    assert isinstance(valid_from, rdflib.Literal)
    assert valid_from.datatype == XSD.dateTime
    scorecard = graph.value(subject, UNTP_CORE.circularityScorecard)
    recycled = graph.value(scorecard, UNTP_CORE.recycledContent)
    assert isinstance(recycled, rdflib.Literal)
    assert recycled.datatype == XSD.double


def test_registry_credential_is_isomorphic_to_official_context() -> None:
    document = _registry_credential()

    assert isomorphic(rdf.to_graph(document, REGISTRY), _official_graph(document))


def test_reserved_kreislauf_terms() -> None:
    document = _registry_credential()
    document.update(
        passportStatus="withdrawn",
        batchPassport="https://kreislauf.example/passports/batch-L2025-03",
        registeredBy="did:web:kreislauf.example",
    )
    graph = rdf.to_graph(document, REGISTRY)
    credential = rdflib.URIRef(PASSPORT_ID)

    assert graph.value(credential, KREISLAUF.passportStatus) == KREISLAUF.withdrawn
    assert graph.value(credential, KREISLAUF.batchPassport) == rdflib.URIRef(
        "https://kreislauf.example/passports/batch-L2025-03"
    )
    assert graph.value(credential, KREISLAUF.registeredBy) == rdflib.URIRef(
        "did:web:kreislauf.example"
    )


# --- serialisations -------------------------------------------------------------------


@pytest.mark.parametrize("make_document", [_registry_credential, _untp_instance])
def test_turtle_round_trips(make_document: Callable[[], dict[str, Any]]) -> None:
    document = make_document()

    turtle = rdf.to_turtle(document, REGISTRY)
    reparsed = rdflib.Graph().parse(data=turtle, format="turtle")

    assert len(reparsed) == len(rdf.to_graph(document, REGISTRY))
    assert _canonical(reparsed) == _canonical(rdf.to_graph(document, REGISTRY))


def test_turtle_round_trip_is_isomorphic() -> None:
    document = _registry_credential()

    reparsed = rdflib.Graph().parse(data=rdf.to_turtle(document, REGISTRY), format="turtle")

    assert isomorphic(reparsed, rdf.to_graph(document, REGISTRY))


def test_turtle_binds_passport_prefixes() -> None:
    turtle = rdf.to_turtle(_registry_credential(), REGISTRY)

    for prefix in ("untp-dpp", "untp-core", "schemaorg", "cred", "kreislauf", "xsd"):
        assert f"@prefix {prefix}: <{rdf.TURTLE_PREFIXES[prefix]}> ." in turtle


def test_nquads_match_graph() -> None:
    document = _registry_credential()

    graph = rdflib.Graph().parse(data=rdf.to_nquads(document, REGISTRY), format="nt")

    assert isomorphic(graph, rdf.to_graph(document, REGISTRY))


def test_contexts_used() -> None:
    assert rdf.contexts_used(_registry_credential()) == [
        contexts.VC_V2,
        contexts.UNTP_DPP,
        KREISLAUF_V1,
    ]
    assert rdf.contexts_used({"@context": contexts.VC_V2}) == [contexts.VC_V2]
    assert rdf.contexts_used({}) == []


# --- the document loader --------------------------------------------------------------


def test_loader_refuses_unknown_url() -> None:
    with pytest.raises(jsonld.JsonLdError, match="allow-list"):
        rdf.document_loader(REGISTRY)("https://example.com/ctx")


def test_loader_does_not_normalise_other_urls() -> None:
    with pytest.raises(jsonld.JsonLdError, match="allow-list"):
        rdf.document_loader(REGISTRY)(contexts.VC_V2 + "/")
    with pytest.raises(jsonld.JsonLdError, match="allow-list"):
        rdf.document_loader(REGISTRY)(KREISLAUF_V1 + "/")


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        (None, KREISLAUF_V1),  # whose registry? the caller must say
        ("https://other.example", KREISLAUF_V1),  # another registry's URL is not ours to serve
        (REGISTRY, "https://w3id.org/kreislauf/v1"),  # the old name, which resolves nowhere
        (REGISTRY, REGISTRY + "/contexts/kreislauf/v3"),  # a version that does not exist
    ],
)
def test_loader_serves_our_context_only_at_the_registry_url(base_url: str | None, url: str) -> None:
    with pytest.raises(jsonld.JsonLdError, match="allow-list"):
        rdf.document_loader(base_url)(url)


def test_loader_serves_our_context_for_a_base_url_with_a_path() -> None:
    loader = rdf.document_loader("https://example.org/registry/")

    remote = loader("https://example.org/registry/contexts/kreislauf/v1")

    assert "passportStatus" in remote["document"]["@context"]


def test_expanding_unknown_context_fails_offline() -> None:
    document = _registry_credential()
    document["@context"] = [contexts.VC_V2, "https://example.com/ctx"]

    with pytest.raises(jsonld.JsonLdError) as caught:
        rdf.to_graph(document, REGISTRY)

    causes = []
    error: BaseException | None = caught.value
    while error is not None:
        causes.append(str(error))
        error = error.__cause__
    assert any("allow-list" in cause for cause in causes)


@pytest.mark.parametrize("url", sorted(contexts.context_files(REGISTRY)))
def test_loader_serves_packaged_contexts(url: str) -> None:
    remote = rdf.document_loader(REGISTRY)(url)

    assert remote["documentUrl"] == url
    assert remote["contextUrl"] is None
    assert remote["document"]["@context"]["@protected"] is True


def test_loaded_context_is_a_private_copy() -> None:
    first = rdf.load_context(KREISLAUF_V1, REGISTRY)
    first["@context"].clear()

    assert "passportStatus" in rdf.load_context(KREISLAUF_V1, REGISTRY)["@context"]


def test_packaged_vc_context_is_the_w3c_file() -> None:
    packaged = REPO / "schemas" / "contexts" / contexts.PUBLISHED[contexts.VC_V2]

    assert packaged.read_bytes() == OFFICIAL_VC_CONTEXT.read_bytes()


def test_scoped_contexts_only_where_needed() -> None:
    """Our UNTP context is flat; only enumerations and the GeoJSON terms carry a scope."""
    context = rdf.load_context(contexts.UNTP_DPP)["@context"]
    scoped = {
        term for term, value in context.items() if isinstance(value, dict) and "@context" in value
    }
    enumerations = {term for term in scoped if context[term].get("@type") == "@vocab"}

    assert scoped - enumerations == {"geoLocation", "geoBoundary"}
    assert all(set(context[term]["@context"]) == {"@vocab"} for term in enumerations)
