"""A stored passport document as one tier sees it, for the ways out that read a document
without building a credential (search text, ORDS exports): the issuer's marks and the schema's
annotations applied, the marks themselves never shown."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from passport.disclosure.annotations import schema_restrictions
from passport.disclosure.marking import stored_marks
from passport.disclosure.redaction import Restriction, present, redact
from passport.disclosure.tiers import Tier


def stored_view(document: dict[str, Any], tier: Tier) -> dict[str, Any]:
    """``document`` (as stored with a version) without what ``tier`` may not see."""
    subject, marks = stored_marks(document)
    restrictions = [r for r in (*schema_restrictions(), *marks) if not tier.sees(r.tier)]
    hidden = [r for r in restrictions if present(subject, r.steps)]
    return redact(subject, tier, hidden) if hidden else subject


# Measurements recorded with a lifecycle event (state of health, capacity, cycles) are for
# readers with a legitimate interest: in the event's details and in its EPCIS form.
EVENT_RESTRICTIONS = (Restriction("/measurements", Tier.LEGITIMATE_INTEREST),)
EPCIS_RESTRICTIONS = (
    Restriction(
        "/epcisBody/eventList/*/kreislauf:details/kreislauf:measurements",
        Tier.LEGITIMATE_INTEREST,
    ),
    # battery measurements are rendered as EPCIS sensor reports (passport.events.sensors)
    Restriction("/epcisBody/eventList/*/sensorElementList", Tier.LEGITIMATE_INTEREST),
)


def event_details_view(details: dict[str, Any] | None, tier: Tier) -> dict[str, Any] | None:
    """An event's details without what ``tier`` may not see (the hook every event reader uses)."""
    if not details:
        return details
    hidden = [r for r in EVENT_RESTRICTIONS if not tier.sees(r.tier) and present(details, r.steps)]
    return redact(details, tier, hidden) if hidden else details


def epcis_view(document: dict[str, Any], tier: Tier) -> dict[str, Any]:
    """An EPCIS document of a passport's events without what ``tier`` may not see."""
    hidden = [r for r in EPCIS_RESTRICTIONS if not tier.sees(r.tier) and present(document, r.steps)]
    return redact(document, tier, hidden) if hidden else document


def events_show_restricted(details: Iterable[dict[str, Any] | None], tier: Tier) -> bool:
    """Whether events with these details show ``tier`` anything restricted (an access-log
    read): measurements it may see."""
    return any(
        d and tier.sees(r.tier) and present(d, r.steps) for d in details for r in EVENT_RESTRICTIONS
    )
