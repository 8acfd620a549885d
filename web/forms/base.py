"""What every form page shares: the blueprint, the session, who is signed in, CSRF, times."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from passport.accounts import signed_in_user
from passport.config import Settings
from passport.db import begin_write
from passport.models import User
from web.views import CSP

bp = Blueprint("forms", __name__)

CSRF_FIELD = "csrf_token"
_NOBODY = object()
View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


def settings() -> Settings:
    return current_app.extensions["kreislauf"].settings  # type: ignore[no-any-return]


def db() -> Session:
    """The request's session; a POST opens it as a writer. Closed at teardown (web.app)."""
    if "db" not in g:
        g.db = current_app.extensions["kreislauf"].session_factory()
        if request.method == "POST":
            begin_write(g.db)
    return g.db  # type: ignore[no-any-return]


def page(html: str, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    """An HTML answer: no script can run, and no copy is kept by any cache (forms, codes)."""
    response = make_response(html, status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def message(title: str, text: str, status: int, links: list[tuple[str, str]] | None = None) -> Any:
    """A page that only says something (an error, why a form is not for this user), with
    links as (url, text) pairs."""
    return page(render_template("message.html", title=title, text=text, links=links), status)


# --- who is signed in -----------------------------------------------------------------------


def current_user() -> User | None:
    """The signed-in user, or None. Costs nothing for visitors without a session cookie."""
    cached = g.get("user", _NOBODY)
    if cached is not _NOBODY:
        return cast(User | None, cached)
    uid = session.get("uid")
    user = signed_in_user(db(), uid) if uid is not None else None
    if uid is not None and user is None:
        session.clear()  # disabled or deleted since: the cookie is worthless now
    g.user = user
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


bp.before_request(check_csrf)


# --- times ---------------------------------------------------------------------------------


def zone() -> ZoneInfo:
    return ZoneInfo(settings().time_zone)


def local_now() -> datetime:
    """Now, in the registry's time zone (KREISLAUF_TIME_ZONE): forms fill in its date."""
    return datetime.now(zone())


def client_address() -> str:
    # Behind a reverse proxy this is the proxy's address: configure werkzeug's ProxyFix
    # there, or every visitor shares one rate-limit bucket.
    return request.remote_addr or ""
