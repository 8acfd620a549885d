"""indexes for the hot queries: the parent lookup of issuing (model and batch passports of a
GTIN), the status lists (withdrawn passports in a range of row numbers), the events that link
or correct (a credential's lineage)

Issuing an item looks its model and batch passports up by ``gtin IN (…) AND granularity IN
('model', 'batch')``; with only the GTIN index that reads every passport of the GTIN (a million
items of one model), and a composite ``(gtin, granularity)`` index is no cure: once ANALYZE has
seen a million items per (GTIN, granularity), SQLite scans the table instead. A partial index
of the model and batch passports alone holds only them, and the query names them with the same
literal predicate. A status list reads the withdrawn passports of its 131,072 row numbers: a
partial index of the withdrawn ones. A passport's credential names the passports linked to it
by events (``related_pk``) that no correction (``corrects_pk``) declared wrong: both foreign
keys get a partial index (few events have them).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    parents = sa.text("granularity IN ('model', 'batch')")
    op.create_index(
        "ix_passports_parents",
        "passports",
        ["gtin", "lot"],
        sqlite_where=parents,
        postgresql_where=parents,
    )
    withdrawn = sa.text("status = 'withdrawn'")
    op.create_index(
        "ix_passports_withdrawn",
        "passports",
        ["pk"],
        sqlite_where=withdrawn,
        postgresql_where=withdrawn,
    )
    for column in ("related_pk", "corrects_pk"):
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_events_{column}",
            "events",
            [column],
            sqlite_where=where,
            postgresql_where=where,
        )


def downgrade() -> None:
    op.drop_index("ix_events_corrects_pk", table_name="events")
    op.drop_index("ix_events_related_pk", table_name="events")
    op.drop_index("ix_passports_withdrawn", table_name="passports")
    op.drop_index("ix_passports_parents", table_name="passports")
