"""A passport moving between registries, as the logs record it (issue 14, point 5).

Two leaf kinds, both with public content (no salt: nothing in them is restricted):

* ``dpp.moved``, the last entry of a passport at the registry it leaves, commits
  ``{"to", "uri", "movedAt"}``: the new registry's base URL, the passport's URI there (the same
  Digital Link path on the new host) and when.
* ``dpp.moved-in``, right after ``dpp.issued`` at the registry it moves to, commits
  ``{"from": link, "previousBundle": {"sha256"}}``: ``link`` names the old passport's URI and API
  address, the old log's origin and key, the old checkpoint (verbatim) and the old ``dpp.moved``
  leaf (index and hash); ``previousBundle`` the SHA-256 of the old registry's proof bundle as it
  was handed over (RFC 8785 JSON text), which the new registry keeps and serves.

:func:`check` is what ``kreislauf verify-bundle`` adds for these entries (pure: no database, no
network): it says where a moved passport went, and for a bundle that carries the earlier
history (``previous``) verifies that history with the old log's key the link names, and that
the link is to exactly that history: its checkpoint, its last entry a ``dpp.moved`` to this log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from passport.ledger import checkpoints, log, merkle, note

if TYPE_CHECKING:
    from passport.ledger.proof_bundle import Report

MOVED = "dpp.moved"
MOVED_IN = "dpp.moved-in"
KINDS = (MOVED, MOVED_IN)
REDACTED = "the earlier history was handed over for tier"


def moved_content(to: str, new_uri: str, moved_at: datetime) -> dict[str, Any]:
    """What a ``dpp.moved`` leaf digests."""
    return {"to": to, "uri": new_uri, "movedAt": log.format_time(moved_at)}


def bundle_text(bundle: Any) -> str:
    """A proof bundle (a JSON object) as the text a ``dpp.moved-in`` leaf digests: RFC 8785."""
    return log.content_bytes(bundle).decode("utf-8")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def moved_in_content(link: dict[str, Any], previous_bundle: str) -> dict[str, Any]:
    """What a ``dpp.moved-in`` leaf digests: the link back and the old bundle's digest."""
    return {"from": link, "previousBundle": {"sha256": sha256(previous_bundle)}}


def base_origin(base_url: str) -> str:
    """The log origin of the registry at ``base_url`` (what ``dpp.moved``'s ``to`` names)."""
    return log.origin(base_url)


def last_entry(bundle: dict[str, Any]) -> tuple[dict[str, Any], int, bytes, Any]:
    """A bundle's last entry: its leaf, log index, leaf hash and content (None if withheld)."""
    entry = bundle["entries"][-1]
    leaf_text: str = entry["leaf"]
    proof = checkpoints.parse_proof(entry["proof"])
    content = json.loads(entry["content"]) if isinstance(entry.get("content"), str) else None
    return json.loads(leaf_text), proof.index, merkle.leaf_hash(leaf_text.encode("utf-8")), content


Verify = Callable[[bytes, Sequence[note.Verifier]], "Report"]


def check(bundle: dict[str, Any], report: Report, verify: Verify) -> None:
    """What verify-bundle says of a bundle's move entries, and its earlier history if given."""
    for entry in bundle["entries"]:
        leaf = json.loads(entry["leaf"])
        if leaf.get("kind") != MOVED or not isinstance(entry.get("content"), str):
            continue
        moved = json.loads(entry["content"])
        report.add(
            "OK", f"moved to {moved.get('to')} on {moved.get('movedAt')}: {moved.get('uri')}"
        )
    previous = bundle.get("previous")
    if previous is None:
        return
    try:
        _check_previous(bundle, previous, report, verify)
    except (ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        report.add("FAIL", f"the earlier history: {exc}")


def _moved_in(bundle: dict[str, Any]) -> dict[str, Any]:
    for entry in bundle["entries"]:
        if json.loads(entry["leaf"]).get("kind") == MOVED_IN:
            if not isinstance(entry.get("content"), str):
                raise ValueError("the dpp.moved-in entry's content is withheld")
            content: dict[str, Any] = json.loads(entry["content"])
            return content
    raise ValueError("the bundle carries an earlier history but no dpp.moved-in entry")


def _check_previous(bundle: dict[str, Any], previous: Any, report: Report, verify: Verify) -> None:
    content = _moved_in(bundle)
    link = content["from"]
    text = bundle_text(previous)
    if sha256(text) == content["previousBundle"]["sha256"]:
        report.add("OK", "the earlier history is the one handed over (its SHA-256 is committed)")
    elif any(REDACTED in str(e.get("withheld", {}).get("reason", "")) for e in previous["entries"]):
        report.add(
            "WITHHELD",
            "the earlier history is given with documents withheld from this reader, so its "
            "committed SHA-256 cannot be checked; its checkpoint and move entry are",
        )
    else:
        report.add("FAIL", "the earlier history is not the one whose SHA-256 is committed")
    old_key = note.Verifier.from_vkey(link["log"]["vkey"])
    earlier = verify(text.encode("utf-8"), [old_key])
    for state, line in earlier.lines:
        report.add(state, f"earlier history: {line}")
    if previous["checkpoint"] != link["checkpoint"]:
        raise ValueError("its checkpoint is not the one the dpp.moved-in entry commits")
    if previous["log"]["origin"] != link["log"]["origin"]:
        raise ValueError("it is of another log than the dpp.moved-in entry names")
    if previous["passport"]["uri"] != link["uri"]:
        raise ValueError("it is of another passport than the dpp.moved-in entry names")
    leaf, index, leaf_hash, moved = last_entry(previous)
    if leaf.get("kind") != MOVED or moved is None:
        raise ValueError("its last entry is not a dpp.moved with its content")
    if {"index": index, "leaf_sha256": leaf_hash.hex()} != link["moved"]:
        raise ValueError("its dpp.moved entry is not the one the dpp.moved-in entry commits")
    here = json.loads(bundle["entries"][0]["leaf"])["log"]
    if base_origin(moved["to"]) != here or moved["uri"] != bundle["passport"]["uri"]:
        raise ValueError(f"it moved to {moved['uri']}, not to this passport")
    report.add(
        "OK",
        f"moved here from {link['uri']} (log {link['log']['origin']}, entry {index}) on "
        f"{moved['movedAt']}: the link back holds",
    )
