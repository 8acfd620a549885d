"""Hypothesis strategies for passport documents within the registry's rules (tests only).

Names and descriptions of arbitrary unicode with markup, script and bidi controls, and
characteristics of nested objects, arrays, numbers and strings up to the documented depth.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from passport.documents import MAX_DOCUMENT_DEPTH

# The characteristics object is level 3 (passport, product, characteristics): inside it,
# values may nest MAX_DOCUMENT_DEPTH - 3 levels more.
ROOM = MAX_DOCUMENT_DEPTH - 3
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "]]><!--",
    "{{7*7}}${7*7}",
    "\u202eevil\u202c",
    '=HYPERLINK("x")',
    "@prefix x: <y> .",
    '"""\\n',
    "\\u0000",
    "<",
]
characters = st.characters(codec="utf-8", exclude_characters="\x00")
text = st.one_of(st.text(characters, max_size=40), st.sampled_from(MARKUP))
# Any key but a JSON-LD keyword or blank node id (refused: UNTP 0.7.0's context reads
# characteristics as a node)
key = st.one_of(
    st.text(characters, min_size=1, max_size=10).filter(lambda k: not k.startswith(("@", "_:"))),
    st.sampled_from(["id", "a:b", "x@id", "_b0"]),
)
number = st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), st.floats(-(2**53) + 1, 2**53 - 1))
leaf = st.one_of(st.none(), st.booleans(), number, text)
tree = st.recursive(
    leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(key, inner, max_size=3)),
    max_leaves=12,
)


def nest(depth: int, value: Any) -> Any:
    for n in range(depth):
        value = [value] if n % 2 else {"k": value}
    return value


characteristics = st.builds(
    lambda free, depth, value: (
        {k: v for k, v in free.items() if k != "type"} | {"deep": nest(depth, value)}
    ),
    st.dictionaries(key, tree, max_size=4),
    st.integers(0, ROOM),
    leaf,
)
