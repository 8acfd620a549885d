"""mirrors: the registries this one mirrors (issue 14), their logs' leaves, the documents the
leaves commit to, and the evidence of inconsistent histories (`kreislauf mirror`)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mirror_origins",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=600), nullable=False),
        sa.Column("log_origin", sa.String(length=300), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("trust", sa.String(length=12), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("frontier", JSON, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("host"),
    )
    op.create_table(
        "mirror_entries",
        sa.Column("origin_pk", sa.Integer(), nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(length=600), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["origin_pk"], ["mirror_origins.pk"]),
        sa.PrimaryKeyConstraint("origin_pk", "index"),
    )
    op.create_index("ix_mirror_entries_subject", "mirror_entries", ["origin_pk", "subject"])
    op.create_table(
        "mirror_documents",
        sa.Column("origin_pk", sa.Integer(), nullable=False),
        sa.Column("passport_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(length=600), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["origin_pk"], ["mirror_origins.pk"]),
        sa.PrimaryKeyConstraint("origin_pk", "passport_id", "kind", "number"),
    )
    op.create_index("ix_mirror_documents_subject", "mirror_documents", ["subject"])
    op.create_table(
        "mirror_evidence",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin_pk", sa.Integer(), nullable=False),
        sa.Column("held", sa.Text(), nullable=False),
        sa.Column("offered", sa.Text(), nullable=False),
        sa.Column("proof", JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["origin_pk"], ["mirror_origins.pk"]),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_mirror_evidence_origin_pk", "mirror_evidence", ["origin_pk"])


def downgrade() -> None:
    op.drop_index("ix_mirror_evidence_origin_pk", table_name="mirror_evidence")
    op.drop_table("mirror_evidence")
    op.drop_index("ix_mirror_documents_subject", table_name="mirror_documents")
    op.drop_table("mirror_documents")
    op.drop_index("ix_mirror_entries_subject", table_name="mirror_entries")
    op.drop_table("mirror_entries")
    op.drop_table("mirror_origins")
