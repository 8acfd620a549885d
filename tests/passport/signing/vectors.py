"""The signing tests' vectors and helpers (provenance in tests/fixtures/SOURCES.md)."""

from __future__ import annotations

import json
from typing import Any

from passport.signing.jose import b64url_decode, b64url_encode, canonical_json
from passport.signing.keys import Ed25519Key
from tests.helpers import FIXTURES

VC_VECTORS = FIXTURES / "vc-vectors"
JCS = VC_VECTORS / "jcs-rfc8785"
SUITE = VC_VECTORS / "w3c-vc-jose-cose-test-suite"
SUITE_INPUT = SUITE / "tests" / "input"
EXPECTED: dict[str, Any] = json.loads((SUITE / "expected-results.json").read_text("utf-8"))
UNTP_SAMPLE = VC_VECTORS / "untp" / "untp-digital-product-passport-v0.3.10.json"
# The issuer of the UNTP sample credential in the round-trip tests.
DID = "did:web:registry-a.example"


def suite_vm(name: str) -> dict[str, Any]:
    """A verification method of the W3C VC-JOSE-COSE test suite."""
    return json.loads((SUITE_INPUT / name).read_text("utf-8"))


def suite_ed25519_key() -> Ed25519Key:
    """The suite's Ed25519 key, from the seed in its secret JWK."""
    return Ed25519Key.from_private_bytes(
        b64url_decode(suite_vm("vm-ed25519.json")["secretKeyJwk"]["d"])
    )


def jws_header(token: str) -> dict[str, Any]:
    return json.loads(b64url_decode(token.split(".")[0]))


def sign_raw(key: Ed25519Key, header: dict[str, Any], payload: bytes) -> str:
    """A compact JWS over exactly these header and payload bytes, bypassing sign_vc_jwt's checks."""
    signing_input = f"{b64url_encode(canonical_json(header))}.{b64url_encode(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"
