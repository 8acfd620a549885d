"""The code version in every read key: a digest of the files views are built from, so that a
deployment that changes how a view looks changes its ETag (no client keeps a stale copy
validated by an old one)."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The packages a view is built from, and the kinds of file in them that shape a view.
PACKAGES = ("passport", "api", "web", "edge", "schemas")
SUFFIXES = frozenset({".py", ".html", ".mo", ".json", ".jsonld", ".csv"})


@cache
def code_version() -> str:
    """The package's version and a digest of its source files, read once per process."""
    digest = hashlib.sha256(_version().encode())
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _version() -> str:
    try:
        return metadata.version("kreislauf")
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "0"
