"""The passport a scanned or typed code names: its web address (a GS1 Digital Link or a
community passport's URI), a bare GTIN, or a passport id. The start page and the label page
read codes the same way.
"""

from __future__ import annotations

from edge.request import session
from passport.gs1.digital_link import DigitalLink, looks_like_digital_link, parse_digital_link
from passport.models import Passport
from passport.passports import community, lookup
from passport.routes import COMMUNITY


def find(code: str) -> Passport:
    """The passport ``code`` names; raises InvalidIdentifier or NotFound."""
    text = code.strip()
    db = session()
    if COMMUNITY in text:
        return community.resolve_community(db, text.rstrip("/").rsplit("/", 1)[-1])
    if looks_like_digital_link(text):
        return lookup.resolve(db, parse_digital_link(text, allow_trailing_slash=True))[0]
    if text.isdigit():
        return lookup.resolve(db, DigitalLink(gtin=text))[0]
    return lookup.get_passport(db, text.rsplit("/", 1)[-1])
