"""The credential signed: a passport served as ``application/vc+jwt``.

The registry's VC key signs on behalf of the issuing organisation, under a ``kid`` in that
organisation's DID document (:mod:`passport.signing.registry`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from passport.config import Settings
from passport.credentials.reading import Reading, read
from passport.disclosure.tiers import Tier
from passport.models import Passport
from passport.signing.jose import sign_vc_jwt
from passport.signing.keys import load_key
from passport.signing.registry import check_base_url, vc_kid

__all__ = ["VC_JWT", "sign_reading", "signed_credential"]

VC_JWT = "application/vc+jwt"


def signed_credential(
    session: Session,
    settings: Settings,
    passport: Passport,
    version: int | None = None,
    *,
    tier: Tier,
) -> str:
    """The passport (or one version) as a VC-JOSE-COSE compact JWS signed by the VC key: the
    view ``tier`` may see, signed for that reader (one signature per tier until SD-JWT)."""
    return sign_reading(
        settings, passport, read(session, settings.base_url, passport, version, tier=tier)
    )


def sign_reading(settings: Settings, passport: Passport, seen: Reading) -> str:
    """One tier's view of the passport, read already, signed by the VC key."""
    document = seen.credential
    check_base_url(settings.base_url)  # else the kid would name an unresolvable DID
    return sign_vc_jwt(document, load_key(settings, "vc"), vc_kid(settings, passport.issuer))
