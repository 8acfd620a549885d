"""accounts: users, failed attempts, transfer codes, community passports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("community", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    op.create_table(
        "users",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_pk", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_pk"],
            ["organisations.pk"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("login"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_organisation_pk"), ["organisation_pk"], unique=False
        )

    op.create_table(
        "failed_attempts",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
    )
    with op.batch_alter_table("failed_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_failed_attempts_subject", ["kind", "subject", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_failed_attempts_address", ["kind", "address", "created_at"], unique=False
        )

    op.create_table(
        "transfer_codes",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("passport_pk", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_pk", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_pk"],
            ["organisations.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["passport_pk"],
            ["passports.pk"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("transfer_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_codes_passport_pk"), ["passport_pk"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transfer_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_codes_passport_pk"))
    op.drop_table("transfer_codes")

    with op.batch_alter_table("failed_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_failed_attempts_address")
        batch_op.drop_index("ix_failed_attempts_subject")
    op.drop_table("failed_attempts")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_organisation_pk"))
    op.drop_table("users")

    with op.batch_alter_table("passports", schema=None) as batch_op:
        batch_op.drop_column("community")
