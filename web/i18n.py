"""Languages of the HTML pages: Flask-Babel, with the locale from ``?lang=``, a cookie or the
browser.

The choice, first match wins: ``?lang=en|de`` (remembered in the ``lang`` cookie for a year,
so the next scan of a QR code opens in the same language), the ``lang`` cookie, the best match
for the browser's ``Accept-Language``, English. Catalogs live in ``web/translations``; the
workflow to update them is in ``web/babel.cfg``.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_babel import Babel, get_locale

# Language code -> its name in its own language (an autonym is never translated: it is what
# a reader who does not understand the current page looks for).
LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT = "en"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def _asked() -> str | None:
    """``?lang=``; None when the query string is not UTF-8 (werkzeug cannot decode it then)."""
    if not request.query_string:  # most requests: no arguments to parse
        return None
    try:
        return request.args.get("lang")
    except UnicodeDecodeError:  # raw bytes sent unencoded: the view answers 400, not us 500
        return None


def select_locale() -> str:
    """Pick the page language for the current request."""
    asked = _asked()
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    # werkzeug falls back to the primary subtag, so "de-AT" finds "de".
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT


def _remember_and_vary(response: Response) -> Response:
    asked = _asked()
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(
            COOKIE,
            asked,
            max_age=COOKIE_MAX_AGE,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    if response.mimetype == "text/html":
        # The same URL answers in different languages: shared caches must keep them apart.
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def _template_globals() -> dict[str, object]:
    return {"page_locale": str(get_locale() or DEFAULT), "languages": LANGUAGES}


def init_app(app: Flask) -> None:
    """Set up Flask-Babel (gettext in templates and views) and the language choice."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
    app.after_request(_remember_and_vary)
    app.context_processor(_template_globals)
