"""The forms that record what happened to an item: their fields, choices and defaults.

A repair in ORDS v0.3 terms, a resale, a refurbishment; the condition fields are shared with
the claim of a handover (``web.pages.transfer``). Values are the words of the events API, so
what a form sends becomes an event unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from passport.models import Organisation
from web.fields import Field, Form
from web.pages import categories


def when_fields(now: datetime) -> list[Field]:
    """Date and time, filled in with now: changed only when something is recorded later."""
    return [
        Field(
            "date",
            _("Date"),
            kind="date",
            value=now.date().isoformat(),
            required=True,
            attrs={"max": now.date().isoformat()},
        ),
        Field(
            "time",
            _("Time"),
            kind="time",
            value=now.strftime("%H:%M"),
            hint=_("Local time. Change it if you record this later."),
        ),
    ]


def repair_form(product: dict[str, Any], now: datetime) -> Form:
    """A repair in ORDS terms; the category is guessed from what the passport says."""
    optional = [("", _("— none —"))]
    return Form(
        Field(
            "category",
            _("Product category"),
            kind="select",
            choices=categories.category_choices(),
            value=categories.guess(product),
            required=True,
        ),
        Field(
            "problem",
            _("Problem and what was done"),
            kind="textarea",
            required=True,
            max_length=2000,
            hint=_("E.g. “Switch did not click off; replaced the switch.” No names, please."),
        ),
        Field(
            "outcome",
            _("Outcome"),
            kind="radio",
            choices=[
                ("fixed", _("Fixed")),
                ("repairable", _("Repairable, not finished yet")),
                ("end_of_life", _("End of life: cannot be repaired")),
            ],
            value="fixed",
            required=True,
        ),
        Field(
            "barrier",
            _("What stopped the repair"),
            kind="select",
            choices=optional + categories.barrier_choices(),
            hint=_("Only when the outcome is End of life."),
        ),
        Field(
            "next_steps",
            _("Next step"),
            kind="select",
            choices=optional
            + [
                ("More time needed", _("More time needed")),
                ("Professional help", _("Professional help")),
                ("Do it yourself", _("Do it yourself")),
            ],
            hint=_("Only when the outcome is Repairable."),
        ),
        Field(
            "spare_parts",
            _("Spare parts"),
            kind="radio",
            choices=[
                ("none", _("None needed")),
                ("manufacturer", _("From the manufacturer")),
                ("third_party", _("From another supplier")),
            ],
            value="none",
            required=True,
        ),
        Field(
            "parts",
            _("Parts replaced"),
            max_length=2000,
            hint=_("Separate several parts with commas."),
        ),
        Field(
            "part_passport",
            _("The new part's passport"),
            kind="url",
            max_length=2048,
            hint=_("If the part has a QR code of its own: the web address it holds."),
            attrs={"inputmode": "url", "autocomplete": "off"},
        ),
        *when_fields(now),
    )


def conditions() -> list[tuple[str, str]]:
    return [
        ("New", _("New")),
        ("Used", _("Used")),
        ("Refurbished", _("Refurbished")),
        ("Damaged", _("Damaged")),
    ]


def condition_fields(default: str) -> list[Field]:
    """Condition, grade and battery health: the same in a resale, a refurbishment, a claim."""
    return [
        Field(
            "condition",
            _("Condition"),
            kind="radio",
            choices=conditions(),
            value=default,
            required=True,
        ),
        Field(
            "grade",
            _("Grade"),
            max_length=40,
            hint=_("In your grading scheme, e.g. A, B or “Very good”."),
        ),
        Field(
            "battery_health",
            _("Battery health (%)"),
            kind="number",
            hint=_("Remaining capacity, if it has a battery."),
            attrs={"min": "0", "max": "100", "step": "any", "inputmode": "decimal"},
        ),
    ]


def record_form(kind: str, org: Organisation, now: datetime) -> Form:
    """A resale or a refurbishment; a shop's defaults differ from a refurbisher's."""
    if kind == "resale":
        channels = [
            ("second_hand_shop", _("In a second-hand shop")),
            ("refurbisher", _("Through a refurbisher")),
            ("online", _("Online")),
            ("retail", _("In a shop selling new goods")),
            ("private", _("Privately")),
        ]
        default = "refurbisher" if org.role == "refurbisher" else "retail"
        fields = [
            Field(
                "channel", _("Sold"), kind="radio", choices=channels, value=default, required=True
            ),
            *condition_fields("Refurbished" if org.role == "refurbisher" else "Used"),
        ]
    else:
        fields = [
            *condition_fields("Refurbished"),
            Field(
                "description",
                _("What was done"),
                kind="textarea",
                max_length=2000,
                hint=_("E.g. “Two cell groups replaced, new case.” No names, please."),
            ),
        ]
    return Form(*fields, *when_fields(now))


# What a phone asks for a repair on an item it scanned with no connection: the item's page was
# never on it, so nothing can be guessed from the passport yet.
SCANNED_FIELDS = ("category", "problem", "outcome", "spare_parts", "date", "time")


def scanned_repair_form(now: datetime) -> Form:
    """The repair form's few fields a repair needs; the category, unless chosen, is guessed
    from the passport when the repair is sent (``repairs.log_repair``)."""
    full = repair_form({}, now)
    form = Form(*(full[name] for name in SCANNED_FIELDS))
    category = form["category"]
    category.choices = [("", _("Guess it from the item’s passport")), *category.choices]
    category.value, category.required = "", False
    form["date"].attrs.pop("max")  # the page is kept for months: the phone's clock decides
    return form
