"""The fault step of the repair form: the registry suggests a fault type, the volunteer confirms.

Only a category with an Open Repair Alliance fault list (``repairs.faults``) has the step. The
first Save with a problem written shows, instead of saving, the (at most three) suggestions for
that problem as radio buttons with the best one chosen, "Not sure", and the category's whole
list ("another"); the second Save records the choice as ``repair.faultType``. No script: the
form is sent twice, the problem kept. Categories without a list save on the first Save.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from repairs.faults import suggestion
from web.fields import Field, Form
from web.languages import in_english

TYPE, OTHER = "fault_type", "fault_other"


def fault_list(category: str) -> list[str]:
    """The category's fault types; empty when the registry has no list for it."""
    model = suggestion.shipped_model()
    return model.faults(category) if category in model.categories else []


def with_fault_step(form: Form, sent: Mapping[str, str]) -> bool:
    """Add the fault fields to a filled repair form, after the problem; True if decided.

    Decided: the step was shown (its radio buttons were sent) for this category, or the
    category has no list. Not decided (the first Save, or the category changed in between): the
    fields are added with the best suggestion chosen, and the form must be shown again.
    """
    faults = fault_list(form["category"].value)
    problem = form["problem"]
    if not faults or problem.error or not problem.value:
        return not faults
    best = [s.fault_type for s in suggestion.suggest(form["category"].value, problem.value)]
    chosen, other = sent.get(TYPE), sent.get(OTHER, "")
    decided = chosen is not None and chosen in ("", *faults) and other in ("", *faults)
    if not decided:
        chosen, other = best[0], ""
    elif chosen and chosen not in best:
        chosen, other = "", other or chosen  # a former suggestion: shown in the whole list
    fields = list(form)
    at = fields.index(problem) + 1
    fields[at:at] = _fields(best, faults, chosen or "", other)
    form.fields = {f.name: f for f in fields}
    if not decided:  # shown for the first time: the page opens on it (after any error summary)
        form[TYPE].attrs |= {"tabindex": "-1", "autofocus": ""}
    return decided


def chosen_fault(form: Form) -> str | None:
    """The fault type the volunteer chose: another from the whole list over a suggestion."""
    if TYPE not in form:
        return None
    return form.value(OTHER) or form.value(TYPE)


def _fields(best: list[str], faults: list[str], chosen: str, other: str) -> list[Field]:
    return [
        Field(
            TYPE,
            _("Fault type"),
            kind="radio",
            choices=[(f, in_english(f)) for f in best] + [("", _("Not sure"))],
            value=chosen,
            hint=_("Suggested from the problem, best first. Check it, then save."),
        ),
        Field(
            OTHER,
            _("Another fault type"),
            kind="select",
            choices=[("", _("— as chosen above —"))] + [(f, f) for f in faults],
            value=other,
            hint=_("Only if none of the suggestions fits."),
        ),
    ]
