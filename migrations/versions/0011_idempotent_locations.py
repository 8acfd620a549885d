"""idempotency_keys: the Location of the stored answer, so that a repeated event append
replays it with its status and body

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Answers stored before this migration (batches) had no Location: NULL.
    op.add_column("idempotency_keys", sa.Column("location", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.drop_column("location")
