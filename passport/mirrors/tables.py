"""The tables of mirrored registries (issue 14): each origin, its log's leaves, the documents
those leaves commit to, and the evidence of a history the origin could not keep straight.

Kept beside ``passport.models`` (as ``repairs.models`` is) and registered on the same
``Base.metadata``: ``migrations/env.py`` and ``kreislauf backup`` import this module. Nothing
here is ever served as this registry's own: it is the origin's, served under ``/mirror/``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from passport.db import Base
from passport.models import JsonType, UtcDateTime, utcnow


class MirrorOrigin(Base):
    """A registry this one mirrors: where it is, its log's name and key, and the newest
    checkpoint the mirror has verified and holds every leaf of (``size``, ``root``, ``note``
    verbatim as the origin signed it; size 0 and no note before the first sync)."""

    __tablename__ = "mirror_origins"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host: Mapped[str] = mapped_column(String(300), unique=True)  # host[:port], the URL segment
    url: Mapped[str] = mapped_column(String(600))
    log_origin: Mapped[str] = mapped_column(String(300))
    vkey: Mapped[str] = mapped_column(Text)
    # "given" (--key) or "first-use" (read from the origin when it was added)
    trust: Mapped[str] = mapped_column(String(12))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The mirror's own cosignature/v1 line on ``note`` (passport.mirrors.cosigning), signed when
    # its leaves were stored; served appended to it. None: not cosigned (synced before 0020).
    cosignature: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The complete subtrees of the mirrored tree (hex, left to right): the next root in O(log n).
    frontier: Mapped[list[str]] = mapped_column(JsonType)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class MirrorEntry(Base):
    """One leaf of an origin's log, the exact bytes the origin hashed."""

    __tablename__ = "mirror_entries"
    __table_args__ = (Index("ix_mirror_entries_subject", "origin_pk", "subject"),)

    origin_pk: Mapped[int] = mapped_column(ForeignKey("mirror_origins.pk"), primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    subject: Mapped[str] = mapped_column(String(600))
    kind: Mapped[str] = mapped_column(String(60))
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class MirrorDocument(Base):
    """A document of a mirrored passport, byte for byte as the origin served it to the public:
    a version's credential (``kind`` "version", ``number`` the version) or the passport's
    events (``kind`` "events", ``number`` how many events the mirrored log commits to). The
    events listing is replaced as the log grows; versions never change."""

    __tablename__ = "mirror_documents"

    origin_pk: Mapped[int] = mapped_column(ForeignKey("mirror_origins.pk"), primary_key=True)
    passport_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject: Mapped[str] = mapped_column(String(600), index=True)
    media_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MirrorEvidence(Base):
    """Two checkpoints signed by one origin's key that cannot both be true (a fork, or a
    rewritten history), kept verbatim: anyone can check both signatures and the proof."""

    __tablename__ = "mirror_evidence"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin_pk: Mapped[int] = mapped_column(ForeignKey("mirror_origins.pk"), index=True)
    held: Mapped[str] = mapped_column(Text)  # the checkpoint the mirror held
    offered: Mapped[str] = mapped_column(Text)  # the one the origin then served
    proof: Mapped[list[str]] = mapped_column(JsonType)  # the consistency proof it gave (base64)
    reason: Mapped[str] = mapped_column(Text)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
