"""Fixtures of the domain tests: organisations made in the domain (no HTTP), as models."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from passport.models import Organisation
from passport.organisations import create_organisation


@pytest.fixture
def acme(session: Session) -> Organisation:
    """A manufacturer holding GS1 company prefix 9520123 (the GS1 example GTINs' prefix)."""
    org, _ = create_organisation(session, "Acme Kettles GmbH", "manufacturer", ["9520123"])
    session.commit()
    return org


@pytest.fixture
def rival(session: Session) -> Organisation:
    """Another manufacturer, without company prefixes (it may issue any GTIN)."""
    org, _ = create_organisation(session, "Rival Appliances AG", "manufacturer")
    session.commit()
    return org


@pytest.fixture
def repair_cafe(session: Session) -> Organisation:
    """A repairer: it may register community passports, not issue GS1 ones."""
    org, _ = create_organisation(session, "Repair Café Kreuzberg", "repairer")
    session.commit()
    return org
