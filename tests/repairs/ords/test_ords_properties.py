"""Property tests of the ORDS reader: any bytes give rows or ``RowError``s, never an exception.

Generated files range from arbitrary bytes to records close to valid (the sample's header,
values changed one at a time to arbitrary text, numbers, dates, quotes and line breaks). And
what the reader accepts, the writer writes back in a form the reader reads to the same rows
(apart from the leading quote that keeps a formula-like cell inert).
"""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repairs.ords.reader import read_ords
from repairs.ords.records import COLUMNS, OrdsRow, RowError
from repairs.ords.writer import write_ords
from tests.repairs.ords.test_ords import VALID, csv_bytes

FAST = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

cell = st.one_of(
    st.text(max_size=15),
    st.sampled_from(["", '"', '""', "\r", "\n", ",", "-1", "9" * 30, "2017-02-30", "=1+1"]),
    st.integers(-(10**20), 10**20).map(str),
    st.dates().map(str),
)
near_valid = st.dictionaries(st.sampled_from(COLUMNS), cell, max_size=3).map(
    lambda changes: [(VALID | changes)[c] for c in COLUMNS]
)
files = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(near_valid, st.lists(cell, max_size=16)), max_size=4).map(
        lambda records: csv_bytes(*records)
    ),
    st.lists(near_valid, max_size=3).map(lambda r: csv_bytes(*r)[: len(csv_bytes(*r)) // 2]),
)


@FAST
@given(files)
def test_any_file_reads_as_rows_or_row_errors(data: bytes) -> None:
    found = list(read_ords(io.BytesIO(data)))
    assert all(isinstance(item, OrdsRow | RowError) for item in found)
    accepted = [item for item in found if isinstance(item, OrdsRow)]
    if accepted:
        out = io.BytesIO()
        write_ords(accepted, out)
        again = [r for r in read_ords(io.BytesIO(out.getvalue())) if isinstance(r, OrdsRow)]
        assert [unquoted(r) for r in again] == [unquoted(r) for r in accepted]


def unquoted(row: OrdsRow) -> list[str]:
    """A row's cells without the quote the writer puts before a formula-like cell."""
    starts = ("'=", "'+", "'-", "'@", "'\t", "'\r")
    return [cell[1:] if cell.startswith(starts) else cell for cell in row.fields()]
