"""The GS1 character sets: which characters an AI value of each kind may hold."""

from __future__ import annotations

import string

# GS1 General Specifications, figure 7.11-1: the order is the value used by csumalpha.
CSET_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CSET_39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CSET_32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BASE64URL = string.ascii_letters + string.digits + "-_"
# The character sets of the dictionary's components, by their letter: allowed, described.
CHARSETS: dict[str, tuple[frozenset[str], str]] = {
    "N": (frozenset(string.digits), "digits"),
    "X": (frozenset(CSET_82), "characters from GS1 character set 82"),
    "Y": (frozenset(CSET_39), "characters from GS1 character set 39"),
    # CSET 64 is base64url with "=" padding (AI 8030, digital signature).
    "Z": (frozenset(BASE64URL + "="), "characters from GS1 character set 64"),
}


def is_digits(value: str) -> bool:
    """ASCII digits only, at least one."""
    # str.isdigit alone accepts "²" and other Unicode digits.
    return value.isascii() and value.isdigit()
