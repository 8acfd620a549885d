"""did:web identifiers, DID documents, and which keys a DID lets sign its credentials."""

from __future__ import annotations

import json
from typing import Any

import pytest

from passport.signing.did import assertion_key, did_document, did_web, verify_vc_jwt_with_did
from passport.signing.jose import SIGNING_ALG, CredentialError, canonical_json, sign_vc_jwt
from passport.signing.keys import Ed25519Key
from tests.passport.signing.vectors import DID, jws_header, sign_raw


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("https://example.com", "did:web:example.com"),
        ("https://example.com/", "did:web:example.com"),
        ("https://Registry-A.Example", "did:web:registry-a.example"),
        ("https://example.com:3000/user/alice", "did:web:example.com%3A3000:user:alice"),
        ("https://w3c-ccg.github.io/user/alice", "did:web:w3c-ccg.github.io:user:alice"),
        ("https://example.com/a:b", "did:web:example.com:a%3Ab"),
    ],
)
def test_did_web(url: str, did: str) -> None:
    assert did_web(url) == did


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "example.com",
        "https://example.com/?x=1",
        "https://example.com/#frag",
        "https://user:pw@example.com",
        "https://example.com//a",
        "https://[::1]/",
    ],
)
def test_did_web_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        did_web(url)


def test_did_document() -> None:
    key_a, key_b = Ed25519Key.generate(), Ed25519Key.generate()
    kid_a, kid_b = key_a.thumbprint(), "vc-2"
    doc = did_document("https://registry-a.example:8443/dpp", {kid_a: key_a, kid_b: key_b})
    did = "did:web:registry-a.example%3A8443:dpp"
    assert doc == {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#{kid_a}",
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": key_a.public_jwk(),
            },
            {
                "id": f"{did}#vc-2",
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": key_b.public_jwk(),
            },
        ],
        "assertionMethod": [f"{did}#{kid_a}", f"{did}#vc-2"],
    }
    json.dumps(doc)  # serialisable as-is
    with pytest.raises(ValueError):
        did_document("https://example.com", {"bad kid": key_a})


# --- keys in their roles -------------------------------------------------------------------------


def test_other_keys_are_published_in_no_verification_relationship() -> None:
    vc, log = Ed25519Key.generate(), Ed25519Key.generate()
    doc = did_document("https://registry-a.example", {"vc-1": vc}, other_keys={"log-1": log})
    assert [m["id"] for m in doc["verificationMethod"]] == [f"{DID}#vc-1", f"{DID}#log-1"]
    assert doc["verificationMethod"][1]["publicKeyJwk"] == log.public_jwk()
    assert doc["assertionMethod"] == [f"{DID}#vc-1"]
    assert assertion_key(doc, f"{DID}#vc-1") == vc.public_jwk()
    with pytest.raises(CredentialError, match="not an assertion method"):
        assertion_key(doc, f"{DID}#log-1")
    with pytest.raises(ValueError, match="twice"):
        did_document("https://registry-a.example", {"k": vc}, other_keys={"k": log})


def test_assertion_key_follows_did_core_references() -> None:
    key, other = Ed25519Key.generate(), Ed25519Key.generate()
    method = {"type": "JsonWebKey2020", "controller": DID, "publicKeyJwk": key.public_jwk()}
    doc = {
        "id": DID,
        "verificationMethod": [
            {**method, "id": "#relative"},
            {**method, "id": f"{DID}#auth", "publicKeyJwk": other.public_jwk()},
            {**method, "id": f"{DID}#no-jwk", "publicKeyJwk": None},
        ],
        "authentication": [f"{DID}#auth"],
        "assertionMethod": ["#relative", {**method, "id": f"{DID}#embedded"}, f"{DID}#no-jwk"],
    }
    assert assertion_key(doc, f"{DID}#relative") == key.public_jwk()
    assert assertion_key(doc, f"{DID}#embedded") == key.public_jwk()
    # a key for another relationship (here authentication) does not sign credentials
    with pytest.raises(CredentialError, match="not an assertion method"):
        assertion_key(doc, f"{DID}#auth")
    with pytest.raises(CredentialError, match="no publicKeyJwk"):
        assertion_key(doc, f"{DID}#no-jwk")
    # a DID URL of another DID is never looked up in this document
    with pytest.raises(CredentialError, match="not in the DID document"):
        assertion_key(doc, "did:web:elsewhere.example#relative")
    for broken in ({}, {"id": DID}, {"id": DID, "assertionMethod": "#relative"}):
        with pytest.raises(CredentialError):
            assertion_key(broken, f"{DID}#relative")


def test_verify_with_did_needs_an_assertion_key_of_the_issuer(
    issuer: Ed25519Key, credential: dict[str, Any]
) -> None:
    log = Ed25519Key.generate()
    docs = {
        DID: did_document("https://registry-a.example", {"vc": issuer}, other_keys={"log": log}),
        "did:web:other.example": did_document("https://other.example", {"vc": log}),
    }
    token = sign_vc_jwt(credential, issuer, f"{DID}#vc")
    assert jws_header(token)["alg"] == SIGNING_ALG == "EdDSA"
    assert verify_vc_jwt_with_did(token, docs.__getitem__) == credential
    cases = {
        "not an assertion method": sign_vc_jwt(credential, log, f"{DID}#log"),
        "bad signature": sign_vc_jwt(credential, log, f"{DID}#vc"),
        # a key of another DID, in its role there, does not sign for this issuer
        "not of the issuer": sign_vc_jwt(credential, log, "did:web:other.example#vc"),
        "unknown kid": sign_vc_jwt(credential, issuer, "did:web:nowhere.example#vc"),
        "not a DID URL": sign_vc_jwt(credential, issuer, "vc"),
    }
    for reason, forged in cases.items():
        with pytest.raises(CredentialError, match=reason):
            verify_vc_jwt_with_did(forged, docs.__getitem__)


def test_verify_with_did_accepts_the_rfc_9864_name(
    issuer: Ed25519Key, credential: dict[str, Any]
) -> None:
    doc = did_document("https://registry-a.example", {"vc": issuer})
    header = {"alg": "Ed25519", "typ": "vc+jwt", "cty": "vc", "kid": f"{DID}#vc"}
    token = sign_raw(issuer, header, canonical_json(credential))
    assert verify_vc_jwt_with_did(token, {DID: doc}.__getitem__) == credential
