"""Recording what happened to an item from its page: a repair (in ORDS v0.3 terms), and for
shops a resale or a refurbishment. Each form becomes a typed value (``repairs.details``) and
that value one or two lifecycle events, exactly as if sent to the events API.

A typical repair takes two inputs: describe the problem, press the button. The category is
guessed from the passport, the outcome defaults to Fixed, the date and time to now.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from edge.request import session, settings
from passport import idempotency
from passport.credentials import reading
from passport.errors import (
    Conflict,
    Forbidden,
    IdempotencyKeyBusy,
    IdempotencyKeyReused,
    InvalidDocument,
    NotFound,
)
from passport.events import history
from passport.events.rules import may_record
from passport.events.status import TERMINAL
from passport.models import Passport
from passport.passports import lookup
from repairs import details
from repairs.details import EventDetails, RefurbishmentDetails, RepairDetails, ResaleDetails
from web.auth import CSRF_FIELD, not_for_you, reader_tier, required_user, signed_in
from web.fields import Field, Form, local_now, parse_number, web_address, when
from web.html import long_date, message, not_found, render_private
from web.pages import faults
from web.pages.event_forms import record_form, repair_form

MAX_PARTS = 50
# The values' one field a form names differently: the date field (with the time beside it).
FORM_FIELDS = {"event_time": "date"}


@signed_in
def log_repair(passport_id: str) -> ResponseReturnValue:
    """Log a repair attempt on an item, in the Open Repair Data Standard's terms."""
    found = _open(passport_id, "repair")
    if not isinstance(found, Passport):
        return found
    now = local_now()
    form = repair_form(_product(found), now)
    title, intro = _("Log a repair"), _("Repair of %(name)s", name=found.name)
    if request.method == "GET":
        return _render(form, found, title, intro, 200)
    form.fill(_guessed_category(form, request.form))
    decided = faults.with_fault_step(form, request.form)  # else: shown to confirm first
    value = _repair(form, found, now)
    done = _save(form, found, value) if value is not None and decided else None
    return done if done is not None else _render(form, found, title, intro, 200 if form.ok else 400)


def _guessed_category(form: Form, sent: MultiDict[str, str]) -> MultiDict[str, str]:
    """What was sent, an empty category replaced by the one guessed from the passport: the
    phone that wrote the repair down offline never saw the passport, so it could not guess."""
    if sent.get("category"):
        return sent
    filled = sent.copy()
    filled["category"] = form["category"].value
    return filled


def _product(passport: Passport) -> dict[str, Any]:
    """What the passport says about its product, as this reader may see it."""
    tier = reader_tier(passport)
    credential = reading.credential(session(), settings().base_url, passport, tier=tier)
    product: dict[str, Any] = credential["credentialSubject"]["product"]
    return product


@signed_in
def record(passport_id: str, kind: str) -> ResponseReturnValue:
    """Record a resale or a refurbishment of an item (shops and refurbishers)."""
    found = _open(passport_id, kind)
    if not isinstance(found, Passport):
        return found
    now = local_now()
    form = record_form(kind, required_user().organisation, now)
    title = _("Record a resale") if kind == "resale" else _("Record a refurbishment")
    if request.method == "GET":
        return _render(form, found, title, found.name, 200)
    form.fill(request.form)
    value = _resale_or_refurbishment(kind, form, found, now)
    done = _save(form, found, value) if value is not None else None
    return done if done is not None else _render(form, found, title, found.name, 400)


def _open(passport_id: str, kind: str) -> Passport | ResponseReturnValue:
    """The passport to record on, or the page that says why not."""
    try:
        passport = lookup.get_passport(session(), passport_id)
    except NotFound:
        return not_found(private=True)
    user = required_user()
    back = [(url_for("pages.passport_page", passport_id=passport_id), _("Back to the passport"))]
    if passport.life_status in TERMINAL:
        return message(
            _("This product's life has ended"),
            _("Nothing more can be recorded for it."),
            409,
            back,
        )
    if passport.granularity != "item":
        return message(
            _("This passport is not for one item"),
            _(
                "It covers every item of a product model or batch. Register the item you have "
                "in front of you, then record what you did on its own passport."
            ),
            409,
            [
                (url_for("forms.register_community", **{"from": passport_id}), _("Register it")),
                *back,
            ],
        )
    org = user.organisation
    if not may_record(kind, org.role, is_issuer=passport.issuer_pk == org.pk):
        return not_for_you(
            _("%(org)s cannot record this on another organisation's product.", org=org.name),
            passport_id,
        )
    return passport


def _repair(form: Form, passport: Passport, now: datetime) -> RepairDetails | None:
    """The repair the filled form describes; None when a field failed."""
    moment = when(form["date"], form["time"], now)
    outcome = form["outcome"].value
    if form.value("barrier") and outcome != "end_of_life":
        form["barrier"].fail(_("Only when the outcome is End of life: choose “none” here."))
    if form.value("next_steps") and outcome != "repairable":
        form["next_steps"].fail(_("Only when the outcome is Repairable: choose “none” here."))
    parts = _parts(form["parts"])
    part_passport = web_address(form["part_passport"])
    if part_passport and not parts:
        form["parts"].fail(_("Name the part whose passport you gave."))
    _check_life_began(passport, moment, form["date"])
    if not form.ok or moment is None:
        return None
    return RepairDetails(
        event_time=moment,
        outcome=outcome,
        problem=form["problem"].value,
        category=form["category"].value,
        spare_parts=form["spare_parts"].value,
        parts=tuple(parts),
        barrier=form.value("barrier"),
        next_steps=form.value("next_steps"),
        part_passport=part_passport,
        fault_type=faults.chosen_fault(form),
    )


def _resale_or_refurbishment(
    kind: str, form: Form, passport: Passport, now: datetime
) -> ResaleDetails | RefurbishmentDetails | None:
    """The resale or refurbishment the filled form describes; None when a field failed."""
    moment = when(form["date"], form["time"], now)
    health = parse_number(form["battery_health"], 0, 100)
    _check_life_began(passport, moment, form["date"])
    if not form.ok or moment is None:
        return None
    condition, grade = form["condition"].value, form.value("grade")
    if kind == "resale":
        channel = form["channel"].value
        return ResaleDetails(moment, condition, channel, grade=grade, battery_health=health)
    return RefurbishmentDetails(
        moment, condition, grade=grade, battery_health=health, description=form.value("description")
    )


def _parts(f: Field) -> list[str]:
    parts = [p.strip() for p in re.split(r"[,;\n]", f.value) if p.strip()]
    if len(parts) > MAX_PARTS:
        f.fail(_("At most %(count)d parts, please.", count=MAX_PARTS))
    elif any(len(p) > 200 for p in parts):
        f.fail(_("At most %(count)d characters per part, please.", count=200))
    return parts


def _check_life_began(passport: Passport, moment: datetime | None, f: Field) -> None:
    if moment is None:
        return
    db = session()
    began = history.commissioned_at(db, passport, history.list_events(db, passport))
    if moment < began:
        f.fail(
            _(
                "The product was not in use yet then: its life began on %(date)s.",
                date=long_date(began.astimezone(moment.tzinfo).date()),
            )
        )


def _save(form: Form, passport: Passport, value: EventDetails) -> ResponseReturnValue | None:
    """Record the events and go to the first on the page; None (errors in ``form``) if refused.

    The domain checks everything again; what the form did not catch first is shown in the
    domain's own (English) words, next to the field it concerns where that is known.
    """
    db = session()
    org = required_user().organisation

    def write() -> idempotency.Answer:
        first = details.record(db, settings(), org, passport.public_id, value)[0]
        anchor = f"event-{first.seq}"
        target = url_for("pages.passport_page", passport_id=passport.public_id, _anchor=anchor)
        return idempotency.Answer(303, {}, target)

    try:
        answer = idempotency.once(db, org, *_key_and_fingerprint(), write)
    except InvalidDocument as exc:
        db.rollback()
        _show_refusal(form, value, exc)
        return None
    except (Conflict, Forbidden, IdempotencyKeyBusy, IdempotencyKeyReused) as exc:
        db.rollback()
        form.general.append(exc.detail)
        return None
    db.commit()
    return redirect(answer.location or request.path, code=303)


def _key_and_fingerprint() -> tuple[str | None, str]:
    """The form's Idempotency-Key header (sent by a phone replaying a repair it queued while
    offline: the same key gets the first answer again, nothing is recorded twice) and what a
    repeated key must match: the path and the fields sent, the form token left out."""
    key = request.headers.get("Idempotency-Key", "").strip()[:200] or None
    fields = {k: v for k, v in request.form.lists() if k != CSRF_FIELD}
    return key, idempotency.request_fingerprint(fields, request.path)


def _show_refusal(form: Form, value: EventDetails, exc: InvalidDocument) -> None:
    """Each of the parser's problems next to the form field it is about, else above the form."""

    def field_for(pointer: str) -> str | None:
        name = value.field_for(pointer)
        return FORM_FIELDS.get(name, name) if name is not None else None

    form.show_errors(exc.errors, field_for)
    if not exc.errors:
        form.general.append(exc.detail)


def _render(
    form: Form, passport: Passport, title: str, intro: str, status: int
) -> ResponseReturnValue:
    if not form.ok:  # the error summary takes the focus (one autofocus on a page)
        for f in form:
            f.attrs.pop("autofocus", None)
    return render_private(
        "event_form.html",
        status,
        form=form,
        passport=passport,
        title=title,
        intro=intro,
        action=_action(passport),
    )


def _action(passport: Passport) -> str:
    """Where the form is sent: here, or (a repair sent with a scanned code to the start page)
    the item's own repair form, which needs no code."""
    if request.endpoint == "forms.start":
        return url_for("forms.log_repair", passport_id=passport.public_id)
    return request.path
