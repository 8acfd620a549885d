"""Label sheets from the browser: a PDF of QR-code labels, for people who sign in.

A GET form (it changes nothing, so it carries no CSRF token): the passports by id or web
address, one a line, or by GTIN (and lot) among the organisation's own products, and a
layout. The answer is the PDF itself, made by ``passport.carriers.labels`` as ``kreislauf labels``
makes it. A passport's page links here with ``?ids=<id>`` for its one label.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, make_response, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from edge.request import session, settings
from passport import search
from passport.carriers.labels import label_for, label_sheet_pdf
from passport.carriers.layouts import LAYOUTS
from passport.errors import InvalidDocument, InvalidIdentifier, NotFound
from passport.models import Organisation, Passport
from passport.passports import lookup
from web.auth import required_user, signed_in
from web.fields import Field, Form
from web.html import N_, render_private
from web.lookup import find

# Encoding the codes takes about 1 s per 1,000 labels (passport.carriers.qr): 5,000 keep one
# request within a few seconds and well under a worker's timeout.
MAX_LABELS = 5000
DEFAULT_LAYOUT = "a4-3x7"
# Unknown codes named in the error message; the rest are counted.
SHOWN_UNKNOWN = 5


# passport.carriers.layouts.LAYOUTS by what a person recognises: the sheet or the printer's roll.
# Short, so that a phone's select shows them whole; the hint gives the sizes.
LAYOUT_NAMES = {
    "a4-3x7": N_("A4 sheet of 3 × 7 (Avery L7160)"),
    "single-62x29": N_("Label printer, 62 × 29 mm"),
    "single-62x100": N_("Label printer, 62 × 100 mm"),
}


def layout_choices() -> list[tuple[str, str]]:
    return [
        (name, _(LAYOUT_NAMES[name]) if name in LAYOUT_NAMES else layout.description or name)
        for name, layout in LAYOUTS.items()
    ]


def _form() -> Form:
    return Form(
        Field(
            "ids",
            _("Passports"),
            kind="textarea",
            hint=_(
                "One a line: the passport’s id, or the web address its QR code holds. "
                "For many labels, use the GTIN below."
            ),
            attrs={"autocapitalize": "none", "spellcheck": "false"},
        ),
        Field(
            "gtin",
            _("GTIN"),
            max_length=14,
            hint=_("Or every passport of your organisation’s products with this number."),
            attrs={"inputmode": "numeric", "autocomplete": "off"},
        ),
        Field(
            "lot",
            _("Lot"),
            max_length=20,
            hint=_("With a GTIN: only this lot."),
            attrs={"autocomplete": "off"},
        ),
        Field(
            "layout",
            _("Layout"),
            kind="select",
            choices=layout_choices(),
            value=DEFAULT_LAYOUT,
            required=True,
            hint=_(
                "A4 sheets of 21 labels of 63.5 × 38.1 mm (Avery L7160, J8160), or one "
                "label a page for label printers (Brother DK-11209, DK-11202)."
            ),
        ),
    )


def _by_id(form: Form) -> list[Passport]:
    """The passports the ids field names, in its order; unknown codes fail the field."""
    f = form["ids"]
    lines = list(dict.fromkeys(line.strip() for line in f.value.splitlines() if line.strip()))
    if len(lines) > MAX_LABELS:
        return []  # the caller says how many is too many
    db = session()
    # Plain ids in a few queries; addresses (a GS1 Digital Link, a community passport's
    # URI) one by one, as the start page reads them.
    plain = lookup.get_passports(db, [line for line in lines if "/" not in line])
    chosen: list[Passport] = []
    unknown: list[str] = []
    for line in lines:
        passport = plain.get(line)
        if passport is None and "/" in line:
            try:
                passport = find(line)
            except (InvalidIdentifier, NotFound):
                passport = None
        if passport is None:
            unknown.append(line)
        else:
            chosen.append(passport)
    if unknown:
        shown = ", ".join(unknown[:SHOWN_UNKNOWN]) + ("…" if len(unknown) > SHOWN_UNKNOWN else "")
        f.fail(
            ngettext(
                "No passport has this code: %(codes)s",
                "%(num)d codes name no passport: %(codes)s",
                len(unknown),
                codes=shown,
            )
        )
    return chosen


def _by_gtin(form: Form, org: Organisation) -> tuple[list[Passport], bool]:
    """The organisation's passports with the GTIN (and lot); True when there are too many."""
    gtin, lot = form.value("gtin"), form.value("lot")
    if gtin is None:
        if lot is not None:
            form["gtin"].fail(_("Give the GTIN of the lot too."))
        return [], False
    try:
        found = search.search(session(), gtin=gtin, lot=lot, issuer=org.public_id, limit=MAX_LABELS)
    except InvalidDocument:
        form["gtin"].fail(_("This is not a GTIN: 8, 12, 13 or 14 digits with a check digit."))
        return [], False
    if not found.items:
        form["gtin"].fail(
            _("Your organisation has no passports with this GTIN and lot.")
            if lot
            else _("Your organisation has no passports with this GTIN.")
        )
    return found.items, found.next_cursor is not None


def _too_many(form: Form) -> None:
    form.general.append(
        _(
            "At most %(count)s labels at a time, please: choose fewer passports, e.g. one "
            "lot at a time.",
            count=format_decimal(MAX_LABELS),
        )
    )


def _show(form: Form, status: int) -> ResponseReturnValue:
    return render_private("labels.html", status, form=form, max_labels=format_decimal(MAX_LABELS))


@signed_in
def labels() -> ResponseReturnValue:
    """Print labels: a PDF with the QR code, name and serial or lot of each chosen passport."""
    form = _form()
    if not any(f.name in request.args for f in form):
        return _show(form, 200)  # the first visit (?lang= alone included)
    data = request.args.to_dict()
    data.setdefault("layout", DEFAULT_LAYOUT)  # the passport page's link names no layout
    form.fill(data)
    chosen, too_many = _chosen(form, required_user().organisation)
    if too_many:
        _too_many(form)
        return _show(form, 422)
    if form.ok and not chosen:
        form.general.append(_("Name the passports: their ids, or a GTIN."))
    return _pdf(chosen, form["layout"].value) if form.ok else _show(form, 400)


def _chosen(form: Form, org: Organisation) -> tuple[list[Passport], bool]:
    """The passports the form names, by id and by GTIN; True when there are too many."""
    too_many = len([line for line in form["ids"].value.splitlines() if line.strip()]) > MAX_LABELS
    if too_many:
        return [], True
    chosen = _by_id(form)
    by_gtin, more = _by_gtin(form, org)
    seen = {p.pk for p in chosen}
    chosen += [p for p in by_gtin if p.pk not in seen]
    return chosen, more or len(chosen) > MAX_LABELS


def _pdf(chosen: list[Passport], layout: str) -> Response:
    host = urlsplit(settings().base_url).netloc
    pdf = label_sheet_pdf([label_for(p, host) for p in chosen], layout)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = "attachment; filename=labels.pdf"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
