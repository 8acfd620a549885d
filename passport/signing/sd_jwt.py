"""SD-JWT (IETF SD-JWT, RFC 9901): a credential signed once, its restricted claims disclosed one
by one.

The issuer-signed JWT holds a salted SHA-256 digest where each selectively disclosable claim
was (``_sd`` for an object member, ``{"...": digest}`` for an array item); a holder appends the
disclosures (``[salt, name, value]`` or ``[salt, value]``, base64url) a reader may see:
``<jwt>~<disclosure>~...~``. Salts come from a caller's function, so the same inputs give the
same bytes (Ed25519 and JCS are deterministic too): the signed part is signed once.

Pure domain code: no Flask, no database, no network.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from passport.signing.jose import (
    DEFAULT_ALGORITHMS,
    CredentialError,
    Signer,
    b64url_decode,
    b64url_encode,
    canonical_json,
    sign_vc_jwt,
    verify_vc_jwt,
)
from passport.signing.keys import Ed25519Key

if TYPE_CHECKING:
    from passport.signing.jose import KeyResolver

__all__ = ["SD_ALG", "Issued", "Path", "issue", "salt_secret", "salts", "verify_sd_jwt"]

SD_ALG = "sha-256"
TYP = "vc+sd-jwt"

# A concrete place in a document: member names and array indices.
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Issued:
    """The issuer-signed JWT and the disclosure of each selectively disclosable path."""

    jwt: str
    disclosures: Mapping[Path, str]

    def present(self, paths: Iterable[Path]) -> str:
        """The SD-JWT with the disclosures of ``paths`` only (issuance order, no key binding)."""
        chosen = set(paths)
        shown = [d for p, d in self.disclosures.items() if p in chosen]
        return "~".join([self.jwt, *shown]) + "~"


def salt_secret(key: Ed25519Key) -> bytes:
    """A secret for salts, derived from the VC key (no other secret to keep or rotate)."""
    from cryptography.hazmat.primitives import serialization

    raw = key.private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return hmac.new(raw, b"kreislauf sd-jwt salts", hashlib.sha256).digest()


def salts(secret: bytes, context: str) -> Callable[[Path], str]:
    """Salts for one credential (``context``: its id): 128 bits of HMAC over the path."""

    def salt(path: Path) -> str:
        message = canonical_json([context, list(path)])
        return b64url_encode(hmac.new(secret, message, hashlib.sha256).digest()[:16])

    return salt


def digest(disclosure: str) -> str:
    """The ``sha-256`` digest of a disclosure, as the signed part names it."""
    return b64url_encode(hashlib.sha256(disclosure.encode("ascii")).digest())


def issue(
    credential: Mapping[str, Any],
    paths: Collection[Path],
    salt: Callable[[Path], str],
    key: Signer,
    kid: str,
) -> Issued:
    """Sign ``credential`` once with every claim at ``paths`` made selectively disclosable.

    Deeper paths are made disclosable first, so a disclosure may itself hold digests.
    """
    document = copy.deepcopy(dict(credential))
    disclosures: dict[Path, str] = {}
    for path in sorted(set(paths), key=lambda p: (-len(p), json.dumps(p))):
        parent = _at(document, path[:-1])
        last = path[-1]
        if isinstance(parent, dict) and isinstance(last, str) and last in parent:
            encoded = b64url_encode(canonical_json([salt(path), last, parent.pop(last)]))
            parent["_sd"] = sorted([*parent.get("_sd", []), digest(encoded)])
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            encoded = b64url_encode(canonical_json([salt(path), parent[last]]))
            parent[last] = {"...": digest(encoded)}
        else:
            raise ValueError(f"nothing at {list(path)!r} to make disclosable")
        disclosures[path] = encoded
    document["_sd_alg"] = SD_ALG
    jwt = sign_vc_jwt(document, key, kid, typ=TYP)
    return Issued(jwt, {p: disclosures[p] for p in sorted(disclosures, key=json.dumps)})


def _at(node: Any, path: Path) -> Any:
    for step in path:
        node = node[step]
    return node


def verify_sd_jwt(
    token: str,
    resolve_key: KeyResolver,
    *,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> dict[str, Any]:
    """Verify an SD-JWT credential (no key binding) and return it with its disclosures applied.

    Every disclosure must be named by a digest exactly once; undisclosed claims are left out.
    """
    if not isinstance(token, str) or not token.endswith("~"):
        raise CredentialError("an SD-JWT without key binding ends with '~'")
    jwt, *parts = token[:-1].split("~")
    payload = verify_vc_jwt(jwt, resolve_key, algorithms=algorithms, typ=TYP)
    if payload.pop("_sd_alg", SD_ALG) != SD_ALG:
        raise CredentialError("_sd_alg must be sha-256")
    found: dict[str, Any] = {}
    for part in parts:
        try:
            value = json.loads(b64url_decode(part, "disclosure").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CredentialError("a disclosure is not JSON") from exc
        if not isinstance(value, list) or len(value) not in (2, 3):
            raise CredentialError("a disclosure is not [salt, (name,) value]")
        if digest(part) in found:
            raise CredentialError("a disclosure is repeated")
        found[digest(part)] = value
    used: set[str] = set()
    result = _apply(payload, found, used)
    if used != set(found):
        raise CredentialError("a disclosure is named by no digest")
    return dict(result)


def _apply(node: Any, found: Mapping[str, Any], used: set[str]) -> Any:
    if isinstance(node, list):
        items = []
        for item in node:
            if isinstance(item, dict) and set(item) == {"..."}:
                if item["..."] in found:
                    disclosed = _claim(found, used, item["..."], 2)
                    items.append(_apply(disclosed[1], found, used))
                continue
            items.append(_apply(item, found, used))
        return items
    if not isinstance(node, dict):
        return node
    result = {k: _apply(v, found, used) for k, v in node.items() if k != "_sd"}
    for named in node.get("_sd", []):
        if named in found:
            _, name, value = _claim(found, used, named, 3)
            if name in result or name in ("_sd", "..."):
                raise CredentialError(f"disclosed claim {name!r} clashes")
            result[name] = _apply(value, found, used)
    return result


def _claim(found: Mapping[str, Any], used: set[str], named: str, size: int) -> list[Any]:
    if named in used:
        raise CredentialError("a digest is used twice")
    used.add(named)
    disclosed: list[Any] = found[named]
    if len(disclosed) != size:
        raise CredentialError("a disclosure has the wrong shape for where it is named")
    return disclosed
