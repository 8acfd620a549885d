"""The repository stands alone: every fixture a test reads is here, listed with its provenance."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
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


# What pip installs is what the build backend puts in the wheel: build it from a copy of the
# tree (the build writes build/ and *.egg-info beside its sources) and read the wheel back.
def _not_sources(folder: str, names: list[str]) -> set[str]:
    """What a copy of the tree leaves out: checkouts, environments, caches and build output."""
    top = {".git", ".venv", "venv", "build", "dist"} if Path(folder) == REPO else set()
    return {
        n for n in names if n in top or n == "__pycache__" or n.endswith(("_cache", ".egg-info"))
    }


BUILD_WHEEL = "import sys; from setuptools import build_meta; build_meta.build_wheel(sys.argv[1])"
GPL_FIXTURE = "standards/untp/dpp/context.jsonld"


def _installed_files(tree: Path, scratch: Path) -> dict[str, bytes]:
    """Every file of the wheel built from ``tree``: its path in the wheel -> its bytes."""
    source, out = scratch / "source", scratch / "wheel"
    shutil.copytree(tree, source, ignore=_not_sources)
    out.mkdir()
    build = subprocess.run(
        [sys.executable, "-c", BUILD_WHEEL, str(out)], cwd=source, capture_output=True, text=True
    )
    assert build.returncode == 0, (
        f"building the wheel failed (pip install -e '.[test]'?):\n{build.stderr}"
    )
    [wheel] = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _gpl_fixtures() -> dict[str, bytes]:
    gpl = {
        name: (FIXTURES / name).read_bytes() for name, cells in _rows().items() if "GPL" in cells[3]
    }
    assert GPL_FIXTURE in gpl, "the UNTP fixtures are GPL-3.0 and should be listed as such"
    return gpl


def _gpl_inside(installed: dict[str, bytes]) -> list[tuple[str, str]]:
    """(installed file, GPL fixture) for every installed file that holds a fixture's bytes."""
    gpl = _gpl_fixtures()
    return [
        (path, name)
        for path, data in sorted(installed.items())
        for name, fixture in gpl.items()
        if fixture in data
    ]


def test_gpl_fixtures_are_not_part_of_the_installed_package(tmp_path: Path) -> None:
    # The UNTP files are GPL-3.0: they may live among the tests, never in what pip installs.
    installed = _installed_files(REPO, tmp_path)
    assert "passport/routes.py" in installed and "schemas/product-passport.schema.json" in installed
    assert not any(path.startswith("tests/") for path in installed)
    assert _gpl_inside(installed) == []


def test_a_gpl_fixture_copied_into_a_package_would_be_installed(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(REPO, tree, ignore=_not_sources)
    shutil.copy(FIXTURES / GPL_FIXTURE, tree / "schemas" / "contexts" / "untp-dpp-copy.jsonld")
    installed = _installed_files(tree, tmp_path)
    assert _gpl_inside(installed) == [("schemas/contexts/untp-dpp-copy.jsonld", GPL_FIXTURE)]
