"""The repository stands alone: every fixture a test reads is here, listed with its provenance."""

from __future__ import annotations

import hashlib
import re
import subprocess
import tomllib
from pathlib import Path

from tests.helpers import FIXTURES

REPO = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\| `(?P<file>[^`]+)` \|(?P<cells>.*)\|$")


def _rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in (FIXTURES / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        found = ROW.match(line)
        if found:
            assert found["file"] not in rows, f"{found['file']} is listed twice"
            rows[found["file"]] = [cell.strip() for cell in found["cells"].split("|")]
    return rows


def test_sources_lists_every_fixture_with_its_size_and_sha256() -> None:
    rows = _rows()
    on_disk = {
        path.relative_to(FIXTURES).as_posix()
        for path in FIXTURES.rglob("*")
        if path.is_file() and path.name != "SOURCES.md" and "__pycache__" not in path.parts
    }
    assert sorted(on_disk - rows.keys()) == [], "fixtures without a provenance row"
    assert sorted(rows.keys() - on_disk) == [], "rows without a fixture"
    for name, cells in rows.items():
        repo, _path, commit, licence, sha256, size = cells[:6]
        assert repo and commit and licence, f"{name}: origin, commit and licence are required"
        data = (FIXTURES / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256, f"{name}: sha256 differs"
        assert len(data) == int(size), f"{name}: size differs"


def test_no_project_file_reads_beyond_the_repository() -> None:
    # A stranger's clone has nothing beside it: no code or test may reach outside the repository.
    tracked = subprocess.run(
        ["git", "ls-files", "*.py", "*.cfg", "*.toml", "*.ini", ".ci/*"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if tracked.returncode != 0:  # not a git checkout (an sdist): walk the tree instead
        files = [
            p.relative_to(REPO).as_posix() for p in REPO.rglob("*.py") if ".venv" not in p.parts
        ]
    else:
        files = tracked.stdout.split()
    outside = re.compile(
        r"""\.\./shared|parents\[\d\]\s*/\s*['"]shared|\.parent\s*/\s*['"]shared"""
    )
    offenders = [
        name
        for name in files
        if name != "tests/test_fixtures.py"
        and outside.search((REPO / name).read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


def test_gpl_fixtures_are_not_part_of_the_installed_package() -> None:
    # The UNTP files are GPL-3.0: they may live among the tests, never in what pip installs.
    gpl = {name for name, cells in _rows().items() if "GPL" in cells[3]}
    assert gpl, "the UNTP fixtures are GPL-3.0 and should be listed as such"
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    digests = {
        hashlib.sha256(path.read_bytes()).hexdigest()
        for package in packages
        for path in (REPO / package.replace(".", "/")).glob("*")
        if path.is_file()
    }
    for name in gpl:
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() not in digests, name
