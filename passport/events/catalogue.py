"""The catalogue of lifecycle event types and their CBV 2.0 mapping.

Each type maps to a CBV 2.0 business step and disposition (our own documented URIs under
``OURS`` where CBV has none), to the EPCIS action, to the roles that may record it besides the
product's issuer (from the one table of ``passport.permissions``), and to the product's life
status afterwards (``passport.events.status``).
A repair's disposition depends on its outcome, a correction's error reason on its details.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from passport.permissions import EVENT_RECORDERS

CBV = "https://ref.gs1.org/cbv/"
# Our own terms where CBV 2.0 has none (refurbishing, recycling, ...). CBV allows user
# vocabulary outside its namespaces; these are documented at this address.
OURS = "https://w3id.org/kreislauf/cbv/"


@dataclass(frozen=True)
class EventType:
    """One kind of lifecycle event and how it reads in CBV 2.0."""

    name: str
    biz_step: str
    disposition: str | None
    action: str
    roles: frozenset[str]
    status_after: str | None


def _type(
    name: str,
    biz_step: str,
    disposition: str | None,
    status_after: str | None,
    action: str = "OBSERVE",
) -> EventType:
    roles = frozenset(EVENT_RECORDERS[name])
    return EventType(name, biz_step, disposition, action, roles, status_after)


# The CBV mapping. Definitions quoted are from CBV 2.0 (Ontology/CBV.ttl).
EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        # "associating an instance-level identifier with a specific object"; EPCIS says the
        # object comes into being for the supply chain with action ADD.
        _type(
            "commissioning",
            CBV + "BizStep-commissioning",
            CBV + "Disp-active",
            "in_use",
            action="ADD",
        ),
        # retail_selling: "transferring ownership to a customer"; retail_sold: "purchased by a
        # customer". Only the issuer records the first sale: there is no retailer role.
        _type("sale", CBV + "BizStep-retail_selling", CBV + "Disp-retail_sold", "in_use"),
        # repairing: "a malfunctioning product is repaired ... without replacing it by a new
        # one". Disposition and status depend on the outcome: see disposition_for/status_for.
        _type("repair", CBV + "BizStep-repairing", None, None),
        # CBV has no maintenance step; inspecting is about packaging and seals in transit.
        _type("maintenance", OURS + "BizStep-maintaining", None, None),
        # inspecting: "reviewing objects to address potential physical or documentation
        # defects" -- a battery's health checked and its condition measured
        # (passport.events.sensors). Whoever may repair or recycle may measure: the roles with
        # a legitimate interest (passport.disclosure.readers), not another manufacturer.
        _type("inspection", CBV + "BizStep-inspecting", None, None),
        # replacing: "an object is substituted or exchanged for another object" -- the part.
        # installing/removing would say the product itself goes into or out of a composite.
        _type("part_replacement", CBV + "BizStep-replacing", None, None),
        # available: "returned to service or to the supply chain". The product is ready for
        # another life but not yet in anyone's use, hence "active" (not "in_use"); this also
        # lifts an end_of_life status when a collected product is refurbished.
        _type(
            "refurbishment",
            OURS + "BizStep-refurbishing",
            CBV + "Disp-available",
            "active",
        ),
        # A later sale is the same business step as the first; our eventType extension and the
        # stored type tell them apart (the consumer page counts both as ownership changes).
        _type(
            "resale",
            CBV + "BizStep-retail_selling",
            CBV + "Disp-retail_sold",
            "in_use",
        ),
        # decommissioning: "disassociating an instance-level identifier with an object ... may be
        # re-commissioned ... only with a new instance-level identifier" -- exactly what
        # remanufacturing does to this passport (the product lives on under a new one).
        # inactive: "decommissioned object that may be reintroduced to the supply chain".
        # DELETE: the EPC ceases to be used (EPCIS 2.0, ObjectEvent action).
        _type(
            "remanufacture",
            CBV + "BizStep-decommissioning",
            CBV + "Disp-inactive",
            "end_of_life",
            action="DELETE",
        ),
        # Repurposing (Battery Regulation Art. 77(6)) ends this product's life as it was, as
        # remanufacturing does: the product lives on for another purpose under a new passport,
        # hence the same step, disposition and action. Second-life companies are refurbishers,
        # recyclers or manufacturers here.
        _type(
            "repurpose",
            CBV + "BizStep-decommissioning",
            CBV + "Disp-inactive",
            "end_of_life",
            action="DELETE",
        ),
        # CBV has a recalled disposition ("non-sellable because of public safety reasons") but
        # no recalling step. A recall warns; it does not change where the product is in life.
        _type("recall", OURS + "BizStep-recalling", CBV + "Disp-recalled", None),
        # collecting: "picked up and collected for future disposal, recycling or re-use";
        # disposed: "returned for disposal". A refurbishment can still revive it.
        _type(
            "collection",
            CBV + "BizStep-collecting",
            CBV + "Disp-disposed",
            "end_of_life",
        ),
        # disassembling: "broken down into separate ... component parts". No CBV disposition
        # says "taken apart", so none is claimed.
        _type(
            "disassembly",
            CBV + "BizStep-disassembling",
            None,
            "end_of_life",
        ),
        # No CBV recycling step. destroyed: "fully rendered non-usable" -- true of the product
        # once its materials are recovered; DELETE because no later event should name it.
        _type(
            "recycling",
            OURS + "BizStep-recycling",
            CBV + "Disp-destroyed",
            "recycled",
            action="DELETE",
        ),
        # destroying: "the object should not be the subject of subsequent events".
        _type(
            "destruction",
            CBV + "BizStep-destroying",
            CBV + "Disp-destroyed",
            "destroyed",
            action="DELETE",
        ),
        # Never emitted as its own EPCIS event (it becomes an error declaration); the step is
        # what the database stores. Anyone may file one; the history layer accepts it only from
        # the organisation that recorded the corrected event.
        _type("correction", OURS + "BizStep-correcting", None, None),
    )
}

# ORDS repair_status -> CBV disposition.
REPAIR_DISPOSITIONS = {
    # available: "returned to service ... (e.g., following a successfully completed repairing
    # step)".
    "fixed": CBV + "Disp-available",
    # unavailable: "removed from service ... (e.g., pending repair)". needs_replacement was the
    # other candidate, but "repairable" also covers waiting for time or skills, not only parts.
    "repairable": CBV + "Disp-unavailable",
    # non_conformant: "outcome of an unsuccessful/failed inspection in an inspecting or
    # repairing step" -- "the opposite of available".
    "end_of_life": CBV + "Disp-non_conformant",
}

# A correction's reason -> the CBV error reason of its EPCIS error declaration.
ERROR_REASONS = {
    "incorrect_data": CBV + "ER-incorrect_data",
    "did_not_occur": CBV + "ER-did_not_occur",
}


def disposition_for(event_type: str, details: Mapping[str, Any]) -> str | None:
    """The CBV disposition (full URI) an event of this type and details states, or None."""
    if event_type == "repair":
        return REPAIR_DISPOSITIONS.get(str(details.get("outcome")))
    return EVENT_TYPES[event_type].disposition


@cache
def emitted_vocabulary() -> frozenset[str]:
    """Every CBV term our EPCIS documents can hold: business steps, dispositions, error reasons."""
    terms = {kind.biz_step for kind in EVENT_TYPES.values()}
    terms |= {kind.disposition for kind in EVENT_TYPES.values() if kind.disposition}
    terms |= set(REPAIR_DISPOSITIONS.values()) | set(ERROR_REASONS.values())
    return frozenset(term for term in terms if term.startswith(CBV))
