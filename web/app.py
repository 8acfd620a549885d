"""The composition root: ``create_app`` is the one place that wires everything together."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.exceptions import NotFound as NoRoute
from werkzeug.routing import IntegerConverter

from edge.request import Registry, close_session
from passport.config import Settings
from passport.db import make_engine, make_session_factory
from passport.models import MAX_ROW_NUMBER
from passport.views_cache.store import ViewStore


class RowNumber(IntegerConverter):
    """``<int:…>`` in a URL: a number past any row's (2^31 - 1) matches no route (404), so it
    never reaches the database, where it would overflow."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_NUMBER)
        super().__init__(map, *args, **kwargs)


class RegistryApp(Flask):
    """Flask, with OPTIONS answers that name the methods of the one route that matched."""

    def make_default_options_response(self) -> Response:
        """``Allow`` lists the matched route's methods. Werkzeug's default lists those of every
        route the path matches, so /api/v1/passports/batch (POST only) also offered the GET and
        PUT of /api/v1/passports/<passport_id>."""
        response = self.response_class()
        response.allow.update(request.url_rule.methods if request.url_rule else ())
        return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, built without their signing serializer when the request
    brings no session cookie (every QR scan, every API read): an empty session, as Flask's own
    would be, without the ~0.03 ms of building the serializer to read nothing."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        no_cookies = "HTTP_COOKIE" not in request.environ  # nothing to parse either
        if app.secret_key and (no_cookies or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the registry's WSGI application from settings (the environment by default)."""
    settings = settings or Settings.from_env()
    app = RegistryApp(__name__, static_folder="static", static_url_path="/static")
    app.config.update(
        # The key signs the session cookie of people who sign in (web.auth). Without
        # KREISLAUF_SECRET_KEY a random per-process key is used: fine for the demo and tests,
        # but sign-ins then end at every restart and do not carry across several workers.
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        SESSION_COOKIE_NAME="kreislauf_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        # A signed-in session lasts a repair café's day, not a month.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        TESTING=settings.testing,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.session_interface = CookieSessions()
    app.url_map.converters["int"] = RowNumber  # before any rule is added
    engine = make_engine(settings.database_url)
    views = ViewStore(settings.view_cache_mb * 2**20)
    app.extensions["kreislauf"] = Registry(settings, engine, make_session_factory(engine), views)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        close_session()  # rolls back anything not committed: a failed request writes nothing

    from edge import body

    app.before_request(body.limit_body)  # 413 before a byte past the operation's limit is read

    import api
    from web import html, i18n
    from web.pages import routes

    _operations(app)
    api.init_app(app)
    i18n.init_app(app)
    routes.init_app(app)
    app.register_error_handler(NoRoute, _no_route)  # before the API's problem for any error
    app.after_request(html.harden)  # CSP, nosniff and no framing on every HTML answer
    return app


def _no_route(error: NoRoute) -> Response:
    """An address nothing answers: the not-found page for a browser (it asks for HTML first),
    a problem document (RFC 9457) for every other client, and under /api/ for every client,
    a browser too: the API describes its errors as problem documents, whatever is accepted."""
    from flask import request

    from api import errors
    from web import html

    page = html.wants_page() and not request.path.startswith("/api/")
    return html.not_found() if page else errors.http_problem(error)


def _operations(app: Flask) -> None:
    """What operators need: the client's address behind a reverse proxy, a request id and one
    JSON log line per request (edge.logs); /healthz and /readyz are API operations (api.health)."""
    from edge import logs

    settings: Settings = app.extensions["kreislauf"].settings
    if settings.proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address and scheme as the proxies in front tell them (KREISLAUF_PROXIES).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxies, x_proto=settings.proxies
        )
    logs.init_app(app)
