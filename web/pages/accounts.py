"""Signing in and out: people sign in for their organisation, with a login name and password."""

from __future__ import annotations

import secrets
from functools import cache

from flask import redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

import edge.request
from passport import accounts
from passport.errors import NotAuthenticated, TooManyAttempts
from passport.models import User
from web.auth import client_address, current_user, safe_next, start_session, too_many
from web.fields import Field, Form
from web.html import render_private


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


def sign_in() -> ResponseReturnValue:
    """Sign a repair-café volunteer or shop worker in for their organisation."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET" and current_user() is not None:
        return redirect(target or url_for("forms.start"), code=303)
    form = _sign_in_form()
    status, headers = 200, {}
    if request.method == "POST":
        user, status, headers = _check(form)
        if user is not None:
            start_session(user)
            return redirect(target or url_for("forms.start"), code=303)
        form["password"].value = ""  # never sent back, not even into the form
    return render_private("signin.html", status, headers, form=form, next=target)


def sign_out() -> ResponseReturnValue:
    """End the session."""
    session.clear()
    return redirect(url_for("pages.index"), code=303)


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


def _check(form: Form) -> tuple[User | None, int, dict[str, str]]:
    """The user the sent form signs in, or None with the status and headers of the answer."""
    form.fill(request.form)
    if not form.ok:
        return None, 400, {}
    db = edge.request.session()
    login, password = form["login"].value, form["password"].value
    try:
        user = accounts.sign_in(db, login, password, client_address(), check_password)
    except NotAuthenticated:
        db.commit()  # the failure counts towards the rate limit
        form.general.append(_("Wrong login name or password."))
        return None, 401, {}
    except TooManyAttempts as exc:
        form.general.append(too_many(exc))
        return None, 429, {"Retry-After": str(exc.retry_after)}
    db.commit()
    return user, 200, {}
