"""The installable app: the service worker at the root (so that it may keep every page) and
the web app manifest. Both are files in web/static; these handlers only serve them from the
root with the right type, and tell caches to check for a newer worker on every visit.
"""

from __future__ import annotations

from functools import cache

from flask import Response
from flask.typing import ResponseReturnValue

from web.pages.home import STATIC


def service_worker() -> ResponseReturnValue:
    """The service worker (static/sw.js), whose scope is the whole site."""
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"}
    return Response(_read("sw.js"), mimetype="text/javascript", headers=headers)


def manifest() -> ResponseReturnValue:
    """The web app manifest: name, icon, and the page the installed app opens on."""
    headers = {"Cache-Control": "no-cache"}
    return Response(
        _read("manifest.webmanifest"), mimetype="application/manifest+json", headers=headers
    )


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()
