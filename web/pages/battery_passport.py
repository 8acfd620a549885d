"""The battery's BatteryPass data on its passport page: the key facts in plain words, and which
of them are restricted (for persons with a legitimate interest, or for authorities).

Read only from the credential the page already has, as the reader's tier sees it: what the
credential leaves out for a reader is simply not there. A fact is restricted when its JSON path
lies under one of the reading's restrictions; the page shows those under a visible mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _

from passport.disclosure.redaction import Restriction
from passport.disclosure.tiers import Tier
from web.html import N_, Link, filled, safe_url, stated_day
from web.pages.battery import STATUSES

CATEGORIES = {
    "lmt": N_("Battery for light means of transport (e-bike, e-scooter)"),
    "ev": N_("Electric vehicle battery"),
    "industrial": N_("Industrial battery"),
    "stationary": N_("Stationary battery energy storage"),
}
MARKS = {
    Tier.LEGITIMATE_INTEREST: N_("For repairers, recyclers and authorities"),
    Tier.AUTHORITY: N_("For authorities"),
    Tier.ISSUER: N_("For the manufacturer"),
}
_ROOT = ("battery",)


@dataclass(frozen=True)
class Fact:
    """One row of the battery section: a label and a value, or links, and where it comes from."""

    label: str
    value: str | None
    path: tuple[str, ...]  # inside ``battery``
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Group:
    """The facts a reader sees under one mark (``mark`` None: the public facts)."""

    mark: str | None
    facts: list[Fact] = field(default_factory=list)


def groups(doc: dict[str, Any], restrictions: Sequence[Restriction]) -> list[Group]:
    """The battery's facts for the page, the public ones first, then one group per restriction
    tier; empty when the credential has no ``battery``."""
    subject = doc.get("credentialSubject")
    battery = subject.get("battery") if isinstance(subject, dict) else None
    if not isinstance(battery, dict):
        return []
    public = Group(None)
    marked: dict[Tier, Group] = {}
    for fact in _facts(battery):
        tier = _restricted(fact.path, restrictions)
        if tier is None:
            public.facts.append(fact)
        else:
            marked.setdefault(tier, Group(_(MARKS[tier]))).facts.append(fact)
    return [g for g in [public, *(marked[t] for t in MARKS if t in marked)] if g.facts]


def measurements_mark() -> str:
    """The mark of the battery condition section (every measurement is legitimate interest)."""
    return _(MARKS[Tier.LEGITIMATE_INTEREST])


def _restricted(path: tuple[str, ...], restrictions: Iterable[Restriction]) -> Tier | None:
    """The tier of the restriction the fact lies under (the strictest), or None if public."""
    full = (*_ROOT, *path)
    found = [r.tier for r in restrictions if _under(full, r.steps)]
    return max(found, key=lambda t: t.rank) if found else None


def _under(path: Sequence[str], steps: Sequence[str]) -> bool:
    """Whether ``path`` lies at or below the pointer ``steps`` (a fact about every item of an
    array names the items ``*``, as the pointer does)."""
    return len(steps) <= len(path) and all(a == b for a, b in zip(path, steps, strict=False))


# --- the facts -------------------------------------------------------------------------------


def _obj(node: Any, *steps: str) -> dict[str, Any]:
    for step in steps:
        node = node.get(step) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _list(node: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = node.get(key)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _number(value: Any, unit: str | None = None) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = format_decimal(value, format="#,##0.##")
    return f"{number} {unit}" if unit else number


def _links(*pairs: tuple[Any, str]) -> tuple[Link, ...]:
    return tuple(Link(url, text) for value, text in pairs if (url := safe_url(value)))


def _facts(battery: dict[str, Any]) -> list[Fact]:
    facts = [*_general(battery), *_performance(battery), *_footprint(battery)]
    facts += [*_materials(battery), *_circularity(battery), *_labels(battery)]
    return [f for f in facts if f.value or f.links]


def _general(battery: dict[str, Any]) -> list[Fact]:
    general = _obj(battery, "generalProductInformation")
    g = ("generalProductInformation",)
    maker = _obj(general, "manufacturerInformation")
    category = general.get("batteryCategory")
    status = general.get("batteryStatus")
    return [
        Fact(
            _("Battery category"),
            _(CATEGORIES[category]) if category in CATEGORIES else None,
            (*g, "batteryCategory"),
        ),
        Fact(_("Manufacturer"), filled(maker.get("contactName")), (*g, "manufacturerInformation")),
        Fact(
            _("Manufactured on"),
            stated_day(general.get("manufacturingDate")),
            (*g, "manufacturingDate"),
        ),
        Fact(_("Weight"), _number(general.get("batteryMass"), "kg"), (*g, "batteryMass")),
        Fact(
            _("Battery status"),
            _(STATUSES[status]) if status in STATUSES else None,
            (*g, "batteryStatus"),
        ),
        Fact(
            _("Put into service on"),
            stated_day(general.get("puttingIntoService")),
            (*g, "puttingIntoService"),
        ),
    ]


def _performance(battery: dict[str, Any]) -> list[Fact]:
    tech = _obj(battery, "performance", "batteryTechicalProperties")
    p = ("performance", "batteryTechicalProperties")
    chemistry = _obj(battery, "materialComposition", "batteryChemistry")
    short, clear = filled(chemistry.get("shortName")), filled(chemistry.get("clearName"))
    lifetime = tech.get("expectedLifetime")
    return [
        Fact(
            _("Chemistry"),
            f"{clear} ({short})" if clear and short else clear or short,
            ("materialComposition", "batteryChemistry"),
        ),
        Fact(_("Rated capacity"), _number(tech.get("ratedCapacity"), "Ah"), (*p, "ratedCapacity")),
        Fact(_("Rated energy"), _number(tech.get("ratedEnergy"), "Wh"), (*p, "ratedEnergy")),
        Fact(
            _("Nominal voltage"), _number(tech.get("nominalVoltage"), "V"), (*p, "nominalVoltage")
        ),
        Fact(
            _("Expected full charge cycles"),
            _number(tech.get("expectedNumberOfCycles")),
            (*p, "expectedNumberOfCycles"),
        ),
        Fact(
            _("Expected lifetime"),
            ngettext("%(years)s year", "%(years)s years", lifetime, years=_number(lifetime))
            if _number(lifetime) is not None
            else None,
            (*p, "expectedLifetime"),
        ),
        Fact(
            _("Self-discharge when new"),
            _number(tech.get("initialSelfDischarge"), "%"),
            (*p, "initialSelfDischarge"),
        ),
    ]


def _footprint(battery: dict[str, Any]) -> list[Fact]:
    footprint = _obj(battery, "carbonFootprint")
    c = ("carbonFootprint",)
    per_kwh = _number(footprint.get("batteryCarbonFootprint"))
    grade = filled(footprint.get("carbonFootprintPerformanceClass"))
    return [
        Fact(
            _("Carbon footprint"),
            _("%(number)s kg CO₂e per kWh", number=per_kwh) if per_kwh else None,
            (*c, "batteryCarbonFootprint"),
            _links((footprint.get("carbonFootprintStudy"), _("Carbon footprint study"))),
        ),
        Fact(_("Carbon footprint class"), grade, (*c, "carbonFootprintPerformanceClass")),
    ]


def _materials(battery: dict[str, Any]) -> list[Fact]:
    composition = _obj(battery, "materialComposition")
    m = ("materialComposition",)
    materials = _list(composition, "batteryMaterials")
    critical = [
        str(i["batteryMaterialName"])
        for i in materials
        if i.get("isCriticalRawMaterial") is True and filled(i.get("batteryMaterialName"))
    ]
    masses = [
        _("%(material)s: %(mass)s", material=name, mass=mass)
        for i in materials
        if (name := filled(i.get("batteryMaterialName")))
        and (mass := _number(i.get("batteryMaterialMass"), "kg"))
    ]
    hazards = [
        str(i["hazardousSubstanceName"])
        for i in _list(composition, "hazardousSubstances")
        if filled(i.get("hazardousSubstanceName"))
    ]
    return [
        Fact(_("Critical raw materials"), ", ".join(critical) or None, (*m, "batteryMaterials")),
        Fact(
            _("Mass of each material"),
            ", ".join(masses) or None,
            (*m, "batteryMaterials", "*", "batteryMaterialMass"),
        ),
        Fact(_("Hazardous substances"), ", ".join(hazards) or None, (*m, "hazardousSubstances")),
    ]


def _circularity(battery: dict[str, Any]) -> list[Fact]:
    circ = _obj(battery, "circularity")
    c = ("circularity",)
    recycled = [
        _("%(material)s: %(share)s", material=name, share=share)
        for i in _list(circ, "recycledContent")
        if (name := filled(i.get("recycledMaterial")))
        and (share := _number(_sum(i.get("preConsumerShare"), i.get("postConsumerShare")), "%"))
    ]
    dismantling = _links(
        *(
            (d.get("documentURL"), _("Dismantling information"))
            for d in _list(circ, "dismantlingAndRemovalInformation")
        )
    )
    spares = _links(
        *(
            (
                s.get("supplierWebAddress"),
                _("Spare parts from %(supplier)s", supplier=name)
                if (name := filled(s.get("nameOfSupplier")))
                else _("Spare parts"),
            )
            for s in _list(circ, "sparePartSources")
        )
    )
    end = _obj(circ, "endOfLifeInformation")
    return [
        Fact(_("Recycled content"), ", ".join(recycled) or None, (*c, "recycledContent")),
        Fact(
            _("Dismantling and removal"),
            None,
            (*c, "dismantlingAndRemovalInformation"),
            dismantling,
        ),
        Fact(_("Spare parts"), None, (*c, "sparePartSources"), spares),
        Fact(
            _("Safety"),
            None,
            (*c, "safetyMeasures", "safetyInstructions"),
            _links(
                (_obj(circ, "safetyMeasures").get("safetyInstructions"), _("Safety instructions"))
            ),
        ),
        Fact(
            _("End of life"),
            None,
            (*c, "endOfLifeInformation"),
            _links(
                (end.get("separateCollection"), _("Separate collection")),
                (end.get("wastePrevention"), _("Waste prevention")),
                (end.get("informationOnCollection"), _("Collection, reuse and second life")),
            ),
        ),
    ]


def _sum(*values: Any) -> float | None:
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return sum(numbers) if numbers else None


def _labels(battery: dict[str, Any]) -> list[Fact]:
    labels = _obj(battery, "labels")
    lang = str(get_locale() or "en")
    meanings = []
    for label in _list(labels, "labels"):
        meaning = label.get("labelingMeaning")
        if isinstance(meaning, dict):
            meaning = meaning.get(lang) or meaning.get("en")
        if text := filled(meaning):
            meanings.append(text)
    return [
        Fact(_("Symbols on the battery"), ", ".join(meanings) or None, ("labels", "labels")),
        Fact(
            _("Declaration of conformity"),
            None,
            ("labels", "declarationOfConformity"),
            _links((labels.get("declarationOfConformity"), _("EU declaration of conformity"))),
        ),
        Fact(
            _("Test reports"),
            None,
            ("labels", "resultOfTestReport"),
            _links((labels.get("resultOfTestReport"), _("Results of the test reports"))),
        ),
    ]
