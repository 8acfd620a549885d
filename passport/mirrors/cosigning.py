"""The mirror's cosignature on an origin's checkpoint (C2SP tlog-mirror, tlog-cosignature/v1).

After a sync has stored every leaf of a checkpoint and checked that they make its root, the
mirror signs that checkpoint with its own key, and serves the origin's note with that line
appended (``/mirror/{host}/log/v1/checkpoint``). The cosignature says one thing: *this mirror
durably holds every entry of this checkpoint, and never held a checkpoint of this log that it
is inconsistent with* (it is signed in the transaction that stores the leaves). It says nothing
of the documents the entries commit to: a passport whose documents were refused is still
listed by ``kreislauf mirror sync`` and fetched again.

The mirror's key is named ``<its host>/mirror`` and derived from its log key (HKDF-SHA256 with
a label of its own), so it needs no key file and no setting of its own, and is not the log key:
as a witness the registry cosigns with its log key under its log's name (``ledger.witness``),
a different statement that a client must not be able to mistake for this one (C2SP: a mirror
and a witness are distinct cosigners). It changes when the log key is rotated; its verifier
key is published beside each mirrored origin (``/mirror/{host}/evidence``).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from passport.config import Settings
from passport.ledger import note
from passport.routes import MIRRORS, Routes
from passport.signing.keys import load_key

if TYPE_CHECKING:  # cryptography loads with the first key used: reads sign nothing (memory)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

LABEL = b"kreislauf.eu mirror cosignature/v1 key"
MEANING = (
    "This mirror durably holds every entry of the checkpoint it cosigns, checked against its "
    "root, and has never accepted a checkpoint of this log inconsistent with it."
)


def name(settings: Settings) -> str:
    """The mirror's cosigner name: its host and ``/mirror`` (the prefix it serves under)."""
    return Routes(settings.base_url).host + MIRRORS


def signer(settings: Settings) -> note.Signer:
    """The mirror's Ed25519 key as a signed-note signer (cosignatures add their timestamp)."""
    return _derived(name(settings), load_key(settings, "log").private_key)


def verifier(settings: Settings) -> note.Verifier:
    """What a client checks the mirror's cosignatures with (its vkey is ``.vkey``)."""
    found = signer(settings)
    return note.Verifier(found.name, found.private_key.public_key(), note.ALG_COSIGNATURE_V1)


@lru_cache(maxsize=16)
def _derived(cosigner: str, log_key: Ed25519PrivateKey) -> note.Signer:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    seed = log_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(seed)
    return note.Signer.from_seed(cosigner, derived)


def cosign(by: note.Signer, checkpoint: str, now: datetime) -> str:
    """The cosignature/v1 line of ``by`` on the signed ``checkpoint`` at ``now``."""
    text, _ = note.parse_note(checkpoint)
    cosigner = note.Signer(
        by.name, by.private_key, note.ALG_COSIGNATURE_V1, timestamp=int(now.timestamp())
    )
    signature = cosigner.sign(text.encode("utf-8"))
    return note.Signature(cosigner.name, cosigner.key_id, signature).line()
