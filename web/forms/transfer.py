"""Handing an item over: the holder's transfer code, and the next holder's claim with it.

The rules (who records the handover, the code format, one live code per item, the rate limit)
are in ``passport.transfers``. Here: an organisation creates a code from the item's page (shown
once), and anyone with the item and its code records the handover at /passports/<id>/claim,
without an account, and gets the code for the next handover (shown once).
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from passport import transfers
from passport.errors import (
    CodeRefused,
    Conflict,
    Forbidden,
    InvalidDocument,
    NotFound,
    TooManyAttempts,
)
from passport.models import Passport
from passport.passports import lookup
from web.forms.auth import not_for_you, too_many
from web.forms.base import (
    bp,
    client_address,
    current_user,
    db,
    local_now,
    message,
    page,
    settings,
    signed_in,
)
from web.forms.fields import Field, Form, parse_number
from web.forms.repairs import condition_fields

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


def _passport(passport_id: str) -> Passport | None:
    try:
        return lookup.get_passport(db(), passport_id)
    except NotFound:
        return None


def _show_code(passport: Passport, code: str, heading: str) -> ResponseReturnValue:
    # Written down or printed for someone else: the registry's public address, whatever
    # host name this request came in on.
    claim = settings().base_url + url_for("forms.claim", passport_id=passport.public_id)
    html = render_template(
        "transfer_code.html", passport=passport, code=code, heading=heading, claim_url=claim
    )
    return page(html)


@bp.post("/passports/<passport_id>/transfer-code")
@signed_in
def create_transfer_code(passport_id: str) -> ResponseReturnValue:
    """Create the code the next holder enters to record the handover (shown once)."""
    passport = _passport(passport_id)
    if passport is None:
        return page(render_template("not_found.html", uri=None), 404)
    user = current_user()
    assert user is not None
    try:
        code = transfers.create_code(db(), passport, user.organisation)
    except Forbidden:
        db().rollback()
        return not_for_you(
            _("Only the product's issuer and refurbishers hand items over with a code."),
            passport_id,
        )
    except Conflict:
        db().rollback()
        back = [(url_for("pages.passport_page", passport_id=passport_id), _("Back"))]
        return message(
            _("This item cannot change hands"),
            _("Only one item, whose life has not ended, can be handed over."),
            409,
            back,
        )
    db().commit()
    return _show_code(passport, code, _("Transfer code for the next holder"))


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


@bp.route("/passports/<passport_id>/claim", methods=["GET", "POST"])
def claim(passport_id: str) -> ResponseReturnValue:
    """Record that an item changed hands, with the previous holder's transfer code."""
    passport = _passport(passport_id)
    if passport is None:
        return page(render_template("not_found.html", uri=None), 404)
    form = _claim_form()
    if request.method == "GET":
        return page(render_template("claim.html", form=form, passport=passport))

    form.fill(request.form)
    health = parse_number(form["battery_health"], 0, 100)
    status, headers = 400, {}
    if form.ok:
        session = db()
        try:
            handover = transfers.claim(
                session,
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
            session.commit()  # the failure counts towards the rate limit; nothing else changed
            if exc.used:
                form["code"].fail(
                    _(
                        "This code has been used already: the item was handed over with it. "
                        "Ask the person you got the item from for their current code."
                    )
                )
                status = 409
            else:
                form["code"].fail(_("This is not the transfer code of this item. Check it."))
        except TooManyAttempts as exc:
            form["code"].fail(too_many(exc))
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
        except InvalidDocument as exc:
            session.rollback()
            for error in exc.errors:
                name = FIELDS.get(error.pointer)
                if name is not None:
                    form[name].fail(error.message)
                else:
                    form.general.append(error.message)
            if not exc.errors:
                form.general.append(exc.detail)
        except (Conflict, Forbidden) as exc:
            session.rollback()
            form.general.append(exc.detail)
            status = 409
        else:
            session.commit()
            return _show_code(passport, handover.next_code, _("The handover is recorded"))
    html = render_template("claim.html", form=form, passport=passport)
    return page(html, status, headers)
