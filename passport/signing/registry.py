"""The registry's DIDs: its own, each organisation's under it, and the documents that publish
their keys.

The registry holds one VC key (:mod:`passport.signing.keys`) and signs every passport with it
*on behalf of* the issuing organisation: an organisation's DID is the registry's plus
``:orgs:<id>`` (:func:`issuer_did`), the JWS ``kid`` is ``<that DID>#vc-<thumbprint>``
(:func:`vc_kid`), and the organisation's DID document (served by the registry at
``/orgs/<id>/did.json``) lists the registry's VC key as its assertion method. The registry's own
document (``/.well-known/did.json``) lists its VC key as its assertion method and publishes its
log key in no verification relationship: checkpoint verifiers find it there, but no DID verifier
accepts a credential signed with it. Organisations hold no keys of their own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.config import Settings
from passport.errors import NotFound, SigningUnavailable
from passport.models import Organisation
from passport.routes import Routes
from passport.signing.did import did_document, did_web
from passport.signing.keys import load_key

__all__ = [
    "check_base_url",
    "issuer_did",
    "organisation_did_document",
    "registry_did_document",
    "vc_kid",
]


def issuer_did(base_url: str, org: Organisation) -> str:
    """did:web of an organisation under this registry: the registry's DID plus ``:orgs:<id>``.

    Its document is served at ``Routes.organisation_did_document``. A base URL did:web cannot
    express (plain http off loopback) keeps the host-only form, unresolvable.
    """
    try:
        return did_web(Routes(base_url).organisation(org.public_id), allow_loopback_http=True)
    except ValueError:
        host = urlsplit(base_url).netloc.replace(":", "%3A")
        return f"did:web:{host}:orgs:{org.public_id}"


def check_base_url(base_url: str) -> None:
    """Refuse to publish keys or sign under a base URL that has no did:web form."""
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
    check_base_url(base_url)
    return did_document(base_url, keys, other_keys=other_keys, allow_loopback_http=True)


def registry_did_document(settings: Settings) -> dict[str, Any]:
    """The registry's DID document: its VC key as assertion method, then its log (checkpoint)
    key, published for checkpoint verifiers but in no verification relationship."""
    vc, log = load_key(settings, "vc"), load_key(settings, "log")
    document = _document(
        settings.base_url,
        {f"vc-{vc.thumbprint()}": vc},
        other_keys={f"log-{log.thumbprint()}": log},
    )
    # The registries that mirror this one (KREISLAUF_MIRRORS) as DID services: where each
    # serves this registry's paths, as /.well-known/gs1resolver names them too.
    host = Routes(settings.base_url).host
    mirrors = [f"{Routes(mirror).mirrored(host)}/" for mirror in settings.mirrors]
    services = [
        {"id": f"{document['id']}#mirror-{n}", "type": "KreislaufMirror", "serviceEndpoint": url}
        for n, url in enumerate(mirrors, 1)
    ]
    return document | ({"service": services} if services else {})


def _organisation(session: Session, org_id: str) -> Organisation:
    org = session.scalars(select(Organisation).where(Organisation.public_id == org_id)).first()
    if org is None:
        raise NotFound(f"No organisation with id '{org_id}'.")
    return org


def organisation_did_document(session: Session, settings: Settings, org_id: str) -> dict[str, Any]:
    """An organisation's DID document: the registry's VC key, which signs for it."""
    org = _organisation(session, org_id)
    vc = load_key(settings, "vc")
    base = Routes(settings.base_url).organisation(org.public_id)
    return _document(base, {f"vc-{vc.thumbprint()}": vc})


def vc_kid(settings: Settings, org: Organisation) -> str:
    """The JWS ``kid``: a DID URL in the issuing organisation's DID document."""
    vc = load_key(settings, "vc")
    return f"{issuer_did(settings.base_url, org)}#vc-{vc.thumbprint()}"
