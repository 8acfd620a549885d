"""Recording what happened to an item from its page: a repair (in ORDS v0.3 terms), and for
shops a resale or a refurbishment. Each form becomes one lifecycle event
(``passport.events.history.record_event``), exactly as if sent to the events API.

A typical repair takes two inputs: describe the problem, press the button. The category is
guessed from the passport, the outcome defaults to Fixed, the date and time to now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from passport import transfers
from passport.credentials import reading
from passport.errors import Conflict, Forbidden, InvalidDocument, NotFound
from passport.events import history
from passport.events.rules import may_record
from passport.events.status import TERMINAL
from passport.models import Organisation, Passport
from passport.passports import lookup
from web.forms import categories
from web.forms.auth import not_for_you
from web.forms.base import (
    bp,
    current_user,
    db,
    local_now,
    message,
    page,
    settings,
    signed_in,
)
from web.forms.fields import Field, Form, event_time, parse_number, web_address, when

MAX_PARTS = 50


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
    org, pid = user.organisation, passport.public_id
    actions = []
    if passport.life_status not in TERMINAL:
        if passport.granularity == "item":
            for kind, text, url in (
                ("repair", _("Log a repair"), url_for("forms.log_repair", passport_id=pid)),
                (
                    "resale",
                    _("Record a resale"),
                    url_for("forms.record", passport_id=pid, kind="resale"),
                ),
                (
                    "refurbishment",
                    _("Record a refurbishment"),
                    url_for("forms.record", passport_id=pid, kind="refurbishment"),
                ),
            ):
                if _may(org, passport, kind):
                    actions.append(Action(url, text))
            if transfers.may_hand_over(org, passport):
                url = url_for("forms.create_transfer_code", passport_id=pid)
                actions.append(Action(url, _("Create a transfer code for the next holder"), True))
        elif org.role in ("repairer", "refurbisher"):
            url = url_for("forms.register_community", **{"from": pid})
            actions.append(Action(url, _("Register this one item to log its repair")))
    actions.append(Action(url_for("forms.labels", ids=pid), _("Print a label")))
    qr = url_for("passports.PassportQr", passport_id=pid, kind="svg")
    actions.append(Action(qr, _("Print its QR code")))
    return actions


def _may(org: Organisation, passport: Passport, kind: str) -> bool:
    return may_record(kind, org.role, is_issuer=passport.issuer_pk == org.pk)


def _open(passport_id: str, kind: str) -> Passport | ResponseReturnValue:
    """The passport to record on, or the page that says why not."""
    try:
        passport = lookup.get_passport(db(), passport_id)
    except NotFound:
        return page(render_template("not_found.html", uri=None), 404)
    user = current_user()
    assert user is not None  # behind @signed_in
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
    if not _may(user.organisation, passport, kind):
        return not_for_you(
            _(
                "%(org)s cannot record this on another organisation's product.",
                org=user.organisation.name,
            ),
            passport_id,
        )
    return passport


def _when_fields(now: datetime) -> list[Field]:
    return [
        Field(
            "date",
            _("Date"),
            kind="date",
            value=now.date().isoformat(),
            required=True,
            attrs={"max": now.date().isoformat()},
        ),
        Field(
            "time",
            _("Time"),
            kind="time",
            value=now.strftime("%H:%M"),
            hint=_("Local time. Change it if you record this later."),
        ),
    ]


def _repair_form(product: dict[str, Any], now: datetime) -> Form:
    optional = [("", _("— none —"))]
    return Form(
        Field(
            "category",
            _("Product category"),
            kind="select",
            choices=categories.category_choices(),
            value=categories.guess(product),
            required=True,
        ),
        Field(
            "problem",
            _("Problem and what was done"),
            kind="textarea",
            required=True,
            max_length=2000,
            hint=_("E.g. “Switch did not click off; replaced the switch.” No names, please."),
        ),
        Field(
            "outcome",
            _("Outcome"),
            kind="radio",
            choices=[
                ("fixed", _("Fixed")),
                ("repairable", _("Repairable, not finished yet")),
                ("end_of_life", _("End of life: cannot be repaired")),
            ],
            value="fixed",
            required=True,
        ),
        Field(
            "barrier",
            _("What stopped the repair"),
            kind="select",
            choices=optional + categories.barrier_choices(),
            hint=_("Only when the outcome is End of life."),
        ),
        Field(
            "next_steps",
            _("Next step"),
            kind="select",
            choices=optional
            + [
                ("More time needed", _("More time needed")),
                ("Professional help", _("Professional help")),
                ("Do it yourself", _("Do it yourself")),
            ],
            hint=_("Only when the outcome is Repairable."),
        ),
        Field(
            "spare_parts",
            _("Spare parts"),
            kind="radio",
            choices=[
                ("none", _("None needed")),
                ("manufacturer", _("From the manufacturer")),
                ("third_party", _("From another supplier")),
            ],
            value="none",
            required=True,
        ),
        Field(
            "parts",
            _("Parts replaced"),
            max_length=2000,
            hint=_("Separate several parts with commas."),
        ),
        Field(
            "part_passport",
            _("The new part's passport"),
            kind="url",
            max_length=2048,
            hint=_("If the part has a QR code of its own: the web address it holds."),
            attrs={"inputmode": "url", "autocomplete": "off"},
        ),
        *_when_fields(now),
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
    session = db()
    began = history.commissioned_at(session, passport, history.list_events(session, passport))
    if moment < began:
        f.fail(
            _(
                "The product was not in use yet then: its life began on %(date)s.",
                date=_long_date(began.astimezone(moment.tzinfo).date()),
            )
        )


def _long_date(day: date) -> str:
    # As the passport page writes dates: "3 May 2026" in English, the locale's long form else.
    return format_date(day, format="d MMMM y" if str(get_locale()) == "en" else "long")


# Where the events API puts a problem -> the form field it belongs to.
POINTERS = {
    "/eventTime": "date",
    "/repair/problem": "problem",
    "/repair/category": "category",
    "/repair/barrier": "barrier",
    "/repair/nextSteps": "next_steps",
    "/repair/partsReplaced": "parts",
    "/part_replacement": "part_passport",
    "/resale/channel": "channel",
    "/resale/condition": "condition",
    "/resale/grade": "grade",
    "/resale/batteryHealth": "battery_health",
    "/refurbishment/condition": "condition",
    "/refurbishment/grade": "grade",
    "/refurbishment/batteryHealth": "battery_health",
    "/refurbishment/description": "description",
}


def record_events(
    form: Form, passport: Passport, bodies: list[dict[str, Any]]
) -> ResponseReturnValue | None:
    """Record the events and go to the first on the page; None (errors in ``form``) if refused.

    The domain checks everything again; what the form did not catch first is shown in the
    domain's own (English) words, next to the field it concerns where that is known.
    """
    user = current_user()
    assert user is not None
    session = db()
    try:
        first = None
        for body in bodies:
            event = history.record_event(
                session, settings(), user.organisation, passport.public_id, body
            )
            first = first or event
    except InvalidDocument as exc:
        session.rollback()
        for error in exc.errors:
            name = next((n for p, n in POINTERS.items() if error.pointer.startswith(p)), None)
            if name is not None and name in form:
                form[name].fail(error.message)
            else:
                form.general.append(error.message)
        if not exc.errors:
            form.general.append(exc.detail)
        return None
    except (Conflict, Forbidden) as exc:
        session.rollback()
        form.general.append(exc.detail)
        return None
    session.commit()
    assert first is not None
    target = url_for(
        "pages.passport_page", passport_id=passport.public_id, _anchor=f"event-{first.seq}"
    )
    return redirect(target, code=303)


def _render(
    form: Form, passport: Passport, title: str, intro: str, status: int
) -> ResponseReturnValue:
    html = render_template(
        "event_form.html",
        form=form,
        passport=passport,
        title=title,
        intro=intro,
        action=request.path,
    )
    return page(html, status)


@bp.route("/passports/<passport_id>/repairs/new", methods=["GET", "POST"])
@signed_in
def log_repair(passport_id: str) -> ResponseReturnValue:
    """Log a repair attempt on an item, in the Open Repair Data Standard's terms."""
    found = _open(passport_id, "repair")
    if not isinstance(found, Passport):
        return found
    passport = found
    now = local_now()
    base_url = settings().base_url
    product = reading.credential(db(), base_url, passport)["credentialSubject"]["product"]
    form = _repair_form(product, now)
    title = _("Log a repair")
    intro = _("Repair of %(name)s", name=passport.name)
    if request.method == "GET":
        return _render(form, passport, title, intro, 200)

    form.fill(request.form)
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
        return _render(form, passport, title, intro, 400)

    details: dict[str, Any] = {
        "outcome": outcome,
        "problem": form["problem"].value,
        "category": form["category"].value,
        "spareParts": form["spare_parts"].value,
    }
    if parts:
        details["partsReplaced"] = parts
    if form.value("barrier"):
        details["barrier"] = form["barrier"].value
    if form.value("next_steps"):
        details["nextSteps"] = form["next_steps"].value
    bodies = [{"type": "repair", "eventTime": event_time(moment), "repair": details}]
    if part_passport:
        # The repair event has no place for a part's passport; a part replacement links it.
        installed = {"description": ", ".join(parts)[:500], "passport": part_passport}
        bodies.append(
            {
                "type": "part_replacement",
                "eventTime": event_time(moment),
                "part_replacement": {"installed": installed},
            }
        )
    done = record_events(form, passport, bodies)
    return done if done is not None else _render(form, passport, title, intro, 400)


def conditions() -> list[tuple[str, str]]:
    return [
        ("New", _("New")),
        ("Used", _("Used")),
        ("Refurbished", _("Refurbished")),
        ("Damaged", _("Damaged")),
    ]


def condition_fields(default: str) -> list[Field]:
    """Condition, grade and battery health: the same in a resale, a refurbishment, a claim."""
    return [
        Field(
            "condition",
            _("Condition"),
            kind="radio",
            choices=conditions(),
            value=default,
            required=True,
        ),
        Field(
            "grade",
            _("Grade"),
            max_length=40,
            hint=_("In your grading scheme, e.g. A, B or “Very good”."),
        ),
        Field(
            "battery_health",
            _("Battery health (%)"),
            kind="number",
            hint=_("Remaining capacity, if it has a battery."),
            attrs={"min": "0", "max": "100", "step": "any", "inputmode": "decimal"},
        ),
    ]


def _record_form(kind: str, org: Organisation, now: datetime) -> Form:
    if kind == "resale":
        channels = [
            ("second_hand_shop", _("In a second-hand shop")),
            ("refurbisher", _("Through a refurbisher")),
            ("online", _("Online")),
            ("retail", _("In a shop selling new goods")),
            ("private", _("Privately")),
        ]
        default = "refurbisher" if org.role == "refurbisher" else "retail"
        fields = [
            Field(
                "channel", _("Sold"), kind="radio", choices=channels, value=default, required=True
            ),
            *condition_fields("Refurbished" if org.role == "refurbisher" else "Used"),
        ]
    else:
        fields = [
            *condition_fields("Refurbished"),
            Field(
                "description",
                _("What was done"),
                kind="textarea",
                max_length=2000,
                hint=_("E.g. “Two cell groups replaced, new case.” No names, please."),
            ),
        ]
    return Form(*fields, *_when_fields(now))


@bp.route(
    "/passports/<passport_id>/record/<any(resale, refurbishment):kind>", methods=["GET", "POST"]
)
@signed_in
def record(passport_id: str, kind: str) -> ResponseReturnValue:
    """Record a resale or a refurbishment of an item (shops and refurbishers)."""
    found = _open(passport_id, kind)
    if not isinstance(found, Passport):
        return found
    passport = found
    user = current_user()
    assert user is not None
    now = local_now()
    form = _record_form(kind, user.organisation, now)
    title = _("Record a resale") if kind == "resale" else _("Record a refurbishment")
    intro = passport.name
    if request.method == "GET":
        return _render(form, passport, title, intro, 200)

    form.fill(request.form)
    moment = when(form["date"], form["time"], now)
    health = parse_number(form["battery_health"], 0, 100)
    _check_life_began(passport, moment, form["date"])
    if not form.ok or moment is None:
        return _render(form, passport, title, intro, 400)
    details: dict[str, Any] = {"condition": form["condition"].value}
    if kind == "resale":
        details["channel"] = form["channel"].value
    if form.value("grade"):
        details["grade"] = form["grade"].value
    if health is not None:
        details["batteryHealth"] = health
    if "description" in form and form.value("description"):
        details["description"] = form["description"].value
    body = {"type": kind, "eventTime": event_time(moment), kind: details}
    done = record_events(form, passport, [body])
    return done if done is not None else _render(form, passport, title, intro, 400)
