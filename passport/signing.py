"""Passports signed as ``application/vc+jwt`` and the did:web documents that verify them.

The registry holds one VC key (passport.keys) and signs every passport with it *on behalf of*
the issuing organisation: a credential's ``issuer.id`` is the organisation's DID under the
registry (``did:web:<registry>:orgs:<id>``), the JWS ``kid`` is ``<that DID>#vc-<thumbprint>``,
and the organisation's DID document (served by the registry at ``/orgs/<id>/did.json``) lists
the registry's VC key as its assertion method. The registry's own document
(``/.well-known/did.json``) lists its VC key as its assertion method and publishes its log key
in no verification relationship: checkpoint verifiers find it there, but no DID verifier accepts
a credential signed with it. Organisations hold no keys of their own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport import services
from passport.config import Settings
from passport.credentials import did_document, did_web, sign_vc_jwt
from passport.errors import NotFound, SigningUnavailable
from passport.keys import load_key
from passport.models import Organisation, Passport

__all__ = [
    "VC_JWT",
    "organisation_did_document",
    "registry_did_document",
    "signed_credential",
    "vc_kid",
]

VC_JWT = "application/vc+jwt"


def _check_base_url(base_url: str) -> None:
    try:
        did_web(base_url, allow_loopback_http=True)
    except ValueError as exc:
        raise SigningUnavailable(
            f"The registry's base URL {base_url} has no did:web form, so it cannot publish "
            "keys or sign passports; serve it over https (KREISLAUF_BASE_URL)."
        ) from exc


def _document(
    base_url: str, keys: dict[str, Any], other_keys: dict[str, Any] | None = None
) -> dict[str, Any]:
    _check_base_url(base_url)
    return did_document(base_url, keys, other_keys=other_keys, allow_loopback_http=True)


def registry_did_document(settings: Settings) -> dict[str, Any]:
    """The registry's DID document: its VC key as assertion method, then its log (checkpoint)
    key, published for checkpoint verifiers but in no verification relationship."""
    vc, log = load_key(settings, "vc"), load_key(settings, "log")
    return _document(
        settings.base_url,
        {f"vc-{vc.thumbprint()}": vc},
        other_keys={f"log-{log.thumbprint()}": log},
    )


def _organisation(session: Session, org_id: str) -> Organisation:
    org = session.scalars(select(Organisation).where(Organisation.public_id == org_id)).first()
    if org is None:
        raise NotFound(f"No organisation with id '{org_id}'.")
    return org


def organisation_did_document(session: Session, settings: Settings, org_id: str) -> dict[str, Any]:
    """An organisation's DID document: the registry's VC key, which signs for it."""
    org = _organisation(session, org_id)
    vc = load_key(settings, "vc")
    base = f"{settings.base_url}/orgs/{org.public_id}"
    return _document(base, {f"vc-{vc.thumbprint()}": vc})


def vc_kid(settings: Settings, org: Organisation) -> str:
    """The JWS ``kid``: a DID URL in the issuing organisation's DID document."""
    vc = load_key(settings, "vc")
    return f"{services.issuer_did(settings.base_url, org)}#vc-{vc.thumbprint()}"


def signed_credential(
    session: Session, settings: Settings, passport: Passport, version: int | None = None
) -> str:
    """The passport (or one version) as a VC-JOSE-COSE compact JWS signed by the VC key."""
    document = services.credential(session, settings.base_url, passport, version)
    _check_base_url(settings.base_url)  # else the kid would name an unresolvable DID
    return sign_vc_jwt(document, load_key(settings, "vc"), vc_kid(settings, passport.issuer))
