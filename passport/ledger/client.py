"""Check a passport's history against a registry's signed log, over HTTP (``verify-history``).

Fetches the passport's events, the registry's newest checkpoint and its log key (from its
did:web document), checks the checkpoint signature, then for each event fetches its tlog-proof
receipt and checks: the receipt's checkpoint is signed by the log key, the leaf is included in
it, the leaf is that passport's entry for that event type, and the receipt's tree is consistent
with the newest checkpoint. Only the standard library talks HTTP.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from passport.ledger import checkpoints, merkle, note
from passport.links import link_type_iri
from passport.routes import API, PASSPORT_PAGES, PASSPORTS, Routes

TIMEOUT = 30
# A passport's API address or its page: <registry>[/api/v1]/passports/<id>
PASSPORT_PATH = re.compile(rf"(?:{re.escape(API)})?{re.escape(PASSPORT_PAGES)}/([^/]+)/?")
EXPECTED = (
    f"give the passport's API address <registry>{PASSPORTS}/<id>, its page "
    f"<registry>{PASSPORT_PAGES}/<id>, or the address in its QR code"
)


def fetch(url: str) -> bytes:
    # JSON first: the registry then answers errors as RFC 9457 problems, not as HTML pages.
    request = urllib.request.Request(url, headers={"Accept": "application/json, */*;q=0.1"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - http(s)
        return bytes(response.read())


def post(url: str, body: bytes) -> tuple[int, str, bytes]:
    """POST ``body`` as text; the status, content type and body, for errors too (a witness's
    409 says its size in the body)."""
    _check_base(url)
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.headers.get_content_type(), bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), bytes(error.read())


@dataclass
class Result:
    lines: list[tuple[bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(ok for ok, _ in self.lines)


def _log_verifier(base: str, origin: str, get: Callable[[str], bytes]) -> note.Verifier:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    document = json.loads(get(Routes(base).registry_did_document))
    methods = [m for m in document.get("verificationMethod", []) if "#log-" in m.get("id", "")]
    if len(methods) != 1:
        raise note.NoteError("the registry's did.json has no single log key")
    x = methods[0]["publicKeyJwk"]["x"]
    raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    return note.Verifier(origin, Ed25519PublicKey.from_public_bytes(raw))


def log_verifier(
    base: str, origin: str, get: Callable[[str], bytes] | None = None
) -> note.Verifier:
    """The log key the registry at ``base`` publishes in its did:web document, for ``origin``."""
    return _log_verifier(base, origin, get or fetch)


def passport_address(url: str, get: Callable[[str], bytes] | None = None) -> tuple[str, str]:
    """The registry's origin and the id of the passport that ``url`` names.

    ``url`` is the passport's API address, its page, or the address its QR code carries (a GS1
    Digital Link such as ``<registry>/01/<gtin>/21/<serial>``, or a community ``/c/`` URI): the
    registry's resolver turns that into the passport through its linkset, whose ``gs1:dpp``
    link is the passport's API address.
    """
    get = get or fetch
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the passport URL must be http(s): {EXPECTED}")
    base = f"{parts.scheme}://{parts.netloc}"
    direct = PASSPORT_PATH.fullmatch(parts.path)
    if direct:
        return base, unquote(direct.group(1))
    query = f"{parts.query}&" if parts.query else ""
    try:
        body = json.loads(get(f"{base}{parts.path}?{query}linkType=linkset"))
    except urllib.error.HTTPError as exc:
        raise ValueError(f"{url} names no passport: {_problem(exc)}; {EXPECTED}") from None
    except json.JSONDecodeError:
        raise ValueError(f"{url} answered no GS1 linkset: {EXPECTED}") from None
    dpp = link_type_iri("gs1:dpp")
    hrefs = [link["href"] for ctx in body.get("linkset", [])[:1] for link in ctx.get(dpp, [])]
    # The link carries the registry's public base URL, which may differ from the address
    # fetched (a proxy, a test server): only its path is taken.
    found = PASSPORT_PATH.fullmatch(urlsplit(hrefs[0]).path) if hrefs else None
    if found is None:
        raise ValueError(f"the linkset of {url} has no passport (gs1:dpp) link: {EXPECTED}")
    return base, unquote(found.group(1))


def _problem(error: urllib.error.HTTPError) -> str:
    """The status and, from an RFC 9457 problem body, its detail."""
    try:
        detail = json.loads(error.read()).get("detail")
    except (OSError, ValueError, AttributeError):
        detail = None
    return f"{error.code} {detail or error.reason}"


def verify_history(passport_url: str, get: Callable[[str], bytes] | None = None) -> Result:
    """Check the history of the passport at ``passport_url`` (see ``passport_address``)."""
    get = get or fetch
    base, passport_id = passport_address(passport_url, get)
    result = Result()
    if not PASSPORT_PATH.fullmatch(urlsplit(passport_url).path):
        result.lines.append((True, f"{passport_url} resolves to passport {passport_id}"))
    at = Routes(base)
    latest_note = get(at.checkpoint).decode("utf-8")
    # The log is named by its public base URL, which may differ from the address fetched
    # (a proxy, a test server): the name comes from the checkpoint, the key from did.json.
    origin = note.Checkpoint.parse(note.parse_note(latest_note)[0]).origin
    verifier = _log_verifier(base, origin, get)
    text, _ = note.verify_note(latest_note, [verifier])
    latest = note.Checkpoint.parse(text)
    result.lines.append((True, f"checkpoint {latest.size} signed by {origin}"))
    try:
        history: dict[str, Any] = json.loads(get(at.events(passport_id)))
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
        raise ValueError(f"{base} has no passport {passport_id!r}: {EXPECTED}") from None
    subject = history["passport"]
    for event in history["events"]:
        seq = event["seq"]
        label = f"event {seq} ({event['type']})"
        try:
            receipt = get(at.event_receipt(passport_id, seq)).decode("utf-8")
            proof = checkpoints.parse_proof(receipt)
            if proof.extra is None:
                raise note.NoteError("the receipt carries no leaf")
            leaf = json.loads(proof.extra)
            if leaf.get("subject") != subject or leaf.get("kind") != f"dpp.event.{event['type']}":
                raise note.NoteError("the receipt's leaf is not this passport's event")
            if leaf.get("log") != origin:
                raise note.NoteError("the receipt's leaf belongs to another log")
            _, cp = checkpoints.verify_proof(receipt, merkle.leaf_hash(proof.extra), [verifier])
            if cp.origin != origin:
                raise note.NoteError("the receipt's checkpoint is of another log")
            _consistent(base, cp, latest, get)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            result.lines.append((False, f"{label}: {exc}"))
        else:
            result.lines.append((True, f"{label}: in the log at index {proof.index}"))
    return result


def _consistent(
    base: str, old: note.Checkpoint, new: note.Checkpoint, get: Callable[[str], bytes]
) -> None:
    """Check that the receipt's tree and the newest checkpoint's tree are one history."""
    small, large = (old, new) if old.size <= new.size else (new, old)
    if small.size == large.size:
        if small.root_hash != large.root_hash:
            raise merkle.ProofError("two checkpoints of one size have different roots")
        return
    if small.size == 0:
        return
    body = json.loads(get(Routes(base).consistency_proof(small.size, large.size)))
    hashes = [base64.b64decode(h) for h in body["hashes"]]
    merkle.verify_consistency(small.size, large.size, hashes, small.root_hash, large.root_hash)


# --- pull-mode witnessing (``kreislauf witness``) ----------------------------------------------


def fetch_checkpoint(base: str, get: Callable[[str], bytes] | None = None) -> tuple[str, str]:
    """The registry's newest checkpoint note and its (unverified) origin."""
    get = get or fetch
    _check_base(base)
    text = get(Routes(base).checkpoint).decode("utf-8")
    return text, note.Checkpoint.parse(note.parse_note(text)[0]).origin


def fetch_consistency(
    base: str, first: int, second: int, get: Callable[[str], bytes] | None = None
) -> list[bytes]:
    """The registry's consistency proof from tree size ``first`` to ``second``."""
    get = get or fetch
    _check_base(base)
    body = json.loads(get(Routes(base).consistency_proof(first, second)))
    return [base64.b64decode(h) for h in body["hashes"]]


def witness_request(
    base: str, old: int, checkpoint: str, get: Callable[[str], bytes] | None = None
) -> str:
    """The C2SP add-checkpoint body for ``checkpoint`` from the witness's size ``old``,
    with the consistency proof fetched from the registry at ``base`` (none from 0 or when
    the size has not changed)."""
    size = note.Checkpoint.parse(note.parse_note(checkpoint)[0]).size
    proof = fetch_consistency(base, old, size, get) if 0 < old < size else []
    return add_checkpoint_body(old, proof, checkpoint)


def add_checkpoint_body(old: int, proof: Sequence[bytes], checkpoint: str) -> str:
    """The C2SP tlog-witness add-checkpoint body: ``old N``, the consistency proof a hash a
    line, a blank line, the signed checkpoint."""
    lines = "".join(note.b64encode(h) + "\n" for h in proof)
    return f"old {old}\n{lines}\n{checkpoint}"


def _check_base(base: str) -> None:
    if urlsplit(base).scheme not in ("http", "https"):
        raise ValueError("the registry URL must be http(s)")
