"""The compiled validator decides on event bodies exactly as python-jsonschema does.

``parse_event`` asks python-jsonschema for errors only when the compiled validator (jsonschema-rs,
``passport.documents.compiled_validator``) rejects a body; that is sound only if both give the
same verdict. This sweep feeds both every event type's realistic body and every one-place
mutation of it (the probes of tests/passport/test_compiled_validator.py).
"""

from __future__ import annotations

import json

from passport.documents import compiled_validator, schema_validator
from passport.events.catalogue import EVENT_TYPES
from passport.events.parsing import EVENT_SCHEMA
from tests.passport.events.examples import DETAILS, body, problems
from tests.passport.test_compiled_validator import mutations
from tests.schema_sweep import apply


def test_compiled_and_python_validators_agree_on_every_event_and_its_mutations() -> None:
    compiled, python = compiled_validator(EVENT_SCHEMA), schema_validator(EVENT_SCHEMA)
    disagree: list[str] = []
    verdicts = {True: 0, False: 0}
    for event_type in DETAILS:
        whole = body(event_type)
        for document in [whole, *(apply(whole, p, v) for p, v in mutations(whole))]:
            ours = compiled.is_valid(document)
            verdicts[ours] += 1
            if ours != python.is_valid(document):
                disagree.append(f"compiled {ours}: {json.dumps(document)[:300]}")
    assert disagree == []
    assert set(DETAILS) == set(EVENT_TYPES)  # every type is swept
    assert verdicts[True] > 100 and verdicts[False] > 1000, verdicts


def test_a_rejected_event_gets_python_jsonschema_errors() -> None:
    request = body("repair")
    del request["repair"]["outcome"]
    assert problems(request) == [("/repair/outcome", "'outcome' is required")]
