"""The credential signed: a passport served as ``application/vc+jwt`` (one signature per tier's
view) or as ``application/vc+sd-jwt`` (signed once, each reader given what its tier may see).

The registry's VC key signs on behalf of the issuing organisation, under a ``kid`` in that
organisation's DID document (:mod:`passport.signing.registry`).

For the SD-JWT, every restricted claim of the issuer's view (``Reading.restrictions``) becomes
selectively disclosable, in the UNTP version the reader asks for (0.7.0 by default: its places
in the 0.7.0 Product are ``passport.credentials.untp07_paths``). Its salts are an HMAC, keyed
by a secret derived from the VC key, of the credential's id (the version's address) and the
claim's path: re-serving a version gives the same issuer-signed JWT to every reader, and nobody
without the key can guess a restricted value from its digest. Nothing is stored; a new VC key
gives new salts (and new signatures).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from passport.config import Settings
from passport.credentials import untp07_paths
from passport.credentials.reading import MEASUREMENTS, Reading, in_version, read
from passport.credentials.untp07 import DEFAULT, V061
from passport.disclosure.tiers import Tier
from passport.models import Passport
from passport.signing.jose import sign_vc_jwt
from passport.signing.keys import load_key
from passport.signing.registry import check_base_url, vc_kid
from passport.signing.sd_jwt import Issued, Path, issue, salt_secret, salts

__all__ = [
    "VC_JWT",
    "VC_SD_JWT",
    "disclose_reading",
    "issue_reading",
    "sign_reading",
    "signed_credential",
]

VC_JWT = "application/vc+jwt"
VC_SD_JWT = "application/vc+sd-jwt"


def signed_credential(
    session: Session,
    settings: Settings,
    passport: Passport,
    version: int | None = None,
    *,
    tier: Tier,
) -> str:
    """The passport (or one version) as a VC-JOSE-COSE compact JWS signed by the VC key: the
    view ``tier`` may see, signed for that reader (one signature per tier)."""
    return sign_reading(
        settings, passport, read(session, settings.base_url, passport, version, tier=tier)
    )


def sign_reading(settings: Settings, passport: Passport, seen: Reading) -> str:
    """One tier's view of the passport, read already, signed by the VC key."""
    document = seen.credential
    check_base_url(settings.base_url)  # else the kid would name an unresolvable DID
    return sign_vc_jwt(document, load_key(settings, "vc"), vc_kid(settings, passport.issuer))


def disclose_reading(
    session: Session, settings: Settings, passport: Passport, seen: Reading, untp: str = DEFAULT
) -> str:
    """The version ``seen`` reads as an SD-JWT in UNTP ``untp``, with the disclosures
    ``seen.tier`` may see."""
    version = seen.credential["passportVersion"]
    full = read(session, settings.base_url, passport, version, tier=Tier.ISSUER)
    issued, needs = issue_reading(settings, passport, full, untp)
    return issued.present(p for p in issued.disclosures if _sees(seen.tier, p, needs))


def issue_reading(
    settings: Settings, passport: Passport, full: Reading, untp: str = DEFAULT
) -> tuple[Issued, dict[Path, list[Tier]]]:
    """The issuer's view (read as stored, 0.6.1) signed once as an SD-JWT in UNTP ``untp``,
    and the tiers each disclosure needs."""
    check_base_url(settings.base_url)
    stored = full.credential["credentialSubject"]
    if untp != V061:
        full = in_version(full, settings.base_url, untp, passport)
    document = full.credential
    needs: dict[Path, list[Tier]] = defaultdict(list)
    for restriction in full.restrictions:
        steps = restriction.steps
        start: Path = () if restriction == MEASUREMENTS else ("credentialSubject",)
        moved: list[Sequence[str]] = [steps]
        if untp != V061 and start:
            # A member served as sent (passport.credentials.as_sent) is disclosed whole.
            places = untp07_paths.places(steps, stored)
            moved = [p[:1] if p and p[0] in full.as_sent else p for p in places]
        for place in moved:
            for path in _places(document, start, place):
                needs[path].append(restriction.tier)
    key = load_key(settings, "vc")
    salt = salts(salt_secret(key), document["id"])
    issued = issue(document, needs, salt, key, vc_kid(settings, passport.issuer))
    return issued, dict(needs)


def _sees(tier: Tier, path: Path, needs: dict[Path, list[Tier]]) -> bool:
    """Whether ``tier`` may see the claim at ``path`` and every disclosable claim around it."""
    return all(
        tier.sees(needed)
        for place, tiers in needs.items()
        if place == path[: len(place)]
        for needed in tiers
    )


def _places(node: Any, at: Path, steps: Sequence[str]) -> Iterator[Path]:
    """The concrete paths (``*`` expanded) a restriction's steps name in ``node``."""
    for step in at:
        node = node[step]
    yield from _walk(node, at, list(steps))


def _walk(node: Any, at: Path, steps: list[str]) -> Iterator[Path]:
    if not steps:
        yield at
        return
    step, rest = steps[0], steps[1:]
    if isinstance(node, list):
        indices = range(len(node)) if step == "*" else [int(step)] if step.isdigit() else []
        for index in indices:
            if index < len(node):
                yield from _walk(node[index], (*at, index), rest)
    elif isinstance(node, dict) and step in node:
        yield from _walk(node[step], (*at, step), rest)
