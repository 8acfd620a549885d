"""did:web identifiers and DID documents: which keys a DID publishes and which may sign for it.

A DID document lists keys as JsonWebKey2020 verification methods; only those under
``assertionMethod`` may sign credentials (DID Core §5.3.2), so ``verify_vc_jwt_with_did``
accepts a credential only if its key is an assertion method of its issuer's DID.

Pure domain code: no Flask, no database, no network. DID resolution is a callback.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from passport.signing.jose import DEFAULT_ALGORITHMS, CredentialError, verify_vc_jwt
from passport.signing.keys import Ed25519Key

__all__ = [
    "assertion_key",
    "did_document",
    "did_web",
    "is_loopback_host",
    "verify_vc_jwt_with_did",
]

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]
# A DID resolver maps a DID to its DID document (for did:web, an HTTPS GET). It signals an
# unknown DID by raising LookupError (KeyError included) or CredentialError.
DocumentResolver = Callable[[str], Mapping[str, Any]]


def is_loopback_host(host: str | None) -> bool:
    """``localhost`` or an IPv4 loopback address (127.0.0.0/8)."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:  # a name such as 127.example.org is not an address
        return False


def did_web(base_url: str, *, allow_loopback_http: bool = False) -> str:
    """did:web for an HTTPS base URL.

    ``https://example.com`` -> ``did:web:example.com`` (document at /.well-known/did.json);
    ``https://example.com:3000/user/alice`` -> ``did:web:example.com%3A3000:user:alice``.

    ``allow_loopback_http`` also accepts ``http://`` for localhost/127.x hosts, for a registry
    run locally (``kreislauf demo``). The did:web spec knows only https, so a standard
    resolver would fetch https://127.0.0.1:5000/… and fail; the DID is then only resolvable
    by fetching the document from the registry's own base URL. Nothing else changes.
    """
    parts = urlsplit(base_url)
    scheme = parts.scheme.lower()
    loopback_http = allow_loopback_http and scheme == "http" and is_loopback_host(parts.hostname)
    # did:web is defined over HTTPS only; anything else would resolve to a different document.
    if (scheme != "https" and not loopback_http) or not parts.hostname:
        raise ValueError(f"did:web needs an https URL with a host: {base_url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(
            f"did:web base URL must not have credentials, query or fragment: {base_url!r}"
        )
    host = parts.hostname  # urlsplit lower-cases it; hosts are case-insensitive
    if not host.isascii():
        raise ValueError(f"did:web host must be ASCII (use the punycode form): {host!r}")
    if ":" in host:
        raise ValueError("did:web does not support IPv6 literal hosts")
    method_id = host if parts.port is None else f"{host}%3A{parts.port}"
    path = parts.path.rstrip("/")
    if path:
        segments = path[1:].split("/")  # path starts with exactly one "/" when valid
        if any(not s for s in segments):
            raise ValueError(f"did:web path has an empty segment: {base_url!r}")
        # ':' separates segments in the DID, so a literal one must stay percent-encoded.
        method_id += "".join(":" + quote(s, safe="-._~!$&'()*+,;=@%") for s in segments)
    return f"did:web:{method_id}"


def _check_kid_fragment(kid: str) -> None:
    if not kid or not re.fullmatch(r"[A-Za-z0-9._~!$&'()*+,;=:@/?-]+", kid):
        raise ValueError(f"key id is not a valid DID URL fragment: {kid!r}")


def did_document(
    base_url: str,
    keys: Mapping[str, Ed25519Key],
    *,
    other_keys: Mapping[str, Ed25519Key] | None = None,
    allow_loopback_http: bool = False,
) -> dict[str, Any]:
    """A DID Core document listing ``keys`` (kid -> key) as JsonWebKey2020 assertion methods.

    ``other_keys`` are published under ``verificationMethod`` only, in no verification
    relationship: anyone can fetch them (the log key, for checkpoint verifiers), but the DID
    authorises none of them to sign credentials, so ``verify_vc_jwt_with_did`` (and any DID
    verifier that checks ``assertionMethod``) refuses a credential signed with one.
    Keys keep the mappings' order, so the first one is the one clients see first.
    ``allow_loopback_http`` is passed to :func:`did_web`.
    """
    did = did_web(base_url, allow_loopback_http=allow_loopback_http)
    methods = []
    for kid, key in [*keys.items(), *(other_keys or {}).items()]:
        _check_kid_fragment(kid)
        methods.append(
            {
                "id": f"{did}#{kid}",
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": key.public_jwk(),
            }
        )
    if len({m["id"] for m in methods}) != len(methods):
        raise ValueError("a key id is listed twice")
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [f"{did}#{kid}" for kid in keys],
    }


def assertion_key(document: Mapping[str, Any], kid: str) -> Mapping[str, Any]:
    """The public JWK of ``kid`` if ``document`` authorises it to sign credentials.

    That is, if ``kid`` is a DID URL of the document's own DID and is listed under
    ``assertionMethod`` (DID Core §5.3.2), by reference (absolute or relative) or embedded.
    A key that is only published (under ``verificationMethod``) or serves another relationship
    is refused: a registry's log key verifies checkpoints, never passports.
    """
    did = document.get("id")
    if not isinstance(did, str) or kid.partition("#")[0] != did:
        raise CredentialError(f"key {kid!r} is not in the DID document of {did!r}")

    def entries(name: str) -> list[Any]:
        value = document.get(name)
        return value if isinstance(value, list) else []

    def absolute(reference: Any) -> Any:
        return did + reference if isinstance(reference, str) and reference[:1] == "#" else reference

    method: Any = None
    for entry in entries("assertionMethod"):
        if isinstance(entry, Mapping) and absolute(entry.get("id")) == kid:
            method = entry  # embedded: usable for this relationship only
            break
        if absolute(entry) == kid:
            method = next(
                (
                    m
                    for m in entries("verificationMethod")
                    if isinstance(m, Mapping) and absolute(m.get("id")) == kid
                ),
                None,
            )
            break
    else:
        raise CredentialError(f"key {kid!r} is not an assertion method of {did}")
    jwk = method.get("publicKeyJwk") if isinstance(method, Mapping) else None
    if not isinstance(jwk, Mapping):
        raise CredentialError(f"assertion method {kid!r} has no publicKeyJwk")
    return jwk


def verify_vc_jwt_with_did(
    token: str,
    resolve_document: DocumentResolver,
    *,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> dict[str, Any]:
    """Verify a credential whose ``kid`` is a DID URL against that DID's document.

    The key must be an assertion method of the DID (:func:`assertion_key`), and that DID must be
    the credential's issuer: a key in its role, of the party the credential names. Everything
    else is :func:`verify_vc_jwt`.
    """
    signers: list[str] = []

    def resolve_key(kid: str) -> Mapping[str, Any]:
        did, _, fragment = kid.partition("#")
        if not did.startswith("did:") or not fragment:
            raise CredentialError(f"kid {kid!r} is not a DID URL with a fragment")
        signers.append(did)
        return assertion_key(resolve_document(did), kid)

    credential = verify_vc_jwt(token, resolve_key, algorithms=algorithms)
    issuer = credential["issuer"]
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != signers[0]:
        raise CredentialError(f"signed with a key of {signers[0]}, not of the issuer {issuer_id}")
    return credential
