"""QR codes served by the API carry exactly the canonical resolver URI."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import GTIN, passport


def zbarimg(path: Path) -> str:
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: install Debian's zbar-tools (.ci/system-deps does)")
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_png_and_svg_qr_codes_of_a_passport(client, maker, tmp_path):
    body = passport("batch", lot="A/B", serial=None, via_uri=False)
    created = client.post("/api/v1/passports", json=body, headers=maker.headers).json
    png = client.get(f"/api/v1/passports/{created['id']}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    path = tmp_path / "qr.png"
    path.write_bytes(png.get_data())
    decoded = zbarimg(path)
    assert decoded == created["uri"]
    assert decoded.endswith(f"/01/{GTIN}/10/A%2FB") and "?" not in decoded

    svg = client.get(f"/api/v1/passports/{created['id']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.get_data())
    assert root.tag.endswith("svg")
    assert created["uri"] in svg.get_data(as_text=True)  # its <title>, for screen readers
    assert client.get("/api/v1/passports/nope/qr.png").status_code == 404
