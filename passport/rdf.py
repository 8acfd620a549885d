"""JSON-LD to RDF for passports, offline.

Expansion goes through PyLD, never rdflib's own JSON-LD parser: rdflib 7 does not handle
the protected, type-scoped contexts of VC 2.0 + UNTP and silently yields a near-empty graph
(2 triples instead of ~250 for the official UNTP DPP example). PyLD's N-Quads are then
loaded into rdflib, which is only used as a graph store and serialiser.

Contexts are served from files under ``schemas/contexts`` (see :mod:`passport.contexts`);
there is no network access at run time. The published contexts are known by their URLs; the
registry's own context is known by its URL on the registry's origin, so functions that may
meet a passport take the registry's ``base_url``. Any other context URL is an error.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import rdflib
from pyld import jsonld
from rdflib.namespace import XSD

from passport import contexts
from passport.contexts import UNTP_DPP

__all__ = [
    "TURTLE_PREFIXES",
    "ContextNotAllowed",
    "contexts_used",
    "document_loader",
    "expand",
    "load_context",
    "to_graph",
    "to_nquads",
    "to_turtle",
]

DocumentLoader = Callable[..., dict[str, Any]]

TURTLE_PREFIXES: dict[str, str] = {
    "untp": "https://vocabulary.uncefact.org/untp/",
    "untp-dpp": "https://test.uncefact.org/vocabulary/untp/dpp/0/",
    "untp-core": "https://test.uncefact.org/vocabulary/untp/core/0/",
    "schemaorg": "https://schema.org/",
    "cred": "https://www.w3.org/2018/credentials#",
    "kreislauf": contexts.KREISLAUF_VOCAB,
    "xsd": str(XSD),
}


def _canonical_url(url: str, known: dict[str, str]) -> str | None:
    """The known URL that ``url`` names, or None.

    The UNTP context is published with a trailing slash but issuers also write it without
    one; that spelling is accepted. Nothing else is normalised, so no other URL can
    masquerade as a shipped context.
    """
    if url in known:
        return url
    with_slash = url + "/"
    return with_slash if with_slash == UNTP_DPP else None


class ContextNotAllowed(jsonld.JsonLdError):  # type: ignore[misc]  # PyLD is untyped
    """A document referenced a context URL that is not shipped with the package."""

    def __init__(self, url: str, known: dict[str, str]) -> None:
        super().__init__(
            f"JSON-LD context {url!r} is not on the allow-list of locally shipped contexts "
            f"({', '.join(sorted(known))}); remote contexts are never fetched.",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )


@lru_cache(maxsize=len(contexts.PUBLISHED) + len(contexts.OWN))
def _parsed_context(name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(contexts.read(name))
    return parsed


def load_context(url: str, base_url: str | None = None) -> dict[str, Any]:
    """The parsed context document for an allow-listed URL.

    ``base_url`` is the registry whose own contexts are allowed too. Returns a copy: PyLD
    rewrites relative ``@context`` URLs in place, and a caller mutating the cached object would
    silently change every later expansion.
    """
    known = contexts.context_files(base_url)
    canonical = _canonical_url(url, known)
    if canonical is None:
        raise ContextNotAllowed(url, known)
    return copy.deepcopy(_parsed_context(known[canonical]))


def document_loader(base_url: str | None = None) -> DocumentLoader:
    """A PyLD document loader that serves only the packaged contexts.

    With ``base_url`` it also serves the registry's own contexts at their URLs on that origin.
    """
    known = contexts.context_files(base_url)

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        # No "tag" key: PyLD shares resolved remote contexts between calls only when the
        # loader tags them, and untagged results keep a test loader serving other files for
        # the same URL from being shadowed by ours (or vice versa).
        canonical = _canonical_url(url, known)
        if canonical is None:
            raise ContextNotAllowed(url, known)
        document = copy.deepcopy(_parsed_context(known[canonical]))
        return {"contextUrl": None, "documentUrl": canonical, "document": document}

    return load


def _options(base_url: str | None) -> dict[str, Any]:
    return {"documentLoader": document_loader(base_url)}


def expand(document: dict[str, Any], base_url: str | None = None) -> list[Any]:
    """The document in JSON-LD expanded form (``base_url``: the registry that served it)."""
    expanded: list[Any] = jsonld.expand(document, _options(base_url))
    return expanded


def _dataset(document: dict[str, Any], base_url: str | None) -> dict[str, list[dict[str, Any]]]:
    """PyLD's RDF dataset: graph name ("@default" or an IRI) -> list of triples."""
    dataset: dict[str, list[dict[str, Any]]] = jsonld.to_rdf(document, _options(base_url))
    return dataset


def to_nquads(document: dict[str, Any], base_url: str | None = None) -> str:
    """The document as N-Quads (the default graph, plus named graphs such as proofs)."""
    nquads: str = jsonld.JsonLdProcessor.to_nquads(_dataset(document, base_url))
    return nquads


def to_graph(document: dict[str, Any], base_url: str | None = None) -> rdflib.Graph:
    """The document's default graph as an rdflib graph."""
    # Only the default graph's quads are handed over, and they carry no graph label, so they
    # are N-Triples and load into a plain Graph. Parsing "nquads" would go through
    # rdflib.Dataset, whose own internals emit DeprecationWarnings in rdflib 7.6
    # (RDFLib/rdflib#3475) that become errors under filterwarnings=error.
    default_graph = {"@default": _dataset(document, base_url).get("@default", [])}
    graph = rdflib.Graph()
    graph.parse(data=jsonld.JsonLdProcessor.to_nquads(default_graph), format="nt")
    return graph


def to_turtle(document: dict[str, Any], base_url: str | None = None) -> str:
    """The document's default graph as Turtle, with the passport vocabularies as prefixes."""
    graph = to_graph(document, base_url)
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
