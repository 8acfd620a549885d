"""Where people start: the front page (what the registry holds), and for a signed-in
volunteer the page that finds the item in front of them by its code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from edge.request import session
from passport import search
from passport.errors import InvalidDocument, InvalidIdentifier, NotFound
from passport.models import Passport
from web.auth import required_user, signed_in
from web.fields import Field, Form
from web.html import render, render_private
from web.lookup import asked_item, candidates
from web.pages import repairs

STATIC = Path(__file__).resolve().parent.parent / "static"


def index() -> ResponseReturnValue:
    """Show what the registry holds, a page at a time, searched by its words; where to go next."""
    q = " ".join(request.args.get("q", "").split())[:200]
    try:
        page = search.search(session(), q=q or None, limit=PAGE_SIZE, **_cursors())
    except InvalidDocument:  # a cursor this registry did not write: start from the beginning
        page = search.search(session(), q=q or None, limit=PAGE_SIZE)
    levels = {"item": _("item"), "batch": _("batch"), "model": _("model")}
    context = {"passports": page.items, "levels": levels, "withdrawn": _("withdrawn")}
    return render("index.html", q=q, number=_number, **context, **_paging(q, page))


def _number(passport: Passport) -> str:
    """What tells a passport from its namesakes in a list, as its label prints it: the serial
    number of an item, the batch's lot, a model's GTIN, a community passport's id."""
    if passport.serial:
        return _("Serial number %(serial)s", serial=passport.serial)
    if passport.lot:
        return _("Batch %(lot)s", lot=passport.lot)
    if passport.community:
        return "ID " + passport.uri.rstrip("/").rsplit("/", 1)[-1]
    return f"GTIN {passport.gtin}" if passport.gtin else ""


PAGE_SIZE = 50


def _cursors() -> dict[str, str | None]:
    return {"cursor": request.args.get("cursor"), "before": request.args.get("before")}


def _paging(q: str, page: search.Page) -> dict[str, str | None]:
    """The next and previous pages' addresses (None at either end), the search kept."""
    kept = {"q": q} if q else {}
    ahead, back = page.next_cursor, page.previous_cursor
    return {
        "next_page": url_for("pages.index", cursor=ahead, **kept) if ahead else None,
        "previous_page": url_for("pages.index", before=back, **kept) if back else None,
    }


def favicon() -> ResponseReturnValue:
    """The registry's icon (an SVG: every browser that asks for /favicon.ico shows one), kept
    by browsers and caches for a day."""
    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(_icon(), mimetype="image/svg+xml", headers=headers)


@cache
def _icon() -> bytes:
    return (STATIC / "favicon.svg").read_bytes()


@signed_in
def start() -> ResponseReturnValue:
    """Find the item to log a repair for, or register one that has no passport. A POST logs
    the repair sent with the code on the item it names: a phone that scanned the code with no
    connection, and had never opened the item's page, kept the repair and sends it now."""
    posted = request.method == "POST"
    form, sent = _code_form(), request.form if posted else request.args
    status, choices = 200, []
    if sent.get("code") or posted:
        form.fill(sent)
        found, status, choices = _found(form) if form.ok else (None, 400 if posted else 200, [])
        if found is not None and posted:
            return repairs.log_repair(found.public_id)
        if found is not None:
            return redirect(_target(form, found), code=303)
    return render_private("start.html", status, form=form, choices=choices)


def _code_form() -> Form:
    return Form(
        Field(
            "code",
            _("The item's code"),
            hint=_("The web address or product number printed next to its QR code."),
            required=True,
            max_length=2048,
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
        )
    )


def _found(form: Form) -> tuple[Passport | None, int, list[Passport]]:
    """The passport the code names, or None with the status of the page that says why not and
    the items it may mean (a serial number several items share: the volunteer picks one)."""
    try:
        found = candidates(form["code"].value, required_user().organisation.pk)
    except InvalidIdentifier:
        form["code"].fail(_("This is not a code this registry can read."))
        return None, 400, []
    except NotFound:
        form["code"].fail(_("No passport has this code. Register the item below."))
        return None, 404, []
    if len(found) > 1:
        form["code"].fail(_("Several items have this serial number: choose yours below."))
        return None, 200, found
    return found[0], 200, []


def _target(form: Form, passport: Passport) -> str:
    """Where the code leads: the item's repair form, or the page of a model or batch."""
    if passport.granularity == "item":
        return url_for("forms.log_repair", passport_id=passport.public_id)
    asked = asked_item(form["code"].value, passport)  # an item with no passport: the page says so
    return url_for("pages.passport_page", passport_id=passport.public_id, **{"for": asked})
