"""The smallest size of every benchmark runs, through the protocol of ``python -m bench``.

Each ``bench/<name>.py`` exposes ``run(size)`` returning ``bench.common.Row``s (see
bench/__main__.py). Here every one runs at ``size="smoke"`` (a few seconds, no wrk, no
server): the test checks that it runs and returns well-formed rows, never how fast.
"""

from __future__ import annotations

import pytest

from bench.__main__ import check, load, main, names, write_summary
from bench.common import Row


@pytest.mark.parametrize("name", names())
def test_each_benchmark_runs_at_smoke_size_and_returns_rows(name):
    run = load(name)
    assert run is not None, f"bench/{name}.py has no run(size)"
    rows = run("smoke")
    assert isinstance(rows, list) and rows, f"bench/{name}.py returned no rows"
    for row in rows:
        check(row)
        assert row.work and row.kreislauf and row.target


def test_the_benchmarks_are_the_speed_benchmarks():
    found = names()
    for name in ("qr_codes", "labels", "bulk_issuance", "serving", "log_append", "peer"):
        assert name in found
    assert "mutate" not in found and "common" not in found  # not speed benchmarks


def test_a_row_of_the_wrong_shape_is_refused():
    good = Row("w", "1/s", "2/s", 0.5, "≥ 0.25", True)
    check(good)
    for bad in (
        ("w", "1/s", "2/s", 0.5, "≥ 0.25", True),  # a tuple, not a Row
        good._replace(ratio="0.5"),
        good._replace(met="yes"),
        good._replace(kreislauf=1.0),
    ):
        with pytest.raises(TypeError):
            check(bad)


def test_an_unknown_benchmark_is_an_error(capsys):
    with pytest.raises(SystemExit):
        main(["--size", "smoke", "--only", "nonesuch", "--no-write"])
    assert "no such benchmark: nonesuch" in capsys.readouterr().err


REPORT = """# Performance

Intro paragraph.

## Summary

old text

| work | Kreislauf | baseline | ratio | target | met | by |
|---|---|---|---|---|---|---|
| old bulk | 1/s | 2/s | 0.5 | ≥ 0.25 | **yes** | `bench/bulk_issuance.py` |
| old qr | 1/s | 2/s | 0.5 | ≥ 8× | no | `bench/qr_codes.py` |

## QR codes

details the script wrote
"""


def test_the_summary_goes_first_and_keeps_the_rows_of_benchmarks_not_run(tmp_path):
    path = tmp_path / "PERFORMANCE.md"
    path.write_text(REPORT)
    rows = [("qr_codes", Row("QR PNG", "3,000 codes/s", "`qrcode.make` 180/s", 16.7, "≥ 8×", True))]
    write_summary(path, rows, {"qr_codes"}, "full")
    text = path.read_text()
    assert text.startswith("# Performance\n\nIntro paragraph.\n\n## Summary\n")
    assert text.count("## Summary") == 1 and "old text" not in text
    assert "| old bulk |" in text  # bulk_issuance did not run: its row stays
    assert "| old qr |" not in text
    assert "| QR PNG | 3,000 codes/s | `qrcode.make` 180/s | 16.7× | ≥ 8× | **yes** |" in text
    # rows in the table's order (bulk issuance before QR codes), sections kept
    assert text.index("| old bulk |") < text.index("| QR PNG |")
    assert text.endswith("## QR codes\n\ndetails the script wrote\n")
    write_summary(path, rows, {"qr_codes"}, "full")  # idempotent
    assert path.read_text() == text


def test_a_report_without_a_summary_gets_one_before_its_first_section(tmp_path):
    path = tmp_path / "PERFORMANCE.md"
    path.write_text("# Performance\n\nIntro.\n\n## Bulk issuance\n\nfigures\n")
    write_summary(path, [("labels", Row("w", "k", "b", None, "t", None))], {"labels"}, "smoke")
    text = path.read_text()
    assert text.index("## Summary") < text.index("## Bulk issuance")
    assert "| w | k | b | — | t | — | `bench/labels.py` |" in text


def test_the_peer_benchmark_never_installs_the_peer_at_smoke_size(monkeypatch):
    """Without the peer's virtualenv the smoke size measures Kreislauf alone and says why."""
    import bench.peer as peer

    monkeypatch.setattr(peer, "PEER_VENV", peer.ROOT / ".bench" / "no-such-venv")
    rows = peer.run("smoke")
    assert [row.work for row in rows] == [f"peer: {peer.LABELS[w]}" for w in peer.WORK]
    for row in rows:
        check(row)
        assert "req/s" in row.kreislauf  # Kreislauf's side was measured
        assert "not measured: not installed" in row.baseline
        assert row.ratio is None and row.met is None
    assert not (peer.ROOT / ".bench" / "no-such-venv").exists()
