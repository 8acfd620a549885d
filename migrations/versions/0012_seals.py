"""organisations and api_keys: the log key's seal over the facts the log does not digest
(name, role, prefixes; a key's owner), checked by ``kreislauf verify``

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows stay NULL: the sequencer seals an organisation (and its keys) the next time
    # it acts in the log, and `kreislauf init-db` / `run` seal all of them at startup.
    op.add_column("organisations", sa.Column("seal", sa.Text(), nullable=True))
    op.add_column("api_keys", sa.Column("seal", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("api_keys", "seal")
    op.drop_column("organisations", "seal")
