"""Handing an item over: the holder's transfer code, and the next holder's claim with it.

The rules (who records the handover, the code format, one live code per item, the rate limit)
are in ``passport.transfers``. Here: an organisation creates a code from the item's page (shown
once), and anyone with the item and its code records the handover at /passports/<id>/claim,
without an account, and gets the code for the next handover (shown once).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from edge.request import session, settings
from passport import transfers
from passport.errors import (
    CodeExpired,
    CodeRefused,
    Conflict,
    Forbidden,
    InvalidDocument,
    NotFound,
    TooManyAttempts,
)
from passport.models import Passport
from passport.passports import lookup
from passport.transfers import Handover
from web.auth import client_address, not_for_you, required_user, signed_in, too_many
from web.fields import Field, Form, local_now, parse_number
from web.html import long_date, message, not_found, render_private
from web.pages.event_forms import condition_fields

FIELDS = {
    "/channel": "channel",
    "/condition": "condition",
    "/grade": "grade",
    "/batteryHealth": "battery_health",
    "/resale/channel": "channel",
    "/resale/condition": "condition",
    "/resale/grade": "grade",
    "/resale/batteryHealth": "battery_health",
}


@signed_in
def create_transfer_code(passport_id: str) -> ResponseReturnValue:
    """Create the code the next holder enters to record the handover (shown once)."""
    passport = _passport(passport_id)
    if passport is None:
        return not_found(private=True)
    db = session()
    try:
        issued = transfers.issue_code(db, passport, required_user().organisation)
    except (Forbidden, Conflict) as exc:
        db.rollback()
        return _no_code(passport_id, exc)
    db.commit()
    heading = _("Transfer code for the next holder")
    return _show_code(passport, issued.code, heading, issued.expires_at)


def claim(passport_id: str) -> ResponseReturnValue:
    """Record that an item changed hands, with the previous holder's transfer code."""
    passport = _passport(passport_id)
    if passport is None:
        return not_found(private=True)
    form = _claim_form()
    if request.method == "GET":
        return render_private("claim.html", form=form, passport=passport)
    form.fill(request.form)
    health = parse_number(form["battery_health"], 0, 100)
    handover, status, headers = _claim(form, passport, health) if form.ok else (None, 400, {})
    if handover is not None:
        return _show_code(passport, handover.next_code, _("The handover is recorded"))
    return render_private("claim.html", status, headers, form=form, passport=passport)


def _passport(passport_id: str) -> Passport | None:
    try:
        return lookup.get_passport(session(), passport_id)
    except NotFound:
        return None


def _show_code(
    passport: Passport, code: str, heading: str, expires_at: datetime | None = None
) -> ResponseReturnValue:
    # Written down or printed for someone else: the registry's public address, whatever
    # host name this request came in on.
    claim_url = settings().base_url + url_for("forms.claim", passport_id=passport.public_id)
    return render_private(
        "transfer_code.html",
        passport=passport,
        code=code,
        heading=heading,
        claim_url=claim_url,
        until=_local(expires_at) if expires_at is not None else None,
    )


def _local(moment: datetime) -> dict[str, str]:
    """A moment as the pages write it, in the registry's time zone: its day and its time."""
    here = moment.astimezone(ZoneInfo(settings().time_zone))
    return {"day": long_date(here.date()), "time": f"{here:%H:%M}"}


def _no_code(passport_id: str, refusal: Forbidden | Conflict) -> ResponseReturnValue:
    """Why no code was made: not this organisation's to hand over, or not an item that can."""
    if isinstance(refusal, Forbidden):
        return not_for_you(
            _("Only the product's issuer and refurbishers hand items over with a code."),
            passport_id,
        )
    back = [(url_for("pages.passport_page", passport_id=passport_id), _("Back"))]
    return message(
        _("This item cannot change hands"),
        _("Only one item, whose life has not ended, can be handed over."),
        409,
        back,
    )


def _claim_form() -> Form:
    return Form(
        Field(
            "code",
            _("Transfer code"),
            required=True,
            max_length=64,
            hint=_("The code you got with the item, e.g. K7QM-3XHD-9RTW-PE2A."),
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
        ),
        Field(
            "channel",
            _("How did you get it?"),
            kind="radio",
            choices=[
                ("private", _("From a private person")),
                ("second_hand_shop", _("From a second-hand shop")),
                ("refurbisher", _("From a refurbisher")),
            ],
            value="private",
            required=True,
        ),
        *condition_fields("Used"),
    )


def _claim(
    form: Form, passport: Passport, health: float | None
) -> tuple[Handover | None, int, dict[str, str]]:
    """The handover the filled form records, or None with the status and headers to answer."""
    db = session()
    try:
        handover = transfers.claim(
            db,
            settings(),
            passport.public_id,
            form["code"].value,
            channel=form["channel"].value,
            condition=form["condition"].value,
            grade=form.value("grade"),
            battery_health=health,
            address=client_address(),
            now=local_now(),
        )
    except CodeRefused as exc:
        db.commit()  # the failure counts towards the rate limit; nothing else changed
        return None, _refused(form, exc), {}
    except TooManyAttempts as exc:
        form["code"].fail(too_many(exc))
        return None, 429, {"Retry-After": str(exc.retry_after)}
    except InvalidDocument as exc:
        db.rollback()
        _show_refusal(form, exc)
        return None, 400, {}
    except (Conflict, Forbidden) as exc:
        db.rollback()
        form.general.append(exc.detail)
        return None, 409, {}
    db.commit()
    return handover, 200, {}


def _refused(form: Form, exc: CodeRefused) -> int:
    """Say why the code was refused; the status to answer with."""
    if isinstance(exc, CodeExpired):
        form["code"].fail(
            _(
                "This code expired on %(day)s at %(time)s. Ask the person you got the item "
                "from for a new code.",
                **_local(exc.expires_at),
            )
        )
        return 410
    if exc.used:
        form["code"].fail(
            _(
                "This code has been used already: the item was handed over with it. "
                "Ask the person you got the item from for their current code."
            )
        )
        return 409
    form["code"].fail(_("This is not the transfer code of this item. Check it."))
    return 400


def _show_refusal(form: Form, exc: InvalidDocument) -> None:
    form.show_errors(exc.errors, FIELDS.get)
    if not exc.errors:
        form.general.append(exc.detail)
