"""``kreislauf verify``: the log, its checkpoints, and every served fact against them.

:func:`passport.ledger.verify.verify_log` re-derives every leaf from the stored versions and
events and checks every node, the head and every checkpoint (with the log key's signature).
This room adds what is served but lives outside the leaves: a passport row's status, current
version, life status, identifiers, name and parents must follow from its committed versions and
events (:mod:`passport.audit.served`); organisations' names, roles and prefixes, API keys'
owners and revocations, grants and each issuer's set of them, and the public ids of passports
logged before their first leaf committed them must match the log key's seals
(:mod:`passport.ledger.seals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from passport.audit.served import check_grants, check_passport_ids, check_passports, check_seals
from passport.config import Settings
from passport.errors import KeyMissing
from passport.ledger import checkpoints, log
from passport.ledger.note import Verifier
from passport.ledger.verify import Report, verify_log

if TYPE_CHECKING:  # cryptography loads with the first key used (memory)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["verify_registry"]


def verify_registry(
    session: Session, settings: Settings, retired: Sequence[Ed25519PublicKey] = ()
) -> Report:
    """Everything ``kreislauf verify`` checks; problems name the entry or row, never raise.

    ``retired`` are the public halves of former log keys: checkpoints and seals signed before a
    key rotation verify with them."""
    try:
        current = [checkpoints.verifier(settings).public_key]
    except KeyMissing as exc:
        current = []
        if not retired:
            report = verify_log(session, settings.base_url)
            report.notes.append(f"checkpoint signatures and seals not checked: {exc}")
            check_passports(session, report, settings.base_url)
            return report
    keys = [*current, *retired]
    origin = log.origin(settings.base_url)
    report = verify_log(session, settings.base_url, [Verifier(origin, k) for k in keys])
    check_passports(session, report, settings.base_url)
    check_seals(session, report, keys)
    check_grants(session, report, keys)
    check_passport_ids(session, report, keys)
    return report
