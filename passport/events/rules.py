"""Who may record which event on a product, and when the product can take one.

The issuer may record anything on its own products; others by role (the roles of each type in
``passport.events.catalogue``). After a terminal status only corrections can be recorded, and
no event can happen before the product was commissioned. Whether a correction comes from the
organisation that recorded the corrected event is the history's to check
(``passport.events.history``).
"""

from __future__ import annotations

from datetime import datetime

from passport.errors import Conflict, FieldError, Forbidden, InvalidDocument
from passport.events.catalogue import EVENT_TYPES, EventType
from passport.events.parsing import NewEvent
from passport.events.status import TERMINAL
from passport.events.times import as_utc, utc_text
from passport.roles import ROLES

# The registry's own organisation (passport.transfers) records one thing only: a handover
# between private holders confirmed with a transfer code, where no organisation took part.
# It has no API keys and no users, so nobody can record anything else in its name.
REGISTRY_ROLE = "registry"


def may_record(event_type: str, role: str, *, is_issuer: bool) -> bool:
    """Whether an organisation of ``role`` may record this type of event on a product.

    The issuer may record anything on its own products. Others by role: repairers repair,
    maintain, replace parts and measure on any product; refurbishers also refurbish, resell
    and repurpose; remanufacturers also disassemble, remanufacture and repurpose; recyclers
    measure, repurpose, collect, disassemble, recycle and destroy; authorities recall. Another
    manufacturer records nothing on a product it did not issue. Anyone may file a correction
    here: the history layer accepts it only from the organisation that recorded the corrected
    event.
    """
    kind = EVENT_TYPES.get(event_type)
    if role == REGISTRY_ROLE:
        return event_type == "resale"
    if kind is None or role not in ROLES:
        return False
    return is_issuer or role in kind.roles


def _who_may(kind: EventType) -> str:
    if not kind.roles:
        return "only the product's issuer may"
    plural = [f"{role}s" for role in ROLES if role in kind.roles]
    listed = plural[0] if len(plural) == 1 else ", ".join(plural[:-1]) + " and " + plural[-1]
    return f"only the product's issuer and {listed} may"


def check_allowed(
    event: NewEvent,
    *,
    role: str,
    is_issuer: bool,
    life_status: str,
    commissioned_at: datetime,
) -> None:
    """Raise when this organisation may not record ``event`` on the product as it stands now."""
    kind = EVENT_TYPES[event.type]
    if not may_record(event.type, role, is_issuer=is_issuer):
        raise Forbidden(
            f"A {role} cannot record a '{event.type}' event on another organisation's product: "
            f"{_who_may(kind)}."
        )
    if life_status in TERMINAL and event.type != "correction":
        raise Conflict(
            f"The product's life has ended ({life_status}); only corrections can be recorded "
            "now. If that was a mistake, its recorder can correct it."
        )
    start = as_utc(commissioned_at)
    if event.event_time < start:
        raise InvalidDocument(
            "The event has 1 problem",
            [
                FieldError(
                    "/eventTime",
                    "'eventTime' is before the product was commissioned "
                    f"({utc_text(start, 'seconds')})",
                )
            ],
        )
