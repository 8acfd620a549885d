"""redact(): what a tier may not see is removed, nested objects and arrays included; pure."""

from __future__ import annotations

import copy

import pytest

from passport.disclosure.redaction import Restriction, hidden, pointer_steps, present, redact
from passport.disclosure.redaction import withheld as withheld_from
from passport.disclosure.tiers import NAMES, ORDER, Tier

DOC = {
    "product": {
        "name": "Kettle",
        "characteristics": {"recipe": "secret", "colour": "red"},
        "parts": [
            {"name": "lid", "supplier": "A", "cost": 3},
            {"name": "base", "supplier": "B"},
        ],
    },
    "a/b": {"c~d": 1},
    "list": [1, 2, 3],
}
LI = Tier.LEGITIMATE_INTEREST


def test_the_tiers_are_ordered_each_seeing_what_the_ones_before_see() -> None:
    assert NAMES == ("public", "legitimate-interest", "authority", "issuer")
    for reader in ORDER:
        for needed in ORDER:
            assert reader.sees(needed) == (ORDER.index(reader) >= ORDER.index(needed))


def test_a_nested_property_is_removed_below_its_tier_and_kept_at_or_above() -> None:
    rule = [Restriction("/product/characteristics/recipe", LI)]
    public = redact(DOC, Tier.PUBLIC, rule)
    assert public["product"]["characteristics"] == {"colour": "red"}
    for tier in (LI, Tier.AUTHORITY, Tier.ISSUER):
        assert redact(DOC, tier, rule) == DOC


def test_a_wildcard_reaches_every_array_item_and_missing_keys_are_fine() -> None:
    rule = [Restriction("/product/parts/*/supplier", Tier.AUTHORITY)]
    seen = redact(DOC, LI, rule)
    assert seen["product"]["parts"] == [{"name": "lid", "cost": 3}, {"name": "base"}]
    only_cost = redact(DOC, LI, [Restriction("/product/parts/*/cost", Tier.ISSUER)])
    assert only_cost["product"]["parts"][1] == {"name": "base", "supplier": "B"}


def test_whole_arrays_items_by_index_and_wildcard_items() -> None:
    assert "parts" not in redact(DOC, Tier.PUBLIC, [Restriction("/product/parts", LI)])["product"]
    assert redact(DOC, Tier.PUBLIC, [Restriction("/list/1", LI)])["list"] == [1, 3]
    assert redact(DOC, Tier.PUBLIC, [Restriction("/list/*", LI)])["list"] == []
    assert redact(DOC, Tier.PUBLIC, [Restriction("/list/9", LI)])["list"] == [1, 2, 3]


def test_escaped_pointer_steps() -> None:
    assert pointer_steps("/a~1b/c~0d") == ["a/b", "c~d"]
    assert redact(DOC, Tier.PUBLIC, [Restriction("/a~1b/c~0d", LI)])["a/b"] == {}
    with pytest.raises(ValueError):
        pointer_steps("product/name")


def test_redaction_is_pure_and_paths_that_point_nowhere_remove_nothing() -> None:
    before = copy.deepcopy(DOC)
    rules = [Restriction("/product/parts/*/supplier", LI), Restriction("/nothing/here", LI)]
    redact(DOC, Tier.PUBLIC, rules)
    assert DOC == before
    assert redact(DOC, Tier.PUBLIC, [Restriction("/product/name/deeper", LI)]) == DOC


def test_what_is_hidden_and_what_is_withheld() -> None:
    rules = [Restriction("/product/parts/*/cost", LI), Restriction("/nothing", Tier.ISSUER)]
    assert hidden(LI, rules) == [rules[1]]
    assert withheld_from(DOC, Tier.PUBLIC, rules) == [rules[0]]
    assert present(DOC, ["product", "parts", "*", "cost"])
    assert not present(DOC, ["product", "parts", "1", "cost"])
