"""A passport's whole history in one file, checked with no network (``kreislauf verify-bundle``).

The bundle (docs/FEDERATION.md, "Histories that verify offline") is a JSON object: the log's
origin and verifier key, one signed checkpoint, and per log entry of the passport its leaf (the
RFC 8785 text that was hashed), a C2SP ``tlog-proof@v1`` of that leaf against the checkpoint
and either the exact text the leaf's ``content.sha256`` digests (the stored document or event
with its salt) or why that was withheld from the reader the bundle was made for.

:func:`verify` trusts nothing in the bundle but the signatures and hashes it checks: the
checkpoint's signature (by a key given, or else the key the bundle carries, and it says which),
each inclusion proof against the checkpoint's root, each leaf's log and subject, the chain of
leaves (each names the one before it, so none before the last can be left out), and each
document against its leaf's digest. The container's other members (reasons, the tier) are
information, not evidence. Pure: no database, no network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from passport.ledger import checkpoints, merkle, moves, note
from passport.ledger.policy import Policy

FORMAT = "https://kreislauf.eu/proof-bundle/v1"
MEDIA_TYPE = "application/vnd.kreislauf.proof-bundle+json"
FILE_SUFFIX = ".proof-bundle.json"
MAX_ENTRIES = 100_000


class BundleError(ValueError):
    """The bundle is not one (not JSON, a member missing or of the wrong type)."""


@dataclass
class Report:
    """What :func:`verify` found: a line per check, each passed or failed."""

    lines: list[tuple[str, str]] = field(default_factory=list)  # (OK | WITHHELD | FAIL, text)
    key: str = ""  # which key the checkpoint was checked with, in words
    advice: str = ""  # what to do about it (compare the bundle's own key)
    size: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(state != "FAIL" for state, _ in self.lines)

    @property
    def failures(self) -> list[str]:
        return [text for state, text in self.lines if state == "FAIL"]

    def add(self, state: str, text: str) -> None:
        self.lines.append((state, text))


def content_sha256(text: str) -> str:
    """The digest a leaf's ``content.sha256`` holds: SHA-256 of the text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _member(obj: Any, name: str, kind: type, where: str) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get(name), kind):
        raise BundleError(f"{where} has no {kind.__name__} member '{name}'")
    return obj[name]


def parse(data: bytes) -> dict[str, Any]:
    """The bundle as a JSON object with the members :func:`verify` reads (their types checked)."""
    try:
        bundle = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"the file is not a JSON proof bundle: {exc}") from None
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"the file is not a proof bundle (its 'format' is not {FORMAT})")
    log = _member(bundle, "log", dict, "the bundle")
    _member(log, "origin", str, "'log'")
    _member(log, "vkey", str, "'log'")
    _member(bundle, "checkpoint", str, "the bundle")
    _member(_member(bundle, "passport", dict, "the bundle"), "uri", str, "'passport'")
    entries = _member(bundle, "entries", list, "the bundle")
    if not entries or len(entries) > MAX_ENTRIES:
        raise BundleError(f"the bundle must hold 1 to {MAX_ENTRIES} entries")
    for n, entry in enumerate(entries):
        _member(entry, "leaf", str, f"entry {n}")
        _member(entry, "proof", str, f"entry {n}")
        if not isinstance(entry.get("content"), str) and not isinstance(
            entry.get("withheld"), dict
        ):
            raise BundleError(f"entry {n} has neither 'content' nor 'withheld'")
    return bundle


def _verifier(
    bundle: dict[str, Any], trusted: Sequence[note.Verifier], report: Report
) -> list[note.Verifier]:
    origin = bundle["log"]["origin"]
    if trusted:
        report.key = "the trusted key given (--key)"
        return list(trusted)
    carried = note.Verifier.from_vkey(bundle["log"]["vkey"])
    if carried.name != origin:
        raise note.NoteError(f"the bundle's key is named {carried.name!r}, not {origin!r}")
    report.key = "the key the bundle carries"
    report.advice = (
        f" ({bundle['log']['vkey']}): compare it with the key the registry publishes, or pass a "
        "trusted one with --key"
    )
    return [carried]


def verify(
    data: bytes,
    trusted: Sequence[note.Verifier] = (),
    witnesses: Sequence[note.Verifier] = (),
    policy: Policy | None = None,
) -> Report:
    """Check a proof bundle offline; every failure is a FAIL line, never an exception.

    ``trusted`` are log keys to check the checkpoint with (none: the key in the bundle);
    ``witnesses`` are witness keys whose cosignatures are checked if the checkpoint has them.
    A C2SP tlog-``policy`` adds its logs and witnesses, and the checkpoint must then have
    its quorum of cosignatures.
    """
    report = Report()
    if policy is not None:
        trusted = [*trusted, *policy.log_verifiers()]
        witnesses = [*witnesses, *policy.witness_verifiers()]
    try:
        bundle = parse(data)
        checkpoint = _checkpoint(bundle, trusted, witnesses, report)
        if policy is not None:
            _quorum(bundle["checkpoint"], policy, report)
    except (BundleError, note.NoteError) as exc:
        report.add("FAIL", str(exc))
        return report
    previous: tuple[int, bytes] | None = None
    for seq, entry in enumerate(bundle["entries"]):
        try:
            previous = _entry(bundle, checkpoint, seq, entry, previous, report)
        except (ValueError, KeyError, TypeError) as exc:  # ProofError, NoteError are ValueErrors
            report.add("FAIL", f"entry {seq}: {exc}")
            previous = None
    moves.check(bundle, report, verify)  # where a moved passport went; its earlier history
    if report.ok:
        report.add(
            "OK",
            f"the history from its first entry up to log entry {previous[0] if previous else '?'}"
            f" (each leaf names the one before it); entries logged after the checkpoint of size "
            f"{checkpoint.size} are not covered",
        )
    return report


def _checkpoint(
    bundle: dict[str, Any],
    trusted: Sequence[note.Verifier],
    witnesses: Sequence[note.Verifier],
    report: Report,
) -> note.Checkpoint:
    logs = _verifier(bundle, trusted, report)
    body, signed_by = note.verify_note(bundle["checkpoint"], [*logs, *witnesses])
    if not {v.name for v in logs} & set(signed_by):
        raise note.NoteError("the checkpoint is not signed by the log's key")
    checkpoint = note.Checkpoint.parse(body)
    if checkpoint.origin != bundle["log"]["origin"]:
        raise note.NoteError(f"the checkpoint is of log {checkpoint.origin!r}, not the bundle's")
    report.size = checkpoint.size
    report.add(
        "OK",
        f"checkpoint of {checkpoint.origin} at size {checkpoint.size} signed, by {report.key}"
        + report.advice,
    )
    log_names = {v.name for v in logs}
    cosigners = [name for name in signed_by if name not in log_names]
    _, signatures = note.parse_note(bundle["checkpoint"])
    others = sorted({s.name for s in signatures} - log_names - set(cosigners))
    if cosigners:
        report.add("OK", f"cosigned by the witnesses {', '.join(cosigners)} (their keys given)")
    if others:
        report.add("OK", f"not checked (no key given): signatures of {', '.join(others)}")
    return checkpoint


def _quorum(checkpoint: str, policy: Policy, report: Report) -> None:
    cosigners = policy.cosigners(checkpoint)
    names = ", ".join(cosigners) or "no witness"
    if policy.satisfied(cosigners):
        report.add("OK", f"the policy's quorum ({policy.describe()}) is met: {names}")
    else:
        report.add("FAIL", f"the policy needs {policy.describe()}; cosigned by {names}")


def _entry(
    bundle: dict[str, Any],
    checkpoint: note.Checkpoint,
    seq: int,
    entry: dict[str, Any],
    previous: tuple[int, bytes] | None,
    report: Report,
) -> tuple[int, bytes]:
    """Check one entry; return its (index, leaf hash) for the next entry's ``prev``."""
    leaf_text: str = entry["leaf"]
    leaf_bytes = leaf_text.encode("utf-8")
    h = merkle.leaf_hash(leaf_bytes)
    proof = checkpoints.parse_proof(entry["proof"])
    if proof.checkpoint != bundle["checkpoint"]:
        raise ValueError("its tlog-proof carries another checkpoint than the bundle's")
    merkle.verify_inclusion(proof.index, checkpoint.size, h, proof.hashes, checkpoint.root_hash)
    leaf = json.loads(leaf_text)
    where = f"entry {seq} (log index {proof.index}, {leaf['kind']}, {leaf['time']})"
    if leaf["log"] != checkpoint.origin or leaf["subject"] != bundle["passport"]["uri"]:
        raise ValueError(f"{where}: the leaf is of another log or another passport")
    expected = (
        None if previous is None else {"index": previous[0], "leaf_sha256": previous[1].hex()}
    )
    if leaf["seq"] != seq or leaf["prev"] != expected:
        raise ValueError(f"{where}: the leaf is not the one after the entry before it")
    report.add("OK", f"{where}: in the log, by {leaf['actor']}")
    if isinstance(entry.get("content"), str):
        if content_sha256(entry["content"]) != leaf["content"]["sha256"]:
            report.add("FAIL", f"{where}: the content does not hash to what the leaf commits")
            return proof.index, h
        what = "event" if leaf["kind"].startswith("dpp.event.") else "document"
        report.add("OK", f"{where}: the {what} is the one the leaf commits to{_bound(entry)}")
        _passport_id(bundle, seq, entry["content"])
    else:
        reason = entry["withheld"].get("reason", "")
        report.add("WITHHELD", f"{where}: its content is not in this bundle: {reason}")
    return proof.index, h


def _bound(entry: dict[str, Any]) -> str:
    try:
        content = json.loads(entry["content"])
    except ValueError:
        return ""
    return (
        " (with the passport's id)" if isinstance(content, dict) and "passport" in content else ""
    )


def _passport_id(bundle: dict[str, Any], seq: int, text: str) -> None:
    """A first version commits the passport's public id: it must be the bundle's."""
    content = json.loads(text)
    if seq == 0 and isinstance(content, dict) and "passport" in content:
        if content["passport"] != bundle["passport"].get("id"):
            raise ValueError("the first version commits another passport id than the bundle's")
