"""repair records (ORDS v0.3 imports)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repair_records",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ords_id", sa.String(length=64), nullable=False),
        sa.Column("data_provider", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("partner_product_category", sa.Text(), nullable=False),
        sa.Column("product_category", sa.String(length=100), nullable=False),
        sa.Column("product_category_id", sa.Integer(), nullable=False),
        sa.Column("brand", sa.Text(), nullable=False),
        sa.Column("year_of_manufacture", sa.Integer(), nullable=True),
        sa.Column("product_age", sa.Double(), nullable=True),
        sa.Column("repair_status", sa.String(length=12), nullable=False),
        sa.Column("repair_barrier_if_end_of_life", sa.String(length=40), nullable=True),
        sa.Column("group_identifier", sa.String(length=255), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("ords_id"),
    )
    with op.batch_alter_table("repair_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_repair_records_event_date", ["event_date", "ords_id"], unique=False
        )
        batch_op.create_index(
            "ix_repair_records_group_identifier",
            ["group_identifier", "event_date"],
            unique=False,
        )
        batch_op.create_index(
            "ix_repair_records_product_category_id",
            ["product_category_id", "event_date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("repair_records", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_records_product_category_id")
        batch_op.drop_index("ix_repair_records_group_identifier")
        batch_op.drop_index("ix_repair_records_event_date")

    op.drop_table("repair_records")
