"""Who may record which event on a product, and when the product can take one.

The issuer may record anything on its own products; others by role (the rule
``event.<type>`` of the one table, ``passport.permissions``). After a terminal status only
corrections can be recorded, and no event can happen before the product was commissioned.
Whether a correction comes from the organisation that recorded the corrected event is the
history's to check (``passport.events.history``).
"""

from __future__ import annotations

from datetime import datetime

from passport.errors import Conflict, FieldError, Forbidden, InvalidDocument
from passport.events.catalogue import EVENT_TYPES
from passport.events.parsing import NewEvent
from passport.events.status import TERMINAL
from passport.events.times import as_utc, utc_text
from passport.permissions import REGISTRY_ROLE, may, needs

__all__ = ["REGISTRY_ROLE", "check_allowed", "may_record"]


def may_record(event_type: str, role: str, *, is_issuer: bool) -> bool:
    """Whether an organisation of ``role`` may record this type of event on a product: the
    rule ``event.<type>`` of ``passport.permissions``.

    The issuer may record anything on its own products; others by role. The registry's own
    organisation records only resales confirmed with a transfer code (``passport.transfers``).
    Anyone may file a correction here: the history layer accepts it only from the organisation
    that recorded the corrected event.
    """
    if event_type not in EVENT_TYPES:
        return False
    return may(f"event.{event_type}", role, is_issuer=is_issuer)


def check_allowed(
    event: NewEvent,
    *,
    role: str,
    is_issuer: bool,
    life_status: str,
    commissioned_at: datetime,
) -> None:
    """Raise when this organisation may not record ``event`` on the product as it stands now."""
    if not may_record(event.type, role, is_issuer=is_issuer):
        raise Forbidden(
            f"A {role} cannot record a '{event.type}' event on another organisation's product: "
            f"only {needs('event.' + event.type)} may."
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
