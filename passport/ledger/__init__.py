"""Tamper evidence: an RFC 9162 Merkle log and C2SP signed-note checkpoints.

Pure domain code (hashlib and ``cryptography`` only) so that the same functions serve the
registry, its witnesses and offline verifiers; see ``shared/notes/tamper-evidence.md``.
"""
