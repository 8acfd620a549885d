"""The registry's signing keys: one Ed25519 key per role, kept in files, never in the database.

Roles: ``log`` signs transparency-log checkpoints, ``vc`` signs passports served as
``application/vc+jwt``. Keys live in ``<data_dir>/keys/<role>-ed25519.pem`` (directory 0700,
files 0600), created by ``kreislauf init-db`` (and ``run``/``demo``), or come from the
environment: ``KREISLAUF_LOG_KEY`` / ``KREISLAUF_VC_KEY`` hold PEM text or a path to a PEM
file, and win over the file. Nothing here ever overwrites an existing key; rotating is
replacing the file (or variable) and restarting — see README "Keys".
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from passport.config import Settings
from passport.credentials import CredentialError, Ed25519Key
from passport.errors import KeyMissing

__all__ = ["ROLES", "KeyMissing", "ensure_keys", "key_path", "load_key"]

ROLES = ("log", "vc")


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
    try:
        return _parse_pem(path.read_bytes())
    except OSError as exc:
        raise KeyMissing(f"{origin} ({path}) cannot be read: {exc.strerror}") from exc
    except CredentialError as exc:
        raise KeyMissing(f"{origin} ({path}) is not a usable Ed25519 key: {exc}") from exc


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
