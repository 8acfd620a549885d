"""moves: passports that moved to another registry and passports that came from one (issue 14,
point 5: the rows the `dpp.moved` and `dpp.moved-in` leaves commit to)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "passport_moves",
        sa.Column("passport_pk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("to_url", sa.String(length=600), nullable=False),
        sa.Column("new_uri", sa.String(length=600), nullable=False),
        sa.Column("actor_pk", sa.Integer(), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["passport_pk"], ["passports.pk"]),
        sa.ForeignKeyConstraint(["actor_pk"], ["organisations.pk"]),
        sa.PrimaryKeyConstraint("passport_pk"),
    )
    op.create_table(
        "passport_arrivals",
        sa.Column("passport_pk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("link", JSON, nullable=False),
        sa.Column("previous_bundle", sa.Text(), nullable=False),
        sa.Column("actor_pk", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["passport_pk"], ["passports.pk"]),
        sa.ForeignKeyConstraint(["actor_pk"], ["organisations.pk"]),
        sa.PrimaryKeyConstraint("passport_pk"),
    )


def downgrade() -> None:
    op.drop_table("passport_arrivals")
    op.drop_table("passport_moves")
