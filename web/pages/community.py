"""Registering an item that has no passport: a community passport, issued by the repairer.

A kettle from 2009 has no passport and may have no GS1 number a registry could use. A repair
café registers it with what it can see (category, brand, model, year); the registry mints an
identifier under its own address (``{base_url}/c/{key}``), and every page and document says
that a repairer registered it, not its manufacturer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from edge.request import session, settings
from passport.credentials import reading
from passport.errors import InvalidDocument, NotFound
from passport.models import Organisation, Passport
from passport.passports import community, lookup
from passport.permissions import may
from web.auth import not_for_you, reader_tier, required_user, signed_in
from web.fields import Field, Form, local_now, parse_number
from web.html import render_private
from web.pages import categories

FIELDS = {"/category": "category", "/brand": "brand", "/model": "model", "/year": "year"}


def _form(now: datetime, start: dict[str, Any]) -> Form:
    return Form(
        Field(
            "category",
            _("Product category"),
            kind="select",
            choices=categories.category_choices(),
            value=start.get("category", categories.MISC),
            required=True,
        ),
        Field(
            "brand",
            _("Brand"),
            value=start.get("brand", ""),
            max_length=200,
            hint=_("As printed on it; leave empty if there is none."),
        ),
        Field("model", _("Model"), value=start.get("model", ""), max_length=200),
        Field(
            "year",
            _("Year of manufacture"),
            kind="number",
            max_length=4,
            hint=_("If you know it, e.g. from the rating plate."),
            attrs={"min": "1900", "max": str(now.year), "inputmode": "numeric"},
        ),
    )


def _start_from(passport_id: str | None) -> dict[str, Any]:
    """What a model or batch passport already says about the item, to start the form with."""
    if not passport_id:
        return {}
    try:
        passport = lookup.get_passport(session(), passport_id)
    except NotFound:
        return {}
    doc = reading.credential(session(), settings().base_url, passport, tier=reader_tier(passport))
    product = doc["credentialSubject"].get("product", {})
    return {
        "category": categories.guess(product),
        "brand": doc["issuer"]["name"],
        "model": str(product.get("name", ""))[:200],
    }


@signed_in
def register_community() -> ResponseReturnValue:
    """Register an item without a passport, so that its repair can be logged."""
    org = required_user().organisation
    if not may("passport.community", org.role):
        return _not_a_repairer()
    now = local_now()
    form = _form(now, _start_from(request.args.get("from")))
    if request.method == "GET":
        return render_private("community.html", form=form)
    form.fill(request.form)
    passport = _register(form, org, now)
    if passport is None:
        return render_private("community.html", 400, form=form)
    return _registered(passport)


def _not_a_repairer() -> ResponseReturnValue:
    return not_for_you(
        _(
            "Only repairers and refurbishers register items without a passport. A "
            "manufacturer issues passports for its products through the API."
        )
    )


def _registered(passport: Passport) -> ResponseReturnValue:
    """On to logging the repair of the item just registered."""
    flash(
        _(
            "The item has a passport now. Stick its QR code on it: the next repairer "
            "will find its history."
        )
    )
    return redirect(url_for("forms.log_repair", passport_id=passport.public_id), code=303)


def _register(form: Form, org: Organisation, now: datetime) -> Passport | None:
    """The passport the filled form issues; None (errors in ``form``) if it was refused."""
    year = parse_number(form["year"], 1900, now.year, whole=True)
    if not form.ok:
        return None
    category = form["category"].value
    db = session()
    try:
        passport = community.issue_community_passport(
            db,
            settings(),
            org,
            category=category,
            brand=form.value("brand"),
            model=form.value("model"),
            year=int(year) if year is not None else None,
            category_id=categories.category_id(category),
        )
    except InvalidDocument as exc:
        db.rollback()
        form.show_errors(exc.errors, FIELDS.get)
        return None
    db.commit()
    return passport
