"""eu_registrations: each passport's registration in the EU DPP registry (queued, registered
with the registry's id, or rejected with the reason); `kreislauf register-eu` sends them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing is queued for the passports issued so far: `kreislauf register-eu` queues every
    # passport that has no row yet before it sends.
    op.create_table(
        "eu_registrations",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("passport_pk", sa.Integer(), nullable=False),
        sa.Column("product_identifier", sa.String(length=600), nullable=False),
        sa.Column("granularity", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("registration_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["passport_pk"], ["passports.pk"]),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("passport_pk"),
        sa.UniqueConstraint("product_identifier"),
    )
    op.create_index("ix_eu_registrations_state", "eu_registrations", ["state"])


def downgrade() -> None:
    op.drop_index("ix_eu_registrations_state", table_name="eu_registrations")
    op.drop_table("eu_registrations")
