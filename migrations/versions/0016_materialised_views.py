"""events.related_pk index: a passport's read key (passport.views_cache.keys) and its
lineage (passport.credentials.reading) find the events that name it without scanning events

The materialised views themselves are kept in each worker's memory (passport.views_cache.store,
docs/CACHING.md), not in a table: this migration only adds the index their read key needs.

Revision ID: 0016
Revises: 0014 (the integrator renumbers the chain at merge: 0015 is hotq's)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The same partial index as hotq's 0015 (most events name no passport); if 0015 made it
    # already, there is nothing to do.
    where = sa.text("related_pk IS NOT NULL")
    op.create_index(
        "ix_events_related_pk",
        "events",
        ["related_pk"],
        sqlite_where=where,
        postgresql_where=where,
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_events_related_pk", table_name="events", if_exists=True)
