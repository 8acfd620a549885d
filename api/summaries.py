"""The API's short forms of a passport and of a version, as lists and write responses show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from passport.disclosure.access_log import Page, as_dict
from passport.models import Passport, PassportVersion
from passport.routes import Routes


def passport_summary(routes: Routes, passport: Passport) -> dict[str, Any]:
    """The short form used in lists and write responses."""
    return {
        "id": passport.public_id,
        "uri": passport.uri,
        "version": passport.current_version,
        "granularity": passport.granularity,
        "status": passport.status,
        "name": passport.name,
        "issuer": passport.issuer.public_id if passport.issuer else None,
        "gtin": passport.gtin,
        "lot": passport.lot,
        "serial": passport.serial,
        "gmn": passport.gmn,
        "href": routes.passport(passport.public_id),
    }


def version_summary(routes: Routes, passport: Passport, row: PassportVersion) -> dict[str, Any]:
    """One version in a passport's list of versions; its href is the version's credential."""
    return {
        "version": row.version,
        "status": row.status,
        "createdAt": _rfc3339(row.created_at),
        "href": routes.version(passport.public_id, row.version),
    }


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def access_log_page(passport: Passport, page: Page, url: str, limit: int) -> dict[str, Any]:
    """One page of a passport's access log, with the URL of the next (``None``: the last)."""
    following = None if page.after is None else f"{url}?after={page.after}&limit={limit}"
    return {"passport": passport.uri, "reads": [as_dict(r) for r in page.reads], "next": following}
