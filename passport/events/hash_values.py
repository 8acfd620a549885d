"""One value as the event hash writes it, and the error for what it cannot hash.

Values are trimmed, numbers written without trailing zeros (Python ``float``), CBV URNs become
web URIs, EPC URIs and Digital Links become constrained canonical Digital Links
(``passport.gs1.epc``), and the standard time fields become UTC with milliseconds
(rounded half to even, as Python's ``round`` does).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone

from passport.gs1.epc import constrained_digital_link

_URN_VOCABULARY = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


class EventHashError(ValueError):
    """An event whose hash cannot be computed as the reference generator would."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def timestamp(text: str, where: str) -> str:
    """A standard time field in UTC with milliseconds, rounded as Python's round() does."""
    found = _RFC3339.fullmatch(text.strip())
    if found is None:
        raise EventHashError(where, f"{text!r} is not an RFC 3339 date-time with a UTC offset")
    year, month, day, hour, minute, second, fraction, offset = found.groups()
    try:
        if offset in ("Z", "z"):
            zone = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "")[:6].ljust(6, "0")),  # microseconds, further digits dropped
            tzinfo=zone,
        ).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise EventHashError(where, f"{text!r} is not a valid time: {error}") from None
    milliseconds, rest = divmod(moment.microsecond, 1000)
    if rest > 500 or (rest == 500 and milliseconds % 2 == 1):
        milliseconds += 1
    if milliseconds == 1000:
        # The reference fails on this (it would need a carry into the seconds).
        raise EventHashError(where, f"{text!r} rounds up to a full second")
    return (
        moment.replace(microsecond=milliseconds * 1000).isoformat(timespec="milliseconds")[:-6]
        + "Z"
    )


def canonical_value(text: str, where: str) -> str:
    """Rules 5, 6, 14, 17 and 18: one value in its canonical form."""
    for urn, web in _URN_VOCABULARY:
        text = text.replace(urn, web)
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if math.isinf(number):
            raise EventHashError(where, f"{text!r} reads as an infinite number")
        if not math.isnan(number):
            text = str(int(number)) if int(number) == number else str(number)
    return constrained_digital_link(text) or text
