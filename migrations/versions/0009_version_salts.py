"""passport versions: the salt the transparency log's commitment to each version is made with

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing versions keep NULL: the log committed them unsalted and verify re-derives that.
    op.add_column(
        "passport_versions", sa.Column("content_salt", sa.String(length=32), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("passport_versions", "content_salt")
