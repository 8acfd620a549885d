"""The documents a mirrored passport's leaves commit to, fetched from the origin's public API
and checked against those leaves before they are kept.

What a leaf's ``content.sha256`` covers (``passport.ledger.log``) decides what can be checked:

* an **event** commits its fields bare (``log.event_content``), and its public JSON lists every
  one of them, so the mirror re-derives the digest and keeps the listing only if each event
  matches its leaf. An event with battery measurements is the exception: it is salted, and
  the salt and the measurements are withheld from the public, so its digest cannot match:
  such a passport's events are refused (and retried at each sync) rather than kept unchecked.
* a **version** commits its stored document *with a random salt that is never served* (so a
  guesser cannot test restricted values against the public digest). No public view can be
  checked against it. The mirror checks instead that the credential is the one the origin
  signs for the public (its VC-JWT, verified with the key the issuer's did:web document at
  the origin names) and keeps both, byte for byte: one pair per version leaf.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from passport.errors import MirrorRefused
from passport.ledger import client, log
from passport.routes import LOG, Routes
from passport.routes import REGISTRY_DID as REGISTRY
from passport.signing.did import verify_vc_jwt_with_did
from passport.signing.jose import CredentialError

Get = Callable[[str], bytes]
VERSION_KINDS = ("dpp.issued", "dpp.version", "dpp.withdrawn")
EVENT_KIND = "dpp.event."
JSON_LD = "application/ld+json"
JSON = "application/json"
VC_JWT = "application/vc+jwt"


@dataclass(frozen=True)
class Leaf:
    kind: str
    sha256: str


@dataclass(frozen=True)
class Fetched:
    """What the mirror keeps of one passport: its id, the new versions' credentials (number ->
    JSON-LD bytes and VC-JWT bytes) and its events listing with the committed events only (and
    how many)."""

    passport_id: str
    versions: dict[int, tuple[bytes, bytes]]
    dids: dict[str, bytes]  # path -> the DID document that verified a VC-JWT, as served
    events: bytes
    event_count: int


def leaf_facts(leaf: bytes, log_origin: str) -> tuple[str, str, str]:
    """(subject, kind, content digest) of a mirrored leaf; refused if it is of another log."""
    try:
        entry = json.loads(leaf)
        subject, kind, digest = entry["subject"], entry["kind"], entry["content"]["sha256"]
        own = entry["log"]
    except (ValueError, KeyError, TypeError):
        raise MirrorRefused("a leaf of the origin's log is not a Kreislauf log entry") from None
    if own != log_origin:
        raise MirrorRefused(f"a leaf names the log {own!r}, not {log_origin!r}")
    return str(subject), str(kind), str(digest)


def passport_id(base: str, subject: str, get: Get) -> str:
    """The origin's API id of the passport with URI ``subject``, through its resolver (the
    URI names the origin's public base URL, which may differ from the address mirrored)."""
    parts = urlsplit(subject)
    query = f"?{parts.query}" if parts.query else ""
    try:
        return client.passport_address(f"{base}{parts.path}{query}", get)[1]
    except ValueError as exc:
        raise MirrorRefused(f"the origin does not resolve {subject}: {exc}") from None


def fetch(
    base: str, log_origin: str, pid: str, leaves: Sequence[Leaf], have: int, get: Get
) -> Fetched:
    """The documents of passport ``pid`` that ``leaves`` (all of its mirrored leaves, in log
    order) commit to, but the first ``have`` versions, which the mirror holds already."""
    at = Routes(base)
    count = sum(1 for leaf in leaves if leaf.kind in VERSION_KINDS)
    versions = {}
    dids: dict[str, bytes] = {}
    for number in range(have + 1, count + 1):
        url = at.version(pid, number)
        body = get(url)
        token = get(f"{url}&format=jwt")
        _check_version(body, token, url, _resolver(base, log_origin, get, dids))
        versions[number] = (body, token)
    events = [leaf for leaf in leaves if leaf.kind.startswith(EVENT_KIND)]
    listing = json.loads(get(at.events(pid) + "?format=json"))
    served = listing.get("events")
    if not isinstance(served, list) or len(served) < len(events):
        raise MirrorRefused(f"passport {pid}: the origin lists fewer events than its log holds")
    for leaf, event in zip(events, served, strict=False):
        check_event(pid, event, leaf)
    listing["events"] = served[: len(events)]  # events newer than the mirrored checkpoint wait
    body = json.dumps(listing, ensure_ascii=False, separators=(",", ":")).encode()
    return Fetched(pid, versions, dids, body, len(events))


def _check_version(body: bytes, token: bytes, url: str, resolve: Resolver) -> None:
    try:
        document = json.loads(body)
    except ValueError:
        raise MirrorRefused(f"{url} is not a JSON document") from None
    try:
        signed = verify_vc_jwt_with_did(token.decode("ascii"), resolve)
    except (CredentialError, UnicodeDecodeError, OSError, LookupError) as exc:
        raise MirrorRefused(f"{url}: its VC-JWT does not verify: {exc}") from None
    if signed != document:
        raise MirrorRefused(f"{url} is not the credential its issuer signed")
    # The id names the origin's public base URL, which may differ from the address mirrored.
    named = urlsplit(str(document.get("id", ""))) if isinstance(document, dict) else None
    wanted = urlsplit(url)
    if named is None or (named.path, named.query) != (wanted.path, wanted.query):
        raise MirrorRefused(f"{url} is not the credential of that version")


Resolver = Callable[[str], dict[str, Any]]


def _resolver(base: str, log_origin: str, get: Get, kept: dict[str, bytes]) -> Resolver:
    """did:web documents of the origin (its own and its organisations'), fetched from the
    mirrored address (a DID of any other host is not the origin's to vouch for) and kept in
    ``kept`` by path, so that the mirror can serve them when the origin is gone."""
    public_host = log_origin.removesuffix(LOG)
    parts = urlsplit(base)

    def resolve(did: str) -> dict[str, Any]:
        if not did.startswith("did:web:"):
            raise LookupError(f"{did} is not a did:web")
        host, *segments = did.removeprefix("did:web:").split(":")
        if unquote(host) != public_host:
            raise LookupError(f"{did} is not of the origin {public_host}")
        path = "/" + "/".join(unquote(s) for s in segments) + "/did.json" if segments else REGISTRY
        data = get(f"{parts.scheme}://{parts.netloc}{path}")
        found = json.loads(data)
        if not isinstance(found, dict):
            raise LookupError(f"{did}'s document is not a JSON object")
        kept[path] = data
        return found

    return resolve


def check_event(pid: str, event: Any, leaf: Leaf) -> None:
    """Refuse ``event`` (its public JSON) unless it is what ``leaf`` commits to."""
    try:
        kind = EVENT_KIND + event["type"]
        digest = log.content_sha256(committed_event(event))
    except (KeyError, TypeError, ValueError):
        raise MirrorRefused(f"passport {pid}: an event of the origin is malformed") from None
    if kind != leaf.kind or digest != leaf.sha256:
        seq = event.get("seq")
        raise MirrorRefused(
            f"passport {pid}: event {seq} is not what the origin's log commits to "
            "(changed, or it holds measurements withheld from the public)"
        )


def committed_event(event: dict[str, Any]) -> dict[str, Any]:
    """The fields an event's leaf digests (``log.event_content``), from its public JSON."""
    event_time = str(event["eventTime"])
    recorded = str(event["recordedAt"]).replace("Z", "+00:00")
    return {
        "seq": event["seq"],
        "type": event["type"],
        "eventID": event["eventID"],
        "bizStep": event["bizStep"],
        "disposition": event["disposition"],
        "eventTime": log.format_time(datetime.fromisoformat(event_time)),
        "timeOffset": event_time[-6:],
        "recordedAt": log.format_time(datetime.fromisoformat(recorded)),
        "details": event[event["type"]],
        "corrects": event.get("corrects"),
        "related": event.get("relatedPassport"),
    }
