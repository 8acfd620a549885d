"""cosignatures: witnesses' cosignatures on this registry's checkpoints, asked for under its
witness policy (`kreislauf cosign`, issue 14)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_cosignatures",
        sa.Column("key_name", sa.String(length=300), nullable=False),
        sa.Column("key_id", sa.LargeBinary(length=4), nullable=False),
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["size"], ["log_checkpoints.size"]),
        sa.PrimaryKeyConstraint("key_name", "key_id", "size"),
    )
    op.create_index("ix_log_cosignatures_size", "log_cosignatures", ["size"])


def downgrade() -> None:
    op.drop_index("ix_log_cosignatures_size", table_name="log_cosignatures")
    op.drop_table("log_cosignatures")
