"""A proof bundle of a passport that moved, made up without a registry: a log of its own
(two leaves: issued, moved), signed by a key of its own. What an import needs, for tests that
have only one registry (the permission matrix)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from passport.ledger import checkpoints, log, merkle, moves, note, proof_bundle
from tests.conftest import BASE_URL

OLD = "https://old-registry.example.com"


def moved_bundle(document: dict[str, Any], path: str, to: str = BASE_URL) -> dict[str, Any]:
    """The issuer's bundle of a passport whose only version is ``document`` (its Digital Link
    path ``path`` at the old registry), moved to ``to``."""
    origin = log.origin(OLD)
    signer = note.Signer.from_seed(origin, b"\x11" * 32)
    when = datetime(2026, 5, 1, tzinfo=UTC)
    uri = OLD + path
    contents = [
        {"salt": "c2FsdHNhbHRzYWx0c2FsdA", "document": document, "passport": "0123456789abcdef"},
        moves.moved_content(to, to + path, when),
    ]
    leaves: list[bytes] = []
    for seq, (kind, content) in enumerate(zip(("dpp.issued", moves.MOVED), contents, strict=True)):
        leaves.append(
            log.leaf_bytes(
                origin,
                kind=kind,
                subject=uri,
                seq=seq,
                prev=None if seq == 0 else (seq - 1, merkle.leaf_hash(leaves[-1])),
                time=when,
                actor=f"did:web:{origin.split('/')[0]}:orgs:maker",
                content_digest=log.content_sha256(content),
            )
        )
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    body = note.Checkpoint(origin, len(leaves), merkle.root(hashes)).format()
    signed = note.sign_note(body, signer)
    entries = [
        {
            "leaf": leaf.decode(),
            "proof": checkpoints.format_proof(
                checkpoints.TlogProof(n, merkle.inclusion_proof(n, hashes), signed)
            ),
            "content": log.content_bytes(content).decode(),
        }
        for n, (leaf, content) in enumerate(zip(leaves, contents, strict=True))
    ]
    bundle = {
        "format": proof_bundle.FORMAT,
        "passport": {"id": "0123456789abcdef", "uri": uri},
        "log": {"origin": origin, "vkey": signer.verifier.vkey},
        "checkpoint": signed,
        "reader": "issuer",
        "entries": entries,
    }
    assert proof_bundle.verify(json.dumps(bundle).encode()).ok
    return bundle
