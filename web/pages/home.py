"""Where people start: the front page (what the registry holds), and for a signed-in
volunteer the page that finds the item in front of them by its code.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from edge.request import session
from passport import search
from passport.errors import InvalidIdentifier, NotFound
from passport.models import Passport
from web.auth import required_user, signed_in
from web.fields import Field, Form
from web.html import render, render_private
from web.lookup import candidates


def index() -> ResponseReturnValue:
    """Show what the registry holds and where to go next."""
    passports = search.search(session(), limit=50).items
    levels = {"item": _("item"), "batch": _("batch"), "model": _("model")}
    return render("index.html", passports=passports, levels=levels, withdrawn=_("withdrawn"))


@signed_in
def start() -> ResponseReturnValue:
    """Find the item to log a repair for, or register one that has no passport."""
    form = _code_form()
    status, choices = 200, []
    if request.args.get("code"):
        form.fill(request.args)
        target, status, choices = _target(form) if form.ok else (None, 200, [])
        if target is not None:
            return redirect(target, code=303)
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


def _target(form: Form) -> tuple[str | None, int, list[Passport]]:
    """Where the code leads (its repair form, or the page of a model or batch), or None with
    the status of the page that says why not and the items it may mean (a shared serial)."""
    try:
        found = candidates(form["code"].value, required_user().organisation.pk)
    except InvalidIdentifier:
        form["code"].fail(_("This is not a code this registry can read."))
        return None, 400, []
    except NotFound:
        form["code"].fail(_("No passport has this code. Register the item below."))
        return None, 404, []
    if len(found) > 1:  # a serial number several items share: the volunteer picks one
        form["code"].fail(_("Several items have this serial number: choose yours below."))
        return None, 200, found
    passport = found[0]
    if passport.granularity == "item":
        return url_for("forms.log_repair", passport_id=passport.public_id), 200, []
    return url_for("pages.passport_page", passport_id=passport.public_id), 200, []
