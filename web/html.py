"""How an HTML answer is made: the content security policy, the page with its headers, the
template, and the words and numbers every page writes the same way (dates, weights, shares,
links).

Read-only pages and form pages both build on this module, and it builds on nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel import numbers
from flask import Response, make_response, render_template, request
from flask_babel import format_date, format_decimal, get_locale
from markupsafe import Markup

# Pages render only our own files and (on the passport page) the maker's product image.
# The only scripts are the registry's own files (static/offline.js and the service worker that
# keeps pages and queued repairs offline): no inline script can ever run, whatever a text field
# holds, and scripts talk to the registry only.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


# /api/docs runs Swagger UI: its scripts and styles come from the registry (no CDN), it fetches
# the OpenAPI document from the registry, and it sets styles and data: images of its own.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"


def harden(response: Response) -> Response:
    """``after_request`` on every answer: nosniff always; on HTML, a CSP (the pages' own unless
    the view set one, the docs' for /api/docs) and no framing, whoever made the page (pages,
    the resolver's not-found page, Swagger UI, werkzeug's error pages)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype in ("text/html", "application/xhtml+xml"):
        docs = request.endpoint == DOCS_ENDPOINT
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def page(html: str, status: int = 200) -> Response:
    """An HTML answer in which only the registry's own script files can run."""
    response = make_response(html, status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def private_page(html: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A page no cache keeps a copy of (forms, codes, what a signed-in person sees)."""
    response = page(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def render(template: str, status: int = 200, **context: Any) -> Response:
    """A read-only page from its template."""
    return page(render_template(template, **context), status)


def render_private(
    template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> Response:
    """A form page (or another page not to be cached) from its template."""
    return private_page(render_template(template, **context), status, headers)


def message(
    title: str, text: str, status: int, links: list[tuple[str, str]] | None = None
) -> Response:
    """A page that only says something (an error, why a form is not for this user), with
    links as (url, text) pairs."""
    return render_private("message.html", status, title=title, text=text, links=links)


def wants_page() -> bool:
    """Whether the client asks for HTML before JSON (a browser), not a problem document."""
    kinds = ["application/problem+json", "application/json", "text/html"]
    return request.accept_mimetypes.best_match(kinds) == "text/html"


def not_found(*, private: bool = False) -> Response:
    """404: no passport by that id."""
    if private:
        return render_private("not_found.html", 404, uri=None)
    return render("not_found.html", 404, uri=None)


# --- words and numbers ---------------------------------------------------------------------


def N_(message: str) -> str:
    """Mark a text for the catalog (pybabel extracts N_); it is translated where it is shown."""
    return message


def long_date(day: date) -> str:
    """A day as the pages write it: "3 May 2026", "3. Mai 2026"."""
    # English dates read "3 May 2026": day first is clear on both sides of the Atlantic.
    pattern = "d MMMM y" if str(get_locale()) == "en" else "long"
    return format_date(day, format=pattern)


def stated_day(text: Any) -> str | None:
    """The day of an ISO 8601 date or date-time as data states it, as the pages write it;
    None if it is not one."""
    try:
        return long_date(datetime.fromisoformat(str(text)).date())
    except ValueError:
        return None


def kilograms(value: float) -> str:
    """An estimate in kg, as precise as it deserves: "133", "1.8", "0.35" (in the reader's
    locale)."""
    if value >= 10:
        pattern = "#,##0"
    elif value >= 1:
        pattern = "#,##0.#"
    else:
        pattern = "#,##0.##"
    return format_decimal(value, format=pattern)


def percent(value: Any) -> str | None:
    """A fraction (0.3) as the reader's percentage ("30%", "30 %"), to a tenth of a percent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return numbers.format_percent(round(value, 3), locale=get_locale(), decimal_quantization=False)


def filled(value: Any) -> str | None:
    """A non-empty text, stripped; None for anything else."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def say(message: str, **params: Any) -> Markup:
    """Fill a translated sentence; our own catalog is trusted, every value is escaped."""
    return Markup(message) % params


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def safe_url(url: Any) -> str | None:
    """Only web links: a "javascript:" URI is a valid URI, and would run when tapped."""
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return url
    return None
