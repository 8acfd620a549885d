"""Tamper evidence: an RFC 9162 Merkle log and C2SP signed-note checkpoints.

Pure domain code (hashlib and ``cryptography`` only) so that the same functions serve the
registry, its witnesses and offline verifiers; see ``shared/notes/tamper-evidence.md``.

What is committed, and how ``kreislauf verify`` checks it:

* **leaves** (``log.leaf_bytes``): one per passport version (``dpp.issued``, ``dpp.version``,
  ``dpp.withdrawn``) and per event (``dpp.event.<type>``), each the canonical JSON of
  ``{v, log, kind, subject (the passport URI), seq, prev, time, actor (the organisation's
  DID), content: {mediaType, sha256}}`` — digests only. Verify re-derives every leaf from the
  stored rows (``verify``).
* **the tree**: ``log_nodes``, ``log_head`` and *every* ``log_checkpoints`` row against the
  roots recomputed from the leaves, and every checkpoint note's Ed25519 signature with the log
  key (``audit_checkpoints``).
* **seals** (``seals``): the log key's signature over an organisation's name, role, GS1
  prefixes and creation time (``organisations.seal``) and over an API key's hash, prefix and
  owner (``api_keys.seal``), made when the organisation first acts in the log. They add no
  leaf, so no index, root or proof moves.
* **served facts derived from the above** (``passport.audit``): a passport row's status,
  current version, life status, identifiers, name, search text, issuer and parents.
"""
