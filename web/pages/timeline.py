"""A product's history as its page tells it: one plain sentence per event, who and when, the
details that matter to the next owner, and which entries a correction declared wrong.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from passport.credentials.recalls import StandingRecall
from passport.events.rules import REGISTRY_ROLE
from passport.models import Event
from repairs.impact import impact_of
from repairs.ords import records
from web.html import N_, Link, filled, kilograms, long_date, percent, safe_url, say
from web.languages import foreign, in_english


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
    prefix: str = "event"  # "batch-event", "model-event": recorded on the batch's or model's

    @property
    def anchor(self) -> str:
        return f"{self.prefix}-{self.seq}"


@dataclass(frozen=True)
class Recall:
    reason: str
    severity: str | None
    link: Link | None
    source: Link | None = None  # the batch or model passport it was recorded on


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


def _date(moment: datetime) -> str:
    # A date (not a datetime) is formatted as it is, never moved into another time zone.
    return long_date(moment.date())


def _time_tag(event: Event) -> Markup:
    moment = _local_time(event)
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), _date(moment))


def _joined(parts: Sequence[Any]) -> Markup | None:
    """The details in one sentence: "bent the hinge back., fixed" loses its full stop; a part
    that ends in "!" or "?" (or "…") is followed by a space, not a comma."""
    kept = [part if isinstance(part, Markup) else _unstopped(str(part)) for part in parts if part]
    kept = [part for part in kept if part]
    if not kept:
        return None
    joined = Markup.escape(kept[0])
    for before, part in zip(kept, kept[1:], strict=False):
        joined += Markup(" " if str(before).endswith(("!", "?", "…", ":", ";")) else ", ") + part
    return joined


def _free(value: Any) -> Any:
    """A free text someone typed, without its closing full stop, marked with its language
    when that is another than the page's (web.languages); None when empty."""
    text = filled(value)
    return foreign(_unstopped(text)) if text else None


def _unstopped(text: str) -> str:
    """A free text without its one closing full stop (an ellipsis "..." stays)."""
    text = text.strip()
    return text[:-1].rstrip() if text.endswith(".") and not text.endswith("..") else text


def _condition(value: Any) -> str | None:
    return {
        "New": _("new"),
        "Used": _("used"),
        "Refurbished": _("refurbished"),
        "Damaged": _("damaged"),
    }.get(value, filled(value))


def _channel(value: Any) -> str | None:
    return {
        "retail": _("in a shop"),
        "private": _("privately"),
        "second_hand_shop": _("in a second-hand shop"),
        "refurbisher": _("through a refurbisher"),
        "online": _("online"),
    }.get(value, filled(value))


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
    }.get(value, filled(value))


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
    key = filled(value)
    if key is None:
        return None
    normal = key.lower().replace(" ", "_").replace("-", "_")
    for prefix in ("item_", "product_"):
        normal = normal.removeprefix(prefix)
    # ORDS spells barrier 3 "No way to open product" (and "... the product" in its prose).
    normal = normal.removesuffix("_the_product").removesuffix("_product")
    return names.get(normal, key)


def _next_steps(value: Any) -> str | None:
    key = filled(value)
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
        if filled(item):
            names.append(str(item).strip())
    return names


# One sentence pattern per event type (and per outcome of a repair).
LEADS = {
    "commissioning": N_("Registered by %(org)s, %(date)s"),
    "sale": N_("Sold by %(org)s, %(date)s"),
    "repair/fixed": N_("Repaired at %(org)s, %(date)s"),
    "repair/repairable": N_("Repair begun at %(org)s, %(date)s"),
    "repair/end_of_life": N_("Repair attempted at %(org)s, %(date)s"),
    "maintenance": N_("Serviced by %(org)s, %(date)s"),
    "inspection": N_("Checked by %(org)s, %(date)s"),
    "part_replacement": N_("Part replaced by %(org)s, %(date)s"),
    "refurbishment": N_("Refurbished by %(org)s, %(date)s"),
    "resale": N_("Resold by %(org)s, %(date)s"),
    "remanufacture": N_("Remanufactured by %(org)s, %(date)s"),
    "repurpose": N_("Repurposed by %(org)s, %(date)s"),
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
    description = _free(d.get("description"))
    details: list[Any] = [description]
    key = f"repair/{d.get('outcome')}" if kind == "repair" else kind
    lead = say(_(LEADS.get(key) or N_("Recorded by %(org)s, %(date)s")), org=org, date=date)

    if kind == "resale" and event.recorder.role == REGISTRY_ROLE:
        # Recorded by the registry itself: a handover between private holders, confirmed
        # with a transfer code (passport.transfers). No organisation sold anything.
        lead = say(_("Changed hands with a transfer code, %(date)s"), date=date)
    if kind in ("sale", "resale"):
        health = d.get("batteryHealth")
        health = health / 100 if isinstance(health, int | float) else None
        details = [
            _channel(d.get("channel")),
            _condition(d.get("condition")),
            filled(d.get("grade")) and _("grade %(grade)s", grade=filled(d.get("grade"))),
            percent(health) and _("battery health %(percent)s", percent=percent(health)),
        ]
    elif kind == "repair":
        details = [_free(d.get("problem")), _outcome(d.get("outcome"))]
        parts = _names(d.get("partsReplaced"))
        if parts:
            entry.notes.append(_("Parts replaced: %(parts)s", parts=", ".join(parts)))
        for note in (
            filled(d.get("faultType"))
            and say(_("Fault type: %(fault)s"), fault=in_english(d["faultType"].strip())),
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
            filled(removed.get("description"))
            and _("removed: %(part)s", part=filled(removed.get("description"))),
            filled(installed.get("description"))
            and _("installed: %(part)s", part=filled(installed.get("description"))),
        ]
        for side, text in (
            (removed, _("Passport of the removed part")),
            (installed, _("Passport of the installed part")),
        ):
            if safe_url(side.get("passport")):
                entry.links.append(Link(side["passport"], text))
    elif kind == "refurbishment":
        health = d.get("batteryHealth")
        health = health / 100 if isinstance(health, int | float) else None
        details = [
            _condition(d.get("condition")),
            filled(d.get("grade")) and _("grade %(grade)s", grade=filled(d.get("grade"))),
            percent(health) and _("battery health %(percent)s", percent=percent(health)),
            description,
        ]
    elif kind in ("remanufacture", "repurpose") and safe_url(d.get("newPassport")):
        entry.links.append(Link(d["newPassport"], _("It lives on with a new passport")))
    elif kind == "recall":
        details = [filled(d.get("reason")), _severity(d.get("severity"))]
        if safe_url(d.get("url")):
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
            lead = say(
                _(
                    "Correction by %(org)s, %(date)s: the entry of %(corrected)s was wrong "
                    "(%(reason)s)"
                ),
                org=org,
                date=date,
                corrected=corrected,
                reason=reason,
            )
        details = [filled(d.get("explanation"))]

    rest = _joined(details)
    entry.sentence = say(_("%(lead)s — %(details)s"), lead=lead, details=rest) if rest else lead
    return entry


def impact_note(category: Any) -> Markup:
    """What one fixed repair avoided, by the ORDS category the repairer chose (Restart's
    factors); Misc and a missing category get no figure, as on the impact pages."""
    method = Markup('<a href="{}">{}</a>').format(
        url_for("pages.impact_method"), _("how this is estimated")
    )
    typed = filled(category)
    number = records.category_id(typed) if typed else None
    if number is None:
        # Counted as Misc on the impact pages (repairs.registry_rows.registry_row).
        return say(
            _("CO₂e and waste avoided: not estimated without a product category (%(method)s)."),
            method=method,
        )
    name = records.categories()[number]
    if name == "Misc":
        return say(
            _("CO₂e and waste avoided: not estimated for %(category)s (%(method)s)."),
            category=_("Misc"),
            method=method,
        )
    found = impact_of(name)
    return say(
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


def timeline(rows: Sequence[Event], inherited: Sequence[StandingRecall] = ()) -> list[Entry]:
    """The history in the order it was recorded, each wrong entry marked by its correction;
    the recalls in force recorded on the batch's or model's passport among them."""
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
            entry.corrected_by = say(_("Corrected: see the correction of %(date)s"), date=link)
            # A repair declared wrong is left out of the impact figures too (repair_rows).
            entry.impact = None
        entries.append(entry)
    if not inherited:
        return entries
    times = [event.recorded_at for event in rows]
    for recall in sorted(inherited, key=lambda r: r.event.pk, reverse=True):
        at = bisect_right(times, recall.event.recorded_at)
        entries.insert(at, _inherited_entry(recall))
        times.insert(at, recall.event.recorded_at)
    return entries


def _source(recall: StandingRecall) -> Link:
    on = recall.recorded_on
    if on.granularity == "batch":
        return Link(on.uri, _("Recorded on the passport of batch %(lot)s", lot=on.lot or ""))
    return Link(on.uri, _("Recorded on the passport of the product model"))


def _inherited_entry(recall: StandingRecall) -> Entry:
    entry = _sentence(recall.event, {})
    entry.prefix = f"{recall.recorded_on.granularity}-event"
    entry.links.append(_source(recall))
    return entry


def recalls(rows: Sequence[Event], inherited: Sequence[StandingRecall] = ()) -> list[Recall]:
    """The recalls still in force (not declared wrong by a correction), newest first; then
    those recorded on the batch's or model's passport, which reach this item too."""
    wrong = corrections(rows)
    found = []
    for event in reversed(rows):
        if event.type != "recall" or event.seq in wrong:
            continue
        d = event.details if isinstance(event.details, dict) else {}
        url = safe_url(d.get("url"))
        found.append(
            Recall(
                reason=filled(d.get("reason")) or _("no reason given"),
                severity=_severity(d.get("severity")),
                link=Link(url, _("Read the recall notice")) if url else None,
            )
        )
    for recall in inherited:
        d = recall.event.details if isinstance(recall.event.details, dict) else {}
        url = safe_url(d.get("url"))
        found.append(
            Recall(
                reason=filled(d.get("reason")) or _("no reason given"),
                severity=_severity(d.get("severity")),
                link=Link(url, _("Read the recall notice")) if url else None,
                source=_source(recall),
            )
        )
    return found
