"""Signing in and out, and the page a signed-in volunteer starts from: find the item."""

from __future__ import annotations

import secrets
from functools import cache

from flask import redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from passport import accounts
from passport.errors import InvalidIdentifier, NotAuthenticated, NotFound, TooManyAttempts
from passport.gs1.digital_link import DigitalLink, looks_like_digital_link, parse_digital_link
from passport.models import Passport
from passport.passports import community, lookup
from passport.routes import COMMUNITY
from web.forms.base import (
    bp,
    client_address,
    current_user,
    db,
    message,
    page,
    safe_next,
    signed_in,
    start_session,
)
from web.forms.fields import Field, Form


@cache
def _nobody_hash() -> str:
    """What an unknown login name's password is checked against, so that the answer takes as
    long as for a real one (scrypt with werkzeug's parameters, like every stored hash)."""
    return generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def check_password(stored: str | None, password: str) -> bool:
    if stored is None:
        check_password_hash(_nobody_hash(), password)
        return False
    return check_password_hash(stored, password)


def _sign_in_form() -> Form:
    return Form(
        Field(
            "login",
            _("Login name"),
            required=True,
            max_length=accounts.LOGIN_MAX,
            hint=_("The e-mail address or name your organisation gave you."),
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
        ),
        Field(
            "password",
            _("Password"),
            kind="password",
            required=True,
            attrs={"autocomplete": "current-password"},
        ),
    )


def too_many(error: TooManyAttempts) -> str:
    minutes = max(1, -(-error.retry_after // 60))
    return ngettext(
        "Too many failed attempts. Try again in %(num)d minute.",
        "Too many failed attempts. Try again in %(num)d minutes.",
        minutes,
    )


@bp.route("/signin", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Sign a repair-café volunteer or shop worker in for their organisation."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET" and current_user() is not None:
        return redirect(target or url_for("forms.start"), code=303)
    form = _sign_in_form()
    status = 200
    headers: dict[str, str] = {}
    if request.method == "POST":
        form.fill(request.form)
        if form.ok:
            try:
                user = accounts.sign_in(
                    db(),
                    form["login"].value,
                    form["password"].value,
                    client_address(),
                    check_password,
                )
            except NotAuthenticated:
                db().commit()  # the failure counts towards the rate limit
                form.general.append(_("Wrong login name or password."))
                status = 401
            except TooManyAttempts as exc:
                form.general.append(too_many(exc))
                status, headers = 429, {"Retry-After": str(exc.retry_after)}
            else:
                db().commit()
                start_session(user)
                return redirect(target or url_for("forms.start"), code=303)
        else:
            status = 400
        form["password"].value = ""  # never sent back, not even into the form
    html = render_template("signin.html", form=form, next=target)
    return page(html, status, headers)


@bp.post("/signout")
def sign_out() -> ResponseReturnValue:
    """End the session."""
    session.clear()
    return redirect(url_for("pages.index"), code=303)


def find(code: str) -> Passport:
    """The passport a scanned or typed code names: its URI, a GS1 code, or a passport id."""
    text = code.strip()
    session = db()
    if COMMUNITY in text:
        return community.resolve_community(session, text.rstrip("/").rsplit("/", 1)[-1])
    if looks_like_digital_link(text):
        return lookup.resolve(session, parse_digital_link(text, allow_trailing_slash=True))[0]
    if text.isdigit():
        return lookup.resolve(session, DigitalLink(gtin=text))[0]
    return lookup.get_passport(session, text.rsplit("/", 1)[-1])


@bp.get("/repairs/start")
@signed_in
def start() -> ResponseReturnValue:
    """Find the item to log a repair for, or register one that has no passport."""
    form = Form(
        Field(
            "code",
            _("The item's code"),
            hint=_("The web address or product number printed next to its QR code."),
            required=True,
            max_length=2048,
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
        )
    )
    status = 200
    if request.args.get("code"):
        form.fill(request.args)
        if form.ok:
            try:
                passport = find(form["code"].value)
            except InvalidIdentifier:
                form["code"].fail(_("This is not a code this registry can read."))
                status = 400
            except NotFound:
                form["code"].fail(_("No passport has this code. Register the item below."))
                status = 404
            else:
                if passport.granularity == "item":
                    target = url_for("forms.log_repair", passport_id=passport.public_id)
                else:
                    target = url_for("pages.passport_page", passport_id=passport.public_id)
                return redirect(target, code=303)
    return page(render_template("start.html", form=form), status)


def not_for_you(text: str, passport_id: str | None = None) -> ResponseReturnValue:
    """403: the signed-in user's organisation may not do this."""
    links = []
    if passport_id:
        links.append(
            (url_for("pages.passport_page", passport_id=passport_id), _("Back to the passport"))
        )
    return message(_("Not for your organisation"), text, 403, links)
