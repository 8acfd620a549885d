"""VC-JOSE-COSE (VC-JWT): signing a credential as a compact JWS and verifying one, with the
canonical JSON (RFC 8785) and strict base64url they are made of.

Passports are W3C VC 2.0 credentials secured with the VC-JOSE-COSE *enveloping* proof: a compact
JWS whose payload is the credential JSON itself (no ``vc`` wrapper claim). The registry signs
with Ed25519 only (header ``alg`` "EdDSA", see ``SIGNING_ALG``); verification accepts "EdDSA"
and "Ed25519" by default and ECDSA (ES256/ES384/ES512) only when a caller opts in, because other
issuers in the W3C test suite use those curves but our own policy is one algorithm. Which keys
may sign for a DID is :mod:`passport.signing.did`. See shared/notes/tamper-evidence.md §6.

Pure domain code: no Flask, no database, no network. Key lookup is a callback.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Collection, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, cast

import rfc8785

if TYPE_CHECKING:  # cryptography loads with the first key used: reads sign nothing (memory)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey
    # A resolver maps a JWS ``kid`` to a key object or a public JWK. It signals "unknown kid"
    # by returning None or raising LookupError (KeyError included).
    KeyResolver = Callable[[str], PublicKey | Mapping[str, Any] | None]

__all__ = [
    "CredentialError",
    "DEFAULT_ALGORITHMS",
    "ECDSA_ALGORITHMS",
    "PublicKey",
    "SIGNING_ALG",
    "Signer",
    "VC_V2_CONTEXT",
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "sign_vc_jwt",
    "verify_vc_jwt",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


# RFC 9864 (October 2025) deprecates the polymorphic "EdDSA" and registers the fully-specified
# "Ed25519" for the same signature. Both verify here. We still *emit* "EdDSA": the W3C
# VC-JOSE-COSE test suite signs its Ed25519 credentials with it, and widely used verifiers
# (PyJWT 2.15.1, Nimbus JOSE+JWT) still refuse "Ed25519" as an unknown alg, while those that
# know "Ed25519" (panva/jose, joserfc, jwcrypto 1.5.7+) still accept "EdDSA".
# Switch when the first group accepts it: the token bytes are not logged, so nothing breaks.
SIGNING_ALG = "EdDSA"
EDDSA_ALGORITHMS = frozenset({"EdDSA", "Ed25519"})
DEFAULT_ALGORITHMS = EDDSA_ALGORITHMS
ECDSA_ALGORITHMS = frozenset({"ES256", "ES384", "ES512"})
_EC_CURVE_NAMES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


@cache
def _ecdsa(alg: str) -> tuple[ec.EllipticCurve, hashes.HashAlgorithm, int]:
    """alg -> (curve, hash, coordinate/scalar byte length). JWS ECDSA signatures are raw r||s."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    table: dict[str, tuple[ec.EllipticCurve, hashes.HashAlgorithm, int]] = {
        "ES256": (ec.SECP256R1(), hashes.SHA256(), 32),
        "ES384": (ec.SECP384R1(), hashes.SHA384(), 48),
        "ES512": (ec.SECP521R1(), hashes.SHA512(), 66),
    }
    return table[alg]


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class CredentialError(ValueError):
    """A credential, token or key was rejected; the message says why."""


# --- JCS ---------------------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON (UTF-8 bytes).

    Delegates to ``rfc8785`` (Trail of Bits), which reproduces every cyberphone vector: ECMAScript
    number formatting and UTF-16 code-unit key order are exactly where hand-rolled
    ``json.dumps(sort_keys=True)`` goes wrong. Raises ``rfc8785.CanonicalizationError`` (a
    ValueError) for NaN/Infinity and integers beyond 2**53, which JCS cannot represent exactly.

    Fast path: ``json.dumps`` (in C) writes the same bytes as JCS whenever nothing in its output
    can differ — JCS escapes strings exactly as ``json`` does without ``ensure_ascii`` — so it
    is used unless the output holds a number in exponent form, a float ending in ``.0`` (JCS
    writes ``1``, ``json`` ``1.0``), one of 16 digits or more (an integer JCS may refuse), a
    character from U+E000 on (where UTF-16 key order can differ from code-point order) or
    anything ``json`` refuses (NaN, a lone surrogate): then ``rfc8785`` decides, as before.
    Found in a string, these only send the value down the slow path. (Object keys must be
    strings, as JSON's are.) Hashing log leaves and documents spent most of its time here.
    """
    try:
        text = json.dumps(
            value, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
        )
        if not _JCS_MAY_DIFFER.search(text) and (text.isascii() or max(text) < "\ue000"):
            return text.encode("utf-8")
    except (TypeError, ValueError):  # ValueError: NaN, Infinity or a lone surrogate
        pass
    return rfc8785.dumps(value)


# A number token (it follows "[", ":" or ",", or starts the text) in exponent form, ending in
# ".0", or of 16 digits or more; the same characters inside a string only cost the slow path.
_JCS_MAY_DIFFER = re.compile(r"(?:^|[\[:,])-?(?:[0-9.]*[eE]|[0-9]+\.0(?![0-9])|[0-9]{16})")


# --- base64url -----------------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, what: str = "value") -> bytes:
    """Strict base64url: no padding, no stray characters, canonical trailing bits.

    Strictness matters because a lenient decoder lets several distinct strings map to the same
    bytes, so "the exact token bytes" the log commits to would no longer be unique.
    """
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise CredentialError(f"{what} is not valid base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CredentialError(f"{what} is not valid base64url") from exc
    if b64url_encode(data) != text:
        raise CredentialError(f"{what} is not canonical base64url")
    return data


class Signer(Protocol):
    """What signs a JWS: an Ed25519 key (:class:`passport.signing.keys.Ed25519Key`)."""

    def sign(self, data: bytes) -> bytes: ...


# --- VC-JWT --------------------------------------------------------------------------------------


def _credential_problem(payload: Any) -> str | None:
    """Why ``payload`` is not an unsecured VC 2.0 credential, or None if it looks like one."""
    if not isinstance(payload, dict):
        return "payload is not a JSON object"
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        return f"payload @context must start with {VC_V2_CONTEXT}"
    types = payload.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "payload type does not include VerifiableCredential"
    if "VerifiablePresentation" in types:
        return "payload is a presentation, not a credential"
    # VC 2.0 JOSE forbids the VC 1.1 JWT wrapper claims (test-suite case 15).
    for claim in ("vc", "vp"):
        if claim in payload:
            return f"payload has a {claim!r} claim (VC 1.1 JWT encoding is not accepted)"
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        return "payload has no issuer"
    # An `iss` claim that disagrees with `issuer` would let JWT-only and VC-only consumers
    # see different issuers for the same token.
    if "iss" in payload and payload["iss"] != issuer_id:
        return "JWT iss does not match the credential issuer"
    return None


def sign_vc_jwt(
    credential: Mapping[str, Any], key: Signer, kid: str, *, typ: str = "vc+jwt"
) -> str:
    """Secure ``credential`` as a VC-JOSE-COSE compact JWS (``application/vc+jwt``; ``typ``
    "vc+sd-jwt" for the issuer-signed part of an SD-JWT, :mod:`passport.signing.sd_jwt`).

    ``kid`` should be a DID URL (``did:web:…#<thumbprint>``); verifiers resolve it to the key.
    Header and payload are JCS-encoded so the token is a deterministic function of its inputs
    (Ed25519 is deterministic too): re-signing yields the same bytes and hence the same log leaf.
    """
    if not isinstance(kid, str) or not kid:
        raise CredentialError("kid is required")
    problem = _credential_problem(dict(credential))
    if problem:
        raise CredentialError(f"not a verifiable credential: {problem}")
    header = {"alg": SIGNING_ALG, "typ": typ, "cty": "vc", "kid": kid}
    try:
        payload = canonical_json(dict(credential))
    except rfc8785.CanonicalizationError as exc:
        # e.g. a float NaN or an integer beyond 2**53: encode such values as strings instead.
        raise CredentialError(f"credential is not canonical-JSON encodable: {exc}") from exc
    signing_input = f"{b64url_encode(canonical_json(header))}.{b64url_encode(payload)}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def _parse_json_segment(segment: str, what: str) -> Any:
    raw = b64url_decode(segment, what)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        # Duplicate names are parsed differently by different libraries (first vs last wins),
        # which is a classic signature-confusion vector, so refuse them outright.
        result: dict[str, Any] = {}
        for name, value in pairs:
            if name in result:
                raise CredentialError(f"{what} has duplicate member {name!r}")
            result[name] = value
        return result

    def no_constants(name: str) -> Any:
        raise CredentialError(f"{what} contains {name}, which is not JSON")

    try:
        return json.loads(
            raw.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants
        )
    except UnicodeDecodeError as exc:
        raise CredentialError(f"{what} is not UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise CredentialError(f"{what} is not JSON: {exc.msg}") from exc


def _jwk_to_key(jwk: Mapping[str, Any]) -> PublicKey:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        x = b64url_decode(jwk.get("x", ""), "JWK x")
        if len(x) != 32:
            raise CredentialError("Ed25519 JWK x must be 32 bytes")
        return Ed25519PublicKey.from_public_bytes(x)
    if kty == "EC":
        for alg, name in _EC_CURVE_NAMES.items():
            if crv == name:
                curve, _, size = _ecdsa(alg)
                x = b64url_decode(jwk.get("x", ""), "JWK x")
                y = b64url_decode(jwk.get("y", ""), "JWK y")
                if len(x) != size or len(y) != size:
                    raise CredentialError(f"{crv} JWK coordinates must be {size} bytes")
                try:
                    # from_encoded_point checks the point is on the curve (invalid-curve attacks).
                    return ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)
                except ValueError as exc:
                    raise CredentialError(f"{crv} JWK is not a valid curve point") from exc
    raise CredentialError(f"unsupported JWK key type {kty!r}/{crv!r}")


def _resolve(kid: str, alg: str, resolve_key: KeyResolver) -> PublicKey:
    try:
        found = resolve_key(kid)
    except LookupError as exc:
        raise CredentialError(f"unknown kid {kid!r}") from exc
    if found is None:
        raise CredentialError(f"unknown kid {kid!r}")
    if isinstance(found, Mapping):
        jwk_alg = found.get("alg")
        # A JWK pinned to one algorithm must not be used with another (key/alg confusion).
        if jwk_alg is not None and jwk_alg != alg and {jwk_alg, alg} != set(EDDSA_ALGORITHMS):
            raise CredentialError(f"key {kid!r} is for {jwk_alg}, token uses {alg}")
        return _jwk_to_key(found)
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(found, Ed25519PublicKey | ec.EllipticCurvePublicKey):
        return found
    raise CredentialError(f"resolver returned an unsupported key object for {kid!r}")


def _check_signature(alg: str, key: PublicKey, signature: bytes, data: bytes) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        if alg in EDDSA_ALGORITHMS:
            if not isinstance(key, Ed25519PublicKey):
                raise CredentialError(f"alg {alg} needs an Ed25519 key")
            key.verify(signature, data)
            return
        curve, digest, size = _ecdsa(alg)
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != curve.name:
            raise CredentialError(f"alg {alg} needs a {_EC_CURVE_NAMES[alg]} key")
        if len(signature) != 2 * size:
            raise CredentialError("bad signature")
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(digest))
    except InvalidSignature as exc:
        raise CredentialError("bad signature") from exc


def verify_vc_jwt(
    token: str,
    resolve_key: KeyResolver,
    *,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
    typ: str = "vc+jwt",
) -> dict[str, Any]:
    """Verify a VC-JOSE-COSE compact JWS credential and return the credential (the payload).

    ``resolve_key(kid)`` returns the issuer's public key (key object or public JWK) for the header
    ``kid``; keys embedded in the token (``jwk``, ``jku``, ``x5c``…) are never trusted.
    ``algorithms`` whitelists JWS algorithms: EdDSA/Ed25519 by default; ES256/ES384/ES512 may be
    added. Presentations (``vp+jwt``) are rejected. Validity dates and credential status are NOT
    checked here; they are policy for the caller. Every failure raises CredentialError.
    """
    unknown = set(algorithms) - EDDSA_ALGORITHMS - set(ECDSA_ALGORITHMS)
    if unknown:
        raise ValueError(f"unsupported algorithms requested: {sorted(unknown)}")
    if not isinstance(token, str):
        raise CredentialError("token is not a string")
    segments = token.split(".")
    if len(segments) != 3:
        raise CredentialError(f"malformed compact JWS: expected 3 segments, got {len(segments)}")
    header_b64, payload_b64, signature_b64 = segments
    header = _parse_json_segment(header_b64, "JWS header")
    if not isinstance(header, dict):
        raise CredentialError("JWS header is not a JSON object")

    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        # Explicit whitelist: "none", HS* (public key used as HMAC secret) and anything we did
        # not opt into are all refused before any key is looked up.
        raise CredentialError(f"unsupported alg {alg!r}")
    if "crit" in header:
        # We implement no JWS extensions (b64=false etc.), so we must not ignore critical ones.
        raise CredentialError(f"unsupported critical header parameters {header['crit']!r}")
    found = header.get("typ")
    if found in ("vp+jwt", "vp+sd-jwt"):
        raise CredentialError(f"typ is a presentation (vp+jwt); a credential ({typ}) was expected")
    if found != typ:
        raise CredentialError(f"typ must be {typ!r}, got {found!r}")
    if "cty" in header and header["cty"] != "vc":
        raise CredentialError(f"cty must be 'vc', got {header['cty']!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise CredentialError("JWS header has no kid")

    b64url_decode(payload_b64, "JWS payload")  # charset check; JSON is parsed after the signature
    signature = b64url_decode(signature_b64, "JWS signature")
    key = _resolve(kid, alg, resolve_key)
    _check_signature(alg, key, signature, f"{header_b64}.{payload_b64}".encode("ascii"))

    # Parse the payload only after the signature checks out: no attacker-controlled JSON is
    # processed for unauthenticated tokens.
    payload = _parse_json_segment(payload_b64, "JWS payload")
    problem = _credential_problem(payload)
    if problem:
        raise CredentialError(f"not a verifiable credential: {problem}")
    return cast(dict[str, Any], payload)  # _credential_problem checked that it is an object
