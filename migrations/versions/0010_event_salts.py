"""events: the salt a measured event's leaf digest and eventID are made with; the access log's
reads indexed by time, for pruning

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing events keep NULL: the log committed them unsalted and verify re-derives that.
    op.add_column("events", sa.Column("content_salt", sa.String(length=32), nullable=True))
    op.create_index("ix_access_reads_read_at", "access_reads", ["read_at"])


def downgrade() -> None:
    op.drop_index("ix_access_reads_read_at", table_name="access_reads")
    op.drop_column("events", "content_salt")
