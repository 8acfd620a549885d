"""organisations.operator_id: each economic operator's own unique operator identifier (e.g.
its EORI number), sent with its passports' registrations to the EU DPP registry; the
registry-wide KREISLAUF_EU_OPERATOR_ID stays the default for organisations without one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("operator_id", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("operator_id")
