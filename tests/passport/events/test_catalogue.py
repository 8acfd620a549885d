"""The event type catalogue: every term a real CBV 2.0 term or ours, repair outcomes.

No database: ``passport.events.catalogue`` (and the status a repair leaves).
"""

from __future__ import annotations

from passport.events.catalogue import CBV, EVENT_TYPES, OURS, disposition_for
from passport.events.status import STATUSES, status_for
from tests.passport.events.examples import epcis_schema


def test_mapping_uses_real_cbv_terms_or_ours() -> None:
    definitions = epcis_schema()["definitions"]
    biz_steps = set(definitions["bizStep"]["anyOf"][1]["enum"])
    dispositions = set(definitions["disposition"]["anyOf"][1]["enum"])
    for kind in EVENT_TYPES.values():
        assert kind.action in ("ADD", "OBSERVE", "DELETE")
        assert kind.status_after is None or kind.status_after in STATUSES
        if kind.biz_step.startswith(CBV):
            assert kind.biz_step.removeprefix(CBV + "BizStep-") in biz_steps
        else:
            assert kind.biz_step.startswith(OURS + "BizStep-")
        for outcome in ("fixed", "repairable", "end_of_life"):
            disposition = disposition_for(kind.name, {"outcome": outcome})
            if disposition is not None:
                assert disposition.removeprefix(CBV + "Disp-") in dispositions


def test_repair_outcomes() -> None:
    cbv = CBV
    assert disposition_for("repair", {"outcome": "fixed"}) == cbv + "Disp-available"
    assert disposition_for("repair", {"outcome": "repairable"}) == cbv + "Disp-unavailable"
    assert disposition_for("repair", {"outcome": "end_of_life"}) == cbv + "Disp-non_conformant"
    assert status_for("repair", {"outcome": "repairable"}) == "under_repair"
