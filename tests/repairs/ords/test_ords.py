"""ORDS v0.3 reading, validation and writing, against the real 20,000-row sample and
hand-made broken files. No database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from repairs.ords.reader import read_ords
from repairs.ords.records import COLUMNS, OrdsRow, RowError, categories
from repairs.ords.writer import inert, to_json, write_ords
from tests.helpers import FIXTURES

ORDS_DIR = FIXTURES / "ords"
SAMPLE = ORDS_DIR / "ords_v0.3_sample_202507.csv"
SHIPPED = Path(__file__).resolve().parents[3] / "schemas" / "ords"

VALID: dict[str, str] = {
    "id": "rcwales_3",
    "data_provider": "Repair Cafe Wales",
    "country": "GBR",
    "partner_product_category": "Electrical ~ Iron",
    "product_category": "Iron",
    "product_category_id": "40",
    "brand": "Unknown",
    "year_of_manufacture": "",
    "product_age": "",
    "repair_status": "Fixed",
    "repair_barrier_if_end_of_life": "",
    "group_identifier": "Cardiff Cathays",
    "event_date": "2017-04-01",
    "problem": "Iron Broken",
}


def record(**changes: str) -> list[str]:
    """The 14 values of a valid record, with ``changes``."""
    values = VALID | changes
    return [values[c] for c in COLUMNS]


def csv_bytes(*records: list[str], header: tuple[str, ...] | list[str] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")


def read(data: bytes) -> list[OrdsRow | RowError]:
    return list(read_ords(io.BytesIO(data)))


def errors(data: bytes) -> list[RowError]:
    return [item for item in read(data) if isinstance(item, RowError)]


def rows(data: bytes) -> list[OrdsRow]:
    return [item for item in read(data) if isinstance(item, OrdsRow)]


def one_error(**changes: str) -> RowError:
    found = errors(csv_bytes(record(**changes)))
    assert len(found) == 1, found
    return found[0]


# --- the standard's vocabulary ---------------------------------------------------------------


def test_columns_are_the_sample_header_exactly() -> None:
    with SAMPLE.open("rb") as f:
        header = f.readline().decode("utf-8").rstrip("\n").split(",")
    assert COLUMNS == tuple(header)
    assert len(COLUMNS) == 14


def test_the_forty_categories_are_the_published_ones() -> None:
    shared = (ORDS_DIR / "ords_v0.3_product_categories.csv").read_bytes()
    assert (SHIPPED / "ords_v0.3_product_categories.csv").read_bytes() == shared
    cats = categories()
    assert len(cats) == 40 and list(cats) == list(range(1, 41))
    assert cats[14] == "Kettle" and cats[18] == "Misc" and cats[40] == "Iron"


def test_the_shipped_data_says_where_it_comes_from_and_its_licence() -> None:
    readme = (SHIPPED / "README.md").read_text("utf-8")
    assert "CC BY-SA 4.0" in readme
    assert "Open Repair Alliance / The Restart Project" in readme
    assert "84dce89cf5b9c325e817b863d348be36f4613116" in readme  # openrepair/data commit


@pytest.mark.parametrize(
    "given",
    ["Item too worn out", "Too worn out", "Product too worn out", "item TOO worn out ", "6"],
)
def test_the_three_spellings_of_barrier_six_become_the_published_one(given: str) -> None:
    (row,) = rows(
        csv_bytes(record(repair_status="End of life", repair_barrier_if_end_of_life=given))
    )
    assert row.repair_barrier_if_end_of_life == "Item too worn out"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Fixed", "Fixed"),
        ("fixed", "Fixed"),
        ("1", "Fixed"),
        ("2", "Repairable"),
        ("end of life", "End of life"),
        ("3", "End of life"),
        ("Unknown", "Unknown"),
        ("", "Unknown"),
        ("0", "Unknown"),
    ],
)
def test_repair_status_is_canonical(given: str, canonical: str) -> None:
    (row,) = rows(csv_bytes(record(repair_status=given)))
    assert row.repair_status == canonical


def test_a_valid_record_is_typed() -> None:
    (row,) = rows(
        csv_bytes(
            record(
                year_of_manufacture="2006",
                product_age="15.5",
                repair_status="End of life",
                repair_barrier_if_end_of_life="Lack of equipment",
            )
        )
    )
    assert row.id == "rcwales_3" and row.product_category_id == 40
    assert row.year_of_manufacture == 2006 and row.product_age == 15.5
    assert row.event_date.isoformat() == "2017-04-01"
    assert row.line == 2


def test_empty_optional_fields_are_fine() -> None:
    (row,) = rows(
        csv_bytes(
            record(
                brand="",
                year_of_manufacture="",
                product_age="",
                repair_status="",
                group_identifier="",
                problem="",
            )
        )
    )
    assert row.brand == "" and row.year_of_manufacture is None and row.product_age is None
    assert row.repair_status == "Unknown" and row.problem == ""


def test_ids_with_underscore_or_hyphen_are_accepted() -> None:
    found = rows(csv_bytes(record(id="rcwales_3"), record(id="restart-17")))
    assert [r.id for r in found] == ["rcwales_3", "restart-17"]


# --- what makes a record invalid ------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"product_category": "Teapot"}, "product_category", "not an ORDS v0.3 product category"),
        ({"product_category": "kettle", "product_category_id": "14"}, "product_category", "Kettle"),
        ({"product_category_id": "14"}, "product_category_id", "'Kettle'"),
        ({"product_category_id": "41"}, "product_category_id", "1 to 40"),
        ({"product_category_id": ""}, "product_category_id", "required"),
        ({"product_category": ""}, "product_category", "required"),
        ({"repair_barrier_if_end_of_life": "Lack of equipment"}, "repair_barrier", "End of life"),
        ({"repair_status": "Broken"}, "repair_status", "Fixed, Repairable, End of life"),
        ({"event_date": "2017-02-30"}, "event_date", "YYYY-MM-DD"),
        ({"event_date": "01/04/2017"}, "event_date", "YYYY-MM-DD"),
        ({"event_date": "20170401"}, "event_date", "YYYY-MM-DD"),
        ({"event_date": ""}, "event_date", "required"),
        ({"id": "RCWales_3"}, "id", "[a-z]+[_-][0-9]+"),
        ({"id": "rcwales3"}, "id", "[a-z]+[_-][0-9]+"),
        ({"id": ""}, "id", "required"),
        ({"country": "GB"}, "country", "alpha-3"),
        ({"country": "gbr"}, "country", "alpha-3"),
        ({"country": ""}, "country", "required"),
        ({"year_of_manufacture": "85"}, "year_of_manufacture", "YYYY"),
        ({"product_age": "-1"}, "product_age", "age"),
        ({"product_age": "ten"}, "product_age", "age"),
        ({"product_age": "1e3"}, "product_age", "age"),
        ({"data_provider": ""}, "data_provider", "required"),
        ({"partner_product_category": ""}, "partner_product_category", "required"),
        ({"group_identifier": "x" * 256}, "group_identifier", "255"),
    ],
)
def test_each_rule_names_the_column_line_and_rule(
    changes: dict[str, str], column: str, words: str
) -> None:
    error = one_error(**changes)
    assert error.line == 2
    assert error.column is not None and error.column.startswith(column)
    assert error.reason.startswith(error.column + ":")
    assert words in error.reason
    assert not error.fatal


def test_a_barrier_on_an_unknown_outcome_is_invalid_too() -> None:
    error = one_error(repair_status="Unknown", repair_barrier_if_end_of_life="Too worn out")
    assert error.column == "repair_barrier_if_end_of_life" and "not Unknown" in error.reason


def test_an_unknown_barrier_is_invalid() -> None:
    error = one_error(repair_status="End of life", repair_barrier_if_end_of_life="Too old")
    assert error.column == "repair_barrier_if_end_of_life"
    assert "Item too worn out" in error.reason


def test_every_problem_of_a_record_is_reported() -> None:
    found = errors(csv_bytes(record(country="UK", event_date="yesterday", product_age="x")))
    assert {e.column for e in found} == {"country", "event_date", "product_age"}
    assert {e.line for e in found} == {2}


def test_a_record_with_the_wrong_number_of_values() -> None:
    found = errors(csv_bytes(record()[:13]))
    assert len(found) == 1 and "13 values" in found[0].reason and found[0].line == 2


def test_a_repeated_id_names_the_first_line() -> None:
    found = errors(csv_bytes(record(), record(problem="again")))
    assert len(found) == 1
    assert found[0].line == 3 and found[0].column == "id" and "line 2" in found[0].reason


# --- line numbers, encodings and broken files ------------------------------------------------


def test_line_numbers_count_physical_lines_of_multi_line_records() -> None:
    data = csv_bytes(
        record(id="a_1", problem="first line\nsecond line\nthird line"),
        record(id="a_2", country="XX1"),
        record(id="a_3", partner_product_category="two\r\nlines", event_date="never"),
        record(id="a_4"),
    )
    found = read(data)
    assert [type(x).__name__ for x in found] == ["OrdsRow", "RowError", "RowError", "OrdsRow"]
    assert found[0].line == 2  # type: ignore[union-attr]
    assert found[1].line == 5  # after a record spanning lines 2-4
    assert found[2].line == 6
    assert found[3].line == 8  # type: ignore[union-attr]


def test_the_sample_multi_line_record_starts_where_grep_finds_it() -> None:
    lines = SAMPLE.read_bytes().split(b"\n")
    start = next(i for i, text in enumerate(lines, 1) if text.startswith(b"rcwales_20334,"))
    with SAMPLE.open("rb") as f:
        found = {r.id: r for r in read_ords(f) if isinstance(r, OrdsRow)}
    iron = found["rcwales_20334"]
    assert iron.line == start == 2130
    assert iron.partner_product_category == "Electrical ~ It is an iron\nBrand: tef"
    assert found["rcwales_20335"].line == start + 2


def test_broken_utf8_is_an_error_for_that_record_only() -> None:
    good = csv_bytes(record(id="a_1"), record(id="a_2"), record(id="a_3"))
    # Latin-1 "é" (0xe9) in the second record's problem, on line 3.
    broken = good.replace(b"a_2,Repair Cafe Wales", b"a_2,Repair Caf\xe9 Wales")
    found = read(broken)
    assert [r.id for r in found if isinstance(r, OrdsRow)] == ["a_1", "a_3"]
    (error,) = [e for e in found if isinstance(e, RowError)]
    assert error.line == 3 and error.column == "data_provider"
    assert "UTF-8" in error.reason and "0xe9" in error.reason and not error.fatal


def test_broken_utf8_inside_a_multi_line_value_reports_where_the_record_starts() -> None:
    data = csv_bytes(record(id="a_1", problem="one\ntwo \x00MARK"), record(id="a_2"))
    data = data.replace(b"\x00MARK", b"\xff\xfe")
    found = read(data)
    (error,) = [e for e in found if isinstance(e, RowError)]
    assert error.line == 2 and error.column == "problem" and "line 3" in error.reason
    assert [r.line for r in found if isinstance(r, OrdsRow)] == [4]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"id,data_provider,country\nrcwales_3,Repair Cafe Wales,GBR\n",
        csv_bytes(record(), header=[c.upper() for c in COLUMNS]),
        csv_bytes(record(), header=list(reversed(COLUMNS))),
        # No header at all: the file starts with a record.
        b"\n".join(csv_bytes(record(), record(id="a_2")).split(b"\n")[1:]),
        b"\xff\xfe" + csv_bytes(record()),  # UTF-16 byte order mark: not UTF-8
    ],
    ids=["empty", "three-columns", "upper-case", "reordered", "no-header", "utf16-bom"],
)
def test_a_wrong_or_missing_header_is_one_fatal_error_naming_the_columns(data: bytes) -> None:
    found = read(data)
    assert len(found) == 1
    (error,) = found
    assert isinstance(error, RowError) and error.fatal and error.line == 1
    assert ", ".join(COLUMNS) in error.reason


def test_a_utf8_byte_order_mark_and_crlf_line_ends_are_accepted() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes(record(id="a_1"), record(id="a_2")).replace(b"\n", b"\r\n")
    assert [r.id for r in rows(data)] == ["a_1", "a_2"]


def test_blank_lines_are_ignored() -> None:
    data = csv_bytes(record(id="a_1")) + b"\n\n" + csv_bytes(record(id="a_2")).split(b"\n", 1)[1]
    found = read(data)
    assert [r.line for r in found if isinstance(r, OrdsRow)] == [2, 5]


@pytest.mark.parametrize("following", [5, 2000], ids=["to-the-end", "past-csv-field-limit"])
def test_a_quote_left_open_is_an_error_and_the_lines_after_it_are_still_read(
    following: int,
) -> None:
    # The open quote swallows the lines after it: up to the end of the file, or up to
    # csv's field size limit (131,072 characters). Those lines are then read again.
    opened = csv_bytes(record(id="a_1", problem="PLACEHOLDER")).replace(
        b"PLACEHOLDER", b'"never closed'
    )
    after = b"".join(
        csv_bytes(record(id=f"a_{i}")).split(b"\n", 1)[1] for i in range(2, following + 2)
    )
    found = read(opened + after)
    error, *records = found
    assert isinstance(error, RowError) and error.line == 2 and "quote" in error.reason
    assert all(isinstance(r, OrdsRow) for r in records)
    assert [r.line for r in records] == list(range(3, following + 3))  # type: ignore[union-attr]


def test_text_after_a_closing_quote_is_an_error() -> None:
    data = csv_bytes(record(id="a_1"), record(id="a_2"), record(id="a_3"))
    data = data.replace(b"a_2,Repair Cafe Wales", b'a_2,"Repair" Cafe Wales')
    found = read(data)
    assert [(type(x).__name__, x.line) for x in found] == [
        ("OrdsRow", 2),
        ("RowError", 3),
        ("OrdsRow", 4),
    ]


# --- the real sample -------------------------------------------------------------------------


def test_every_record_of_the_real_sample_is_valid() -> None:
    with SAMPLE.open("rb") as f:
        found = list(read_ords(f))
    assert [e for e in found if isinstance(e, RowError)] == []
    assert len(found) == 20_000
    assert len({r.id for r in found if isinstance(r, OrdsRow)}) == 20_000


def test_writing_the_sample_back_gives_the_same_values() -> None:
    with SAMPLE.open("rb") as f:
        found = [r for r in read_ords(f) if isinstance(r, OrdsRow)]
    out = io.StringIO()
    assert write_ords(found, out) == 20_000
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        # the same values, but no cell may start a spreadsheet formula (9 cells such as "-")
        original = [[inert(cell) for cell in line] for line in csv.reader(f)]
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == original


# --- writing ---------------------------------------------------------------------------------


def test_write_quotes_only_what_needs_quotes() -> None:
    (row,) = rows(
        csv_bytes(record(problem='He said "no", then\rleft\nfor good', brand="Philips, NL"))
    )
    out = io.StringIO()
    write_ords([row], out)
    text = out.getvalue()
    assert text.startswith(",".join(COLUMNS) + "\n")
    assert '"Philips, NL"' in text and '"He said ""no"", then\rleft\nfor good"' in text
    assert "rcwales_3,Repair Cafe Wales,GBR," in text  # plain values stay unquoted
    (again,) = rows(text.encode("utf-8"))
    assert again == row


def test_write_accepts_binary_streams() -> None:
    (row,) = rows(csv_bytes(record(group_identifier="Repair Café Aarhus")))
    text, binary = io.StringIO(), io.BytesIO()
    write_ords([row], text)
    write_ords([row], binary)
    assert binary.getvalue() == text.getvalue().encode("utf-8")


def test_write_normalises_barrier_spelling_and_ages() -> None:
    (row,) = rows(
        csv_bytes(
            record(
                repair_status="End of life",
                repair_barrier_if_end_of_life="Product too worn out",
                year_of_manufacture="1999",
                product_age="18.0",
            )
        )
    )
    out = io.StringIO()
    write_ords([row], out)
    values = list(csv.reader(io.StringIO(out.getvalue())))[1]
    written = dict(zip(COLUMNS, values, strict=True))
    assert written["repair_barrier_if_end_of_life"] == "Item too worn out"
    assert written["product_age"] == "18" and written["year_of_manufacture"] == "1999"


def test_json_has_the_published_shape() -> None:
    (row,) = rows(csv_bytes(record(product_age="3")))
    (item,) = to_json([row])
    assert list(item) == list(COLUMNS)
    assert item["product_category_id"] == 40
    assert item["product_age"] == "3" and item["year_of_manufacture"] == ""
    expected: dict[str, Any] = VALID | {"product_category_id": 40, "product_age": "3"}
    assert json.loads(json.dumps(item)) == expected


def test_files_on_disk_in_binary_or_text_mode(tmp_path: Path) -> None:
    (row,) = rows(csv_bytes(record(problem="Kabel defekt, ersetzt")))
    path = tmp_path / "out.csv"
    with path.open("wb") as f:
        write_ords([row], f)
    with path.open("rb") as f:
        assert list(read_ords(f)) == [row]
    with path.open("w", encoding="utf-8", newline="") as f:
        write_ords([row], f)
    with path.open(encoding="utf-8", newline="") as f:
        assert list(read_ords(f)) == [row]  # type: ignore[arg-type]
