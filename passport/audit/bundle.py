"""A passport's history as one offline-verifiable file, as one reader may see it.

Every log entry of the passport (its versions and events, in log order) with its leaf, a C2SP
tlog-proof against the newest signed checkpoint, and the exact text its leaf's content digest
covers. That text is the stored document (or event) *with its salt*, so it is only put in when
the reader may see all of it; otherwise it is withheld, with the reason, and only the leaf and
its proof are given (the format and the verifier: :mod:`passport.ledger.proof_bundle`).

A version's document is given whole only if no property in it is restricted beyond the reader's
tier, and, when its issuer marked properties restricted, only to the issuer (the marks are never
served to anyone else). An event is given whole unless it carries measurements the reader may
not see. Reads only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.disclosure.annotations import schema_restrictions
from passport.disclosure.marking import stored_marks
from passport.disclosure.redaction import Restriction, present
from passport.disclosure.tiers import ORDER, Tier
from passport.disclosure.views import EVENT_RESTRICTIONS
from passport.errors import NotFound
from passport.events import history
from passport.ledger import checkpoints, cosigning, log, moves, proof_bundle
from passport.ledger.note import Verifier
from passport.models import Event, LogEntry, Passport, PassportVersion
from passport.moves import arriving
from passport.moves.tables import arrival_of, move_of
from passport.passports.versions import list_versions


@dataclass(frozen=True)
class Bundle:
    """The bundle's bytes, and whether it shows the reader anything restricted (access log)."""

    body: bytes
    shows_restricted: bool


def build(session: Session, verifier: Verifier, passport: Passport, tier: Tier) -> Bundle:
    """The proof bundle of ``passport``'s history as a reader of ``tier`` may see it.

    Raises :class:`NotFound` if no signed checkpoint covers the passport's entries yet.
    """
    rows = list(
        session.scalars(
            select(LogEntry).where(LogEntry.subject == passport.uri).order_by(LogEntry.subject_seq)
        )
    )
    newest = checkpoints.newest(session)
    if not rows or newest is None or newest.size <= rows[-1].index:
        raise NotFound("No signed checkpoint covers this passport's history yet.")
    # A checkpoint that witnesses cosigned, if one covers the whole history: a reader with the
    # registry's witness policy can then check more than the registry's own word.
    checkpoint = cosigning.best_covering(session, rows[-1].index + 1) or newest
    signed = cosigning.with_cosignatures(session, checkpoint)
    committed = _committed(session, passport)
    entries: list[dict[str, Any]] = []
    shows = False
    counters: dict[str, int] = defaultdict(int)
    for row in rows:
        group = "event" if row.kind.startswith("dpp.event.") else "version"
        group = row.kind if row.kind in moves.KINDS else group  # public: passport.ledger.moves
        found = (
            committed[group][counters[group]] if counters[group] < len(committed[group]) else None
        )
        counters[group] += 1
        leaf = bytes(row.leaf)
        hashes = log.inclusion(session, row.index, checkpoint.size)
        proof = checkpoints.format_proof(checkpoints.TlogProof(row.index, hashes, signed))
        entry: dict[str, Any] = {"leaf": leaf.decode("utf-8"), "proof": proof}
        entry.update(_content(found, tier, json.loads(leaf)["content"]["sha256"]))
        shows = shows or bool(entry.pop("_shows", False))
        entries.append(entry)
    bundle = {
        "format": proof_bundle.FORMAT,
        "passport": {"id": passport.public_id, "uri": passport.uri},
        "log": {"origin": verifier.name, "vkey": verifier.vkey},
        "checkpoint": signed,
        "reader": tier.value,
        "entries": entries,
    }
    earlier = arriving.previous(session, passport, tier)  # the history before it moved here
    if earlier is not None:
        bundle["previous"] = earlier
    body = json.dumps(bundle, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    return Bundle(body, shows)


@dataclass(frozen=True)
class _Committed:
    """One version or event: what its leaf digests (candidates, newest form first), and the
    restrictions present in it."""

    contents: tuple[Any, ...]
    restrictions: tuple[Restriction, ...]
    marked: bool


def _committed(session: Session, passport: Passport) -> dict[str, list[_Committed]]:
    versions = [_version(v, passport.public_id) for v in list_versions(session, passport)]
    events = [_event(e) for e in history.list_events(session, passport)]
    return {"version": versions, "event": events, **_moves(session, passport)}


def _moves(session: Session, passport: Passport) -> dict[str, list[_Committed]]:
    """What the passport's dpp.moved-in and dpp.moved leaves commit to: public, no salt."""
    found: dict[str, list[_Committed]] = {moves.MOVED_IN: [], moves.MOVED: []}
    came = arrival_of(session, passport.pk)
    if came is not None:
        content = moves.moved_in_content(came.link, came.previous_bundle)
        found[moves.MOVED_IN] = [_Committed((content,), (), False)]
    went = move_of(session, passport.pk)
    if went is not None:
        content = moves.moved_content(went.to_url, went.new_uri, went.moved_at)
        found[moves.MOVED] = [_Committed((content,), (), False)]
    return found


def _version(row: PassportVersion, public_id: str) -> _Committed:
    subject, marks = stored_marks(row.document)
    found = tuple(r for r in (*schema_restrictions(), *marks) if present(subject, r.steps))
    # A first version logged before 0013 committed no public id: the bare form is the other one.
    contents = (log.version_content(row, public_id), log.version_content(row))
    return _Committed(contents, found, bool(marks))


def _event(event: Event) -> _Committed:
    content = log.event_content(
        event,
        event.corrects.seq if event.corrects else None,
        event.related.uri if event.related else None,
    )
    details = event.details or {}
    found = tuple(r for r in EVENT_RESTRICTIONS if present(details, r.steps))
    return _Committed((content,), found, False)


def _content(found: _Committed | None, tier: Tier, digest: str) -> dict[str, Any]:
    """The entry's ``content`` (or ``withheld``) for a reader of ``tier``."""
    if found is None:
        return _withheld("the registry holds no document for this entry", None)
    hidden = [r for r in found.restrictions if not tier.sees(r.tier)]
    if hidden:
        needed = max((r.tier for r in hidden), key=ORDER.index)
        return _withheld(
            f"it holds properties restricted to readers of tier '{needed.value}' or above; the "
            "leaf commits to all of it, so a part of it could not be checked",
            needed,
        )
    if found.marked and tier is not Tier.ISSUER:
        return _withheld(
            "its issuer marked properties restricted; that list is shown to the issuer only",
            Tier.ISSUER,
        )
    for content in found.contents:
        data = log.content_bytes(content)
        if proof_bundle.content_sha256(data.decode("utf-8")) == digest:
            return {"content": data.decode("utf-8"), "_shows": bool(found.restrictions)}
    # The stored data no longer hashes to the leaf: give what is stored; verify-bundle says so.
    return {"content": log.content_bytes(found.contents[0]).decode("utf-8")}


def _withheld(reason: str, tier: Tier | None) -> dict[str, Any]:
    return {"withheld": {"reason": reason, "tier": None if tier is None else tier.value}}
