"""The CBV 2.0 event hash (EPCIS Event Hash ID) of EPCIS 2.0 events in JSON-LD.

An eventID is ``ni:///sha-256;{hex}?ver=CBV2.0`` (RFC 6920): the SHA-256 of a canonical
*pre-hash* string (CBV 2.0, "EPCIS Event Hash ID"). The algorithm is written down, and
implemented, by RalphTro/epcis-event-hash-generator; CBV 2.0 names it the reference. Its output
is what others will compute, so this module reproduces that implementation, including where
it departs from its own README, on every example it publishes (``tests/examples/*.jsonld`` with
``.hashes``) and on every event the registry serves. Where the reference's answer depends on
something this module cannot reproduce it raises ``EventHashError`` naming the field: a
refusal, never a hash that someone else would not get.

How the reference reads a JSON-LD document, and so how this module does:

1. **Bare words.** Any string value that is the tail (after "-" or "/") of exactly one
   ``https://ref.gs1.org/cbv…`` or ``https://gs1.org/voc…`` IRI occurring in the expanded
   document is replaced by that IRI. This is how ``"bizStep": "shipping"`` becomes
   ``https://ref.gs1.org/cbv/BizStep-shipping``, but it applies to every value, extensions
   included, and it is document-wide: a free-text ``"shipping"`` in one event changes when
   another event of the same document ships. ``prehash`` and ``event_hash`` treat their event
   as a document of its own; ``document_prehashes`` sees the whole document.
2. **Elements.** Every key becomes an element (``prefix:name`` becomes ``{namespace}name`` when
   the document's @context declares the prefix), every list item an element of the list's
   key, ``…List`` keys lose their suffix, ``childEPCs`` items become ``epc``,
   ``inputQuantity``/``outputQuantity``/``childQuantity`` become ``quantityElement``.
   ``rdfs:comment`` and ``comment`` are dropped at every level.
3. **Canonical order.** The standard fields are written in the order of ``_ORDER`` as
   ``name=value`` without separators, repeated elements sorted; user extensions inside
   ``readPoint``, ``sensorMetadata`` etc. follow their parent's fields. Values are trimmed,
   numbers written without trailing zeros (Python ``float``), CBV URNs become web URIs, EPC
   URIs and Digital Links become constrained canonical Digital Links
   (``passport.gs1.epc``), and the standard time fields become UTC with
   milliseconds (rounded half to even, as Python's ``round`` does).
4. **Everything else** -- ``bizTransactionList``, ``sourceList``, ``destinationList`` (whose
   canonical place the reference never fills), ``ilmd``, user extensions and whatever a
   standard field left unread -- follows, each as ``name=value`` plus its children, sorted.
   ``recordTime``, ``eventID`` and ``errorDeclaration`` are left out. A transaction, source
   or destination keeps the key order of the JSON object: written type first, as everybody
   does, it hashes as the README says.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from importlib.resources import files
from typing import Any, NamedTuple

from passport.gs1.epc import constrained_digital_link

__all__ = [
    "HASH_VERSION",
    "EventHashError",
    "bare_word_matches",
    "document_hashes",
    "document_prehashes",
    "event_hash",
    "hash_id",
    "prehash",
]

HASH_VERSION = "CBV2.0"

# Prefixes the EPCIS 2.0 context itself declares (JSON-LD expands them in IRI positions).
_CONTEXT_PREFIXES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "gs1": "https://gs1.org/voc/",
}
# Expanded values the bare-word rule looks at.
_VOCABULARY_ROOTS = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")
_URN_VOCABULARY = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)
_DROPPED = frozenset({"rdfs:comment", "comment"})
_NOT_HASHED = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})
# Lists whose items the reference reads as (first key, second key) pairs.
_PAIR_LISTS = frozenset({"bizTransactionList", "sourceList", "destinationList"})
# An object or list holding one of these keys (or strings) keeps its order.
_KEEP_ORDER = ("bizTransaction", "source", "destination")
# The reference generator's own extension: a document may list event keys to leave out.
_IGNORE_FIELDS_NAMESPACE = "https://repository-x.example.com/"

# JSON-LD positions (keys from the event, list levels skipped) whose values the EPCIS context
# types as vocabulary terms, and which list of schemas/epcis-vocabulary.json ("vocabularies")
# applies.
_VOCABULARY_FIELDS = {
    ("bizStep",): "bizStep",
    ("disposition",): "disposition",
    ("persistentDisposition", "set"): "disposition",
    ("persistentDisposition", "unset"): "disposition",
    ("sourceList", "type"): "sourceOrDestinationType",
    ("destinationList", "type"): "sourceOrDestinationType",
    ("bizTransactionList", "type"): "bizTransactionType",
    ("sensorElementList", "sensorReport", "type"): "measurementType",
    ("sensorElementList", "sensorReport", "exception"): "exception",
    ("sensorElementList", "sensorReport", "component"): "component",
    ("errorDeclaration", "reason"): "reason",
}
_SENSOR_IRIS = ("deviceID", "deviceMetadata", "rawData", "dataProcessingMethod")
# Positions typed @id: a compact IRI there is expanded (elsewhere it stays a string).
_IRI_FIELDS = frozenset(
    {
        ("certificationInfo",),
        ("readPoint", "id"),
        ("bizLocation", "id"),
        ("transformationID",),
        ("epcList",),
        ("parentID",),
        ("childEPCs",),
        ("inputEPCList",),
        ("outputEPCList",),
        ("sourceList", "source"),
        ("destinationList", "destination"),
        ("errorDeclaration", "correctiveEventIDs"),
        *((f"{name}QuantityList", "epcClass") for name in ("child", "input", "output")),
        ("quantityList", "epcClass"),
        *(("sensorElementList", "sensorMetadata", name) for name in (*_SENSOR_IRIS, "bizRules")),
        *(
            ("sensorElementList", "sensorReport", name)
            for name in (
                *_SENSOR_IRIS,
                "coordinateReferenceSystem",
                "microorganism",
                "chemicalSubstance",
                "uriValue",
            )
        ),
    }
)
# The standard time fields the canonical order reaches (they are written in UTC).
_TIME_FIELDS = frozenset(
    {
        ("eventTime",),
        *(
            ("sensorElementList", "sensorMetadata", name)
            for name in ("time", "startTime", "endTime")
        ),
        ("sensorElementList", "sensorReport", "time"),
    }
)
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


class EventHashError(ValueError):
    """An event whose hash cannot be computed as the reference generator would."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class _Node(NamedTuple):
    """One element: a name, its text, its children (consumed as the pre-hash is written).

    A plain tuple on purpose: the reference sorts elements as (name, text, children) tuples.
    """

    name: str
    text: str
    children: list[Any]  # _Node, or _Pair inside the three pair lists


class _Pair(NamedTuple):
    """One transaction, source or destination: its first two keys, in the order written."""

    first: _Node
    second: _Node


_Order = tuple[tuple[str, "_Order | None"], ...]
_QUANTITY: _Order = (("quantityElement", (("epcClass", None), ("quantity", None), ("uom", None))),)
_EPCS: _Order = (("epc", None),)
_SENSOR_METADATA: _Order = tuple(
    (name, None) for name in ("time", "startTime", "endTime", *_SENSOR_IRIS, "bizRules")
)
_SENSOR_REPORT: _Order = tuple(
    (name, None)
    for name in (
        "type",
        "exception",
        *_SENSOR_IRIS,
        "time",
        "microorganism",
        "chemicalSubstance",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "minValue",
        "maxValue",
        "meanValue",
        "sDev",
        "percRank",
        "percValue",
        "uom",
        "coordinateReferenceSystem",
    )
)
# The canonical property order. The README puts epcList before parentID and certificationInfo
# nowhere; the reference writes them as here. bizTransactionList, sourceList and
# destinationList have places between bizLocation and sensorElementList that the reference
# never fills: they come with the rest, sorted by name (see _rest).
_ORDER: _Order = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", _EPCS),
    ("inputEPCList", _EPCS),
    ("childEPCs", _EPCS),
    ("quantityList", _QUANTITY),
    ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY),
    ("outputEPCList", _EPCS),
    ("outputQuantityList", _QUANTITY),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    (
        "sensorElementList",
        (
            (
                "sensorElement",
                (("sensorMetadata", _SENSOR_METADATA), ("sensorReport", _SENSOR_REPORT)),
            ),
        ),
    ),
)


# --- public interface --------------------------------------------------------------------------


def prehash(event: Mapping[str, Any], *, namespaces: Mapping[str, str] | None = None) -> str:
    """The pre-hash string of one EPCIS 2.0 JSON-LD event, as a document of its own.

    ``namespaces`` are the prefixes the document's @context declares inline (prefix -> IRI);
    extension keys and values with other prefixes are hashed as written, as the reference does.
    """
    if not isinstance(event, Mapping):
        raise EventHashError("(event)", "an event is a JSON object")
    declared = dict(namespaces or {})
    return _prehash(_read_bare_words(event, _vocabulary_iris([event], declared)), declared, ())


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
    iris = _vocabulary_iris(events, declared)
    return [_prehash(_read_bare_words(event, iris), declared, ignored) for event in events]


def document_hashes(document: Mapping[str, Any]) -> list[str]:
    """The CBV 2.0 event hash ID of every event of an EPCIS 2.0 JSON-LD document."""
    return [hash_id(text) for text in document_prehashes(document)]


def hash_id(prehash_string: str) -> str:
    """A pre-hash string as an RFC 6920 ``ni`` URI with the CBV version."""
    digest = hashlib.sha256(prehash_string.encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"


# --- the document's prefixes and vocabulary -----------------------------------------------------


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


class _Context(NamedTuple):
    terms: frozenset[str]  # defined at top level
    scopes: dict[str, frozenset[str]]  # added inside a property ("a/b": b within a)
    vocabularies: dict[str, tuple[str, frozenset[str]]]  # field -> (namespace, words)


@cache
def _context() -> _Context:
    """What passport/epcis_hash needs of the EPCIS 2.0 context (schemas/epcis-vocabulary.json)."""
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
    vocabulary = _VOCABULARY_FIELDS.get(path)
    if vocabulary is not None:
        namespace, words = _context().vocabularies[vocabulary]
        if value in words:
            return namespace + value
    elif path[-1:] != ("type",) and path not in _IRI_FIELDS:
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


def _vocabulary_iris(
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
    events expand to exactly one of them (rule 1 of the module docstring).
    """
    return sorted(iri for iri in iris if iri.endswith(("-" + value, "/" + value)))


def _read_bare_words(value: Any, iris: frozenset[str]) -> Any:
    if isinstance(value, str):
        matches = bare_word_matches(value, iris)
        return matches[0] if len(matches) == 1 else value
    if isinstance(value, list):
        return [_read_bare_words(item, iris) for item in value]
    if isinstance(value, Mapping):
        return {key: _read_bare_words(item, iris) for key, item in value.items()}
    return value


# --- refusals ----------------------------------------------------------------------------------


def _pointer(path: Sequence[str | int]) -> str:
    return "/".join(str(part) for part in path) or "(event)"


def _check(event: Mapping[str, Any], ignored: Sequence[str]) -> None:
    """Refuse what the reference would hash differently from here, or not at all."""
    if not isinstance(event.get("type"), str):
        raise EventHashError("type", "an event needs its type (ObjectEvent, ...) as a string")
    if "@context" in event:
        raise EventHashError(
            "@context", "an event-level @context is not read by the reference generator"
        )
    for key, value in event.items():
        if key in _NOT_HASHED or key in ignored or key in _DROPPED:
            continue
        _check_value(value, [key], (key,))


def _check_value(value: Any, path: list[str | int], keys: tuple[str, ...]) -> None:
    where = _pointer(path)
    if isinstance(value, bool) or value is None:
        # JSON true reads as Python's "True" in the reference, while the same event in XML
        # hashes "true": no answer is the reference's, so none is given.
        raise EventHashError(where, "true, false and null have no agreed form in the event hash")
    if isinstance(value, float | int) and not math.isfinite(value):
        raise EventHashError(where, "a number must be finite")
    if isinstance(value, str):
        if keys in _TIME_FIELDS:
            _timestamp(value, where)
        else:
            _check_number(value.strip(), where)
        return
    if isinstance(value, int | float):
        if keys in _TIME_FIELDS:
            raise EventHashError(where, "a time must be an RFC 3339 string")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            if keys[-1] == "childEPCs" and not isinstance(item, str):
                raise EventHashError(_pointer([*path, index]), "childEPCs holds EPC strings")
            if keys[-1] in _PAIR_LISTS:
                _check_pair(item, [*path, index])
            _check_value(item, [*path, index], keys)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "#text" or key.startswith("@xmlns"):
                raise EventHashError(_pointer([*path, key]), "XML mapping keys are not JSON-LD")
            if key == "type" and not isinstance(item, str):
                raise EventHashError(_pointer([*path, key]), "a type must be a string")
            if key in _DROPPED:
                continue
            _check_value(item, [*path, key], (*keys, key))
        if keys[-1] in _PAIR_LISTS:
            _check_pair(value, path)


def _check_pair(item: Any, path: list[str | int]) -> None:
    """The reference reads a transaction, source or destination as its first two keys."""
    kept = [key for key in item if key not in _DROPPED] if isinstance(item, Mapping) else []
    if len(kept) != 2:
        raise EventHashError(
            _pointer(path),
            "must hold exactly a type and its value: the reference generator reads the first "
            "two keys only (and fails with fewer)",
        )


def _check_number(text: str, where: str) -> None:
    try:
        number = float(text)
    except ValueError:
        return
    if math.isinf(number):
        raise EventHashError(where, f"{text!r} reads as an infinite number")


def _timestamp(text: str, where: str) -> str:
    """A standard time field in UTC with milliseconds, rounded as Python's round() does."""
    found = _RFC3339.fullmatch(text.strip())
    if found is None:
        raise EventHashError(where, f"{text!r} is not an RFC 3339 date-time with a UTC offset")
    year, month, day, hour, minute, second, fraction, offset = found.groups()
    try:
        if offset in ("Z", "z"):
            zone = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "")[:6].ljust(6, "0")),  # microseconds, further digits dropped
            tzinfo=zone,
        ).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise EventHashError(where, f"{text!r} is not a valid time: {error}") from None
    milliseconds, rest = divmod(moment.microsecond, 1000)
    if rest > 500 or (rest == 500 and milliseconds % 2 == 1):
        milliseconds += 1
    if milliseconds == 1000:
        # The reference fails on this (it would need a carry into the seconds).
        raise EventHashError(where, f"{text!r} rounds up to a full second")
    return (
        moment.replace(microsecond=milliseconds * 1000).isoformat(timespec="milliseconds")[:-6]
        + "Z"
    )


# --- the pre-hash ------------------------------------------------------------------------------


def _prehash(event: Mapping[str, Any], declared: Mapping[str, str], ignored: Sequence[str]) -> str:
    _check(event, ignored)
    root = _corrected(_element(event, declared, frozenset(ignored)))
    ordered = _ordered(root.children, _ORDER)
    return f"eventType={root.name}{ordered}{_rest(root.children)}"


def _prefixed(name: str, declared: Mapping[str, str], *, braces: bool) -> str:
    prefix, colon, rest = name.partition(":")
    if colon and prefix in declared:
        return ("{" + declared[prefix] + "}" if braces else declared[prefix]) + rest
    return name


def _element(
    value: Any, declared: Mapping[str, str], ignored: frozenset[str] = frozenset()
) -> _Node:
    """Rule 2: JSON as elements, each object's and list's children sorted as tuples."""
    if isinstance(value, list):
        items = [_element(item, declared) for item in value]
        if not any(key in value for key in _KEEP_ORDER):
            items.sort()
        return _Node("", "", items)
    if isinstance(value, Mapping):
        children: list[Any] = []
        for key, item in value.items():
            if key in _DROPPED or key in ignored:
                continue
            child = _element(item, declared)
            name = _prefixed(key, declared, braces=True)
            if isinstance(item, list):
                children.extend(_Node(name, c.text, c.children) for c in child.children)
            else:
                children.append(_Node(name, child.text, child.children))
        if not any(key in value for key in _KEEP_ORDER):
            children.sort()
        return _Node(str(value.get("type", "")), "", children)
    if isinstance(value, str):
        return _Node("", _prefixed(value, declared, braces=False), [])
    return _Node("", str(value), [])


def _corrected(node: _Node) -> _Node:
    """Rule 2's renaming: lists lose their suffix, quantities become quantityElement."""
    children = list(node.children)
    lists: dict[str, list[_Node]] = {}
    for child in [c for c in children if c.name.endswith("List")]:
        lists.setdefault(child.name, []).append(_Node(child.name[:-4], child.text, child.children))
        children.remove(child)
    for name, items in lists.items():
        if name in _PAIR_LISTS:
            if any(len(item.children) < 2 for item in items):
                raise EventHashError(name, "each entry needs a type and its value")
            pairs = [_Pair(item.children[0], item.children[1]) for item in items]
            children.append(_Node(name, "", pairs))
        else:
            children.append(_Node(name, "", items))
    epcs = [_Node("epc", c.text, []) for c in children if c.name == "childEPCs"]
    if epcs:
        children = [c for c in children if c.name != "childEPCs"]
        children.append(_Node("childEPCs", "", epcs))
    children = [c if c.name in _PAIR_LISTS else _corrected(c) for c in children]
    name = node.name
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (
        name == "quantity" and children
    ):
        name = "quantityElement"
    return _Node(name, node.text, children)


def _ordered(children: list[Any], order: _Order) -> str:
    """Rule 3: the fields of ``order`` from ``children``, consuming what is written."""
    extensions = _nested_extensions(children)
    written: list[str] = []
    for name, inner in order:
        values: list[str] = []
        for child in [c for c in children if c.name == name]:
            text = _field(child, inner)
            if text:
                values.append(text)
            if not child.children:
                _remove(children, child)
        written.extend(sorted(values))
    if extensions:
        written.append(_rest_of(extensions))
    return "".join(written)


def _field(node: _Node, inner: _Order | None) -> str:
    nested = _ordered(node.children, inner) if inner else ""
    text = ""
    if node.text:
        text = node.text.strip()
        lowered = node.name.lower()
        if "time" in lowered and "offset" not in lowered:
            text = _timestamp(text, node.name) if text else ""
        else:
            text = _canonical(text, node.name)
        if text:
            text = "=" + text
    return node.name + text + nested if text or nested else ""


def _nested_extensions(children: list[Any]) -> list[_Node]:
    """User extensions inside a standard field, written after its fields.

    As in the reference: only beside another child, never at event level (recognised by a
    child whose name contains "eventTime" or "action"), and only with a namespace ending "/".
    """
    if len(children) <= 1 or any("eventTime" in c.name or "action" in c.name for c in children):
        return []
    found = [c for c in children if "{" in c.name and "/}" in c.name]
    for child in found:
        _remove(children, child)
    return found


def _remove(children: list[Any], child: _Node) -> None:
    for index, candidate in enumerate(children):
        if candidate is child:
            del children[index]
            return


def _rest(children: Sequence[Any]) -> str:
    """Rule 4: what the canonical order left, minus what the hash leaves out."""
    return _rest_of([c for c in children if c.name not in _NOT_HASHED])


def _rest_of(children: Sequence[Any]) -> str:
    values: list[str] = []
    for child in children:
        if isinstance(child, _Pair):
            values.append(_rest_of([child.first, child.second]))
            continue
        text = child.text.strip()
        if text:
            text = "=" + _canonical(text, child.name)
        values.append(child.name + text + _rest_of(child.children))
    keep_order = any(isinstance(c, _Node) and c.name in _KEEP_ORDER for c in children)
    if len(children) > 1 and not keep_order:
        values.sort()
    return "".join(values)


def _canonical(text: str, where: str) -> str:
    """Rules 5, 6, 14, 17 and 18: one value in its canonical form."""
    for urn, web in _URN_VOCABULARY:
        text = text.replace(urn, web)
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if math.isinf(number):
            raise EventHashError(where, f"{text!r} reads as an infinite number")
        if not math.isnan(number):
            text = str(int(number)) if int(number) == number else str(number)
    return constrained_digital_link(text) or text
