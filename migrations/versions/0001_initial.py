"""passports, versions, organisations, api keys

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_table(
        "api_keys",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_pk", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_pk"],
            ["organisations.pk"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_organisation_pk"), ["organisation_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_api_keys_prefix"), ["prefix"], unique=False)

    op.create_table(
        "gs1_prefixes",
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("organisation_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_pk"],
            ["organisations.pk"],
        ),
        sa.PrimaryKeyConstraint("prefix"),
    )
    with op.batch_alter_table("gs1_prefixes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gs1_prefixes_organisation_pk"), ["organisation_pk"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("organisation_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "response", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_pk"],
            ["organisations.pk"],
        ),
        sa.PrimaryKeyConstraint("organisation_pk", "key"),
    )
    op.create_table(
        "passports",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("uri", sa.String(length=600), nullable=False),
        sa.Column("identity_key", sa.String(length=300), nullable=False),
        sa.Column("granularity", sa.String(length=8), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("cpv", sa.String(length=20), nullable=True),
        sa.Column("lot", sa.String(length=20), nullable=True),
        sa.Column("serial", sa.String(length=20), nullable=True),
        sa.Column("gmn", sa.String(length=25), nullable=True),
        sa.Column("model_pk", sa.Integer(), nullable=True),
        sa.Column("batch_pk", sa.Integer(), nullable=True),
        sa.Column("issuer_pk", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_pk"],
            ["passports.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["issuer_pk"],
            ["organisations.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["passports.pk"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("identity_key"),
        sa.UniqueConstraint("public_id"),
        sa.UniqueConstraint("uri"),
    )
    with op.batch_alter_table("passports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passports_gmn"), ["gmn"], unique=False)
        batch_op.create_index(
            "ix_passports_gtin_lot_serial", ["gtin", "lot", "serial"], unique=False
        )
        batch_op.create_index("ix_passports_issuer_pk", ["issuer_pk", "pk"], unique=False)

    op.create_table(
        "passport_versions",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("passport_pk", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("author_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_pk"],
            ["organisations.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["passport_pk"],
            ["passports.pk"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("passport_pk", "version"),
    )


def downgrade() -> None:
    op.drop_table("passport_versions")
    with op.batch_alter_table("passports", schema=None) as batch_op:
        batch_op.drop_index("ix_passports_issuer_pk")
        batch_op.drop_index("ix_passports_gtin_lot_serial")
        batch_op.drop_index(batch_op.f("ix_passports_gmn"))

    op.drop_table("passports")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("gs1_prefixes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gs1_prefixes_organisation_pk"))

    op.drop_table("gs1_prefixes")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_prefix"))
        batch_op.drop_index(batch_op.f("ix_api_keys_organisation_pk"))

    op.drop_table("api_keys")
    op.drop_table("organisations")
