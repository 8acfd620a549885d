"""The CBV 2.0 event hash (EPCIS Event Hash ID) of EPCIS 2.0 events in JSON-LD.

An eventID is ``ni:///sha-256;{hex}?ver=CBV2.0`` (RFC 6920): the SHA-256 of a canonical
*pre-hash* string (CBV 2.0, "EPCIS Event Hash ID"). The algorithm is written down, and
implemented, by RalphTro/epcis-event-hash-generator; CBV 2.0 names it the reference. Its output
is what others will compute, so these modules reproduce that implementation, including where
it departs from its own README, on every example it publishes (``tests/examples/*.jsonld`` with
``.hashes``) and on every event the registry serves. Where the reference's answer depends on
something they cannot reproduce they raise ``EventHashError`` naming the field: a
refusal, never a hash that someone else would not get.

How the reference reads a JSON-LD document, and so how these modules do:

1. **Bare words** (``passport.events.bare_words``): a string value spelt like the tail of a CBV
   or GS1 Web Vocabulary IRI the document expands to is read as that IRI. ``prehash`` and
   ``event_hash`` treat their event as a document of its own; ``document_prehashes`` sees the
   whole document.
2. to 4. **Elements, canonical order, everything else** (``passport.events.canonical``): the
   event as elements, the standard fields in their canonical order
   (``passport.events.hash_fields``), each value in its canonical form
   (``passport.events.hash_values``), then the rest sorted. ``recordTime``, ``eventID`` and
   ``errorDeclaration`` are left out.

What cannot be hashed as the reference would is refused (``passport.events.hash_checks``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from passport.events.bare_words import read_bare_words, vocabulary_iris
from passport.events.canonical import canonical_prehash
from passport.events.hash_values import EventHashError

HASH_VERSION = "CBV2.0"
# The reference generator's own extension: a document may list event keys to leave out.
_IGNORE_FIELDS_NAMESPACE = "https://repository-x.example.com/"


def prehash(event: Mapping[str, Any], *, namespaces: Mapping[str, str] | None = None) -> str:
    """The pre-hash string of one EPCIS 2.0 JSON-LD event, as a document of its own.

    ``namespaces`` are the prefixes the document's @context declares inline (prefix -> IRI);
    extension keys and values with other prefixes are hashed as written, as the reference does.
    """
    if not isinstance(event, Mapping):
        raise EventHashError("(event)", "an event is a JSON object")
    declared = dict(namespaces or {})
    return canonical_prehash(
        read_bare_words(event, vocabulary_iris([event], declared)), declared, ()
    )


def event_hash(event: Mapping[str, Any], *, namespaces: Mapping[str, str] | None = None) -> str:
    """The CBV 2.0 event hash ID of one event: ``ni:///sha-256;<hex>?ver=CBV2.0``."""
    return hash_id(prehash(event, namespaces=namespaces))


def document_prehashes(document: Mapping[str, Any]) -> list[str]:
    """The pre-hash string of every event of an EPCIS 2.0 JSON-LD document, in order.

    Reads EPCISDocument (``epcisBody.eventList``), EPCISQueryDocument (``queryResults``) and a
    single ``epcisBody.event``, with the document's inline prefixes and the reference's
    ``ignoreFields`` extension (a list of event keys under https://repository-x.example.com/).
    """
    declared = _declared_namespaces(document.get("@context"))
    body = document.get("epcisBody")
    if not isinstance(body, Mapping):
        raise EventHashError("epcisBody", "an EPCIS document needs an epcisBody object")
    ignore_key = next(
        (
            f"{prefix}:ignoreFields"
            for prefix, iri in declared.items()
            if iri == _IGNORE_FIELDS_NAMESPACE
        ),
        ":ignoreFields",
    )
    if "eventList" in body:
        events, ignored = body["eventList"], document.get(ignore_key)
    elif "queryResults" in body:
        results = body["queryResults"]
        try:
            events, ignored = results["resultsBody"]["eventList"], results.get(ignore_key)
        except (KeyError, TypeError, AttributeError):
            raise EventHashError("epcisBody/queryResults", "needs resultsBody.eventList") from None
    elif "event" in body:
        events, ignored = [body["event"]], document.get(ignore_key)
    else:
        raise EventHashError("epcisBody", "holds no eventList, queryResults or event")
    if not isinstance(events, list) or not all(isinstance(e, Mapping) for e in events):
        raise EventHashError("epcisBody", "the event list must be a list of objects")
    if ignored is None:
        ignored = []
    if not isinstance(ignored, list) or not all(isinstance(name, str) for name in ignored):
        raise EventHashError(ignore_key, "must be a list of event keys")
    iris = vocabulary_iris(events, declared)
    return [canonical_prehash(read_bare_words(event, iris), declared, ignored) for event in events]


def document_hashes(document: Mapping[str, Any]) -> list[str]:
    """The CBV 2.0 event hash ID of every event of an EPCIS 2.0 JSON-LD document."""
    return [hash_id(text) for text in document_prehashes(document)]


def hash_id(prehash_string: str) -> str:
    """A pre-hash string as an RFC 6920 ``ni`` URI with the CBV version."""
    digest = hashlib.sha256(prehash_string.encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"


# --- the document's prefixes ----------------------------------------------------------------------


def _declared_namespaces(context: Any) -> dict[str, str]:
    """Prefixes from the inline parts of @context, read as the reference reads them."""
    if not isinstance(context, list):
        raise EventHashError("@context", "the reference generator reads @context only as a list")
    declared: dict[str, str] = {}
    for entry in context:
        if isinstance(entry, str):
            declared[entry] = entry  # harmless: the reference records remote contexts so too
        elif isinstance(entry, Mapping):
            for prefix, iri in entry.items():
                if not isinstance(iri, str):
                    raise EventHashError(
                        f"@context/{prefix}",
                        "only prefix definitions (a string IRI) can be hashed: the reference "
                        "generator fails on other term definitions",
                    )
                declared[prefix] = iri
        else:
            raise EventHashError("@context", "entries must be IRIs or objects")
    return declared
