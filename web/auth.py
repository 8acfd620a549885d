"""Who is signed in, and the CSRF token that proves a form was sent from this site.

People who use the form pages sign in for an organisation (repair-café volunteers, shop
staff); machines keep using API keys. The signed-in user's id and the form token live in the
signed session cookie.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

import edge.request
from passport.accounts import signed_in_user
from passport.disclosure.readers import tier_of
from passport.disclosure.tiers import Tier
from passport.errors import TooManyAttempts
from passport.models import Organisation, Passport, User
from web.html import message

CSRF_FIELD = "csrf_token"
_NOBODY = object()
View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


def current_user() -> User | None:
    """The signed-in user, or None. Costs nothing for visitors without a session cookie."""
    cached = g.get("user", _NOBODY)
    if cached is not _NOBODY:
        return cast(User | None, cached)
    uid = session.get("uid")
    user = signed_in_user(edge.request.session(), uid) if uid is not None else None
    if uid is not None and user is None:
        session.clear()  # disabled or deleted since: the cookie is worthless now
    g.user = user
    return user


def reader_organisation() -> Organisation | None:
    """The organisation the signed-in person reads for (None: nobody is signed in)."""
    user = current_user()
    return user.organisation if user else None


def reader_tier(passport: Passport) -> Tier:
    """The tier the signed-in person's organisation reads ``passport`` with (public if nobody
    is signed in): pages show what that organisation may see."""
    return tier_of(edge.request.session(), reader_organisation(), passport)


def required_user() -> User:
    """The signed-in user of a view behind ``@signed_in``."""
    user = current_user()
    assert user is not None  # behind @signed_in
    return user


def sign_in_url() -> str:
    return url_for("forms.sign_in", next=request.full_path.rstrip("?"))


def signed_in(view: View) -> View:
    """Send visitors who are not signed in to the sign-in page, and back afterwards."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if current_user() is None:
            return redirect(sign_in_url(), code=303)
        return view(*args, **kwargs)

    return cast(View, wrapper)


def start_session(user: User) -> None:
    """Begin a signed-in session: a fresh cookie, so nothing from before carries over."""
    session.clear()
    session["uid"] = user.pk
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after signing in; anything pointing elsewhere is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def not_for_you(text: str, passport_id: str | None = None) -> ResponseReturnValue:
    """403: the signed-in user's organisation may not do this."""
    links = []
    if passport_id:
        links.append(
            (url_for("pages.passport_page", passport_id=passport_id), _("Back to the passport"))
        )
    return message(_("Not for your organisation"), text, 403, links)


# --- attempts that are counted ---------------------------------------------------------------


def client_address() -> str:
    # Behind a reverse proxy this is the proxy's address: configure werkzeug's ProxyFix
    # there, or every visitor shares one rate-limit bucket.
    return request.remote_addr or ""


def too_many(error: TooManyAttempts) -> str:
    """Why a sign-in or a transfer code is refused for now, and for how long."""
    minutes = max(1, -(-error.retry_after // 60))
    return ngettext(
        "Too many failed attempts. Try again in %(num)d minute.",
        "Too many failed attempts. Try again in %(num)d minutes.",
        minutes,
    )


# --- CSRF ----------------------------------------------------------------------------------


def csrf_token() -> str:
    """This session's form token; made on first use, so plain readers get no cookie."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> ResponseReturnValue | None:
    """Refuse a form POST whose token is missing or not this session's (before every view)."""
    if request.method != "POST":
        return None
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf")
    if isinstance(expected, str) and sent and hmac.compare_digest(sent.encode(), expected.encode()):
        return None
    return message(
        _("This form has expired"),
        _(
            "The form was not sent from this site, or the page was open too long. Go back, "
            "reload the page and send it again."
        ),
        400,
    )
