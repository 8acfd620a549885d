"""The passport page a phone opens after scanning a QR code: the product, its history in plain
language, and, for a signed-in organisation, what it can record here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from flask import request, url_for
from flask import session as flask_session
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from edge import views
from edge.reads import note_read
from edge.request import one_read, session, settings
from passport import transfers
from passport.credentials import reading
from passport.credentials.recalls import standing_recalls
from passport.disclosure.readers import tier_of
from passport.disclosure.tiers import Tier
from passport.errors import NotFound
from passport.events import history
from passport.events.rules import may_record
from passport.events.status import TERMINAL
from passport.ledger import checkpoints
from passport.models import Organisation, Passport
from passport.moves.tables import MOVED
from passport.permissions import may
from passport.views_cache import keys
from web.auth import current_user, reader_organisation
from web.html import Link, filled, not_found, percent, render, render_private, safe_url
from web.languages import foreign
from web.pages import battery, battery_passport, witnesses
from web.pages.moves import arrived, moved_away
from web.pages.parents import parent_links, unknown_item
from web.pages.timeline import recalls, timeline


def passport_page(passport_id: str) -> ResponseReturnValue:
    """Show a product's passport and its history in plain language."""
    try:
        found = keys.by_id(one_read(), passport_id)
    except NotFound:
        return not_found()
    if found.status == MOVED:  # to its resolver URI at the new registry
        return moved_away(found.pk)
    reader = reader_organisation()
    if reader is not None or "_flashes" in flask_session:  # a page for this person only
        return _personal(found, reader)
    slot = _public_slot(found)
    build = partial(_built, found)
    return views.serve(found, None, Tier.PUBLIC, slot, build, kept=lambda _response: True)


def _built(found: keys.Found) -> views.Built:
    """The page as a reader who is not signed in sees it, the checkpoint left to fill in."""
    db = session()
    passport = db.get(Passport, found.pk)
    assert passport is not None  # found in this request
    seen = reading.read(db, settings().base_url, passport, tier=Tier.PUBLIC)
    slots = Markup(CHECKPOINT_SLOT), witnesses.marker(db, passport)
    page = render("passport.html", **_context(db, passport, seen, *slots))
    return views.Built(page, seen, "page")


def _public_slot(found: keys.Found) -> views.Slot:
    """The page of a reader who is not signed in: one per language and address, with the
    newest checkpoint filled in when it is served (every write moves it; the page stays)."""
    size = keys.newest_checkpoint(one_read())
    line = _checkpoint_line(size, found.public_id).encode()
    slot = ("page", str(get_locale()), request.host_url, request.path, unknown_item(found))
    seen = witnesses.witnessed()
    live = f"-{size}" + (f"-{seen.stamp}" if seen is not None else "")
    return views.Slot(
        slot, "Cookie", live, lambda body: witnesses.fill(body.replace(_SLOT, line, 1), seen)
    )


def _personal(found: keys.Found, reader: Organisation | None) -> ResponseReturnValue:
    """The page of a signed-in person (what they can do here, their form token): never kept."""
    db = session()
    passport = db.get(Passport, found.pk)
    assert passport is not None  # found in this request
    seen = reading.read(db, settings().base_url, passport, tier=tier_of(db, reader, passport))
    line = _checkpoint_line(checkpoints.newest_size(db), passport.public_id)
    context = _context(db, passport, seen, line, witnesses.sentence(db, passport))
    response = render_private("passport.html", **context)
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    note_read(reader, passport, seen, "page")
    return response


# Where the checkpoint line goes in a kept page: a comment no passport text can contain (every
# value on the page is escaped, so no "<" of theirs survives).
CHECKPOINT_SLOT = "<!--kreislauf:checkpoint-->"
_SLOT = CHECKPOINT_SLOT.encode()


def _checkpoint_line(size: int | None, passport_id: str) -> Markup:
    """The footer's line on the newest signed log checkpoint (nothing before the first): a
    link to the passport's proof page, which says in words what the checkpoint proves (the
    raw signed note is linked from there)."""
    if not size:
        return Markup("")
    text = _line(size, str(get_locale()))
    href = url_for("pages.proof_page", passport_id=passport_id)
    return Markup('<p class="verified"><a href="{}">{}</a></p>').format(href, text)


@lru_cache(maxsize=64)
def _line(size: int, _locale: str) -> str:
    """The words for one checkpoint and language (the arguments they depend on)."""
    return _("History verified up to checkpoint %(size)s", size=size)


def _context(
    db: Session, passport: Passport, seen: reading.Reading, checkpoint: Markup, witnessed: Markup
) -> dict[str, Any]:
    doc = seen.credential
    rows = history.list_events(db, passport)
    inherited = [r for r in standing_recalls(db, passport) if r.recorded_on.pk != passport.pk]
    subject = doc["credentialSubject"]
    product = subject.get("product", {})
    circularity = subject.get("circularityScorecard") or {}
    community = bool(doc.get("registeredBy"))
    language = subject.get("inLanguage")
    language = language if isinstance(language, str) else None  # else guessed, text by text
    link = partial(_marked_link, language=language)
    return {
        "passport_id": passport.public_id,
        "doc": doc,
        "product": product,
        "language": language,
        "maker": doc["issuer"]["name"],
        "image": _link(product.get("productImage"), product.get("name")),
        "granularity": _granularity(subject.get("granularityLevel")),
        "inherited": bool(doc.get("inheritedProperties")),
        "model_passport": safe_url(doc.get("modelPassport")),
        "parents": parent_links(doc, passport),
        "unknown_item": unknown_item(passport),
        "repair_link": link(circularity.get("repairInformation"), _("How to repair it")),
        "recycling_link": link(circularity.get("recyclingInformation"), _("How to recycle it")),
        "further": [x for x in map(link, product.get("furtherInformation") or []) if x],
        "materials": _materials(subject.get("materialsProvenance") or []),
        "recycled": percent(circularity.get("recycledContent")),
        "recyclable": percent(circularity.get("recyclableContent")),
        "readings": battery.readings(doc),
        "battery_groups": battery_passport.groups(doc, seen.restrictions),
        "restricted_mark": battery_passport.measurements_mark(),
        "lineage": battery.lineage(doc),
        "entries": timeline(rows, inherited),
        "recalls": recalls(rows, inherited),
        "life_banner": _life_banner(passport.life_status),
        "withdrawn": doc.get("passportStatus") == "withdrawn",
        "changed_hands": history.ownership_changes(rows),
        "data_url": url_for(
            "passports.PassportById", passport_id=passport.public_id, _external=True
        ),
        "passport": passport,
        "registered_by": doc["issuer"]["name"] if community else None,
        "community": _community_facts(product) if community else None,
        "claimable": passport.granularity == "item" and passport.life_status not in TERMINAL,
        "checkpoint": checkpoint,
        "witnessed": witnessed,
        "withheld": bool(seen.withheld),
        "arrived": arrived(db, passport),
    }


# --- the product ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityFacts:
    """What a repairer saw on an item it registered: there is no maker's document."""

    category: str | None
    brand: str | None
    model: str | None
    year: int | None


def _community_facts(product: dict[str, Any]) -> CommunityFacts:
    classes = [c for c in product.get("productCategory") or [] if isinstance(c, dict)]
    traits = product.get("characteristics")
    traits = traits if isinstance(traits, dict) else {}
    year = traits.get("yearOfManufacture")
    category = filled(classes[0].get("name")) if classes else None
    return CommunityFacts(
        # An ORDS category name; the catalog has them all (web.pages.categories).
        category=_(category) if category else None,
        brand=filled(traits.get("brand")),
        model=filled(traits.get("model")),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
    )


def _marked_link(
    value: Any, default_text: str | None = None, *, language: str | None
) -> Link | None:
    """:func:`_link`, its name (the passport's text) marked with its language where that is not
    the page's (``language``: the passport's; else guessed). Not for an image's alt text,
    which its element marks."""
    link = _link(value, default_text)
    if link is None or link.text != value.get("linkName"):
        return link  # the page's own words, or an address
    return Link(link.url, foreign(link.text, language))


def _link(value: Any, default_text: str | None = None) -> Link | None:
    """A UNTP Link as something to show, or None when it leads nowhere a browser should go."""
    if not isinstance(value, dict):
        return None
    url = safe_url(value.get("linkURL"))
    if url is None:
        return None
    name = value.get("linkName")
    if isinstance(name, str) and name.strip():
        return Link(url, name)
    return Link(url, default_text or _shown_url(url))


def _shown_url(url: str) -> str:
    """A nameless link's text: its address without the scheme, cut short (print shows it all)."""
    shown = url.split("://", 1)[1]
    return shown if len(shown) <= 60 else shown[:59] + "…"


def _granularity(level: Any) -> str | None:
    return {
        "item": _("This passport is for this one item."),
        "batch": _("This passport is for a production batch."),
        "model": _("This passport is for a product model: it covers every item of the model."),
    }.get(level)


@dataclass(frozen=True)
class Material:
    name: str
    share: str | None
    recycled: str | None


def _materials(items: Iterable[Any]) -> list[Material]:
    return [
        Material(
            str(item.get("name", "")),
            percent(item.get("massFraction")),
            percent(item.get("recycledMassFraction")),
        )
        for item in items
        if isinstance(item, dict) and item.get("name")
    ]


def _life_banner(life_status: str) -> str | None:
    return {
        "under_repair": _("This product is being repaired."),
        "end_of_life": _("This product has reached the end of its life."),
        "recycled": _("This product has been recycled."),
        "destroyed": _("This product has been destroyed."),
    }.get(life_status)


# --- what a signed-in organisation can do here ----------------------------------------------


@dataclass(frozen=True)
class Action:
    url: str
    text: str
    post: bool = False  # a button in a form (it changes something), not a link


def staff_actions(passport: Passport) -> list[Action]:
    """What the signed-in user's organisation can do with this passport, for its page."""
    user = current_user()
    if user is None:
        return []
    pid = passport.public_id
    actions = (
        [] if passport.life_status in TERMINAL else _record_actions(passport, user.organisation)
    )
    actions.append(Action(url_for("forms.labels", ids=pid), _("Print a label")))
    qr = url_for("passports.PassportQr", passport_id=pid, kind="svg")
    actions.append(Action(qr, _("Print its QR code")))
    return actions


def _record_actions(passport: Passport, org: Organisation) -> list[Action]:
    """What the organisation can record on a passport whose life has not ended."""
    pid = passport.public_id
    if passport.granularity != "item":
        if not may("passport.community", org.role):
            return []
        url = url_for("forms.register_community", **{"from": pid})
        return [Action(url, _("Register this one item to log its repair"))]
    actions = []
    for kind, text, url in (
        ("repair", _("Log a repair"), url_for("forms.log_repair", passport_id=pid)),
        ("resale", _("Record a resale"), url_for("forms.record", passport_id=pid, kind="resale")),
        (
            "refurbishment",
            _("Record a refurbishment"),
            url_for("forms.record", passport_id=pid, kind="refurbishment"),
        ),
    ):
        if may_record(kind, org.role, is_issuer=passport.issuer_pk == org.pk):
            actions.append(Action(url, text))
    if transfers.may_hand_over(org, passport):
        url = url_for("forms.create_transfer_code", passport_id=pid)
        actions.append(Action(url, _("Create a transfer code for the next holder"), True))
    return actions
