"""HTML pages: the front page, and the passport page a phone opens after scanning a QR code.

The impact pages (``web.views.impact``) register on the same blueprint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from babel import numbers
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    make_response,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from passport import search
from passport.credentials import reading
from passport.errors import NotFound
from passport.events import history
from passport.events.rules import REGISTRY_ROLE
from passport.events.status import TERMINAL
from passport.ledger import checkpoints
from passport.models import Event
from passport.passports import lookup
from repairs.impact import impact_of
from repairs.ords import records as ords

bp = Blueprint("pages", __name__)

# Pages render only our own files and (on the passport page) the maker's product image.
# No script runs at all; the policy makes sure none ever can, whatever a text field holds.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: http:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _session() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["kreislauf"].session_factory()
    return g.db  # type: ignore[no-any-return]


def _page(html: str, status: int = 200) -> ResponseReturnValue:
    response = make_response(html, status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show what the registry holds and where to go next."""
    passports = search.search(_session(), limit=50).items
    levels = {"item": _("item"), "batch": _("batch"), "model": _("model")}
    return _page(
        render_template("index.html", passports=passports, levels=levels, withdrawn=_("withdrawn"))
    )


@bp.get("/passports/<passport_id>")
def passport_page(passport_id: str) -> ResponseReturnValue:
    """Show a product's passport and its history in plain language."""
    session = _session()
    try:
        passport = lookup.get_passport(session, passport_id)
    except NotFound:
        return _page(render_template("not_found.html", uri=None), 404)
    base_url = current_app.extensions["kreislauf"].settings.base_url
    doc = reading.credential(session, base_url, passport)
    rows = history.list_events(session, passport)
    checkpoint = _checkpoint_size(session)
    subject = doc["credentialSubject"]
    product = subject.get("product", {})
    circularity = subject.get("circularityScorecard") or {}
    html = render_template(
        "passport.html",
        passport_id=passport.public_id,
        doc=doc,
        product=product,
        maker=doc["issuer"]["name"],
        image=_link(product.get("productImage"), product.get("name")),
        granularity=_granularity(subject.get("granularityLevel")),
        inherited=bool(doc.get("inheritedProperties")),
        model_passport=_safe_url(doc.get("modelPassport")),
        repair_link=_link(circularity.get("repairInformation"), _("How to repair it")),
        recycling_link=_link(circularity.get("recyclingInformation"), _("How to recycle it")),
        further=[link for link in map(_link, product.get("furtherInformation") or []) if link],
        materials=_materials(subject.get("materialsProvenance") or []),
        recycled=_percent(circularity.get("recycledContent")),
        recyclable=_percent(circularity.get("recyclableContent")),
        entries=timeline(rows),
        recalls=recalls(rows),
        life_banner=_life_banner(passport.life_status),
        withdrawn=doc.get("passportStatus") == "withdrawn",
        changed_hands=history.ownership_changes(rows),
        data_url=url_for("passports.PassportById", passport_id=passport.public_id, _external=True),
        passport=passport,
        registered_by=doc["issuer"]["name"] if doc.get("registeredBy") else None,
        community=_community_facts(product) if doc.get("registeredBy") else None,
        claimable=passport.granularity == "item" and passport.life_status not in TERMINAL,
        checkpoint=checkpoint,
        checkpoint_url=url_for("log.checkpoint"),
    )
    return _page(html)


def _checkpoint_size(session: Session) -> int | None:
    """The size of the newest signed log checkpoint (reads only), or None if there is none."""
    stored = checkpoints.newest(session)
    return stored.size if stored is not None else None


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
    category = _text(classes[0].get("name")) if classes else None
    return CommunityFacts(
        # An ORDS category name; the catalog has them all (web.forms.categories).
        category=_(category) if category else None,
        brand=_text(traits.get("brand")),
        model=_text(traits.get("model")),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
    )


# --- the product ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def _safe_url(url: Any) -> str | None:
    """Only web links: a "javascript:" URI is a valid URI, and would run when tapped."""
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _link(value: Any, default_text: str | None = None) -> Link | None:
    """A UNTP Link as something to show, or None when it leads nowhere a browser should go."""
    if not isinstance(value, dict):
        return None
    url = _safe_url(value.get("linkURL"))
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


def _percent(value: Any) -> str | None:
    """A fraction (0.3) as the reader's percentage ("30%", "30 %"), to a tenth of a percent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return numbers.format_percent(round(value, 3), locale=get_locale(), decimal_quantization=False)


@dataclass(frozen=True)
class Material:
    name: str
    share: str | None
    recycled: str | None


def _materials(items: Iterable[Any]) -> list[Material]:
    return [
        Material(
            str(item.get("name", "")),
            _percent(item.get("massFraction")),
            _percent(item.get("recycledMassFraction")),
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


# --- the history ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One event of the history as the page shows it."""

    seq: int
    type: str
    sentence: Markup
    notes: list[Markup | str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    corrected_by: Markup | None = None
    impact: Markup | None = None  # what a fixed repair avoided, with a link to the method

    @property
    def anchor(self) -> str:
        return f"event-{self.seq}"


@dataclass(frozen=True)
class Recall:
    reason: str
    severity: str | None
    link: Link | None


def _offset(value: str) -> timezone:
    """The recorder's UTC offset ("+01:00"); an unreadable one counts as UTC."""
    try:
        sign = -1 if value.startswith("-") else 1
        hours, minutes = int(value[1:3]), int(value[4:6])
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    except (ValueError, IndexError):
        return UTC


def _local_time(event: Event) -> datetime:
    """The event time as the recorder gave it: in their offset, not the reader's."""
    return event.event_time.astimezone(_offset(event.time_offset))


def long_date(day: date) -> str:
    """A day as the pages write it: "3 May 2026", "3. Mai 2026"."""
    # English dates read "3 May 2026": day first is clear on both sides of the Atlantic.
    pattern = "d MMMM y" if str(get_locale()) == "en" else "long"
    return format_date(day, format=pattern)


def _date(moment: datetime) -> str:
    # A date (not a datetime) is formatted as it is, never moved into another time zone.
    return long_date(moment.date())


def _time_tag(event: Event) -> Markup:
    moment = _local_time(event)
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), _date(moment))


def _say(message: str, **params: Any) -> Markup:
    """Fill a translated sentence; our own catalog is trusted, every value is escaped."""
    return Markup(message) % params


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _joined(parts: Sequence[Any]) -> Markup | None:
    kept = [part for part in parts if part]
    return Markup(", ").join(kept) if kept else None


def _condition(value: Any) -> str | None:
    return {
        "New": _("new"),
        "Used": _("used"),
        "Refurbished": _("refurbished"),
        "Damaged": _("damaged"),
    }.get(value, _text(value))


def _channel(value: Any) -> str | None:
    return {
        "retail": _("in a shop"),
        "private": _("privately"),
        "second_hand_shop": _("in a second-hand shop"),
        "refurbisher": _("through a refurbisher"),
        "online": _("online"),
    }.get(value, _text(value))


def _collection_channel(value: Any) -> str | None:
    return {
        "municipal": _("at a municipal collection point"),
        "retailer_takeback": _("taken back by a shop"),
        "manufacturer_takeback": _("taken back by the manufacturer"),
        "repair_cafe": _("at a repair café"),
    }.get(value)


def _severity(value: Any) -> str | None:
    return {
        "info": _("for information"),
        "warning": _("warning"),
        "danger": _("danger"),
    }.get(value, _text(value))


def _outcome(value: Any) -> str | None:
    return {
        "fixed": _("fixed"),
        "repairable": _("repairable, not finished yet"),
        "end_of_life": _("could not be repaired"),
    }.get(value)


def _barrier(value: Any) -> str | None:
    # The six ORDS repair barriers, by code and by the spellings found in real data.
    names = {
        "spare_parts_not_available": _("spare parts not available"),
        "spare_parts_too_expensive": _("spare parts too expensive"),
        "no_way_to_open": _("no way to open the product"),
        "repair_information_not_available": _("repair information not available"),
        "lack_of_equipment": _("lack of equipment"),
        "too_worn_out": _("too worn out"),
    }
    key = _text(value)
    if key is None:
        return None
    normal = key.lower().replace(" ", "_").replace("-", "_")
    for prefix in ("item_", "product_"):
        normal = normal.removeprefix(prefix)
    # ORDS spells barrier 3 "No way to open product" (and "... the product" in its prose).
    normal = normal.removesuffix("_the_product").removesuffix("_product")
    return names.get(normal, key)


def _next_steps(value: Any) -> str | None:
    key = _text(value)
    if key is None:
        return None
    names = {
        "more_time_needed": _("more time needed"),
        "professional_help": _("professional help"),
        "do_it_yourself": _("do it yourself"),
    }
    return names.get(key.lower().replace(" ", "_").replace("-", "_"), key)


def _spare_parts(value: Any) -> str | None:
    return {
        "none": _("No spare parts were needed."),
        "manufacturer": _("Spare parts came from the manufacturer."),
        "third_party": _("Spare parts came from another supplier."),
    }.get(value)


def _names(items: Any) -> list[str]:
    """Free-text names from a list of strings or of objects with a name or description."""
    names = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            item = item.get("name") or item.get("description") or item.get("material")
        if _text(item):
            names.append(str(item).strip())
    return names


def N_(message: str) -> str:
    """Mark a text for the catalog (pybabel extracts N_); it is translated where it is shown."""
    return message


# One sentence pattern per event type (and per outcome of a repair).
LEADS = {
    "commissioning": N_("Registered by %(org)s, %(date)s"),
    "sale": N_("Sold by %(org)s, %(date)s"),
    "repair/fixed": N_("Repaired at %(org)s, %(date)s"),
    "repair/repairable": N_("Repair begun at %(org)s, %(date)s"),
    "repair/end_of_life": N_("Repair attempted at %(org)s, %(date)s"),
    "maintenance": N_("Serviced by %(org)s, %(date)s"),
    "part_replacement": N_("Part replaced by %(org)s, %(date)s"),
    "refurbishment": N_("Refurbished by %(org)s, %(date)s"),
    "resale": N_("Resold by %(org)s, %(date)s"),
    "remanufacture": N_("Remanufactured by %(org)s, %(date)s"),
    "recall": N_("Safety recall by %(org)s, %(date)s"),
    "collection": N_("Handed in at %(org)s, %(date)s"),
    "disassembly": N_("Taken apart by %(org)s, %(date)s"),
    "recycling": N_("Recycled by %(org)s, %(date)s"),
    "destruction": N_("Destroyed by %(org)s, %(date)s"),
    "correction": N_("Correction by %(org)s, %(date)s"),
}


def _sentence(event: Event, by_seq: dict[int, Event]) -> Entry:
    """Say what happened: who, when, and the details that matter to the next owner."""
    d = event.details if isinstance(event.details, dict) else {}
    org, date, kind = event.recorder.name, _time_tag(event), event.type
    entry = Entry(event.seq, kind, Markup())
    description = _text(d.get("description"))
    details: list[Any] = [description]
    key = f"repair/{d.get('outcome')}" if kind == "repair" else kind
    lead = _say(_(LEADS.get(key) or N_("Recorded by %(org)s, %(date)s")), org=org, date=date)

    if kind == "resale" and event.recorder.role == REGISTRY_ROLE:
        # Recorded by the registry itself: a handover between private holders, confirmed
        # with a transfer code (passport.transfers). No organisation sold anything.
        lead = _say(_("Changed hands with a transfer code, %(date)s"), date=date)
    if kind in ("sale", "resale"):
        health = d.get("batteryHealth")
        health = health / 100 if isinstance(health, int | float) else None
        details = [
            _channel(d.get("channel")),
            _condition(d.get("condition")),
            _text(d.get("grade")) and _("grade %(grade)s", grade=_text(d.get("grade"))),
            _percent(health) and _("battery health %(percent)s", percent=_percent(health)),
        ]
    elif kind == "repair":
        details = [_text(d.get("problem")), _outcome(d.get("outcome"))]
        parts = _names(d.get("partsReplaced"))
        if parts:
            entry.notes.append(_("Parts replaced: %(parts)s", parts=", ".join(parts)))
        for note in (
            _spare_parts(d.get("spareParts")),
            _barrier(d.get("barrier"))
            and _("What stopped the repair: %(barrier)s", barrier=_barrier(d.get("barrier"))),
            _next_steps(d.get("nextSteps"))
            and _("Next step: %(step)s", step=_next_steps(d.get("nextSteps"))),
        ):
            if note:
                entry.notes.append(note)
        if d.get("outcome") == "fixed":
            entry.impact = impact_note(d.get("category"))
    elif kind == "part_replacement":
        removed = d.get("removed") if isinstance(d.get("removed"), dict) else {}
        installed = d.get("installed") if isinstance(d.get("installed"), dict) else {}
        details = [
            _text(removed.get("description"))
            and _("removed: %(part)s", part=_text(removed.get("description"))),
            _text(installed.get("description"))
            and _("installed: %(part)s", part=_text(installed.get("description"))),
        ]
        for side, text in (
            (removed, _("Passport of the removed part")),
            (installed, _("Passport of the installed part")),
        ):
            if _safe_url(side.get("passport")):
                entry.links.append(Link(side["passport"], text))
    elif kind == "refurbishment":
        health = d.get("batteryHealth")
        health = health / 100 if isinstance(health, int | float) else None
        details = [
            _condition(d.get("condition")),
            _text(d.get("grade")) and _("grade %(grade)s", grade=_text(d.get("grade"))),
            _percent(health) and _("battery health %(percent)s", percent=_percent(health)),
            description,
        ]
    elif kind == "remanufacture" and _safe_url(d.get("newPassport")):
        entry.links.append(Link(d["newPassport"], _("It lives on with a new passport")))
    elif kind == "recall":
        details = [_text(d.get("reason")), _severity(d.get("severity"))]
        if _safe_url(d.get("url")):
            entry.links.append(Link(d["url"], _("Recall notice")))
    elif kind == "collection":
        details = [_collection_channel(d.get("channel")), description]
    elif kind == "recycling":
        recovered = _names(d.get("recoveredMaterials"))
        if recovered:
            details.append(_("recovered: %(materials)s", materials=", ".join(recovered)))
    elif kind == "correction":
        target = by_seq.get(event.corrects.seq) if event.corrects is not None else None
        if target is not None:
            if d.get("reason") == "did_not_occur":
                reason = _("did not occur")
            else:
                reason = _("its details were wrong")
            corrected = Markup('<a href="#event-{}">{}</a>').format(target.seq, _time_tag(target))
            lead = _say(
                _(
                    "Correction by %(org)s, %(date)s: the entry of %(corrected)s was wrong "
                    "(%(reason)s)"
                ),
                org=org,
                date=date,
                corrected=corrected,
                reason=reason,
            )
        details = [_text(d.get("explanation"))]

    rest = _joined(details)
    entry.sentence = _say(_("%(lead)s — %(details)s"), lead=lead, details=rest) if rest else lead
    return entry


def kilograms(value: float) -> str:
    """An estimate in kg, as precise as it deserves: "133", "1.8", "0.35" (in the reader's
    locale)."""
    if value >= 10:
        pattern = "#,##0"
    elif value >= 1:
        pattern = "#,##0.#"
    else:
        pattern = "#,##0.##"
    return format_decimal(value, format=pattern)


def impact_note(category: Any) -> Markup:
    """What one fixed repair avoided, by the ORDS category the repairer chose (Restart's
    factors); Misc and a missing category get no figure, as on the impact pages."""
    method = Markup('<a href="{}">{}</a>').format(
        url_for("pages.impact_method"), _("how this is estimated")
    )
    typed = _text(category)
    number = ords.category_id(typed) if typed else None
    if number is None:
        # Counted as Misc on the impact pages (repairs.registry_rows.registry_row).
        return _say(
            _("CO₂e and waste avoided: not estimated without a product category (%(method)s)."),
            method=method,
        )
    name = ords.categories()[number]
    if name == "Misc":
        return _say(
            _("CO₂e and waste avoided: not estimated for %(category)s (%(method)s)."),
            category=_("Misc"),
            method=method,
        )
    found = impact_of(name)
    return _say(
        _("Avoided ≈ %(co2e)s kg CO₂e and %(waste)s kg of waste (%(method)s)."),
        co2e=kilograms(found.co2e_kg),
        waste=kilograms(found.waste_kg),
        method=method,
    )


def corrections(rows: Sequence[Event]) -> dict[int, Event]:
    """Which events a correction declared wrong: the corrected seq -> the correction.

    Walks backwards, as ``passport.events.status`` does, so that a correction which was itself
    declared wrong corrects nothing.
    """
    wrong: dict[int, Event] = {}
    for event in reversed(rows):
        if event.seq not in wrong and event.type == "correction" and event.corrects is not None:
            wrong[event.corrects.seq] = event
    return wrong


def timeline(rows: Sequence[Event]) -> list[Entry]:
    """The history in the order it was recorded, each wrong entry marked by its correction."""
    by_seq = {e.seq: e for e in rows}
    fixed = corrections(rows)
    entries = []
    for event in rows:
        entry = _sentence(event, by_seq)
        correction = fixed.get(event.seq)
        if correction is not None:
            link = Markup('<a href="#event-{}">{}</a>').format(
                correction.seq, _time_tag(correction)
            )
            entry.corrected_by = _say(_("Corrected: see the correction of %(date)s"), date=link)
            # A repair declared wrong is left out of the impact figures too (repair_rows).
            entry.impact = None
        entries.append(entry)
    return entries


def recalls(rows: Sequence[Event]) -> list[Recall]:
    """The recalls still in force (not declared wrong by a correction), newest first."""
    wrong = corrections(rows)
    found = []
    for event in reversed(rows):
        if event.type != "recall" or event.seq in wrong:
            continue
        d = event.details if isinstance(event.details, dict) else {}
        url = _safe_url(d.get("url"))
        found.append(
            Recall(
                reason=_text(d.get("reason")) or _("no reason given"),
                severity=_severity(d.get("severity")),
                link=Link(url, _("Read the recall notice")) if url else None,
            )
        )
    return found


def init_app(app: Flask) -> None:
    """Register the pages; templates drop the blank lines their block tags would leave."""
    # Imported here, not at the top: its routes go on this module's blueprint.
    from web.views import impact  # noqa: F401

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.register_blueprint(bp)
