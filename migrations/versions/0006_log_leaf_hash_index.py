"""index log leaves by hash, so a proof by leaf hash is a B-tree lookup

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_log_entries_leaf_hash", "log_entries", ["leaf_hash"])


def downgrade() -> None:
    op.drop_index("ix_log_entries_leaf_hash", table_name="log_entries")
