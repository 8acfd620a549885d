"""The restrictions declared on the schema: every property annotated ``x-kreislauf-access``.

A restricted property is declared once, on its schema in ``schemas/`` (the passport schema,
following ``$ref`` into its ``$defs`` and into other schemas there), and this collector turns
the annotations into :class:`Restriction` paths from the document's root, ``*`` for array
items. The registry reads them once per process.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import Any

from passport.disclosure.redaction import Restriction
from passport.disclosure.tiers import ACCESS_KEYWORD, NAMES, Tier
from passport.documents import SUBJECT_SCHEMA, load_schema

_SUBSCHEMAS = ("allOf", "anyOf", "oneOf", "then", "else")


@cache
def schema_restrictions(name: str = SUBJECT_SCHEMA) -> tuple[Restriction, ...]:
    """Every restricted property of a registry schema, in document order, each path once."""
    seen: dict[str, Restriction] = {}
    for restriction in collect(load_schema(name), name):
        seen.setdefault(restriction.path, restriction)
    return tuple(seen.values())


def collect(schema: dict[str, Any], name: str) -> Iterator[Restriction]:
    """Walk ``schema`` (the file ``name`` in ``schemas/``) and yield its annotated properties."""
    yield from _walk(schema, name, schema, "", frozenset())


def _walk(
    node: Any, name: str, root: dict[str, Any], path: str, stack: frozenset[tuple[str, str]]
) -> Iterator[Restriction]:
    if not isinstance(node, dict):
        return
    if path and ACCESS_KEYWORD in node:
        tier = node[ACCESS_KEYWORD]
        if tier not in NAMES:
            raise ValueError(f"{name}: {ACCESS_KEYWORD} {tier!r} at {path} is not a tier")
        if tier != Tier.PUBLIC:
            yield Restriction(path, Tier(tier))
    ref = node.get("$ref")
    if isinstance(ref, str):
        target_name, target_root, target, key = _resolve(ref, name, root)
        if key not in stack:
            yield from _walk(target, target_name, target_root, path, stack | {key})
    for name_, sub in node.get("properties", {}).items():
        step = name_.replace("~", "~0").replace("/", "~1")
        yield from _walk(sub, name, root, f"{path}/{step}", stack)
    items = node.get("items")
    if isinstance(items, dict):
        yield from _walk(items, name, root, f"{path}/*", stack)
    for keyword in _SUBSCHEMAS:
        subs = node.get(keyword)
        for sub in subs if isinstance(subs, list) else [subs] if subs else []:
            yield from _walk(sub, name, root, path, stack)


def _resolve(
    ref: str, name: str, root: dict[str, Any]
) -> tuple[str, dict[str, Any], Any, tuple[str, str]]:
    """The schema a ``$ref`` points at: (its file, that file's root, the node, a cycle key)."""
    where, _, fragment = ref.partition("#")
    if where:
        if where.startswith(("http://", "https://")):
            target_name = _by_id().get(where.rstrip("#"))
            if target_name is None:
                raise ValueError(f"{name}: $ref {ref} names no schema in schemas/")
        else:
            target_name = posixpath.normpath(posixpath.join(posixpath.dirname(name), where))
        name, root = target_name, load_schema(target_name)
    node: Any = root
    for step in fragment.split("/")[1:] if fragment else []:
        node = node[step.replace("~1", "/").replace("~0", "~")]
    return name, root, node, (name, fragment)


@cache
def _by_id() -> dict[str, str]:
    """Each JSON Schema in ``schemas/`` by its ``$id``."""
    found: dict[str, str] = {}
    base = files("schemas")

    def visit(folder: Any, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                visit(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".json"):
                try:
                    data = json.loads(entry.read_text(encoding="utf-8"))
                except (ValueError, UnicodeDecodeError):
                    continue
                if isinstance(data, dict) and isinstance(data.get("$id"), str):
                    found[data["$id"].rstrip("#")] = prefix + entry.name

    visit(base, "")
    return found
