"""The Ed25519 key type: PEM files, the public JWK and its RFC 7638 thumbprint."""

from __future__ import annotations

import pytest

from passport.signing.jose import CredentialError
from passport.signing.keys import Ed25519Key, jwk_thumbprint
from tests.passport.signing.vectors import suite_ed25519_key, suite_vm


def test_key_pem_round_trip() -> None:
    key = Ed25519Key.generate()
    pem = key.to_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    loaded = Ed25519Key.from_pem(pem)
    assert loaded.public_jwk() == key.public_jwk()
    assert loaded.thumbprint() == key.thumbprint()
    assert "PRIVATE" not in repr(key) and key.thumbprint() in repr(key)


def test_key_pem_rejects_garbage_and_other_key_types() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(CredentialError):
        Ed25519Key.from_pem(b"not a key")
    p256 = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(CredentialError, match="not Ed25519"):
        Ed25519Key.from_pem(p256)


def test_public_jwk_and_thumbprint_match_suite_key() -> None:
    vm = suite_vm("vm-ed25519.json")
    key = suite_ed25519_key()
    public = vm["publicKeyJwk"]
    assert key.public_jwk() == {"kty": "OKP", "crv": "Ed25519", "x": public["x"]}
    # The suite's kids are RFC 7638 thumbprints, so this cross-checks our implementation.
    assert key.thumbprint() == public["kid"]
    for name in ("vm-p256.json", "vm-p384.json", "vm-p521.json"):
        jwk = suite_vm(name)["publicKeyJwk"]
        assert jwk_thumbprint(jwk) == jwk["kid"]


def test_rfc7638_example_shape() -> None:
    # Extra members (alg, kid, d) are ignored by the thumbprint.
    jwk = dict(suite_vm("vm-ed25519.json")["secretKeyJwk"])
    assert jwk_thumbprint(jwk) == jwk["kid"]
    with pytest.raises(CredentialError):
        jwk_thumbprint({"kty": "RSA", "n": "x", "e": "AQAB"})


def test_a_key_file_is_read_once_and_again_when_it_is_replaced(tmp_path) -> None:
    """Every write to the log signs with the log key: the file is parsed once, and a rotated
    key (the file replaced) is used from the next signature on, without a restart."""
    from passport.config import Settings
    from passport.signing.keys import ensure_keys, key_path, load_key

    settings = Settings(database_url="sqlite://", base_url="https://r.example", data_dir=tmp_path)
    ensure_keys(tmp_path)
    first = load_key(settings, "log")
    assert load_key(settings, "log") is first  # parsed once
    rotated = Ed25519Key.generate()
    path = key_path(tmp_path, "log")
    replacement = path.with_suffix(".new")
    replacement.write_bytes(rotated.to_pem())
    replacement.replace(path)
    assert load_key(settings, "log").public_jwk() == rotated.public_jwk()
