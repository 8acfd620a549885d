"""A repair logged in this registry, as an ORDS v0.3 row.

Repairs are logged as lifecycle events of a passport; ``registry_row`` maps one such event
(with its passport and the passport's current document) onto the 14 ORDS columns, so that the
registry's own repairs are exported and counted beside imported open repair data.

ORDS v0.3 has no column for a fault type; ``fault_types`` gives the fault type of exported
registry repairs apart, keyed by the row id as the Open Repair Alliance quests key theirs
(``id_ords``), for a companion file beside the 14-column export (docs/FAULTS.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.disclosure.tiers import Tier
from passport.disclosure.views import stored_view
from passport.models import Event, Passport
from repairs.ords.records import (
    END_OF_LIFE,
    FIXED,
    REPAIRABLE,
    UNKNOWN,
    OrdsRow,
    categories,
    category_id,
    normalise_barrier,
)

__all__ = ["MISC", "fault_types", "registry_provider", "registry_row"]

# Event outcome (schemas/event.schema.json, repair) -> ORDS repair_status.
_STATUSES = {"fixed": FIXED, "repairable": REPAIRABLE, "end_of_life": END_OF_LIFE}
MISC = "Misc"
# The id of a registry repair's row: the event's primary key, in the ORDS id pattern.
ID_PREFIX = "kreislauf_"
_REGISTRY_ID = re.compile(ID_PREFIX + "([0-9]+)")
_CHUNK = 500


def registry_provider(base_url: str) -> str:
    """The ORDS data_provider of this registry's repairs: "Kreislauf (registry host)"."""
    host = urlsplit(base_url).netloc
    return f"Kreislauf ({host})" if host else "Kreislauf"


def _local(moment: datetime, offset: str) -> datetime:
    sign = -1 if offset.startswith("-") else 1
    zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    return moment.astimezone(zone)


def registry_row(
    event: Event,
    passport: Passport,
    document: dict[str, Any],
    *,
    data_provider: str,
    country: str = "",
) -> OrdsRow:
    """A repair event of this registry as an ORDS v0.3 row.

    - id ``kreislauf_{event pk}``; data_provider "Kreislauf (registry host)";
    - product_category: the event's ``category`` when it names an ORDS category (any
      letter case), else Misc; partner_product_category: the category as the repairer
      typed it, else Misc;
    - brand: the passport's ``product.producedByParty.name``, else the brand a repairer
      gave a community passport, else the issuing organisation (the manufacturer), as UNTP
      has no brand field ("Unknown" for a community passport without one);
    - year_of_manufacture: the year of ``product.productionDate`` or a community passport's
      year of manufacture; product_age: event year minus that year;
    - repair_status from the outcome; the barrier when it is one of the six ORDS barriers
      (any spelling). A free-text barrier cannot go in that column; it is kept by
      appending it to problem as "[barrier: …]";
    - group_identifier: the recording organisation; event_date: the event's local date.
    """
    details = event.details or {}
    # An open export: only what the public may read of the passport.
    public = stored_view(document, Tier.PUBLIC) if isinstance(document, dict) else {}
    product = public.get("product", {})
    typed = str(details.get("category") or "").strip()
    number = category_id(typed) if typed else None
    if number is None:
        number = category_id(MISC)
    assert number is not None
    when = _local(event.event_time, event.time_offset)

    # A community passport (registered by a repairer) carries brand and year of manufacture
    # as characteristics; a manufacturer's passport has a production date.
    traits = product.get("characteristics")
    traits = traits if isinstance(traits, dict) else {}
    year: int | None = None
    produced = product.get("productionDate")
    if isinstance(produced, str) and produced[:4].isascii() and produced[:4].isdigit():
        year = int(produced[:4])
    elif isinstance(traits.get("yearOfManufacture"), int):
        year = traits["yearOfManufacture"]
    age = float(when.year - year) if year is not None and year <= when.year else None

    status = _STATUSES.get(str(details.get("outcome")), UNKNOWN)
    problem = str(details.get("problem") or "")
    given = str(details.get("barrier") or "").strip()
    barrier = normalise_barrier(given) if status == END_OF_LIFE else ""
    if given and not barrier:
        problem = f"{problem} [barrier: {given}]".strip()
        barrier = ""

    party = product.get("producedByParty")
    brand = party.get("name") if isinstance(party, dict) else traits.get("brand")
    if not isinstance(brand, str) or not brand.strip():
        brand = "Unknown" if passport.community else None
    if not isinstance(brand, str) or not brand.strip():
        brand = passport.issuer.name if passport.issuer is not None else "Unknown"

    return OrdsRow(
        id=f"{ID_PREFIX}{event.pk}",
        data_provider=data_provider,
        country=country,
        partner_product_category=typed or MISC,
        product_category=categories()[number],
        product_category_id=number,
        brand=brand,
        year_of_manufacture=year,
        product_age=age,
        repair_status=status,
        repair_barrier_if_end_of_life=barrier or "",
        group_identifier=event.recorder.name,
        event_date=when.date(),
        problem=problem,
    )


def fault_types(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(id_ords, fault type) of each registry repair among the row ``ids`` that has one.

    Imported rows (other ids) have none: ORDS carries no fault type. In the order of ``ids``.
    """
    pks = [int(m.group(1)) for i in ids if (m := _REGISTRY_ID.fullmatch(i))]
    for start in range(0, len(pks), _CHUNK):
        chunk = pks[start : start + _CHUNK]
        query = select(Event.pk, Event.details).where(Event.type == "repair", Event.pk.in_(chunk))
        found = {pk: details for pk, details in session.execute(query)}
        for pk in chunk:
            fault = (found.get(pk) or {}).get("faultType")
            if isinstance(fault, str) and fault.strip():
                yield f"{ID_PREFIX}{pk}", fault.strip()
