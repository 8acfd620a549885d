"""events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("life_status", sa.String(length=20), server_default="active", nullable=False)
        )
    op.create_table(
        "events",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("passport_pk", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("biz_step", sa.String(length=200), nullable=False),
        sa.Column("disposition", sa.String(length=200), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_offset", sa.String(length=6), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorder_pk", sa.Integer(), nullable=False),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("corrects_pk", sa.Integer(), nullable=True),
        sa.Column("related_pk", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrects_pk"],
            ["events.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["passport_pk"],
            ["passports.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["recorder_pk"],
            ["organisations.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["related_pk"],
            ["passports.pk"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("passport_pk", "seq"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_passport_time", ["passport_pk", "event_time"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_passport_time")

    op.drop_table("events")
    with op.batch_alter_table("passports", schema=None) as batch_op:
        batch_op.drop_column("life_status")
