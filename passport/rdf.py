"""JSON-LD to RDF for passports, offline.

Expansion goes through PyLD, never rdflib's own JSON-LD parser: rdflib 7 does not handle
the protected, type-scoped contexts of VC 2.0 + UNTP and silently yields a near-empty graph
(2 triples instead of ~250 for the official UNTP DPP example). PyLD's N-Quads are then
loaded into rdflib, which is only used as a graph store and serialiser.

Contexts are served from files under ``schemas/contexts``; there is no network access at
run time, so any context URL outside :data:`CONTEXT_FILES` is an error.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
from functools import lru_cache
from typing import Any

import rdflib
from pyld import jsonld
from rdflib.namespace import XSD

VC_V2 = "https://www.w3.org/ns/credentials/v2"
UNTP_DPP = "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/"
KREISLAUF_V1 = "https://w3id.org/kreislauf/v1"

CONTEXT_FILES: dict[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    UNTP_DPP: "untp-dpp-0.6.1.jsonld",
    KREISLAUF_V1: "kreislauf-v1.jsonld",
}

TURTLE_PREFIXES: dict[str, str] = {
    "untp-dpp": "https://test.uncefact.org/vocabulary/untp/dpp/0/",
    "untp-core": "https://test.uncefact.org/vocabulary/untp/core/0/",
    "schemaorg": "https://schema.org/",
    "cred": "https://www.w3.org/2018/credentials#",
    "kreislauf": "https://w3id.org/kreislauf#",
    "xsd": str(XSD),
}


def _canonical_url(url: str) -> str | None:
    """The allow-listed URL that ``url`` names, or None.

    The UNTP context is published with a trailing slash but issuers also write it without
    one; that spelling is accepted. Nothing else is normalised, so no other URL can
    masquerade as a shipped context.
    """
    if url in CONTEXT_FILES:
        return url
    with_slash = url + "/"
    return with_slash if with_slash in CONTEXT_FILES else None


class ContextNotAllowed(jsonld.JsonLdError):
    """A document referenced a context URL that is not shipped with the package."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"JSON-LD context {url!r} is not on the allow-list of locally shipped contexts "
            f"({', '.join(sorted(CONTEXT_FILES))}); remote contexts are never fetched.",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )


@lru_cache(maxsize=len(CONTEXT_FILES))
def _parsed_context(url: str) -> dict[str, Any]:
    resource = importlib.resources.files("schemas") / "contexts" / CONTEXT_FILES[url]
    parsed: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return parsed


def load_context(url: str) -> dict[str, Any]:
    """The parsed context document for an allow-listed URL.

    Returns a copy: PyLD rewrites relative ``@context`` URLs in place, and a caller mutating
    the cached object would silently change every later expansion.
    """
    canonical = _canonical_url(url)
    if canonical is None:
        raise ContextNotAllowed(url)
    return copy.deepcopy(_parsed_context(canonical))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader that serves only the packaged contexts."""
    # No "tag" key: PyLD shares resolved remote contexts between calls only when the loader
    # tags them, and untagged results keep a test loader serving other files for the same
    # URL from being shadowed by ours (or vice versa).
    document = load_context(url)
    return {"contextUrl": None, "documentUrl": _canonical_url(url), "document": document}


def _options(**extra: Any) -> dict[str, Any]:
    return {"documentLoader": document_loader, **extra}


def expand(document: dict[str, Any]) -> list[Any]:
    """The document in JSON-LD expanded form."""
    expanded: list[Any] = jsonld.expand(document, _options())
    return expanded


def _dataset(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """PyLD's RDF dataset: graph name ("@default" or an IRI) -> list of triples."""
    dataset: dict[str, list[dict[str, Any]]] = jsonld.to_rdf(document, _options())
    return dataset


def to_nquads(document: dict[str, Any]) -> str:
    """The document as N-Quads (the default graph, plus named graphs such as proofs)."""
    nquads: str = jsonld.JsonLdProcessor.to_nquads(_dataset(document))
    return nquads


def to_graph(document: dict[str, Any]) -> rdflib.Graph:
    """The document's default graph as an rdflib graph."""
    # Only the default graph's quads are handed over, and they carry no graph label, so they
    # are N-Triples and load into a plain Graph. Parsing "nquads" would go through
    # rdflib.Dataset, whose own internals emit DeprecationWarnings in rdflib 7.6
    # (RDFLib/rdflib#3475) that become errors under filterwarnings=error.
    default_graph = {"@default": _dataset(document).get("@default", [])}
    graph = rdflib.Graph()
    graph.parse(data=jsonld.JsonLdProcessor.to_nquads(default_graph), format="nt")
    return graph


def to_turtle(document: dict[str, Any]) -> str:
    """The document's default graph as Turtle, with the passport vocabularies as prefixes."""
    graph = to_graph(document)
    for prefix, namespace in TURTLE_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph.serialize(format="turtle")


def contexts_used(document: dict[str, Any]) -> list[str]:
    """The document's ``@context`` entries as a list; a single entry is wrapped.

    Registry documents only reference contexts by URL; an inline context object, should a
    foreign document carry one, is passed through unchanged.
    """
    context = document.get("@context", [])
    return list(context) if isinstance(context, list) else [context]
