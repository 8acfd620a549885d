"""Reading ORDS v0.3 CSV: one record at a time, each valid row typed or its errors listed.

Reading is tolerant where the published data and the standard disagree, and strict where a
value would otherwise be misread:

- ids are ``[a-z]+[_-][0-9]+``: the table schema says ``-`` but every published id uses
  ``_`` (``rcwales_3``);
- barriers and statuses are read in every spelling that ``repairs.ords.records`` knows, and
  kept in canonical form; an empty ``repair_status`` means Unknown;
- a byte that is not UTF-8, a quote left open or a repeated id rejects its record only; a
  wrong header rejects the file.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import date
from functools import cache
from typing import BinaryIO

from repairs.ords.records import (
    BARRIERS,
    COLUMNS,
    END_OF_LIFE,
    REPAIR_STATUSES,
    OrdsRow,
    RowError,
    categories,
    category_id,
    normalise_barrier,
    normalise_status,
)

__all__ = ["MAX_LENGTHS", "parse_row", "read_ords"]


ID_PATTERN = re.compile(r"[a-z]+[_-][0-9]+")
COUNTRY_PATTERN = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
# ORDS says "number, integer or decimal"; an age is never negative, and exponents or
# "NaN" would survive float() but are no age anyone wrote down.
_AGE = re.compile(r"[0-9]{1,4}(?:\.[0-9]+)?")
# Bounded so the columns that are indexed stay indexable on PostgreSQL (a B-tree entry
# must fit in a third of a page); published values are at most 16, 19 and 39 characters.
MAX_LENGTHS = {"id": 64, "data_provider": 200, "group_identifier": 255}


@cache
def _category_ids() -> dict[str, int]:
    return {name: number for number, name in categories().items()}


def _header_error(found: Sequence[str] | None) -> RowError:
    expected = ", ".join(COLUMNS)
    if found is None:
        what = "the file is empty"
    else:
        shown = ", ".join(found)
        what = f"found {shown[:300]}{'…' if len(shown) > 300 else ''}"
    return RowError(
        1,
        "the first line must be the ORDS v0.3 header, these 14 columns in this order: "
        f"{expected}; {what}",
        fatal=True,
    )


class _Lines:
    """The stream's lines, decoded, numbered, and able to take lines back.

    csv.reader pulls one line at a time from here. Each record's lines are kept in
    ``record`` so the record's first physical line is known, and so that, when a record
    cannot be parsed (a quote left open swallows the lines after it), every line but its
    first can be pushed back and read again as records of their own.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._source = enumerate(stream, start=1)
        self._back: deque[tuple[int, str]] = deque()
        self.record: list[tuple[int, str]] = []
        self.bad: set[int] = set()  # lines that are not valid UTF-8

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._back:
            item = self._back.popleft()
        else:
            number, raw = next(self._source)
            try:
                # A text stream works too (open it with newline=""); bytes are the norm.
                text = raw if isinstance(raw, str) else raw.decode("utf-8")
            except UnicodeDecodeError:
                # Kept (as lone surrogates) so the CSV structure still parses and the
                # error can name the column; the record is rejected by read_ords.
                self.bad.add(number)
                text = raw.decode("utf-8", "surrogateescape")
            # A byte-order mark is what spreadsheet programs put before the header.
            item = (number, text.removeprefix("\ufeff") if number == 1 else text)
        self.record.append(item)
        return item[1]

    def push_back_all_but_first(self) -> None:
        self._back.extendleft(reversed(self.record[1:]))


def read_ords(stream: BinaryIO) -> Iterator[OrdsRow | RowError]:
    """Read an ORDS v0.3 CSV file, yielding each valid record or the errors of each bad one.

    Streams: one record in memory at a time (plus the ids seen, to catch repeats). A record
    with several problems yields one ``RowError`` per problem, all with its line. Bytes that
    are not UTF-8 make an error for that record only. A wrong or missing header yields one
    fatal ``RowError`` and nothing else.
    """
    lines = _Lines(stream)
    # strict: a quote left open up to the end of the file, or text after a closing quote,
    # is an error rather than a silently merged value. (A quote inside an unquoted value,
    # like `Electrical ~ 42" TV`, is still read as a character, as the published data
    # needs.) A quoted field is normally closed within a few lines; csv's own limit (131,072
    # characters per field) is what stops an unclosed quote from swallowing the whole file.
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        header = []
    if header is None or header != list(COLUMNS) or 1 in lines.bad:
        yield _header_error(header)
        return

    seen: dict[str, int] = {}
    while True:
        lines.record = []
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if not lines.record:  # pragma: no cover - csv fails only after reading a line
                return
            start = lines.record[0][0]
            yield RowError(start, f"the CSV cannot be read here ({exc}); is a quote left open?")
            lines.push_back_all_but_first()
            continue
        start, end = lines.record[0][0], lines.record[-1][0]
        if not values or values == [""]:
            continue  # a blank line carries no record
        if lines.bad and not lines.bad.isdisjoint(range(start, end + 1)):
            yield _encoding_error(values, start, lines.bad)
            continue
        result = parse_row(values, start)
        errors = result if isinstance(result, list) else []
        ident = values[0]
        if ident:
            first = seen.setdefault(ident, start)
            if first != start:
                errors.append(
                    RowError(start, f"id {ident!r} is already used on line {first}", "id")
                )
        if errors:
            yield from errors
        else:
            assert isinstance(result, OrdsRow)
            yield result


def _encoding_error(values: Sequence[str], start: int, bad_lines: set[int]) -> RowError:
    line = min(n for n in bad_lines if n >= start)
    for name, value in zip(COLUMNS, values, strict=False):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            byte = ord(value[exc.start]) - 0xDC00  # surrogateescape maps byte b to U+DC00+b
            return RowError(
                start,
                f"{name}: not valid UTF-8 (byte 0x{byte:02x} on line {line}); "
                "ORDS files are UTF-8 — re-save the file as UTF-8",
                name,
            )
    return RowError(start, f"not valid UTF-8 (line {line})")


def parse_row(values: Sequence[str], line: int = 0) -> OrdsRow | list[RowError]:
    """Validate one record's 14 values (in ``COLUMNS`` order) and type them."""
    if len(values) != len(COLUMNS):
        return [
            RowError(
                line,
                f"the record has {len(values)} values; ORDS v0.3 has {len(COLUMNS)} columns",
            )
        ]
    v = dict(zip(COLUMNS, values, strict=True))
    errors: list[RowError] = []

    def bad(column: str, reason: str) -> None:
        errors.append(RowError(line, f"{column}: {reason}", column))

    for column in ("id", "data_provider", "country", "partner_product_category", "event_date"):
        if not v[column].strip():
            bad(column, "is required")
    for column, limit in MAX_LENGTHS.items():
        if len(v[column]) > limit:
            bad(column, f"is longer than {limit} characters")

    if v["id"] and not ID_PATTERN.fullmatch(v["id"]):
        bad("id", f"{v['id']!r} does not match [a-z]+[_-][0-9]+ (e.g. rcwales_3)")
    if v["country"] and not COUNTRY_PATTERN.fullmatch(v["country"]):
        bad("country", f"{v['country']!r} is not an ISO 3166-1 alpha-3 code (e.g. GBR)")

    category = v["product_category"]
    number: int | None = None
    known_id = _category_ids().get(category)
    if not category:
        bad("product_category", "is required: one of the 40 ORDS product categories")
    elif known_id is None:
        hint = category_id(category)
        also = f"; did you mean {categories()[hint]!r}?" if hint else ""
        bad("product_category", f"{category!r} is not an ORDS v0.3 product category{also}")
    text_id = v["product_category_id"]
    if not text_id:
        bad("product_category_id", "is required: the id (1-40) of the product category")
    elif not text_id.isascii() or not text_id.isdigit() or not 1 <= int(text_id) <= 40:
        bad("product_category_id", f"{text_id!r} is not a category id from 1 to 40")
    else:
        number = int(text_id)
        if known_id is not None and number != known_id:
            bad(
                "product_category_id",
                f"{number} is {categories()[number]!r}, but product_category is "
                f"{category!r} (id {known_id})",
            )

    year: int | None = None
    if v["year_of_manufacture"]:
        if _YEAR.fullmatch(v["year_of_manufacture"]):
            year = int(v["year_of_manufacture"])
        else:
            bad("year_of_manufacture", f"{v['year_of_manufacture']!r} is not a year (YYYY)")
    age: float | None = None
    if v["product_age"]:
        if _AGE.fullmatch(v["product_age"]):
            age = float(v["product_age"])
        else:
            bad("product_age", f"{v['product_age']!r} is not an age in years (e.g. 7 or 2.5)")

    status = normalise_status(v["repair_status"])
    if status is None:
        bad(
            "repair_status",
            f"{v['repair_status']!r} is not one of {', '.join(REPAIR_STATUSES)} (or empty)",
        )
    barrier = normalise_barrier(v["repair_barrier_if_end_of_life"])
    if barrier is None:
        bad(
            "repair_barrier_if_end_of_life",
            f"{v['repair_barrier_if_end_of_life']!r} is not one of {', '.join(BARRIERS)}",
        )
    elif barrier and status is not None and status != END_OF_LIFE:
        bad(
            "repair_barrier_if_end_of_life",
            f"a barrier is only for items whose repair_status is End of life, not {status}",
        )

    event_date: date | None = None
    if v["event_date"]:
        try:
            if not _DATE.fullmatch(v["event_date"]):
                raise ValueError
            event_date = date.fromisoformat(v["event_date"])
        except ValueError:
            bad("event_date", f"{v['event_date']!r} is not a date (YYYY-MM-DD)")

    if errors:
        return errors
    assert number is not None and status is not None and barrier is not None
    assert event_date is not None
    return OrdsRow(
        id=v["id"],
        data_provider=v["data_provider"],
        country=v["country"],
        partner_product_category=v["partner_product_category"],
        product_category=category,
        product_category_id=number,
        brand=v["brand"],
        year_of_manufacture=year,
        product_age=age,
        repair_status=status,
        repair_barrier_if_end_of_life=barrier,
        group_identifier=v["group_identifier"],
        event_date=event_date,
        problem=v["problem"],
        line=line or None,
    )
