"""AI values: does a value fit its AI's format and linters in the GS1 syntax dictionary?"""

from __future__ import annotations

from collections.abc import Callable

from passport.errors import InvalidIdentifier
from passport.gs1.charsets import CHARSETS
from passport.gs1.dictionary import AIEntry, entry, label, subject
from passport.gs1.lint import implemented, lint


def _format_rule(ai_entry: AIEntry) -> str:
    if len(ai_entry.components) != 1:
        return f"in the GS1 format {ai_entry.spec}"
    component = ai_entry.components[0]
    if component.min_length == component.max_length:
        count = f"{component.max_length}"
    else:
        count = f"{component.min_length} to {component.max_length}"
    return f"{count} {CHARSETS[component.charset][1]}"


def _check_characters(
    part: str, charset: str, offset: int, fail: Callable[[str], InvalidIdentifier]
) -> None:
    allowed = CHARSETS[charset][0]
    for index, char in enumerate(part):
        if char not in allowed:
            raise fail(f"{char!r} at position {offset + index + 1} is not allowed")


def check_value(ai: str, value: str, where: str = "") -> None:
    """Check ``value`` against the format and linters of ``ai`` (found ``where``)."""
    ai_entry = entry(ai, where)

    def fail(detail: str) -> InvalidIdentifier:
        return InvalidIdentifier(f"{label(ai)} must be {_format_rule(ai_entry)}: {detail}")

    charsets = {component.charset for component in ai_entry.components}
    if len(charsets) == 1:
        # A stray character says more about what went wrong than the length it causes.
        _check_characters(value, charsets.pop(), 0, fail)
    if not ai_entry.min_length <= len(value) <= ai_entry.max_length:
        raise fail(f"got {len(value)} characters" if value else "it is empty")
    position = 0
    for component in ai_entry.components:
        if position == len(value) and component.optional:
            break
        part = value[position : position + component.max_length]
        if len(part) < component.min_length:
            raise fail(f"got {len(value)} characters")
        _check_characters(part, component.charset, position, fail)
        linters = ("cset64", *component.linters) if component.charset == "Z" else component.linters
        for linter in linters:
            if not implemented(linter):
                continue  # the coupon linters (a test keeps that list complete)
            problem = lint(linter, part)
            if problem is not None:
                raise InvalidIdentifier(f"{subject(ai, value)} {problem}")
        position += len(part)
    if position != len(value):
        raise fail(f"got {len(value)} characters")


def validate_ai_value(ai: str, value: str) -> str:
    """Check ``value`` against the format of ``ai`` in the GS1 Barcode Syntax Dictionary.

    Covers every AI of the dictionary, e.g. 10 (lot), 21 (serial) and 22 (CPV) are X..20 and
    235 (TPX) is X..28, all from GS1 character set 82. Returns ``value`` unchanged.
    """
    check_value(ai, value)
    return value


def validate_gmn(value: str) -> str:
    """Check a GMN (AI 8013): X..25 from CSET 82, a GS1 Company Prefix first, csumalpha last."""
    return validate_ai_value("8013", value)
