"""The passport a scanned or typed code names: its web address (a GS1 Digital Link or a
community passport's URI), a bare GTIN, or a passport id. The start page and the label page
read codes the same way.
"""

from __future__ import annotations

from edge.request import session
from passport import services
from passport.identifiers import DigitalLink, looks_like_digital_link, parse_digital_link
from passport.models import Passport


def find(code: str) -> Passport:
    """The passport ``code`` names; raises InvalidIdentifier or NotFound."""
    text = code.strip()
    db = session()
    if "/c/" in text:
        return services.resolve_community(db, text.rstrip("/").rsplit("/", 1)[-1])
    if looks_like_digital_link(text):
        return services.resolve(db, parse_digital_link(text, allow_trailing_slash=True))[0]
    if text.isdigit():
        return services.resolve(db, DigitalLink(gtin=text))[0]
    return services.get_passport(db, text.rsplit("/", 1)[-1])
