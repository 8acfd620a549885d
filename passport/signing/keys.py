"""The registry's signing keys: the Ed25519 key type, its JWK, and the key files.

One Ed25519 key per role: ``log`` signs transparency-log checkpoints, ``vc`` signs passports
served as ``application/vc+jwt``. Keys live in ``<data_dir>/keys/<role>-ed25519.pem``
(directory 0700, files 0600), created by ``kreislauf init-db`` (and ``run``/``demo``), or come
from the environment: ``KREISLAUF_LOG_KEY`` / ``KREISLAUF_VC_KEY`` hold PEM text or a path to a
PEM file, and win over the file. They are never kept in the database. Nothing here ever
overwrites an existing key; rotating is replacing the file (or variable) and restarting — see
README "Keys".
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passport.config import Settings
from passport.errors import KeyMissing
from passport.signing.jose import CredentialError, b64url_encode, canonical_json

if TYPE_CHECKING:  # cryptography loads with the first key used: reads sign nothing (memory)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "ROLES",
    "Ed25519Key",
    "ed25519_public_jwk",
    "ensure_keys",
    "jwk_thumbprint",
    "key_path",
    "load_key",
]

ROLES = ("log", "vc")


# --- the key type ------------------------------------------------------------------------------


def ed25519_public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The RFC 8037 public JWK, with only the required members (so it is also thumbprint input)."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint, base64url: a stable key id derived from the key itself."""
    kty = jwk.get("kty")
    required = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}.get(str(kty))
    if required is None:
        raise CredentialError(f"unsupported JWK kty {kty!r}")
    members = {}
    for name in required:
        if not isinstance(jwk.get(name), str):
            raise CredentialError(f"JWK is missing {name!r}")
        members[name] = jwk[name]
    # RFC 7638 prescribes sorted keys, no whitespace; for these ASCII-only members that is JCS.
    return b64url_encode(hashlib.sha256(canonical_json(members)).digest())


class Ed25519Key:
    """An Ed25519 signing key (issuer or registry key)."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key

    @classmethod
    def generate(cls) -> Ed25519Key:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, seed: bytes) -> Ed25519Key:
        """From the 32-byte seed (JWK ``d``); used for deterministic test keys."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_pem(cls, pem: bytes) -> Ed25519Key:
        """Load an unencrypted PKCS#8 PEM; rejects any other key type."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise CredentialError(f"cannot load Ed25519 PEM key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise CredentialError(f"PEM key is {type(key).__name__}, not Ed25519")
        return cls(key)

    def to_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM; protecting the file (0600, secret store) is the caller's job."""
        from cryptography.hazmat.primitives import serialization

        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._private.public_key()

    @property
    def private_key(self) -> Ed25519PrivateKey:
        """The raw key, for signers that need it (C2SP signed notes)."""
        return self._private

    def public_jwk(self) -> dict[str, str]:
        return ed25519_public_jwk(self.public_key)

    def thumbprint(self) -> str:
        return jwk_thumbprint(self.public_jwk())

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def __repr__(self) -> str:  # never leak key material into logs
        return f"Ed25519Key(thumbprint={self.thumbprint()!r})"


# --- key files -------------------------------------------------------------------------------


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown key role {role!r}; expected one of {ROLES}")


def key_path(data_dir: Path, role: str) -> Path:
    _check_role(role)
    return Path(data_dir) / "keys" / f"{role}-ed25519.pem"


def ensure_keys(data_dir: Path) -> None:
    """Create the missing role keys under ``data_dir``; existing keys are left untouched."""
    directory = Path(data_dir) / "keys"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # mkdir's mode is masked by the umask; the key dir is owner-only
    for role in ROLES:
        path = key_path(data_dir, role)
        try:
            # O_EXCL: never overwrite a key, even if another process creates it concurrently.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(Ed25519Key.generate().to_pem())
        os.chmod(path, 0o600)  # the creation mode is masked by the umask too


@functools.lru_cache(maxsize=16)
def _parse_pem(pem: bytes) -> Ed25519Key:
    # Keyed on the content, not the path or mtime: a key file replaced within one timestamp
    # tick (rotation) is still seen, and reading ~120 bytes per use costs next to nothing.
    return Ed25519Key.from_pem(pem)


def _from_file(path: Path, origin: str) -> Ed25519Key:
    """The key in a PEM file, parsed once per version of the file (every log write signs with
    it); a replaced file (a rotated key) is read again."""
    try:
        stat = path.stat()
        return _parsed_file(path, stat.st_mtime_ns, stat.st_size, stat.st_ino)
    except OSError as exc:
        raise KeyMissing(f"{origin} ({path}) cannot be read: {exc.strerror}") from exc
    except CredentialError as exc:
        raise KeyMissing(f"{origin} ({path}) is not a usable Ed25519 key: {exc}") from exc


@lru_cache(maxsize=16)
def _parsed_file(path: Path, _mtime_ns: int, _size: int, _inode: int) -> Ed25519Key:
    return _parse_pem(path.read_bytes())


def load_key(settings: Settings, role: str) -> Ed25519Key:
    """The signing key for ``role``: from the environment if set there, else from the file."""
    _check_role(role)
    variable = f"KREISLAUF_{role.upper()}_KEY"
    configured = settings.log_key if role == "log" else settings.vc_key
    if configured:
        if "-----BEGIN" in configured:
            try:
                return _parse_pem(configured.strip().encode("ascii") + b"\n")
            except (CredentialError, UnicodeEncodeError) as exc:
                raise KeyMissing(f"{variable} is not a usable Ed25519 PEM key: {exc}") from exc
        path = Path(configured).expanduser()
        if not path.is_file():
            raise KeyMissing(f"{variable} names {path}, which is not a file")
        return _from_file(path, variable)
    path = key_path(settings.data_dir, role)
    if not path.is_file():
        raise KeyMissing(
            f"no {role} signing key at {path}: run `kreislauf init-db` to create the keys, "
            f"or set {variable}"
        )
    return _from_file(path, "key file")
