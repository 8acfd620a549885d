"""SQLAlchemy 2.0 models. Passports, versions and events are never updated in place in ways
that lose history, and never deleted."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from passport.db import Base

# The largest value of an Integer column on every database (PostgreSQL's integer is 32 bits): a
# version or event number past it is one no row has, asked for before the database sees it.
MAX_ROW_NUMBER = 2**31 - 1

# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite. PostgreSQL's jsonb gives an
# integral float beyond 2**53 back as an integer: passport.db.make_engine reads it as the float.
JsonType = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the registry stores UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Organisation(Base):
    __tablename__ = "organisations"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The log key's signature over its name, role, prefixes (passport.ledger.seals); None
    # until it first acts in the log.
    seal: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Its unique operator identifier (e.g. an EORI number), sent with its passports'
    # registrations to the EU DPP registry; None: the registry's KREISLAUF_EU_OPERATOR_ID.
    operator_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # The language of the texts of the passports it issues (a BCP 47 tag), copied into each one
    # it issues without ``inLanguage``; None: such passports record none.
    language: Mapped[str | None] = mapped_column(String(64), nullable=True)

    # Loaded only when issuing checks them: every read of a passport loads its issuer.
    gs1_prefixes: Mapped[list[Gs1Prefix]] = relationship(
        back_populates="organisation", cascade="all", lazy="select", order_by="Gs1Prefix.prefix"
    )

    @property
    def prefixes(self) -> list[str]:
        return [p.prefix for p in self.gs1_prefixes]


class Gs1Prefix(Base):
    """A GS1 company prefix licensed to an organisation: its GTINs start with it."""

    __tablename__ = "gs1_prefixes"

    prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    organisation_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"), index=True)
    organisation: Mapped[Organisation] = relationship(back_populates="gs1_prefixes")


class ApiKey(Base):
    """A machine credential. Only a SHA-256 of the key is stored; the prefix is for display."""

    __tablename__ = "api_keys"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The log key's signature over the key's hash and owner (passport.ledger.seals).
    seal: Mapped[str | None] = mapped_column(Text, nullable=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


# The predicates of the partial indexes on passports, which the queries they serve repeat word
# for word (a bound parameter would hide from the planner that the index holds the rows).
PARENTS_WHERE = "granularity IN ('model', 'batch')"
WITHDRAWN_WHERE = "status = 'withdrawn'"


class Passport(Base):
    __tablename__ = "passports"
    __table_args__ = (
        Index("ix_passports_gtin_lot_serial", "gtin", "lot", "serial"),
        Index("ix_passports_issuer_pk", "issuer_pk", "pk"),
        # A serial number typed alone at a counter (passports.lookup.items_with_serial), newest
        # first: the GTIN-led index above cannot serve it (migration 0022).
        Index("ix_passports_serial", "serial", "pk"),
        # Partial indexes of the few rows two hot queries want, which name the rows as these
        # predicates do, literally (passport.passports.issuing.PARENTS, credentials.status_list):
        # issuing's parent lookup, the model and batch passports of a GTIN (not its million
        # items), and a status list's withdrawn passports.
        Index(
            "ix_passports_parents",
            "gtin",
            "lot",
            sqlite_where=text(PARENTS_WHERE),
            postgresql_where=text(PARENTS_WHERE),
        ),
        Index(
            "ix_passports_withdrawn",
            "pk",
            sqlite_where=text(WITHDRAWN_WHERE),
            postgresql_where=text(WITHDRAWN_WHERE),
        ),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # The canonical resolver URI printed in QR codes; never re-pointed.
    uri: Mapped[str] = mapped_column(String(600), unique=True)
    # What makes a product unique at its level (gtin / gtin+lot / gtin+serial / gmn).
    identity_key: Mapped[str] = mapped_column(String(300), unique=True)
    granularity: Mapped[str] = mapped_column(String(8))
    # A community passport: registered by a repairer for a product without a GS1 number (its
    # URI is minted by this registry), not issued by the manufacturer; every rendering says so.
    community: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    gtin: Mapped[str | None] = mapped_column(String(14), nullable=True)
    cpv: Mapped[str | None] = mapped_column(String(20), nullable=True)
    lot: Mapped[str | None] = mapped_column(String(20), nullable=True)
    serial: Mapped[str | None] = mapped_column(String(20), nullable=True)
    gmn: Mapped[str | None] = mapped_column(String(25), nullable=True, index=True)
    model_pk: Mapped[int | None] = mapped_column(ForeignKey("passports.pk"), nullable=True)
    batch_pk: Mapped[int | None] = mapped_column(ForeignKey("passports.pk"), nullable=True)
    issuer_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active / withdrawn
    # Where the product is in its life, derived from its events (passport.events.status.STATUSES).
    life_status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(1000))
    # Lower-cased name, description and identifiers: a portable substring search.
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    issuer: Mapped[Organisation] = relationship(lazy="joined")
    model: Mapped[Passport | None] = relationship(
        remote_side="Passport.pk", foreign_keys=[model_pk], lazy="select"
    )
    batch: Mapped[Passport | None] = relationship(
        remote_side="Passport.pk", foreign_keys=[batch_pk], lazy="select"
    )


class PassportVersion(Base):
    """One immutable version of a passport document. Never updated, never deleted."""

    __tablename__ = "passport_versions"
    __table_args__ = (UniqueConstraint("passport_pk", "version"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    passport_pk: Mapped[int] = mapped_column(ForeignKey("passports.pk"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    author_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # 128 random bits the log's commitment to this version is salted with, so the log lets
    # nobody guess a restricted value; never served (passport.ledger.log.version_content).
    # None for versions logged before migration 0009, committed unsalted.
    content_salt: Mapped[str | None] = mapped_column(
        String(32),
        nullable=True,
        default=lambda: secrets.token_urlsafe(16),  # log.new_salt
    )


class IdempotencyRecord(Base):
    """The stored answer to a write request (a batch, an event), replayed when the same key
    comes again: its status, body and Location (None when the answer had none)."""

    __tablename__ = "idempotency_keys"

    organisation_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    location: Mapped[str | None] = mapped_column(String(2000), nullable=True)


class Event(Base):
    """One lifecycle event of a passport, EPCIS-shaped. Append-only: never updated or deleted.

    A mistake is fixed by a later event of type "correction" that points at it (``corrects``);
    both stay in the history.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("passport_pk", "seq"),
        Index("ix_events_passport_time", "passport_pk", "event_time"),
        # An organisation's newest events: the items it worked on recently
        # (passports.lookup.items_with_serial; migration 0022).
        Index("ix_events_recorder_pk", "recorder_pk", "pk"),
        # The few events that link a passport (parts, remanufacture) or correct an event, found
        # by the passport or event they point at (partial: most events point at nothing).
        Index(
            "ix_events_related_pk",
            "related_pk",
            sqlite_where=text("related_pk IS NOT NULL"),
            postgresql_where=text("related_pk IS NOT NULL"),
        ),
        Index(
            "ix_events_corrects_pk",
            "corrects_pk",
            sqlite_where=text("corrects_pk IS NOT NULL"),
            postgresql_where=text("corrects_pk IS NOT NULL"),
        ),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    passport_pk: Mapped[int] = mapped_column(ForeignKey("passports.pk"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … per passport, gap-free
    type: Mapped[str] = mapped_column(String(40))
    biz_step: Mapped[str] = mapped_column(String(200))  # full CBV (or our documented) URI
    disposition: Mapped[str | None] = mapped_column(String(200), nullable=True)
    event_time: Mapped[datetime] = mapped_column(UtcDateTime)
    time_offset: Mapped[str] = mapped_column(String(6))  # "+01:00", as the recorder gave it
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recorder_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"))
    details: Mapped[dict[str, Any]] = mapped_column(JsonType)
    corrects_pk: Mapped[int | None] = mapped_column(ForeignKey("events.pk"), nullable=True)
    # A part installed or removed, or the new passport a remanufacture created.
    related_pk: Mapped[int | None] = mapped_column(ForeignKey("passports.pk"), nullable=True)
    event_id: Mapped[str] = mapped_column(String(120))  # CBV 2.0 event hash
    # Random salt of an event with (restricted) measurements: in its leaf digest and eventID,
    # served only with the measurements (passport.ledger.log.event_content). None otherwise.
    content_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)

    recorder: Mapped[Organisation] = relationship(lazy="joined")
    corrects: Mapped[Event | None] = relationship(remote_side="Event.pk", lazy="joined")
    related: Mapped[Passport | None] = relationship(foreign_keys=[related_pk], lazy="joined")


class User(Base):
    """A person who signs in to the web pages for an organisation: a repair-café volunteer, shop
    staff. Machines use API keys instead.

    The login name (an e-mail address or a handle) is the one piece of personal data the
    registry holds: it is never shown on public pages and never written into passports, events,
    the log or access logs. Only a scrypt hash of the password is stored.
    """

    __tablename__ = "users"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"), index=True)
    login: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class FailedAttempt(Base):
    """One failed sign-in or transfer-code claim, kept only as long as the rate limit looks back.

    ``subject`` (the login name or the passport) and ``address`` (the client's IP address) are
    stored as SHA-256 digests, never as given; see ``passport.throttle``.
    """

    __tablename__ = "failed_attempts"
    __table_args__ = (
        Index("ix_failed_attempts_subject", "kind", "subject", "created_at"),
        Index("ix_failed_attempts_address", "kind", "address", "created_at"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "sign_in" or "claim"
    subject: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TransferCode(Base):
    """A secret the current holder of an item passes on with it (UNTP "owner access").

    Whoever enters it records the handover; it works once. Only a SHA-256 of the code is stored.
    ``created_by`` is the organisation that handed the item over, or NULL when the code was
    given to a private holder (who has no account).
    """

    __tablename__ = "transfer_codes"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    passport_pk: Mapped[int] = mapped_column(ForeignKey("passports.pk"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # A newer code for the same item replaces this one: one live code per item at a time.
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # After this it opens nothing (passport.transfers); NULL: until it is used or replaced
    # (a private holder's code, and every code made before migration 0022).
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by_pk: Mapped[int | None] = mapped_column(ForeignKey("organisations.pk"), nullable=True)

    created_by: Mapped[Organisation | None] = relationship(lazy="joined")


class LogEntry(Base):
    """One leaf of the transparency log (RFC 9162): digests of a passport version or an event.

    ``index`` is gap-free from 0, handed out by :func:`passport.ledger.sequencer.append_many` alone.
    ``leaf`` holds the exact RFC 8785 bytes that were hashed; no content, no personal data.
    """

    __tablename__ = "log_entries"
    __table_args__ = (
        UniqueConstraint("subject", "subject_seq"),
        # Proof by leaf hash (RFC 6962 get-proof-by-hash) looks leaves up by their hash.
        Index("ix_log_entries_leaf_hash", "leaf_hash"),
    )

    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    subject: Mapped[str] = mapped_column(String(600))  # the product URI
    kind: Mapped[str] = mapped_column(String(60))
    subject_seq: Mapped[int] = mapped_column(Integer)  # 0, 1, 2 … per subject
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogNode(Base):
    """The hash of a complete subtree: level ``l``, index ``i`` covers leaves [i·2^l, (i+1)·2^l).

    Level 0 are the leaf hashes. Written once, when the subtree becomes complete; never changed.
    """

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogHead(Base):
    """The single row every append locks: the log's size and root after the last append."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogCheckpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint); every one is kept for consistency proofs."""

    __tablename__ = "log_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LogCosignature(Base):
    """A witness's cosignature (C2SP tlog-cosignature) on one of this registry's checkpoints,
    asked for under the registry's witness policy (``kreislauf cosign``): the signature line as
    the witness sent it, verified with the policy's key for that witness before it was kept."""

    __tablename__ = "log_cosignatures"

    key_name: Mapped[str] = mapped_column(String(300), primary_key=True)
    key_id: Mapped[bytes] = mapped_column(LargeBinary(4), primary_key=True)
    size: Mapped[int] = mapped_column(
        ForeignKey("log_checkpoints.size"), primary_key=True, autoincrement=False, index=True
    )
    line: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the cosignature's timestamp
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WitnessedLog(Base):
    """Another log this registry witnesses (C2SP tlog-witness): its key and the newest
    checkpoint size and root it has verified and cosigned."""

    __tablename__ = "witnessed_logs"

    origin: Mapped[str] = mapped_column(String(300), primary_key=True)
    vkey: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))


class Grant(Base):
    """An issuer's grant of legitimate interest to another organisation: on all its passports
    (``passport_pk`` empty) or on one. Revoking deletes the grant."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("issuer_pk", "grantee_pk", "passport_pk"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    issuer_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"), index=True)
    grantee_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"), index=True)
    passport_pk: Mapped[int | None] = mapped_column(ForeignKey("passports.pk"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The log key's signature over who granted what to whom (passport.ledger.seals); the
    # issuer's set of grants is sealed as a whole in registry_seals ("grants/<issuer id>").
    seal: Mapped[str | None] = mapped_column(Text, nullable=True)

    grantee: Mapped[Organisation] = relationship(foreign_keys=[grantee_pk], lazy="joined")
    passport: Mapped[Passport | None] = relationship(lazy="joined")


class RegistrySeal(Base):
    """A seal over a set of rows rather than one (passport.ledger.seals): an issuer's grants
    (``grants/<issuer public id>``), the public ids of passports logged before their first
    leaf committed them (``passport-ids``)."""

    __tablename__ = "registry_seals"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seal: Mapped[str] = mapped_column(Text)


class EuRegistration(Base):
    """A passport's registration in the EU DPP registry (passport.euregistry): ``queued`` until
    the registry answers, then ``registered`` with the registry's id, or ``rejected`` with the
    reason. One per passport and per product identifier: a registration is never queued twice."""

    __tablename__ = "eu_registrations"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    passport_pk: Mapped[int] = mapped_column(ForeignKey("passports.pk"), unique=True)
    # The unique product identifier sent (the passport's URI), unique here as in the registry.
    product_identifier: Mapped[str] = mapped_column(String(600), unique=True)
    granularity: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    registration_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AccessRead(Base):
    """One read of restricted passport data: which organisation read it, when, with which
    tier and which way out. Organisations, never people. Append-only."""

    __tablename__ = "access_reads"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    passport_pk: Mapped[int] = mapped_column(ForeignKey("passports.pk"), index=True)
    organisation_pk: Mapped[int] = mapped_column(ForeignKey("organisations.pk"))
    tier: Mapped[str] = mapped_column(String(20))
    way: Mapped[str] = mapped_column(String(20))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)  # pruning

    organisation: Mapped[Organisation] = relationship(lazy="joined")
