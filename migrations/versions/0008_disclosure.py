"""access tiers: grants of legitimate interest, and the log of reads of restricted data

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grants",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("issuer_pk", sa.Integer(), nullable=False),
        sa.Column("grantee_pk", sa.Integer(), nullable=False),
        sa.Column("passport_pk", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issuer_pk"], ["organisations.pk"]),
        sa.ForeignKeyConstraint(["grantee_pk"], ["organisations.pk"]),
        sa.ForeignKeyConstraint(["passport_pk"], ["passports.pk"]),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("public_id"),
        sa.UniqueConstraint("issuer_pk", "grantee_pk", "passport_pk"),
    )
    op.create_index("ix_grants_issuer_pk", "grants", ["issuer_pk"])
    op.create_index("ix_grants_grantee_pk", "grants", ["grantee_pk"])
    op.create_table(
        "access_reads",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("passport_pk", sa.Integer(), nullable=False),
        sa.Column("organisation_pk", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("way", sa.String(length=20), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["passport_pk"], ["passports.pk"]),
        sa.ForeignKeyConstraint(["organisation_pk"], ["organisations.pk"]),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_access_reads_passport_pk", "access_reads", ["passport_pk"])


def downgrade() -> None:
    op.drop_index("ix_access_reads_passport_pk", table_name="access_reads")
    op.drop_table("access_reads")
    op.drop_index("ix_grants_grantee_pk", table_name="grants")
    op.drop_index("ix_grants_issuer_pk", table_name="grants")
    op.drop_table("grants")
