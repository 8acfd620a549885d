"""The four access tiers (ESPR Art. 9(2)(f)), in order: each sees what the tiers before it see."""

from __future__ import annotations

from enum import StrEnum

from passport.permissions import roles_for as _holders


class Tier(StrEnum):
    """Who a reader is to a passport; a later tier sees everything an earlier one sees."""

    PUBLIC = "public"
    LEGITIMATE_INTEREST = "legitimate-interest"
    AUTHORITY = "authority"
    ISSUER = "issuer"

    @property
    def rank(self) -> int:
        return ORDER.index(self)

    def sees(self, needed: Tier) -> bool:
        """Whether a reader of this tier may see what ``needed`` restricts."""
        return self.rank >= needed.rank


ORDER = (Tier.PUBLIC, Tier.LEGITIMATE_INTEREST, Tier.AUTHORITY, Tier.ISSUER)
NAMES = tuple(t.value for t in ORDER)

ACCESS_KEYWORD = "x-kreislauf-access"
"""The schema annotation that restricts a property: ``"x-kreislauf-access": "<tier>"``."""

# UNTP IDR's accessRole for a link a tier may follow (the roles who hold that tier).
# From the one table (passport.permissions): the roles of a tier are those that may read it
# and not the next one.
ACCESS_ROLES: dict[Tier, tuple[str, ...]] = {
    Tier.PUBLIC: (),
    Tier.LEGITIMATE_INTEREST: tuple(
        r for r in _holders("read.legitimate-interest") if r not in _holders("read.authority")
    ),
    Tier.AUTHORITY: _holders("read.authority"),
    Tier.ISSUER: ("issuer",),
}


def roles_for(needed: Tier) -> tuple[str, ...]:
    """The roles of the readers who may see what ``needed`` restricts (UNTP IDR ``accessRole``)."""
    return tuple(role for tier in ORDER if tier.sees(needed) for role in ACCESS_ROLES[tier])
