"""Turtle in UNTP 0.7.0 by default, 0.6.1 on request, expanded offline with the registry's own
rendering of the 0.7.0 terms (schemas/contexts/untp-0.7.0.jsonld; the official context is
GPL-3.0 and only a test fixture, used here to check ours against it)."""

from __future__ import annotations

import json
from typing import Any

import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from passport import contexts, rdf
from tests.api.test_untp07 import full_061
from tests.conftest import BASE_URL
from tests.helpers import ebike_passport, published_loader
from tests.web.test_tiers_matrix import CASES, PUBLIC_PROBE
from tests.web.test_tiers_matrix import body as tiers_body

VC_V2 = contexts.VC_V2
# Ours differs from the official context in one coercion, on purpose: characteristics is one
# rdf:JSON literal (any manufacturer's keys survive), where UNTP reads its keys as terms.
OURS_ONLY = {"characteristics"}


def _terms(loader: Any) -> dict[str, set[str]]:
    """Every term the VC 2.0 + UNTP 0.7.0 contexts define, in every scope (as PyLD processes
    them): name -> the [IRI, coercion, container] it has somewhere, as JSON."""
    processor = jsonld.JsonLdProcessor()
    options = {
        "documentLoader": loader,
        "base": "",
        "processingMode": "json-ld-1.1",
        "contextResolver": jsonld.ContextResolver({}, loader),
    }
    found: dict[str, set[str]] = {}
    seen: set[str] = set()

    def visit(local: Any, active: dict[str, Any]) -> None:
        # A scoped context may override protected terms: processed as PyLD does in place.
        active = processor._process_context(active, local, options, override_protected=True)
        for term, definition in active["mappings"].items():
            if definition is None:
                continue
            key = [definition.get(k) for k in ("@id", "@type", "@container")]
            found.setdefault(term, set()).add(json.dumps(key))
            scoped = definition.get("@context")
            if scoped is not None and json.dumps(scoped, sort_keys=True) not in seen:
                seen.add(json.dumps(scoped, sort_keys=True))
                visit(scoped, active)

    visit([VC_V2, contexts.UNTP_07], processor._get_initial_context(options))
    return found


def test_every_term_of_our_070_context_means_what_the_official_context_says() -> None:
    official, ours = _terms(published_loader()), _terms(rdf.document_loader())
    own = json.loads(contexts.read("untp-0.7.0.jsonld"))["@context"]
    defined = {t for t in own if not t.startswith("@")}
    assert {"itemNumber", "idGranularity", "performanceClaim", "Product", "relatedParty"} <= defined
    for term in defined:
        assert term in official, term  # no term of our own in UNTP's namespace
        iris = {json.loads(k)[0] for k in official[term]}
        assert {json.loads(k)[0] for k in ours[term]} <= iris, term
        if term not in OURS_ONLY:
            assert ours[term] <= official[term], term  # same IRI, coercion and container
    for term, meanings in ours.items():  # and in every scope, VC 2.0's terms included
        if term not in OURS_ONLY:
            assert meanings <= official.get(term, set()), term


def _graph_official(document: dict[str, Any], client: Any) -> rdflib.Graph:
    def own(url: str) -> dict[str, Any]:
        assert url == BASE_URL + "/contexts/kreislauf/v2", url
        served: dict[str, Any] = json.loads(client.get(url.removeprefix(BASE_URL)).get_data())
        return served

    dataset = jsonld.to_rdf(document, {"documentLoader": published_loader(own)})
    nquads = jsonld.JsonLdProcessor.to_nquads({"@default": dataset["@default"]})
    return rdflib.Graph().parse(data=nquads, format="nt")


def _turtle(client: Any, pid: str, query: str = "", headers: Any = None) -> rdflib.Graph:
    answer = client.get(f"/api/v1/passports/{pid}?format=ttl{query}", headers=headers or {})
    assert answer.status_code == 200 and answer.mimetype == "text/turtle", answer.data[:300]
    return rdflib.Graph().parse(data=answer.get_data(as_text=True), format="turtle")


def test_turtle_is_070_by_default_and_061_on_request_and_the_same_graph_as_untp_gives(
    client, maker
):
    for body in (full_061(), tiers_body(), ebike_passport("item", serial="T-1")):
        created = client.post("/api/v1/passports", json=body, headers=maker.headers)
        assert created.status_code == 201, created.json
        pid = created.json["id"]
        v07 = client.get(f"/api/v1/passports/{pid}", headers=maker.headers).json
        v061 = client.get(f"/api/v1/passports/{pid}?untp=0.6.1", headers=maker.headers).json
        assert v07["@context"][1] == contexts.UNTP_07

        turtle = _turtle(client, pid, headers=maker.headers)
        assert isomorphic(turtle, rdf.to_graph(v07, BASE_URL))
        product = rdflib.URIRef(v07["credentialSubject"]["id"])
        untp = rdflib.Namespace("https://vocabulary.uncefact.org/untp/")
        assert (product, rdflib.RDF.type, untp.Product) in turtle
        on_request = _turtle(client, pid, "&untp=0.6.1", maker.headers)
        assert isomorphic(on_request, rdf.to_graph(v061, BASE_URL))
        assert (None, untp.idGranularity, None) not in on_request
        # Ours gives the graph the official context gives (characteristics aside: ours keeps
        # it whole as one literal).
        v07["credentialSubject"].pop("characteristics", None)
        assert isomorphic(rdf.to_graph(v07, BASE_URL), _graph_official(v07, client)), pid


def test_a_public_reader_gets_no_restricted_value_in_either_turtle(client, maker):
    created = client.post("/api/v1/passports", json=tiers_body(), headers=maker.headers)
    pid = created.json["id"]
    for query in ("", "&untp=0.6.1"):
        text = _turtle(client, pid, query).serialize(format="turtle")
        assert PUBLIC_PROBE in text
        assert not [c.probe for c in CASES if c.probe in text.lower()], query
