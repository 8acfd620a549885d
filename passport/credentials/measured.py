"""A battery's latest measurements as the credential's ``latestMeasurements`` section.

One entry per measured attribute (``passport.batteries.measurements``): the value, its unit,
when it was measured (in the recorder's offset), by which organisation (its DID and name) and
the eventID of the event that carried it; a battery status that follows from an event's type
(``repurpose``, ``collection``, ...) names that type in ``followsFrom``. The section is a JSON
literal in the Kreislauf context (``@json``), so it survives JSON-LD expansion as it stands.

Access: every entry is restricted to persons with a legitimate interest
(``passport.events.sensors.RESTRICTED``); the tier rule removes the section, or entries of it,
for other readers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from passport.batteries.measurements import latest_measurements
from passport.models import Passport
from passport.signing.registry import issuer_did


def measured_section(session: Session, base_url: str, passport: Passport) -> dict[str, Any]:
    """``latestMeasurements``: each attribute's latest value with when and by whom; {} if none."""
    section: dict[str, Any] = {}
    for name, measured in latest_measurements(session, passport).items():
        entry: dict[str, Any] = {"value": measured.value}
        if measured.unit is not None:
            entry["unit"] = measured.unit
        entry["measuredAt"] = measured.local_time
        entry["measuredBy"] = {
            "id": issuer_did(base_url, measured.organisation),
            "name": measured.organisation.name,
        }
        entry["eventID"] = measured.event_id
        if measured.implied_by is not None:
            entry["followsFrom"] = measured.implied_by  # a status a repurpose (...) implies
        section[name] = entry
    return section
