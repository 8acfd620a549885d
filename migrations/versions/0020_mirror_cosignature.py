"""mirror cosignature: the mirror's own C2SP tlog-cosignature/v1 line on the origin's checkpoint
it holds every leaf of (passport.mirrors.cosigning), served appended to the origin's note

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mirror_origins") as batch:
        batch.add_column(sa.Column("cosignature", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mirror_origins") as batch:
        batch.drop_column("cosignature")
