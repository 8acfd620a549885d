"""``kreislauf verify``: the log, its checkpoints, and every served fact against them.

:func:`passport.ledger.verify.verify_log` re-derives every leaf from the stored versions and
events and checks every node, the head and every checkpoint (with the log key's signature).
This room adds what is served but lives outside the leaves: a passport row's status, current
version, life status, identifiers, name and parents must follow from its committed versions and
events (:mod:`passport.audit.served`); organisations' names, roles and prefixes and API keys'
owners must match the log key's seals (:mod:`passport.ledger.seals`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from passport.audit.served import check_passports, check_seals
from passport.config import Settings
from passport.errors import KeyMissing
from passport.ledger import checkpoints
from passport.ledger.verify import Report, verify_log

__all__ = ["verify_registry"]


def verify_registry(session: Session, settings: Settings) -> Report:
    """Everything ``kreislauf verify`` checks; problems name the entry or row, never raise."""
    try:
        verifier = checkpoints.verifier(settings)
    except KeyMissing as exc:
        report = verify_log(session, settings.base_url)
        report.notes.append(f"checkpoint signatures and seals not checked: {exc}")
        public_key = None
    else:
        report = verify_log(session, settings.base_url, [verifier])
        public_key = verifier.public_key
    check_passports(session, report, settings.base_url)
    if public_key is not None:
        check_seals(session, report, public_key)
    return report
