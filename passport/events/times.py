"""Event times: RFC 3339 with a UTC offset in, UTC stored, the recorder's offset written back.

An event keeps the offset it was recorded with ("+01:00"; "Z" becomes "+00:00"), so that EPCIS
and the API can write its time as the recorder did. The registry stores UTC; SQLite hands back
naive datetimes, which therefore mean UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})?"
)


def offset_tz(offset: str) -> timezone:
    """The time zone of an offset written "+01:00" or "-05:30"."""
    sign = -1 if offset.startswith("-") else 1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def parse_rfc3339(text: str) -> tuple[datetime, str | None]:
    """Parse an RFC 3339 date-time; the offset is None when the text has none (naive).

    Raises ValueError for anything else. Digits beyond microseconds are dropped.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction = (match.group(7) or "").ljust(6, "0")[:6]
    moment = datetime(year, month, day, hour, minute, second, int(fraction))
    offset = match.group(8)
    if offset is None:
        return moment, None
    offset = "+00:00" if offset in ("Z", "z") else offset
    if int(offset[1:3]) > 23 or int(offset[4:6]) > 59:
        raise ValueError(text)
    return moment.replace(tzinfo=offset_tz(offset)), offset


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one (as SQLite returns) is taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_text(moment: datetime, timespec: str = "milliseconds") -> str:
    """RFC 3339 in UTC, written with "Z"."""
    return as_utc(moment).replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def local_text(moment: datetime, offset: str) -> str:
    """RFC 3339 in the recorder's offset, with milliseconds only when there are any."""
    local = as_utc(moment).astimezone(offset_tz(offset)).replace(tzinfo=None)
    timespec = "milliseconds" if local.microsecond else "seconds"
    # The offset is written as given: "-00:00" (offset unknown, RFC 3339) stays "-00:00".
    return local.isoformat(timespec=timespec) + offset
