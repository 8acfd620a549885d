"""The form machinery: fields that keep what was typed and carry their own error message.

Forms are plain HTML (no script): every field has a label, an optional hint and, after a
failed submission, an error tied to it with ``aria-describedby``, so a screen reader reads the
error with the field. ``templates/_form.html`` renders them. Dates and times typed into a form
mean the registry's local time (KREISLAUF_TIME_ZONE).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from edge.request import settings

# As the events API allows: a phone's clock a few minutes ahead is not the future.
CLOCK_SKEW = timedelta(minutes=5)


class Problem(Protocol):
    """A problem the domain found, located by a JSON pointer (``passport.errors.FieldError``)."""

    @property
    def pointer(self) -> str: ...

    @property
    def message(self) -> str: ...


@dataclass
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, select, radio, date, time, number, url, password
    choices: Sequence[tuple[str, str]] = ()
    value: str = ""
    hint: str | None = None
    required: bool = False
    max_length: int | None = None
    attrs: dict[str, str] = field(default_factory=dict)  # autocomplete, inputmode, min, ...
    error: str | None = None

    @property
    def id(self) -> str:
        return "f-" + self.name.replace("_", "-")

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}-hint" if self.hint else "", f"{self.id}-error" if self.error else ""]
        return " ".join(i for i in ids if i)

    def fail(self, message: str) -> None:
        if self.error is None:  # the first problem is the one to fix first
            self.error = message


class Form:
    """An ordered set of fields, filled from a request and checked."""

    def __init__(self, *fields: Field) -> None:
        self.fields = {f.name: f for f in fields}
        self.general: list[str] = []  # problems that belong to no single field

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields.values())

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    @property
    def failed(self) -> list[Field]:
        return [f for f in self if f.error]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.general

    def fill(self, data: Mapping[str, str]) -> None:
        """Take what was sent, and check what every field checks: required, length, choice."""
        for f in self:
            if f.kind == "password":
                f.value = data.get(f.name, "")
                continue
            raw = data.get(f.name, "").replace("\x00", "")  # U+0000: no database stores it
            # Line breaks stay in a text area; elsewhere whitespace is folded.
            f.value = raw.strip() if f.kind == "textarea" else " ".join(raw.split())
            if f.required and not f.value:
                f.fail(_("Fill this in."))
            elif f.max_length is not None and len(f.value) > f.max_length:
                f.fail(_("At most %(count)d characters, please.", count=f.max_length))
            elif f.choices and f.value not in {value for value, _label in f.choices}:
                f.fail(_("Choose one of the options."))

    def value(self, name: str) -> str | None:
        """A field's value, None when empty."""
        return self.fields[name].value or None

    def show_errors(
        self, errors: Iterable[Problem], field_for: Callable[[str], str | None]
    ) -> None:
        """The domain's problems next to the fields they are about, the others above the form.

        ``field_for`` names the field a problem's JSON pointer is about (None: no field).
        """
        for error in errors:
            name = field_for(error.pointer)
            if name is not None and name in self:
                self[name].fail(error.message)
            else:
                self.general.append(error.message)


def local_now() -> datetime:
    """Now, in the registry's time zone (KREISLAUF_TIME_ZONE): forms fill in its date."""
    return datetime.now(ZoneInfo(settings().time_zone))


# --- values that need parsing ---------------------------------------------------------------


def parse_date(f: Field) -> date | None:
    try:
        return date.fromisoformat(f.value) if f.value else None
    except ValueError:
        f.fail(_("Give a date as year-month-day, e.g. 2026-05-03."))
        return None


def parse_time(f: Field) -> time | None:
    try:
        return time.fromisoformat(f.value) if f.value else None
    except ValueError:
        f.fail(_("Give a time as hours:minutes, e.g. 14:30."))
        return None


def parse_number(f: Field, low: float, high: float, *, whole: bool = False) -> float | None:
    if not f.value:
        return None
    try:
        number = int(f.value) if whole else float(f.value.replace(",", "."))
    except ValueError:
        f.fail(_("Give a number."))
        return None
    if not low <= number <= high:
        f.fail(_("Give a number from %(low)s to %(high)s.", low=f"{low:g}", high=f"{high:g}"))
        return None
    return number


def web_address(f: Field) -> str | None:
    """An http(s) address; others (javascript:, data:) would become links on public pages."""
    if not f.value:
        return None
    if not f.value.lower().startswith(("https://", "http://")) or " " in f.value:
        f.fail(_("Give a web address starting with https:// or http://."))
        return None
    return f.value


def when(date_field: Field, time_field: Field, now: datetime) -> datetime | None:
    """The moment a date and a time field name, in the time zone of ``now``, not in the future.

    The browser's date and time inputs carry no time zone: they mean the registry's local time
    (KREISLAUF_TIME_ZONE), and ``now`` is in it.
    """
    day, clock = parse_date(date_field), parse_time(time_field)
    if day is None or date_field.error or time_field.error:
        return None
    if day.year < 1900:
        date_field.fail(_("Check the year."))
        return None
    if day > now.date():
        date_field.fail(_("This date is in the future."))
        return None
    moment = datetime.combine(day, clock or now.time().replace(second=0, microsecond=0))
    moment = moment.replace(tzinfo=now.tzinfo)
    if moment > now + CLOCK_SKEW:
        time_field.fail(_("This time is in the future."))
        return None
    return moment
