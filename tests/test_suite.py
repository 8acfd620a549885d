"""The suite itself: its markers select what they say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def collected(marker: str) -> list[str]:
    """The ids pytest selects with ``-m marker`` from a file with and without database tests."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0"]
        + ["-p", "no:cacheprovider", "-m", marker, "tests/web/test_cli.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_the_postgres_marker_selects_every_postgresql_run_and_nothing_else():
    postgres, rest = collected("postgres"), collected("not postgres")
    assert postgres and all(test.endswith("[postgresql]") for test in postgres)
    assert rest and not any("[postgresql]" in test for test in rest)
    # each PostgreSQL run has its SQLite twin among the rest, beside the tests without a database
    assert {test.replace("[postgresql]", "[sqlite]") for test in postgres} < set(rest)
    assert any("[" not in test for test in rest)
