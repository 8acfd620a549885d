"""Moving a passport in (issue 14, point 5): issue it here from its old registry's history.

The old registry's proof bundle is checked offline (``passport.ledger.proof_bundle``: the
checkpoint's signature, every inclusion proof, the chain of leaves, every document given), with
the old log's key given, else the bundle's own; a registry that mirrors that log holds its key,
and the two must agree. Its last entry must be a ``dpp.moved`` to this registry, and its newest
version's document must be in it. The passport is then issued from that document as any
issuance by the organisation (same validation, prefixes and identifier rules), and a
``dpp.moved-in`` leaf commits the link back (:mod:`passport.ledger.moves`). The bundle is kept
and served as the passport's earlier history. Anything refused writes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.access import require
from passport.config import Settings
from passport.disclosure.tiers import Tier
from passport.errors import FieldError, InvalidDocument, NotFound
from passport.ledger import moves, note, proof_bundle, sequencer
from passport.mirrors.tables import MirrorOrigin
from passport.models import Organisation, Passport
from passport.moves.tables import PassportArrival, arrival_of
from passport.passports import issuing
from passport.routes import LOG, Routes
from passport.signing.registry import issuer_did

VERSION_KINDS = ("dpp.issued", "dpp.version")


def _refuse(pointer: str, message: str) -> InvalidDocument:
    return InvalidDocument(
        "The passport cannot be moved here; nothing was stored.", [FieldError(pointer, message)]
    )


def _body(body: Any) -> tuple[dict[str, Any], str | None]:
    if not isinstance(body, dict) or "bundle" not in body or set(body) - {"bundle", "logKey"}:
        raise _refuse("", 'must be an object with "bundle" and optionally "logKey"')
    bundle, key = body["bundle"], body.get("logKey")
    if not isinstance(bundle, dict):
        raise _refuse("/bundle", "must be the old registry's proof bundle, a JSON object")
    if key is not None and not isinstance(key, str):
        raise _refuse("/logKey", "must be the old log's verifier key (a C2SP vkey)")
    return bundle, key


def _trusted(session: Session, bundle: dict[str, Any], key: str | None) -> note.Verifier | None:
    """The key to check the old checkpoint with: the one given, the one this registry holds as
    a mirror of that log (they must agree), else None (the bundle's own)."""
    given = None
    if key is not None:
        try:
            given = note.Verifier.from_vkey(key)
        except (ValueError, note.NoteError) as exc:
            raise _refuse("/logKey", f"is not a verifier key: {exc}") from None
    origin = bundle.get("log", {}).get("origin") if isinstance(bundle.get("log"), dict) else None
    held = session.scalars(select(MirrorOrigin).where(MirrorOrigin.log_origin == origin)).first()
    if held is not None:
        offered = key if key is not None else bundle["log"].get("vkey")
        if offered != held.vkey:
            pointer = "/logKey" if key is not None else "/bundle/log/vkey"
            raise _refuse(pointer, f"this registry mirrors {origin} with another key: {held.vkey}")
        return note.Verifier.from_vkey(held.vkey)
    return given


def _newest_document(bundle: dict[str, Any]) -> dict[str, Any]:
    entries = bundle["entries"]
    for n in range(len(entries) - 1, -1, -1):
        kind = json.loads(entries[n]["leaf"])["kind"]
        if kind == "dpp.withdrawn":
            raise _refuse(f"/bundle/entries/{n}", "the passport was withdrawn: it does not move")
        if kind not in VERSION_KINDS:
            continue
        if not isinstance(entries[n].get("content"), str):
            raise _refuse(
                f"/bundle/entries/{n}",
                "the newest version's document is withheld from the reader the bundle was "
                "made for: hand over the bundle its issuer downloads (with its API key)",
            )
        content = json.loads(entries[n]["content"])
        document = content.get("document") if "salt" in content else content
        if not isinstance(document, dict):
            raise _refuse(f"/bundle/entries/{n}", "the newest version holds no document")
        return document
    raise _refuse("/bundle/entries", "the bundle holds no version of the passport")


def import_passport(session: Session, settings: Settings, org: Organisation, body: Any) -> Passport:
    """Issue a passport here from the old registry's proof bundle of its move to here."""
    require(org, "passport.import")
    bundle, key = _body(body)
    text = moves.bundle_text(bundle)
    trusted = _trusted(session, bundle, key)
    report = proof_bundle.verify(text.encode("utf-8"), [trusted] if trusted else [])
    if not report.ok:
        raise _refuse("/bundle", "does not verify: " + "; ".join(report.failures[:3]))
    leaf, index, leaf_hash, moved = moves.last_entry(bundle)
    base = Routes(settings.base_url).base_url
    if leaf["kind"] != moves.MOVED or not isinstance(moved, dict):
        raise _refuse("/bundle/entries", "its last entry must be a dpp.moved, with its content")
    if moved.get("to") != base:
        raise _refuse("/bundle", f"it moves the passport to {moved.get('to')}, not here ({base})")
    document = _newest_document(bundle)
    prepared = issuing.prepare_all(base, org, [document], batch=False)
    if prepared[0].uri != moved.get("uri"):
        raise _refuse("/bundle", f"it moves {moved.get('uri')}, but here it is {prepared[0].uri}")
    passport = issuing.store(session, settings, org, prepared, batch=False)[0]
    vkey = trusted.vkey if trusted else bundle["log"]["vkey"]
    old_base = bundle["passport"]["uri"].split("://", 1)[0] + "://" + leaf["log"].removesuffix(LOG)
    link = {
        "uri": bundle["passport"]["uri"],
        "passport": Routes(old_base).passport(str(bundle["passport"].get("id", ""))),
        "log": {"origin": bundle["log"]["origin"], "vkey": vkey},
        "checkpoint": bundle["checkpoint"],
        "moved": {"index": index, "leaf_sha256": leaf_hash.hex()},
    }
    session.add(
        PassportArrival(
            passport_pk=passport.pk,
            link=link,
            previous_bundle=text,
            actor_pk=org.pk,
            arrived_at=passport.created_at,
        )
    )
    session.flush()
    sequencer.append(
        session,
        settings,
        kind=moves.MOVED_IN,
        subject=passport.uri,
        actor_did=issuer_did(settings.base_url, org),
        content=moves.moved_in_content(link, text),
        time=passport.created_at,
    )
    return passport


def previous(session: Session, passport: Passport, tier: Tier) -> dict[str, Any] | None:
    """The passport's earlier history (the old registry's bundle) as a reader of ``tier`` may
    see it: whole if the tier it was made for is within ``tier``; else every document in it
    withheld but the moves'. None if the passport did not move here."""
    arrival = arrival_of(session, passport.pk)
    if arrival is None:
        return None
    bundle: dict[str, Any] = json.loads(arrival.previous_bundle)
    try:
        made_for = Tier(str(bundle.get("reader")))
    except ValueError:
        made_for = Tier.ISSUER
    if tier.sees(made_for):
        return bundle
    for entry in bundle["entries"]:
        if json.loads(entry["leaf"])["kind"] in moves.KINDS or "content" not in entry:
            continue
        del entry["content"]
        entry["withheld"] = {
            "reason": f"{moves.REDACTED} '{made_for.value}' and is served whole to that tier",
            "tier": made_for.value,
        }
    return bundle


def previous_text(session: Session, passport: Passport, tier: Tier) -> str:
    """:func:`previous` as the text served; NotFound if the passport did not move here."""
    found = previous(session, passport, tier)
    if found is None:
        raise NotFound(f"Passport {passport.public_id} was issued here; it has no earlier history.")
    return json.dumps(found, ensure_ascii=False, indent=1) + "\n"


def arrival(session: Session, passport: Passport) -> PassportArrival | None:
    """Where the passport came from (None: it was issued here)."""
    return arrival_of(session, passport.pk)
