"""Writing ORDS v0.3: CSV as the published files are written, and ORDS JSON.

Writing emits exactly the 14 columns and quotes a field only when it has to; an Unknown
status is written as ``Unknown``, as the published files do. No cell can run as a formula in a
spreadsheet: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is written with a single quote in front (OWASP, "CSV Injection"); plain numbers stay as they are.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import IO, Any

from repairs.ords.records import COLUMNS, OrdsRow

__all__ = ["FAULT_TYPE_COLUMNS", "to_json", "write_fault_types", "write_ords"]

# The companion file of fault types: keyed like the Open Repair Alliance quests.
FAULT_TYPE_COLUMNS = ("id_ords", "fault_type")

# A field is quoted only when it holds a quote, a comma or a line break.
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


# What a spreadsheet may take for the start of a formula, and a number that is only a number.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def inert(value: str) -> str:
    """``value`` as a cell no spreadsheet runs: a leading quote before a formula's first sign."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_line(values: Iterable[str]) -> str:
    # Hand-rolled rather than csv.writer: with "\n" line ends Python 3.11's writer leaves a
    # lone "\r" unquoted, which readers then take for a line break.
    cells = (inert(value) for value in values)
    return (
        ",".join(
            '"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell
            for cell in cells
        )
        + "\n"
    )


def write_ords(rows: Iterable[OrdsRow], stream: IO[str] | IO[bytes]) -> int:
    """Write the header and ``rows`` as ORDS v0.3 CSV; return how many rows were written.

    ``stream`` may be text (open it with ``newline=""``) or binary (UTF-8 is written).
    Lines end in "\\n" as in the published ORDS files; fields are quoted only when they
    contain a comma, a quote or a line break.
    """
    mode = getattr(stream, "mode", "")
    binary = isinstance(stream, io.RawIOBase | io.BufferedIOBase) or (
        isinstance(mode, str) and "b" in mode
    )

    def emit(text: str) -> None:
        stream.write(text.encode("utf-8") if binary else text)  # type: ignore[arg-type]

    emit(_csv_line(COLUMNS))
    count = 0
    chunk: list[str] = []
    for row in rows:
        chunk.append(_csv_line(row.fields()))
        count += 1
        if len(chunk) >= 1000:  # fewer, larger writes: the API buffers, files flush
            emit("".join(chunk))
            chunk.clear()
    emit("".join(chunk))
    return count


def write_fault_types(pairs: Iterable[tuple[str, str]], stream: IO[str]) -> int:
    """Write ``id_ords,fault_type`` and one line per pair (as ``write_ords`` writes CSV)."""
    stream.write(_csv_line(FAULT_TYPE_COLUMNS))
    count = 0
    for pair in pairs:
        stream.write(_csv_line(pair))
        count += 1
    return count


def to_json(rows: Iterable[OrdsRow]) -> list[dict[str, Any]]:
    """The rows as ORDS JSON (see ``OrdsRow.as_json``), ready for ``json.dumps``."""
    return [row.as_json() for row in rows]
