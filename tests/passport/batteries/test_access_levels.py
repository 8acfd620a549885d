"""Who may see each battery attribute is declared once, on the registry's battery schema, and
agrees with the official access list (``battery-passport-attribute-access-levels.csv``).

The tiers come from the list's ``access_rights``: public (no annotation), persons with a
legitimate interest (with or without the Commission) and authorities. Every row is mapped by
hand to the property that holds it (``x-batterypass-attributes``); these tests read the
vendored list and check every row against the schema, and the schema against the official
category schemas.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

from passport.batteries.attributes import TIERS, attributes
from passport.batteries.categories import battery_schema, official_schema
from passport.documents import subject_schema

ACCESS = "x-kreislauf-access"
ROWS = "x-batterypass-attributes"
ORDER = ["public", "legitimate-interest", "authority", "issuer"]  # the contract's tiers


def nodes(node: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple, dict]]:
    """Every schema node under ``node`` with its path (``*`` for the items of an array)."""
    yield path, node
    for name, child in node.get("properties", {}).items():
        yield from nodes(child, (*path, name))
    if "items" in node:
        yield from nodes(node["items"], (*path, "*"))


def effective_tier(path: tuple[str, ...]) -> str:
    """The strictest tier declared on ``path`` or around it: what a reader needs to see it."""
    tier, node = "public", battery_schema()
    for step in path:
        node = node["items"] if step == "*" else node["properties"][step]
        declared = node.get(ACCESS, "public")
        tier = max(tier, declared, key=ORDER.index)
    return tier


def rows_on_schema() -> dict[str, list[tuple[str, ...]]]:
    """Each row label ("<#> <attribute>") -> the paths of the properties that hold it."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for path, node in nodes(battery_schema()):
        for label in node.get(ROWS, []):
            found.setdefault(label, []).append(path)
    return found


def unmapped_rows_documented() -> set[int]:
    """The rows that schemas/batterypass/SOURCES.md lists as having no property."""
    text = (files("schemas") / "batterypass" / "SOURCES.md").read_text(encoding="utf-8")
    section = text.split("Rows without a property in BatteryPass 1.2:")[1]
    return {int(m) for m in re.findall(r"^\| (\d+) \|", section, flags=re.M)}


def test_the_list_has_93_attributes_in_four_access_groups() -> None:
    rows = attributes()
    assert [row.number for row in rows] == list(range(1, 94))
    assert Counter(row.access_rights for row in rows) == {
        "Public": 60,
        "persons with a legitimate interest": 27,
        "persons with a legitimate interest and the Commission": 5,
        "Notified bodies, market surveillance authorities and the Commission": 1,
    }
    assert Counter(row.tier for row in rows) == {
        None: 60,
        "legitimate-interest": 32,
        "authority": 1,
    }
    assert set(TIERS.values()) - {None} <= set(ORDER)


def test_every_restricted_attribute_is_annotated_with_its_tier() -> None:
    on_schema = rows_on_schema()
    restricted = [row for row in attributes() if row.tier is not None]
    assert len(restricted) == 33
    for row in restricted:
        assert on_schema.get(row.label), f"row {row.label} is on no property"
        for path in on_schema[row.label]:
            assert effective_tier(path) == row.tier, (row.label, path)


def test_no_public_attribute_is_hidden() -> None:
    on_schema = rows_on_schema()
    for row in attributes():
        if row.tier is None:
            for path in on_schema.get(row.label, []):
                assert effective_tier(path) == "public", (row.label, path)


def test_every_row_is_mapped_or_documented_as_missing_upstream() -> None:
    on_schema = rows_on_schema()
    labels = {row.label for row in attributes()}
    assert set(on_schema) <= labels, "a label that is not a row of the list (typo?)"
    unmapped = {row.number for row in attributes() if row.label not in on_schema}
    assert unmapped == unmapped_rows_documented() == {26}
    assert next(r for r in attributes() if r.number == 26).tier is None


def test_every_annotation_is_a_tier_and_names_the_rows_it_declares() -> None:
    annotated = [(path, node) for path, node in nodes(battery_schema()) if ACCESS in node]
    assert len(annotated) == 27
    tiers = Counter(node[ACCESS] for _, node in annotated)
    assert tiers == {"legitimate-interest": 26, "authority": 1}
    for path, node in annotated:
        assert node.get(ROWS), f"{path}: a tier without the row it comes from"
        # declared once: never repeated inside a property that already has that tier
        assert effective_tier(path[:-1]) != node[ACCESS], path


def test_the_authority_only_attribute_is_the_test_reports() -> None:
    [(path, node)] = [
        (path, node) for path, node in nodes(battery_schema()) if node.get(ACCESS) == "authority"
    ]
    assert path == ("labels", "resultOfTestReport")
    assert node[ROWS] == ["18 Results of test reports proving compliance"]


def _official(category: str, path: tuple[str, ...]) -> dict[str, Any] | None:
    """The official schema node at ``path`` of a category (``$ref`` and ``allOf`` followed)."""
    schema = official_schema(category)

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node or "allOf" in node:
            if "$ref" in node:
                target: Any = schema
                for part in node["$ref"].removeprefix("#/").split("/"):
                    target = target[part]
                node = target
            else:
                merged: dict[str, Any] = {}
                for part in node["allOf"]:
                    for key, value in resolve(part).items():
                        if key == "properties":
                            merged.setdefault("properties", {}).update(value)
                        else:
                            merged.setdefault(key, value)
                node = merged
        return node

    node = resolve(schema)
    for step in path:
        child = node.get("items") if step == "*" else node.get("properties", {}).get(step)
        if child is None:
            return None
        node = resolve(child)
    return node


def test_every_property_named_exists_in_the_official_category_schema() -> None:
    for path, node in nodes(battery_schema()):
        if len(path) >= 1:
            official = _official(path[0], path[1:])
            assert official is not None, f"{'/'.join(path)} is not in BatteryPass 1.2"
            if "items" in node:
                assert official.get("type") == "array", path


def test_the_passport_schema_reaches_the_annotations_through_its_battery_ref() -> None:
    """What the tiers' collector walks: the passport schema's ``battery`` is a ``$ref`` to a
    schema file in ``schemas/``, whose annotated pointers are these."""
    assert subject_schema()["properties"]["battery"]["$ref"] == "battery.schema.json"
    assert battery_schema()["$id"].endswith("/battery.schema.json")
    pointers = {
        "/battery/" + "/".join(path): node[ACCESS]
        for path, node in nodes(battery_schema())
        if ACCESS in node
    }
    assert pointers["/battery/performance/batteryCondition/stateOfCharge"] == (
        "legitimate-interest"
    )
    assert pointers["/battery/materialComposition/batteryMaterials/*/batteryMaterialMass"] == (
        "legitimate-interest"
    )
    assert "/battery/performance/batteryCondition" not in pointers  # row 68 inside is public
