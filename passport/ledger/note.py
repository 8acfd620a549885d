"""C2SP signed notes (Ed25519, and Ed25519 ``cosignature/v1``) and tlog checkpoints.

Formats: ``c2sp.org/signed-note`` v1.0.0, ``c2sp.org/tlog-checkpoint`` v1.0.0 and
``c2sp.org/tlog-cosignature`` v1.0.0. They are plain text, so byte-exact details matter and are
pinned by the test vectors: the signature covers the note text *including*
its final newline, a blank line separates text from signatures, and each signature line starts
with an EM DASH (U+2014) and a space.

A note is accepted only if at least one known key signed it; signatures from unknown keys are
ignored (so logs can add, say, an ML-DSA line later), but a known key whose signature fails
rejects the whole note, because that is an attack or a bug rather than an unknown signer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography loads with the first key used: reads sign nothing (memory)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

# Signature type bytes from the C2SP signed-note registry.
ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "\u2014 "  # EM DASH, then a space
# golang.org/x/mod/sumdb/note stops at 100 lines so a hostile note cannot make us verify forever.
MAX_SIGNATURES = 100
_UINT64 = 1 << 64
_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class NoteError(ValueError):
    """A note, key or checkpoint is malformed, or its signatures do not verify."""


def b64decode(value: str, what: str) -> bytes:
    """Strict standard base64: alphabet, padding and canonical form (what Go emits)."""
    if not _B64.fullmatch(value):
        raise NoteError(f"{what} is not standard base64")
    try:
        decoded = base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise NoteError(f"{what} is not valid base64: {error}") from None
    if base64.b64encode(decoded).decode("ascii") != value:
        # Non-zero padding bits would give one signature several spellings.
        raise NoteError(f"{what} is not canonical base64")
    return decoded


def b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _check_name(name: str) -> None:
    # signed-note: key names are non-empty UTF-8 without Unicode spaces or "+", since "+"
    # separates the vkey fields and a space separates the signature line fields.
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"invalid key name {name!r}")
    _check_chars(name, "key name")


def _check_chars(text: str, what: str) -> None:
    # Well-formed UTF-8 and no ASCII control characters other than newline: what the Go
    # implementation enforces, and it keeps "\r\n" notes from verifying differently elsewhere.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError(f"{what} is not well-formed UTF-8") from None
    for c in text:
        if (c < " " and c != "\n") or c == "\x7f":
            raise NoteError(f"{what} contains the control character {c!r}")


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """signed-note key ID: the first 4 bytes of SHA-256(name || 0x0A || alg || public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _cosigned_message(timestamp: int, text: bytes) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class Verifier:
    """A public key that can check signature lines of one name and key ID."""

    name: str
    public_key: Ed25519PublicKey
    alg: int = ALG_ED25519
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError(f"unsupported signature type 0x{self.alg:02x}")
        object.__setattr__(self, "key_id", key_id(self.name, self.alg, self.public_bytes))

    @property
    def public_bytes(self) -> bytes:
        return _raw_public(self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string ``name+hex(keyID)+base64(alg || public key)``."""
        encoded = b64encode(bytes([self.alg]) + self.public_bytes)
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        # Only the first two "+" separate fields: base64 may itself contain "+".
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise NoteError("a vkey has three '+'-separated fields")
        name, hex_id, encoded = parts
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise NoteError("vkey key ID is not 8 lowercase hex digits")
        key = b64decode(encoded, "vkey key")
        if len(key) != 33:
            raise NoteError(f"vkey key must be 1 + 32 bytes, got {len(key)}")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        verifier = cls(name, Ed25519PublicKey.from_public_bytes(key[1:]), key[0])
        # The ID is redundant; a mismatch means a corrupted or spliced vkey.
        if verifier.key_id.hex() != hex_id:
            raise NoteError("vkey key ID does not match its name and key")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (after the 4-byte key ID) signs the note ``text``."""
        message = text
        if self.alg == ALG_COSIGNATURE_V1:
            # tlog-cosignature: 8-byte big-endian timestamp, then Ed25519 over a header + text.
            if len(signature) != 8 + 64:
                return False
            timestamp = int.from_bytes(signature[:8], "big")
            message, signature = _cosigned_message(timestamp, text), signature[8:]
        if len(signature) != 64:
            return False
        from cryptography.exceptions import InvalidSignature

        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A private key that writes signature lines. For ``cosignature/v1`` it needs a timestamp.

    ``timestamp`` (seconds since the epoch) is a field rather than read from the clock so that
    this module stays pure and signing stays reproducible.
    """

    name: str
    private_key: Ed25519PrivateKey
    alg: int = ALG_ED25519
    timestamp: int | None = None

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.alg == ALG_COSIGNATURE_V1:
            if self.timestamp is None or not 0 <= self.timestamp < _UINT64:
                raise NoteError("a cosignature/v1 signer needs a uint64 timestamp")
        elif self.alg != ALG_ED25519:
            raise NoteError(f"unsupported signature type 0x{self.alg:02x}")

    @classmethod
    def from_seed(cls, name: str, seed: bytes, alg: int = ALG_ED25519, **kw: int) -> Signer:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(name, Ed25519PrivateKey.from_private_bytes(seed), alg, **kw)

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+name+hex(keyID)+base64(alg || seed)`` (golang.org/x/mod)."""
        parts = skey.split("+", 4)  # the base64 key may contain "+"
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("an skey is PRIVATE+KEY+name+keyid+key")
        name, hex_id, encoded = parts[2:]
        key = b64decode(encoded, "skey key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise NoteError("skey key must be 0x01 followed by a 32-byte Ed25519 seed")
        signer = cls.from_seed(name, key[1:])
        if signer.key_id.hex() != hex_id:
            raise NoteError("skey key ID does not match its name and key")
        return signer

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.private_key.public_key(), self.alg)

    @cached_property  # a public-key derivation and a hash: asked at every signature
    def key_id(self) -> bytes:
        return key_id(self.name, self.alg, _raw_public(self.private_key.public_key()))

    def sign(self, text: bytes) -> bytes:
        """The signature bytes that follow the key ID on the signature line."""
        if self.alg == ALG_COSIGNATURE_V1:
            assert self.timestamp is not None  # checked in __post_init__
            message = _cosigned_message(self.timestamp, text)
            return self.timestamp.to_bytes(8, "big") + self.private_key.sign(message)
        return self.private_key.sign(text)


@dataclass(frozen=True)
class Signature:
    """One parsed signature line: who claims to have signed, and the bytes after the key ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(self.key_id + self.signature)}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_chars(text, "note text")


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note: ``text``, a blank line, then one signature line per signer."""
    if not signers:
        raise NoteError("a note needs at least one signer")
    _check_text(text)
    data = text.encode("utf-8")
    lines = [Signature(s.name, s.key_id, s.sign(data)).line() for s in signers]
    return text + "\n" + "".join(lines)


def parse_note(note: str) -> tuple[str, list[Signature]]:
    """Split a note into its text and signature lines without verifying anything."""
    _check_chars(note, "note")
    # Signature lines never contain a blank line, so the last one is the separator.
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("note has no signature lines, or they do not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("signature line does not start with an em dash and a space")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        _check_name(name)
        raw = b64decode(encoded, "signature")
        if len(raw) < 5:
            raise NoteError("signature is shorter than a key ID and one byte")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return text, signatures


def verify_note(note: str, verifiers: Iterable[Verifier]) -> tuple[str, list[str]]:
    """Verify ``note`` and return its text and the names whose signatures verified.

    Raises :class:`NoteError` if the note is malformed, if a known key's signature fails, or
    if no known key signed it.
    """
    known: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        if (v.name, v.key_id) in known and known[(v.name, v.key_id)] != v:
            raise NoteError(f"two different verifiers share name and key ID for {v.name}")
        known[(v.name, v.key_id)] = v
    text, signatures = parse_note(note)
    data = text.encode("utf-8")
    verified: list[str] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None or (sig.name, sig.key_id) in seen:
            continue  # unknown signers are ignored; repeats by one key count once
        seen.add((sig.name, sig.key_id))
        if not verifier.verify(data, sig.signature):
            raise NoteError(f"signature by {sig.name} does not verify")
        verified.append(sig.name)
    if not verified:
        raise NoteError("note has no valid signature from a known key")
    return text, verified


def parse_checkpoint_body(text: str) -> tuple[str, int, bytes, str]:
    """Lenient checkpoint split (origin, size, root hash, rest), as transparency-dev/formats.

    Accepts any root length and leading zeros, like upstream; :meth:`Checkpoint.parse` is the
    strict C2SP check that a verifier should use.
    """
    lines = text.split("\n", 3)
    if len(lines) < 4:
        raise NoteError("checkpoint needs origin, size and root hash lines, each ending in \\n")
    origin, size_text, root_text, rest = lines
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not re.fullmatch(r"[0-9]+", size_text) or int(size_text) >= _UINT64:
        raise NoteError("checkpoint size is not a uint64 decimal")
    return origin, int(size_text), b64decode(root_text, "checkpoint root hash"), rest


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint body: the log's origin, tree size and root hash (note text only)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise NoteError("checkpoint origin must be one non-empty line")
        _check_chars(self.origin, "checkpoint origin")
        if isinstance(self.size, bool) or not 0 <= self.size < _UINT64:
            raise NoteError("checkpoint size must be a uint64")
        if len(self.root_hash) != 32:
            raise NoteError(f"checkpoint root hash must be 32 bytes, got {len(self.root_hash)}")
        for ext in self.extensions:
            # Extension lines are non-empty; an empty one would be read as the note separator.
            if not ext or "\n" in ext:
                raise NoteError("checkpoint extension lines must be non-empty single lines")
            _check_chars(ext, "checkpoint extension")

    def format(self) -> str:
        lines = [self.origin, str(self.size), b64encode(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        origin, size, root_hash, rest = parse_checkpoint_body(text)
        size_text = text.split("\n", 2)[1]
        if size_text != str(size):
            raise NoteError("checkpoint size has leading zeros")
        if rest and not rest.endswith("\n"):
            raise NoteError("checkpoint text must end with a newline")
        extensions = tuple(rest[:-1].split("\n")) if rest else ()
        return cls(origin, size, root_hash, extensions)
