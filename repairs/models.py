"""Stored repair records: ORDS v0.3 rows imported from repair networks.

Repairs logged in this registry stay lifecycle events (``passport.models.Event``); they are
turned into ORDS rows when read (``repairs.listing.repair_rows``), so a correction of an
event is honoured at once and nothing is stored twice.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Double, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from passport.db import Base
from passport.models import UtcDateTime, utcnow

__all__ = ["RepairRecord"]


class RepairRecord(Base):
    """One repair attempt in ORDS v0.3 terms: the 14 columns, typed, plus where it came from.

    Enums are stored in their canonical ORDS spelling (``repairs.ords.records``), so filters and
    counts never have to know the variants.
    """

    __tablename__ = "repair_records"
    __table_args__ = (
        # The export orders by date then id and filters by date range: one index serves both.
        Index("ix_repair_records_event_date", "event_date", "ords_id"),
        Index("ix_repair_records_product_category_id", "product_category_id", "event_date"),
        Index("ix_repair_records_group_identifier", "group_identifier", "event_date"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # ORDS `id` (e.g. "rcwales_3"): unique across everything imported, which is what makes
    # a re-import idempotent. Named ords_id because `pk` is the row's own key.
    ords_id: Mapped[str] = mapped_column(String(64), unique=True)
    data_provider: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(3))
    partner_product_category: Mapped[str] = mapped_column(Text)
    product_category: Mapped[str] = mapped_column(String(100))
    product_category_id: Mapped[int] = mapped_column(Integer)
    brand: Mapped[str] = mapped_column(Text)
    year_of_manufacture: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A float, not Numeric: SQLite has no decimal type (SQLAlchemy warns on every read), and
    # a double holds any age as written ("2.5" comes back as 2.5).
    product_age: Mapped[float | None] = mapped_column(Double, nullable=True)
    repair_status: Mapped[str] = mapped_column(String(12))
    repair_barrier_if_end_of_life: Mapped[str | None] = mapped_column(String(40), nullable=True)
    group_identifier: Mapped[str] = mapped_column(String(255))
    event_date: Mapped[date] = mapped_column(Date)
    problem: Mapped[str] = mapped_column(Text)
    # "import" (an ORDS file) or "registry" (reserved for copies of registry events).
    source: Mapped[str] = mapped_column(String(10), default="import")
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
