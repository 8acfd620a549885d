"""The suite itself: its markers select what they say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Both selections in one fresh interpreter (importing the app once), from a file that has
# tests with and without a database.
COLLECT = """
import pytest
for marker in ("postgres", "not postgres"):
    print("@@", marker, flush=True)
    args = ["--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider", "-m", marker]
    assert pytest.main([*args, "tests/web/test_cli.py"]) == 0, marker
"""


def test_the_postgres_marker_selects_every_postgresql_run_and_nothing_else():
    result = subprocess.run(
        [sys.executable, "-c", COLLECT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    _, postgres, rest = result.stdout.split("@@ ")
    postgres_ids = [line for line in postgres.splitlines() if "::" in line]
    rest_ids = [line for line in rest.splitlines() if "::" in line]
    assert postgres_ids and all(test.endswith("[postgresql]") for test in postgres_ids)
    assert rest_ids and not any("[postgresql]" in test for test in rest_ids)
    # each PostgreSQL run has its SQLite twin among the rest, beside tests without a database
    assert {test.replace("[postgresql]", "[sqlite]") for test in postgres_ids} < set(rest_ids)
    assert any("[" not in test for test in rest_ids)
