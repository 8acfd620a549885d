"""Finding passports: by identifiers, free text and issuer, a page at a time."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.errors import FieldError, InvalidDocument, InvalidIdentifier
from passport.gs1.check_digits import normalise_gtin
from passport.models import Organisation, Passport


@dataclass(frozen=True)
class Page:
    """One page of search results and the cursor of the next one (None on the last)."""

    items: list[Passport]
    next_cursor: str | None
    # The cursor of the page before this one (``before=``); None on the first page.
    previous_cursor: str | None = None


def _encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"p{pk}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("p"):
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidDocument(
            "Invalid cursor.",
            [FieldError("/cursor", "not a cursor this registry returned; start without one")],
        ) from exc


def search(
    session: Session,
    *,
    gtin: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    q: str | None = None,
    issuer: str | None = None,
    granularity: str | None = None,
    cursor: str | None = None,
    before: str | None = None,
    limit: int = 50,
) -> Page:
    """Find passports by identifiers, free text and issuer, oldest first, a page at a time:
    after ``cursor`` (the next page), or the page that ends before ``before`` (going back)."""
    back = bool(before) and not cursor
    order = Passport.pk.desc() if back else Passport.pk
    stmt = select(Passport).order_by(order).limit(limit + 1)
    if gtin:
        try:
            stmt = stmt.where(Passport.gtin == normalise_gtin(gtin))
        except InvalidIdentifier as exc:
            raise InvalidDocument(exc.detail, [FieldError("/gtin", exc.detail)]) from exc
    if lot:
        stmt = stmt.where(Passport.lot == lot)
    if serial:
        stmt = stmt.where(Passport.serial == serial)
    if granularity:
        stmt = stmt.where(Passport.granularity == granularity)
    if issuer:
        stmt = stmt.join(Organisation, Passport.issuer_pk == Organisation.pk).where(
            Organisation.public_id == issuer
        )
    if q:
        for word in q.lower().split()[:8]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Passport.search_text.like(f"%{escaped}%", escape="\\"))
    if cursor:
        stmt = stmt.where(Passport.pk > _decode_cursor(cursor))
    elif before:
        stmt = stmt.where(Passport.pk < _decode_cursor(before))
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    if back:  # read newest first, shown oldest first; a page follows it (the one it came from)
        rows.reverse()
        first = _encode_cursor(rows[0].pk) if more and rows else None
        return Page(rows, _encode_cursor(rows[-1].pk) if rows else None, first)
    first = _encode_cursor(rows[0].pk) if cursor and rows else None
    return Page(rows, _encode_cursor(rows[-1].pk) if more and rows else None, first)
