"""The installable app: the service worker at the root (so that it may keep every page), the
web app manifest, and the page the worker shows for an item's code scanned with no connection
whose page was never opened on the phone. The two files are in web/static; these handlers
serve them from the root with the right type, and tell caches to check for a newer worker on
every visit. The PNG icons the manifest names are made once from static/favicon.svg (the
commands: docs/OFFLINE.md).
"""

from __future__ import annotations

from functools import cache

from flask import Response
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from web.fields import local_now
from web.html import render
from web.pages.event_forms import scanned_repair_form
from web.pages.home import STATIC


def service_worker() -> ResponseReturnValue:
    """The service worker (static/sw.js), whose scope is the whole site."""
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"}
    return Response(_read("sw.js"), mimetype="text/javascript", headers=headers)


def manifest() -> ResponseReturnValue:
    """The web app manifest: name, icons, and the page the installed app opens on."""
    headers = {"Cache-Control": "no-cache"}
    return Response(
        _read("manifest.webmanifest"), mimetype="application/manifest+json", headers=headers
    )


def scanned_offline(lang: str) -> ResponseReturnValue:
    """The page for an item's code scanned offline, in ``lang``: its page is not on this phone;
    a signed-in volunteer may still write the repair down (sent with the code later)."""
    with force_locale(lang):
        return render("offline.html", form=scanned_repair_form(local_now()))


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()
