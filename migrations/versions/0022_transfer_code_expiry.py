"""transfer code expiry: a code made at a sale opens the item until ``expires_at``
(passport.transfers); codes made before stay without one (NULL)

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"  # rechained onto 0021 when both are merged
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transfer_codes") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transfer_codes") as batch:
        batch.drop_column("expires_at")
