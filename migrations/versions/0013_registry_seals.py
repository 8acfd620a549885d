"""grants and registry_seals: the log key's seal over each grant and over an issuer's set of
grants, and over the public ids of passports whose first leaf does not commit them; an API
key's seal now also covers its revocation (no schema change)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing grants stay NULL: `kreislauf init-db` / `run` seal them (and every issuer's set
    # of grants, and the public ids of the passports logged so far) at the first startup.
    op.add_column("grants", sa.Column("seal", sa.Text(), nullable=True))
    op.create_table(
        "registry_seals",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("seal", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("registry_seals")
    op.drop_column("grants", "seal")
