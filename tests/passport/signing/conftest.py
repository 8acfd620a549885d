"""Fixtures of the signing tests: an issuer key and a UNTP passport credential it signs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from passport.signing.keys import Ed25519Key
from tests.passport.signing.vectors import DID, UNTP_SAMPLE


@pytest.fixture(scope="module")
def issuer() -> Ed25519Key:
    return Ed25519Key.generate()


@pytest.fixture(scope="module")
def credential() -> dict[str, Any]:
    dpp = json.loads(UNTP_SAMPLE.read_text("utf-8"))
    dpp["issuer"]["id"] = DID
    return dpp
