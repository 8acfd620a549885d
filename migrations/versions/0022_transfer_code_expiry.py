"""transfer code expiry: a code made at a sale opens the item until ``expires_at``
(passport.transfers); codes made before stay without one (NULL). Indexes for a serial number
typed alone (passport.passports.lookup.items_with_serial): passports by serial, newest first,
and an organisation's events, newest first; both queries scanned their whole table before.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transfer_codes") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_passports_serial", "passports", ["serial", "pk"])
    op.create_index("ix_events_recorder_pk", "events", ["recorder_pk", "pk"])


def downgrade() -> None:
    op.drop_index("ix_events_recorder_pk", table_name="events")
    op.drop_index("ix_passports_serial", table_name="passports")
    with op.batch_alter_table("transfer_codes") as batch:
        batch.drop_column("expires_at")
