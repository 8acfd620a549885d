"""Which AIs may stand together: key qualifiers and their order, data attributes, req= and ex=.

A Digital Link path is a primary key and key qualifiers in an order its ``dlpkey`` allows;
other AIs are data attributes in the query string, if the dictionary flags them "?". Every
element string must meet the dictionary's mandatory associations (``req=``) and avoid its
invalid pairs (``ex=``), plus the syntax engine's digital-signature rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from passport.errors import InvalidIdentifier
from passport.gs1.dictionary import entry, label, name


def _is_ordered_subset(ais: Sequence[str], sequence: Sequence[str]) -> bool:
    remaining = iter(sequence)
    return all(ai in remaining for ai in ais)


def _qualifier_alternatives(primary_key: str) -> tuple[tuple[str, ...], ...]:
    return entry(primary_key).dl_qualifiers or ((),)


def _is_key_qualifier_sequence(primary_key: str, qualifiers: Sequence[str]) -> bool:
    return any(
        _is_ordered_subset(qualifiers, alternative)
        for alternative in _qualifier_alternatives(primary_key)
    )


def _describe_alternatives(alternatives: tuple[tuple[str, ...], ...]) -> str:
    described = [
        " -> ".join(alternative) + (" (any of them, in this order)" if len(alternative) > 1 else "")
        for alternative in alternatives
        if alternative
    ]
    return " or ".join(described)


def check_qualifiers(primary_key: str, qualifiers: Sequence[str]) -> None:
    """Key qualifiers of ``primary_key`` in the path, in an order its ``dlpkey`` allows."""
    if _is_key_qualifier_sequence(primary_key, qualifiers):
        return
    alternatives = _qualifier_alternatives(primary_key)
    allowed = {ai for alternative in alternatives for ai in alternative}
    for ai in qualifiers:
        if ai in allowed:
            continue
        hint = (
            f"; as a data attribute it belongs in the query string (?{ai}=...)"
            if entry(ai).data_attribute
            else ""
        )
        if not allowed:
            raise InvalidIdentifier(
                f"{label(ai)} cannot follow {label(primary_key)} in the path: "
                f"{primary_key} takes no key qualifiers{hint}"
            )
        raise InvalidIdentifier(
            f"{label(ai)} is not a key qualifier of {label(primary_key)}: after "
            f"/{primary_key}/ the path may carry {_describe_alternatives(alternatives)}{hint}"
        )
    check_duplicates([primary_key, *qualifiers])
    for alternative in alternatives:
        if not all(ai in alternative for ai in qualifiers):
            continue
        for index, earlier in enumerate(qualifiers):
            for later in qualifiers[index + 1 :]:
                if alternative.index(earlier) > alternative.index(later):
                    raise InvalidIdentifier(
                        f"qualifier {earlier} must come after {later}: after /{primary_key}/ "
                        f"the order is {' -> '.join(alternative)}"
                    )
    raise InvalidIdentifier(
        f"qualifiers {', '.join(qualifiers)} cannot be combined after /{primary_key}/: use "
        f"{_describe_alternatives(alternatives)}"
    )


def check_duplicates(ais: Sequence[str]) -> None:
    """Each AI at most once."""
    seen: set[str] = set()
    for ai in ais:
        if ai in seen:
            raise InvalidIdentifier(f"duplicate AI {ai} ({name(ai)}): each AI may appear once")
        seen.add(ai)


def check_attribute_placement(primary_key: str, qualifiers: Sequence[str], ai: str) -> None:
    """``ai`` may be a data attribute (in the query string) of this key path."""
    ai_entry = entry(ai, "in the query string")
    # As the syntax engine does: an AI that would form a valid key-qualifier sequence at
    # some position of the path must be written there, never in the query.
    for position in range(len(qualifiers) + 1):
        trial = [*qualifiers[:position], ai, *qualifiers[position:]]
        if _is_key_qualifier_sequence(primary_key, trial):
            raise InvalidIdentifier(
                f"{label(ai)} is a key qualifier of {label(primary_key)} and must be in the "
                f"path (/{primary_key}/.../{ai}/...), not in the query string"
            )
    if not ai_entry.data_attribute:
        raise InvalidIdentifier(
            f"{label(ai)} is not allowed as a data attribute in the query string of a GS1 "
            "Digital Link URI"
        )


def _matches(pattern: str, ai: str) -> bool:
    """Dictionary AI patterns use "n" for any digit, e.g. "310n" or "31nn"."""
    return len(pattern) == len(ai) and all(p in ("n", a) for p, a in zip(pattern, ai, strict=True))


def _present(pattern: str, ais: Sequence[str], ai: str) -> bool:
    # As the syntax engine's existsInAIdata: an AI never satisfies or breaks its own rule.
    return any(other != ai and _matches(pattern, other) for other in ais)


def check_associations(ais: Sequence[str], values: dict[str, str] | None = None) -> None:
    """The dictionary's ``req=`` (mandatory associations) and ``ex=`` (invalid pairs)."""
    _check_pairs(tuple(ais))
    if values is not None and _DIGITAL_SIGNATURE in values:
        for key in _SERIALISED_KEYS:
            if key in values and len(values[key]) == entry(key).min_length:
                raise InvalidIdentifier(
                    f"{label(_DIGITAL_SIGNATURE)} signs a serialised item: {label(key)} "
                    "needs its serial component"
                )


@lru_cache(maxsize=1024)  # a batch repeats its set of AIs: check it once (errors are not cached)
def _check_pairs(ais: tuple[str, ...]) -> None:
    for ai in ais:
        ai_entry = entry(ai)
        for pattern in ai_entry.excludes:
            for other in ais:
                if other != ai and _matches(pattern, other):
                    raise InvalidIdentifier(
                        f"{label(ai)} cannot be combined with {label(other)} (invalid AI "
                        f"pair: the GS1 syntax dictionary says ex={','.join(ai_entry.excludes)} "
                        f"for AI {ai})"
                    )
        for alternatives in ai_entry.requires:
            if not any(all(_present(p, ais, ai) for p in group) for group in alternatives):
                needed = [" with ".join(group) for group in alternatives]
                choice = (
                    needed[0] if len(needed) == 1 else (f"{', '.join(needed[:-1])} or {needed[-1]}")
                )
                raise InvalidIdentifier(
                    f"{label(ai)} requires AI {choice} in the same GS1 Digital Link URI "
                    f"(mandatory association req={','.join('+'.join(g) for g in alternatives)})"
                )


# The one association the dictionary cannot express: a digital signature (AI 8030) needs the
# serial component of a key whose serial is optional (gs1-syntax-engine ai.c,
# validateDigSigRequiresSerialisedKey, enabled and locked by default).
_DIGITAL_SIGNATURE = "8030"
_SERIALISED_KEYS = ("253", "255", "8003")


def check_key_path(ais: Sequence[str]) -> None:
    """Check that ``ais`` is a primary key and key qualifiers in an order of its ``dlpkey``."""
    if not ais or entry(ais[0]).dl_qualifiers is None:
        first = ais[0] if ais else "(none)"
        raise InvalidIdentifier(
            f"AI {first} is not a GS1 Digital Link primary key (no dlpkey in the GS1 Barcode "
            "Syntax Dictionary)"
        )
    for ai in ais[1:]:
        entry(ai, "in the path")
    check_qualifiers(ais[0], ais[1:])


def check_ai_combination(elements: Sequence[tuple[str, str]]) -> None:
    """Check AI/value pairs against the dictionary's ``req=`` and ``ex=`` attributes.

    Also applies the digital-signature rule of the syntax engine. Values are not checked
    here (see ``validate_ai_value``), nor are repeats: a Digital Link forbids every duplicate.
    """
    for ai, _ in elements:
        entry(ai)
    check_associations([ai for ai, _ in elements], dict(elements))
