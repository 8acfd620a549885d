"""The plain JSON form of a lifecycle event, as the events API lists it."""

from __future__ import annotations

from typing import Any

from passport.disclosure.tiers import Tier
from passport.disclosure.views import event_details_view
from passport.events.times import offset_tz
from passport.models import Event


def event_summary(event: Event, tier: Tier) -> dict[str, Any]:
    """One event of a passport's history: what happened, when, recorded by which organisation."""
    summary: dict[str, Any] = {
        "seq": event.seq,
        "eventID": event.event_id,
        "type": event.type,
        "eventTime": event.event_time.astimezone(offset_tz(event.time_offset)).isoformat(),
        "recordedAt": event.recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "recordedBy": {"id": event.recorder.public_id, "name": event.recorder.name},
        "bizStep": event.biz_step,
        "disposition": event.disposition,
        event.type: event_details_view(event.details, tier),
    }
    if event.corrects is not None:
        summary["corrects"] = event.corrects.seq
    if event.related is not None:
        summary["relatedPassport"] = event.related.uri
    return summary
