"""Pages with forms: signing in, logging a repair, registering a product without a passport,
handing an item over with a transfer code, printing labels.

The people who use them sign in for an organisation (repair-café volunteers, shop staff);
machines keep using API keys. Every POST carries the session's CSRF token; every page is plain
HTML that works without script on a phone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask

from web.forms import auth, base, community, labels, repairs, transfer

# Importing a page module adds its routes to the blueprint.
PAGES = (auth, community, labels, repairs, transfer)


def init_app(app: Flask) -> None:
    """Register the form pages, the CSRF check and what templates need to know."""
    settings = app.extensions["kreislauf"].settings
    ZoneInfo(settings.time_zone)  # an unknown KREISLAUF_TIME_ZONE fails at start, not later
    app.register_blueprint(base.bp)
    app.context_processor(
        lambda: {
            "current_user": base.current_user,
            "csrf_token": base.csrf_token,
            "csrf_field": base.CSRF_FIELD,
            "staff_actions": repairs.staff_actions,
        }
    )
