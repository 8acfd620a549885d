"""The pages' URL map: every page's address, method and handler, in one place.

Two blueprints: ``pages`` holds the read-only pages anyone opens (the front page, a
passport's page, the impact pages); ``forms`` holds the pages with forms, each POST checked for
the session's CSRF token. The handlers live in one module per page family beside this one.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Flask

from edge.request import settings
from web import auth, languages
from web.pages import (
    accounts,
    community,
    home,
    impact,
    labels,
    offline,
    passport,
    proof,
    repairs,
    transfer,
)

pages = Blueprint("pages", __name__)
pages.add_url_rule("/", view_func=home.index, methods=["GET"])
pages.add_url_rule("/passports/<passport_id>", view_func=passport.passport_page, methods=["GET"])
pages.add_url_rule("/passports/<passport_id>/proof", view_func=proof.proof_page, methods=["GET"])
pages.add_url_rule("/impact", view_func=impact.impact_page, methods=["GET"])
pages.add_url_rule("/impact/groups/<path:group>", view_func=impact.impact_group, methods=["GET"])
pages.add_url_rule("/impact/method", view_func=impact.impact_method, methods=["GET"])
pages.add_url_rule("/favicon.ico", view_func=home.favicon, methods=["GET"])
pages.add_url_rule("/sw.js", view_func=offline.service_worker, methods=["GET"])
pages.add_url_rule("/manifest.webmanifest", view_func=offline.manifest, methods=["GET"])
# The page languages (web/i18n.py LANGUAGES), each kept by the worker (static/sw.js LANGUAGES).
pages.add_url_rule(
    "/offline/<any(en, de):lang>", view_func=offline.scanned_offline, methods=["GET"]
)

forms = Blueprint("forms", __name__)
forms.before_request(auth.check_csrf)
for rule, view, methods in (
    ("/signin", accounts.sign_in, ["GET", "POST"]),
    ("/signout", accounts.sign_out, ["POST"]),
    ("/repairs/start", home.start, ["GET", "POST"]),
    ("/passports/<passport_id>/repairs/new", repairs.log_repair, ["GET", "POST"]),
    (
        "/passports/<passport_id>/record/<any(resale, refurbishment):kind>",
        repairs.record,
        ["GET", "POST"],
    ),
    ("/passports/<passport_id>/transfer-code", transfer.create_transfer_code, ["POST"]),
    ("/passports/<passport_id>/claim", transfer.claim, ["GET", "POST"]),
    ("/passports/new/community", community.register_community, ["GET", "POST"]),
    ("/labels", labels.labels, ["GET"]),
):
    forms.add_url_rule(rule, view_func=view, methods=methods)


def init_app(app: Flask) -> None:
    """Register the pages, the CSRF check and what templates need to know."""
    with app.app_context():
        ZoneInfo(settings().time_zone)  # an unknown KREISLAUF_TIME_ZONE fails at start, not later
    # Templates drop the blank lines their block tags would leave.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["lang_attr"] = languages.lang_attr  # <p{{ text|lang_attr }}>
    app.register_blueprint(pages)
    app.register_blueprint(forms)
    app.context_processor(
        lambda: {
            "current_user": auth.current_user,
            "csrf_token": auth.csrf_token,
            "csrf_field": auth.CSRF_FIELD,
            "staff_actions": passport.staff_actions,
        }
    )
