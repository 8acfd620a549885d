"""Rule 1 of the event hash, bare words: text read as the CBV term it is the tail of.

Any string value that is the tail (after "-" or "/") of exactly one ``https://ref.gs1.org/cbv…``
or ``https://gs1.org/voc…`` IRI occurring in the expanded document is replaced by that IRI. This
is how ``"bizStep": "shipping"`` becomes ``https://ref.gs1.org/cbv/BizStep-shipping``, but it
applies to every value, extensions included, and it is document-wide: a free-text
``"shipping"`` in one event changes when another event of the same document ships. What the
document expands to is read as a JSON-LD processor with the EPCIS 2.0 context would
(``schemas/epcis-vocabulary.json``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib.resources import files
from typing import Any, NamedTuple

from passport.events.hash_fields import IRI_FIELDS, VOCABULARY_FIELDS

# Prefixes the EPCIS 2.0 context itself declares (JSON-LD expands them in IRI positions).
_CONTEXT_PREFIXES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "gs1": "https://gs1.org/voc/",
}
# Expanded values the bare-word rule looks at.
_VOCABULARY_ROOTS = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")


class _Context(NamedTuple):
    terms: frozenset[str]  # defined at top level
    scopes: dict[str, frozenset[str]]  # added inside a property ("a/b": b within a)
    vocabularies: dict[str, tuple[str, frozenset[str]]]  # field -> (namespace, words)


@cache
def _context() -> _Context:
    """What the bare-word rule needs of the EPCIS 2.0 context (schemas/epcis-vocabulary.json)."""
    data = json.loads((files("schemas") / "epcis-vocabulary.json").read_text(encoding="utf-8"))
    return _Context(
        frozenset(data["terms"]),
        {path: frozenset(names) for path, names in data["scopes"].items()},
        {
            name: (entry["namespace"], frozenset(entry["words"]))
            for name, entry in data["vocabularies"].items()
        },
    )


def _expand(value: str, path: tuple[str, ...], prefixes: Mapping[str, str]) -> str:
    """What JSON-LD expansion with the EPCIS context makes of one string value."""
    vocabulary = VOCABULARY_FIELDS.get(path)
    if vocabulary is not None:
        namespace, words = _context().vocabularies[vocabulary]
        if value in words:
            return namespace + value
    elif path[-1:] != ("type",) and path not in IRI_FIELDS:
        return value  # a plain string: compact IRIs stay as written
    prefix, colon, rest = value.partition(":")
    if colon and not rest.startswith("//") and prefix in prefixes:
        return prefixes[prefix] + rest
    return value


def _strings(
    value: Any,
    path: tuple[str, ...] = (),
    scope: tuple[str, ...] = (),
    terms: frozenset[str] | None = None,
) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string JSON-LD expansion keeps, with its key path (list levels skipped).

    Expansion drops keys that are neither defined by the EPCIS context where they stand nor
    compact or absolute IRIs; the reference's vocabulary never sees what is under them.
    """
    context = _context()
    terms = context.terms if terms is None else terms
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, path, scope, terms)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if ":" not in key and not key.startswith("@") and key not in terms:
                continue
            inner_scope, inner_terms = scope, terms
            for depth in range(len(scope), -1, -1):  # the innermost definition of the key
                defined = "/".join((*scope[:depth], key))
                if defined in context.scopes:
                    inner_scope = (*scope[:depth], key)
                    inner_terms = terms | context.scopes[defined]
                    break
            yield from _strings(item, (*path, key), inner_scope, inner_terms)


def vocabulary_iris(
    events: Iterable[Mapping[str, Any]], declared: Mapping[str, str]
) -> frozenset[str]:
    """The CBV and GS1 Web Vocabulary IRIs the documents' events expand to."""
    prefixes = {**_CONTEXT_PREFIXES, **declared}
    found = set()
    for event in events:
        for path, value in _strings(event):
            expanded = _expand(value, path, prefixes)
            if expanded.startswith(_VOCABULARY_ROOTS):
                found.add(expanded)
    return frozenset(found)


def bare_word_matches(value: str, iris: Iterable[str]) -> list[str]:
    """The vocabulary IRIs that ``value`` is the tail of, after a "-" or "/" (sorted).

    The reference generator replaces a string value by such an IRI when the document's
    events expand to exactly one of them (the module docstring).
    """
    return sorted(iri for iri in iris if iri.endswith(("-" + value, "/" + value)))


def read_bare_words(value: Any, iris: frozenset[str]) -> Any:
    """``value`` with every string that is the tail of exactly one of ``iris`` replaced by it."""
    if isinstance(value, str):
        matches = bare_word_matches(value, iris)
        return matches[0] if len(matches) == 1 else value
    if isinstance(value, list):
        return [read_bare_words(item, iris) for item in value]
    if isinstance(value, Mapping):
        return {key: read_bare_words(item, iris) for key, item in value.items()}
    return value
