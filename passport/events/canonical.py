"""Rules 2 to 4 of the event hash: one event, its bare words read, as a pre-hash string.

2. **Elements.** Every key becomes an element (``prefix:name`` becomes ``{namespace}name`` when
   the document's @context declares the prefix), every list item an element of the list's
   key, ``…List`` keys lose their suffix, ``childEPCs`` items become ``epc``,
   ``inputQuantity``/``outputQuantity``/``childQuantity`` become ``quantityElement``.
   ``rdfs:comment`` and ``comment`` are dropped at every level.
3. **Canonical order.** The standard fields are written in the order of
   ``passport.events.hash_fields.ORDER`` as ``name=value`` without separators, repeated
   elements sorted; user extensions inside ``readPoint``, ``sensorMetadata`` etc. follow their
   parent's fields. Values are written as ``passport.events.hash_values`` says.
4. **Everything else** -- ``bizTransactionList``, ``sourceList``, ``destinationList`` (whose
   canonical place the reference never fills), ``ilmd``, user extensions and whatever a
   standard field left unread -- follows, each as ``name=value`` plus its children, sorted.
   ``recordTime``, ``eventID`` and ``errorDeclaration`` are left out. A transaction, source
   or destination keeps the key order of the JSON object: written type first, as everybody
   does, it hashes as the README says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from passport.events.hash_checks import check
from passport.events.hash_fields import (
    DROPPED,
    KEEP_ORDER,
    NOT_HASHED,
    ORDER,
    PAIR_LISTS,
    Order,
)
from passport.events.hash_values import EventHashError, canonical_value, timestamp


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


def canonical_prehash(
    event: Mapping[str, Any], declared: Mapping[str, str], ignored: Sequence[str]
) -> str:
    """The pre-hash string of ``event``, whose bare words are already read (rule 1).

    ``declared`` are the document's inline prefixes, ``ignored`` event keys left out; what the
    reference would hash otherwise is refused first (``passport.events.hash_checks``).
    """
    check(event, ignored)
    root = _corrected(_element(event, declared, frozenset(ignored)))
    ordered = _ordered(root.children, ORDER)
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
        if not any(key in value for key in KEEP_ORDER):
            items.sort()
        return _Node("", "", items)
    if isinstance(value, Mapping):
        children: list[Any] = []
        for key, item in value.items():
            if key in DROPPED or key in ignored:
                continue
            child = _element(item, declared)
            name = _prefixed(key, declared, braces=True)
            if isinstance(item, list):
                children.extend(_Node(name, c.text, c.children) for c in child.children)
            else:
                children.append(_Node(name, child.text, child.children))
        if not any(key in value for key in KEEP_ORDER):
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
        if name in PAIR_LISTS:
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
    children = [c if c.name in PAIR_LISTS else _corrected(c) for c in children]
    name = node.name
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (
        name == "quantity" and children
    ):
        name = "quantityElement"
    return _Node(name, node.text, children)


def _ordered(children: list[Any], order: Order) -> str:
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


def _field(node: _Node, inner: Order | None) -> str:
    nested = _ordered(node.children, inner) if inner else ""
    text = ""
    if node.text:
        text = node.text.strip()
        lowered = node.name.lower()
        if "time" in lowered and "offset" not in lowered:
            text = timestamp(text, node.name) if text else ""
        else:
            text = canonical_value(text, node.name)
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
    return _rest_of([c for c in children if c.name not in NOT_HASHED])


def _rest_of(children: Sequence[Any]) -> str:
    values: list[str] = []
    for child in children:
        if isinstance(child, _Pair):
            values.append(_rest_of([child.first, child.second]))
            continue
        text = child.text.strip()
        if text:
            text = "=" + canonical_value(text, child.name)
        values.append(child.name + text + _rest_of(child.children))
    keep_order = any(isinstance(c, _Node) and c.name in KEEP_ORDER for c in children)
    if len(children) > 1 and not keep_order:
        values.sort()
    return "".join(values)
