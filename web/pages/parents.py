"""What an item's or batch's page says about the passports above it: links to its batch and
model, and, when a scanned item has no passport of its own and its batch's or model's answered
(``?for=`` from the resolver), that this is not the item's own passport."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _

from passport.errors import InvalidIdentifier
from passport.gs1.digital_link import parse_digital_link_path
from passport.gs1.identity import candidate_keys
from passport.models import Passport
from web.html import Link, safe_url


def parent_links(doc: dict[str, Any], passport: Passport) -> list[Link]:
    """Links to the batch's and the model's passports the credential names."""
    found = []
    batch = safe_url(doc.get("batchPassport"))
    if batch:
        lot = passport.batch.lot if passport.batch is not None else None
        text = _("Passport of batch %(lot)s", lot=lot) if lot else _("Batch passport")
        found.append(Link(batch, text))
    model = safe_url(doc.get("modelPassport"))
    if model:
        found.append(Link(model, _("Model passport")))
    return found


def unknown_item(passport: Passport | Any) -> str | None:
    """The identifier the reader scanned (``?for=``), when it names an item or batch with no
    passport of its own that this passport stands in for; None otherwise."""
    asked = request.args.get("for")
    if not asked or len(asked) > 500:
        return None
    try:
        link = parse_digital_link_path(asked)
    except InvalidIdentifier:
        return None
    keys = candidate_keys(link)
    if keys[0] == passport.identity_key or passport.identity_key not in keys[1:]:
        return None
    return link.path()
