"""JCS, base64url and VC-JOSE-COSE credentials (signing and verifying) against the official vectors.

Vectors (provenance in tests/fixtures/SOURCES.md):
* jcs-rfc8785/: cyberphone RFC 8785 input/output pairs.
* w3c-vc-jose-cose-test-suite/: the W3C VC-JOSE-COSE suite's JOSE tokens plus the expected
  results transcribed from its test-mapping.js. ECDSA tokens are verified with ES256/ES384/ES512
  opted in, and shown to be rejected under the default EdDSA-only policy. Presentations
  (vp+jwt) are out of scope for verify_vc_jwt and must be rejected; SD-JWT and COSE are out of
  scope entirely (see test_out_of_scope_inputs_are_not_accepted).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passport.signing.did import did_document
from passport.signing.jose import (
    DEFAULT_ALGORITHMS,
    ECDSA_ALGORITHMS,
    CredentialError,
    _check_signature,
    _resolve,
    b64url_decode,
    b64url_encode,
    canonical_json,
    sign_vc_jwt,
    verify_vc_jwt,
)
from passport.signing.keys import Ed25519Key
from tests.passport.signing.vectors import (
    DID,
    EXPECTED,
    JCS,
    SUITE_INPUT,
    jws_header,
    sign_raw,
    suite_ed25519_key,
    suite_vm,
)

ALL_ALGORITHMS = frozenset(DEFAULT_ALGORITHMS) | frozenset(ECDSA_ALGORITHMS)


def _resolver_for(vm: dict[str, Any]):
    """Resolve a kid as the suite does: by the JWK kid or by the verification method id."""
    jwk = vm["publicKeyJwk"]

    def resolve(kid: str) -> dict[str, Any]:
        if kid in (jwk["kid"], vm["id"]):
            return jwk
        raise KeyError(kid)

    return resolve


def _token(name: str) -> str:
    # The suite's files sometimes end in a newline; the JWS itself never contains whitespace.
    return (SUITE_INPUT / name).read_text("utf-8").strip()


# --- JCS -----------------------------------------------------------------------------------------

JCS_NAMES = sorted(p.name for p in (JCS / "input").iterdir())


def test_jcs_vector_set_is_complete() -> None:
    assert JCS_NAMES == [
        "arrays.json",
        "french.json",
        "structures.json",
        "unicode.json",
        "values.json",
        "weird.json",
    ]


@pytest.mark.parametrize("name", JCS_NAMES)
def test_jcs_vectors(name: str) -> None:
    value = json.loads((JCS / "input" / name).read_text("utf-8"))
    expected = (JCS / "output" / name).read_bytes()
    hex_text = (JCS / "outhex" / name.replace(".json", ".txt")).read_text("ascii")
    assert canonical_json(value) == expected
    assert canonical_json(value) == bytes.fromhex("".join(hex_text.split()))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53])
def test_jcs_rejects_values_it_cannot_represent(value: object) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)


def test_jcs_utf16_key_order_and_number_format() -> None:
    # U+1F600 (surrogates D83D…) sorts before U+FB01 in UTF-16 but after it in code points.
    assert canonical_json({"\ufb01": 1, "\U0001f600": 2}) == '{"😀":2,"ﬁ":1}'.encode()
    assert canonical_json([1.0, 1e21, 1e-7, -0.0]) == b"[1,1e+21,1e-7,0]"


# --- base64url -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["AA==", "A", "AB", "a+b/", "AA AA", "é"])
def test_b64url_decode_is_strict(text: str) -> None:
    # "AB" decodes to the same byte as "AA" would only with non-zero trailing bits: non-canonical.
    with pytest.raises(CredentialError):
        b64url_decode(text)


def test_b64url_round_trip() -> None:
    for n in range(0, 8):
        data = bytes(range(250, 250 + n if 250 + n <= 256 else 256))
        assert b64url_decode(b64url_encode(data)) == data


# --- W3C VC-JOSE-COSE test suite -----------------------------------------------------------------

JOSE_CASES = [c for c in EXPECTED["mappings"]["JOSE"] if c["fn"] == "verify"]


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['number']}-{case['input_file']}"


def test_suite_case_inventory() -> None:
    # If the transcription changes, the classification below must be revisited.
    assert [c["number"] for c in JOSE_CASES] == list(range(6, 17))


@pytest.mark.parametrize("case", JOSE_CASES, ids=_case_id)
def test_w3c_jose_verify_cases(case: dict[str, Any]) -> None:
    """Every JOSE verify case with the suite's own key file, all algorithms we implement enabled.

    Credential cases match the expected result exactly. Presentation cases (vp+jwt) are outside
    verify_vc_jwt, so even case 7 (a valid presentation) must be rejected here, with a reason
    that says so.
    """
    resolve = _resolver_for(suite_vm(case["key_file"]))
    token = _token(case["input_file"])
    presentation = case["feature"].startswith("presentation")
    if case["expected_result"] == "success" and not presentation:
        payload = verify_vc_jwt(token, resolve, algorithms=ALL_ALGORITHMS)
        assert "VerifiableCredential" in payload["type"]
        assert payload == json.loads(b64url_decode(token.split(".")[1]))
    else:
        with pytest.raises(CredentialError) as info:
            verify_vc_jwt(token, resolve, algorithms=ALL_ALGORITHMS)
        if presentation and case["input_file"].endswith(".txt"):
            if jws_header(token).get("typ") == "vp+jwt":
                assert "presentation" in str(info.value)


# Why each failing credential case fails: pins the *reason*, not just "some exception".
FAILURE_REASONS = {
    "credential-jose-unknown-extensions.txt": "unknown kid",  # ES512 token, Ed25519 key file
    "credential-minimal.json": "malformed compact JWS",  # unsecured JSON
    "presentation-single.json": "malformed compact JWS",
    "credential-jose-bad-signature.txt": "bad signature",
    "credential-jose-bad-media-type.txt": r"typ must be 'vc\+jwt'",
    "presentation-jose-bad-media-type.txt": r"typ must be 'vc\+jwt'",
    "credential-jose-vc-vp-claims.txt": "'vc' claim",
    "presentation-jose-bad-credential.txt": "presentation",
}


@pytest.mark.parametrize("name", sorted(FAILURE_REASONS))
def test_w3c_jose_failure_reasons(name: str) -> None:
    case = next(c for c in JOSE_CASES if c["input_file"] == name)
    assert case["expected_result"] == "failure"
    with pytest.raises(CredentialError, match=FAILURE_REASONS[name]):
        verify_vc_jwt(
            _token(name), _resolver_for(suite_vm(case["key_file"])), algorithms=ALL_ALGORITHMS
        )


JOSE_TOKENS = sorted(p.name for p in SUITE_INPUT.glob("*.txt") if "-jose-" in p.name) + [
    "credential-issuer-match-signed.txt"
]
VM_FILES = ["vm-ed25519.json", "vm-p256.json", "vm-p384.json", "vm-p521.json"]


def _vm_for_kid(kid: str) -> dict[str, Any]:
    return next(vm for vm in map(suite_vm, VM_FILES) if vm["publicKeyJwk"]["kid"] == kid)


def _any_suite_key(kid: str) -> dict[str, Any]:
    """Resolve any of the suite's four verification methods by kid."""
    for vm in map(suite_vm, VM_FILES):
        if kid in (vm["publicKeyJwk"]["kid"], vm["id"]):
            return vm["publicKeyJwk"]
    raise KeyError(kid)


def test_jose_token_inventory() -> None:
    assert len(JOSE_TOKENS) == 9


@pytest.mark.parametrize("name", JOSE_TOKENS)
def test_every_jose_token_signature_with_matching_key(name: str) -> None:
    """Raw JWS signature of every JOSE token against the key its kid names (as SOURCES.md did).

    Only *-bad-signature fails the signature. Of the rest, exactly the well-formed credentials
    pass full verification: the ES256 minimal one, the EdDSA issuer-match one and the ES512
    "unknown extensions" one once its real (P-521) key is used; the others fail on typ/payload.
    """
    token = _token(name)
    alg, kid = jws_header(token)["alg"], jws_header(token)["kid"]
    key = _resolve(kid, alg, _any_suite_key)
    signing_input, _, signature = token.rpartition(".")
    if name == "credential-jose-bad-signature.txt":
        with pytest.raises(CredentialError, match="bad signature"):
            _check_signature(alg, key, b64url_decode(signature), signing_input.encode())
    else:
        _check_signature(alg, key, b64url_decode(signature), signing_input.encode())
    expected_ok = {
        "credential-jose-minimal.txt",
        "credential-issuer-match-signed.txt",
        "credential-jose-unknown-extensions.txt",
    }
    if name in expected_ok:
        verify_vc_jwt(token, _any_suite_key, algorithms=ALL_ALGORITHMS)
    else:
        with pytest.raises(CredentialError):
            verify_vc_jwt(token, _any_suite_key, algorithms=ALL_ALGORITHMS)


@pytest.mark.parametrize(
    "name", ["credential-jose-minimal.txt", "credential-jose-unknown-extensions.txt"]
)
def test_ecdsa_is_rejected_by_default_policy(name: str) -> None:
    token = _token(name)
    resolve = _resolver_for(_vm_for_kid(jws_header(token)["kid"]))
    with pytest.raises(CredentialError, match="unsupported alg"):
        verify_vc_jwt(token, resolve)


def test_issuer_match_token_is_reproduced_bit_for_bit() -> None:
    """Our signer, given the suite's key and claims, emits the suite's exact token.

    This pins the header (JCS: alg, cty, kid, typ), the payload encoding and the signature.
    """
    expected = _token("credential-issuer-match-signed.txt")
    payload = json.loads(b64url_decode(expected.split(".")[1]))
    key = suite_ed25519_key()
    assert sign_vc_jwt(payload, key, kid=key.thumbprint()) == expected


def test_out_of_scope_inputs_are_not_accepted() -> None:
    """SD-JWT and COSE are out of scope: none of their inputs may verify as a VC-JWT."""
    others = sorted(p.name for p in SUITE_INPUT.glob("*.txt") if "-sdjwt-" in p.name) + sorted(
        p.name for p in SUITE_INPUT.glob("*.txt") if "-cose-" in p.name
    )
    assert len(others) == 14
    for name in others:
        with pytest.raises(CredentialError):
            verify_vc_jwt(_token(name), _any_suite_key, algorithms=ALL_ALGORITHMS)


def _resolver(key: Ed25519Key, kid: str):
    def resolve(requested: str) -> Any:
        return {kid: key.public_key}[requested]

    return resolve


def test_untp_round_trip(issuer: Ed25519Key, credential: dict[str, Any]) -> None:
    kid = f"{DID}#{issuer.thumbprint()}"
    token = sign_vc_jwt(credential, issuer, kid)
    header = jws_header(token)
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": kid}
    assert "=" not in token and token.count(".") == 2
    assert verify_vc_jwt(token, _resolver(issuer, kid)) == credential
    # The DID document path: resolve through the published JWK instead of the key object.
    doc = did_document("https://registry-a.example", {issuer.thumbprint(): issuer})
    methods = {m["id"]: m["publicKeyJwk"] for m in doc["verificationMethod"]}
    assert verify_vc_jwt(token, methods.__getitem__) == credential
    # Deterministic: same inputs, same bytes (the log leaf commits to these bytes).
    assert sign_vc_jwt(credential, issuer, kid) == token


def test_every_byte_flip_is_detected(issuer: Ed25519Key, credential: dict[str, Any]) -> None:
    small = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        "issuer": DID,
        "credentialSubject": {"id": "https://id.gs1.org/01/09520123456788/21/12345"},
    }
    kid = f"{DID}#k"
    resolve = _resolver(issuer, kid)
    for cred, stride in ((small, 1), (credential, 37)):
        token = sign_vc_jwt(cred, issuer, kid)
        start = token.index(".") + 1  # every position of the payload and signature segments
        # The large UNTP sample is sampled (plus its whole signature); the small one is exhaustive.
        positions = set(range(start, len(token), stride)) | set(range(len(token) - 86, len(token)))
        for i in sorted(positions):
            if token[i] == ".":
                continue
            replacement = "A" if token[i] != "A" else "B"
            tampered = token[:i] + replacement + token[i + 1 :]
            with pytest.raises(CredentialError):
                verify_vc_jwt(tampered, resolve)


def test_header_tampering(issuer: Ed25519Key, credential: dict[str, Any]) -> None:
    kid = f"{DID}#k"
    token = sign_vc_jwt(credential, issuer, kid)
    _, payload, signature = token.split(".")

    def with_header(header: dict[str, Any], sig: str = signature) -> str:
        return f"{b64url_encode(json.dumps(header).encode())}.{payload}.{sig}"

    base = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": kid}
    resolve = _resolver(issuer, kid)
    cases = {
        "unsupported alg 'none'": ({**base, "alg": "none"}, ""),
        "unsupported alg 'HS256'": ({**base, "alg": "HS256"}, signature),
        "unsupported alg 'RS256'": ({**base, "alg": "RS256"}, signature),
        "presentation": ({**base, "typ": "vp+jwt"}, signature),
        "typ must be": ({k: v for k, v in base.items() if k != "typ"}, signature),
        "cty must be": ({**base, "cty": "vp"}, signature),
        "no kid": ({k: v for k, v in base.items() if k != "kid"}, signature),
        "unknown kid": ({**base, "kid": f"{DID}#other"}, signature),
        "critical": ({**base, "crit": ["b64"], "b64": False}, signature),
        # A header re-encoded with the same content still changes the signing input.
        "bad signature": (base, signature),
    }
    for reason, (header, sig) in cases.items():
        with pytest.raises(CredentialError, match=reason):
            verify_vc_jwt(with_header(header, sig), resolve)


def test_ed25519_alias_is_accepted(issuer: Ed25519Key, credential: dict[str, Any]) -> None:
    # RFC 9864 fully-specified name; a token signed with alg "Ed25519" must verify too.
    kid = f"{DID}#k"
    header = {"alg": "Ed25519", "typ": "vc+jwt", "cty": "vc", "kid": kid}
    signing_input = (
        f"{b64url_encode(canonical_json(header))}.{b64url_encode(canonical_json(credential))}"
    )
    token = f"{signing_input}.{b64url_encode(issuer.sign(signing_input.encode()))}"
    assert verify_vc_jwt(token, _resolver(issuer, kid)) == credential


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"[1,2]", "not a JSON object"),
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"a":1,"a":2}', "duplicate member"),
        (b'{"a":NaN}', "not JSON"),
        (
            b'{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["Thing"],"issuer":"x"}',
            "VerifiableCredential",
        ),
        (
            b'{"@context":["https://www.w3.org/2018/credentials/v1"],'
            b'"type":["VerifiableCredential"],"issuer":"x"}',
            "@context",
        ),
        (
            b'{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiableCredential"}',
            "no issuer",
        ),
        (
            b'{"@context":["https://www.w3.org/ns/credentials/v2"],'
            b'"type":"VerifiableCredential","issuer":{"id":"did:web:a"},"iss":"did:web:b"}',
            "iss does not match",
        ),
    ],
)
def test_payload_must_be_a_credential(payload: bytes, reason: str) -> None:
    key = Ed25519Key.generate()
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": "k"}
    with pytest.raises(CredentialError, match=reason):
        verify_vc_jwt(sign_raw(key, header, payload), _resolver(key, "k"))


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d", "eyJ.e30.", "!!!.e30.AA", " eyJhbGciOiJFZERTQSJ9.e30.AA", "é.é.é"],
)
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(CredentialError):
        verify_vc_jwt(token, lambda kid: None)


def test_key_confusion_is_rejected(issuer: Ed25519Key, credential: dict[str, Any]) -> None:
    kid = f"{DID}#k"
    token = sign_vc_jwt(credential, issuer, kid)
    p256_jwk = suite_vm("vm-p256.json")["publicKeyJwk"]
    with pytest.raises(CredentialError, match="is for ES256"):
        verify_vc_jwt(token, lambda k: p256_jwk, algorithms=ALL_ALGORITHMS)
    unpinned = {k: v for k, v in p256_jwk.items() if k != "alg"}
    with pytest.raises(CredentialError, match="needs an Ed25519 key"):
        verify_vc_jwt(token, lambda k: unpinned, algorithms=ALL_ALGORITHMS)
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(CredentialError, match="bad signature"):
        verify_vc_jwt(token, lambda k: other)
    with pytest.raises(CredentialError, match="unsupported key object"):
        verify_vc_jwt(token, lambda k: "not a key")  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="unsupported algorithms"):
        verify_vc_jwt(token, lambda k: other, algorithms={"HS256"})


def test_sign_rejects_non_credentials(issuer: Ed25519Key) -> None:
    with pytest.raises(CredentialError, match="VerifiableCredential"):
        sign_vc_jwt({"@context": ["https://www.w3.org/ns/credentials/v2"]}, issuer, "k")
    with pytest.raises(CredentialError, match="kid"):
        sign_vc_jwt({}, issuer, "")
    too_big = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiableCredential",
        "issuer": DID,
        "credentialSubject": {"mass": 2**60},
    }
    with pytest.raises(CredentialError, match="canonical-JSON"):
        sign_vc_jwt(too_big, issuer, "k")
