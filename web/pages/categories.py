"""ORDS v0.3 product categories and repair barriers as the pages name them, and a first guess
of the category from what the passport says.

The lists themselves come from ``repairs.ords.records`` (the categories file shipped in
``schemas/ords/``); this module adds only what a form needs: translatable names, and the
guess. Values stay the ORDS names, so repairs logged here export to ORDS unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from repairs.ords import records
from web.html import N_

MISC = "Misc"


# Every ORDS category name, for the catalog: the names are shown translated in the forms.
NAMES = {
    n: n
    for n in (
        N_("Aircon/dehumidifier"),
        N_("Battery/charger/adapter"),
        N_("Decorative or safety lights"),
        N_("Desktop computer"),
        N_("Digital compact camera"),
        N_("DSLR/video camera"),
        N_("Fan"),
        N_("Flat screen"),
        N_("Hair & beauty item"),
        N_("Handheld entertainment device"),
        N_("Headphones"),
        N_("Hi-Fi integrated"),
        N_("Hi-Fi separates"),
        N_("Kettle"),
        N_("Lamp"),
        N_("Laptop"),
        N_("Large home electrical"),
        N_("Misc"),
        N_("Mobile"),
        N_("Musical instrument"),
        N_("Paper shredder"),
        N_("PC accessory"),
        N_("Portable radio"),
        N_("Power tool"),
        N_("Printer/scanner"),
        N_("Projector"),
        N_("Sewing machine"),
        N_("Small home electrical"),
        N_("Small kitchen item"),
        N_("Tablet"),
        N_("Toaster"),
        N_("Toy"),
        N_("TV and gaming-related accessories"),
        N_("Vacuum"),
        N_("Watch/clock"),
        N_("Coffee maker"),
        N_("Food processor"),
        N_("Games console"),
        N_("Hair dryer"),
        N_("Iron"),
    )
}

# The six ORDS repair barriers (codes 1-6, canonical spelling of repairs.ords.records.BARRIERS).
BARRIER_NAMES = {
    "Spare parts not available": N_("Spare parts not available"),
    "Spare parts too expensive": N_("Spare parts too expensive"),
    "No way to open product": N_("No way to open the product"),
    "Repair information not available": N_("Repair information not available"),
    "Lack of equipment": N_("Lack of equipment"),
    "Item too worn out": N_("Item too worn out"),
}


def label(name: str) -> str:
    return _(NAMES[name]) if name in NAMES else name


def category_choices() -> list[tuple[str, str]]:
    """(ORDS name, shown name) for a select, in the reader's alphabetical order, Misc last."""
    names = [n for n in records.categories().values() if n != MISC]
    choices = sorted(((n, label(n)) for n in names), key=lambda c: c[1].casefold())
    return [*choices, (MISC, label(MISC))]


def category_id(name: str) -> int | None:
    return records.category_id(name)


def barrier_choices() -> list[tuple[str, str]]:
    return [(b, _(BARRIER_NAMES.get(b, b))) for b in records.BARRIERS]


# Words in a product's name -> ORDS category; the first match wins, so specific words come
# before general ones ("coffee grinder" is a coffee maker, not a food processor). English and
# German, whole words or the end of a German compound ("Akkuschrauber" ends in "schrauber").
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Kettle", ("kettle", "wasserkocher")),
    ("Coffee maker", ("coffee", "espresso", "kaffeemaschine", "kaffeevollautomat")),
    ("Toaster", ("toaster",)),
    ("Food processor", ("blender", "mixer", "food processor", "küchenmaschine", "pürierstab")),
    ("Hair dryer", ("hair dryer", "hairdryer", "föhn", "fön", "haartrockner")),
    ("Iron", ("iron", "bügeleisen")),
    ("Vacuum", ("vacuum", "hoover", "staubsauger")),
    ("Sewing machine", ("sewing", "nähmaschine")),
    (
        "Power tool",
        ("drill", "saw", "sander", "grinder", "bohrmaschine", "schrauber", "säge", "schleifer"),
    ),
    ("Battery/charger/adapter", ("battery", "charger", "adapter", "akku", "ladegerät", "netzteil")),
    ("Laptop", ("laptop", "notebook")),
    ("Tablet", ("tablet", "ipad")),
    ("Mobile", ("phone", "smartphone", "handy", "mobiltelefon")),
    ("Headphones", ("headphones", "headphone", "earphones", "earbuds", "kopfhörer")),
    ("Flat screen", ("tv", "television", "monitor", "fernseher", "bildschirm")),
    ("Games console", ("console", "playstation", "xbox", "konsole", "spielkonsole")),
    ("Printer/scanner", ("printer", "scanner", "drucker")),
    ("Projector", ("projector", "beamer")),
    ("Portable radio", ("radio",)),
    ("Hi-Fi separates", ("amplifier", "turntable", "verstärker", "plattenspieler")),
    ("Lamp", ("lamp", "lampe", "leuchte")),
    ("Fan", ("fan", "ventilator")),
    ("Watch/clock", ("watch", "clock", "uhr", "wecker")),
    ("Paper shredder", ("shredder", "aktenvernichter")),
    ("Aircon/dehumidifier", ("dehumidifier", "luftentfeuchter", "klimagerät")),
    ("Digital compact camera", ("camera", "kamera")),
    ("Toy", ("toy", "spielzeug")),
    ("Desktop computer", ("computer", "desktop", "pc")),
)

# UN CPC 2.1 classes -> ORDS category, longest prefix first; only where the class is narrow
# enough to say. 44817 (electro-thermic domestic appliances) covers kettles, toasters, irons
# and hair dryers alike: the product's name decides those.
CPC = (
    ("47221", "Mobile"),  # telephones for cellular networks
    ("4521", "Laptop"),  # portable automatic data processing machines
    ("4522", "Desktop computer"),
    ("4731", "Portable radio"),  # radio broadcast receivers
    ("4732", "Flat screen"),  # television receivers
    ("4642", "Battery/charger/adapter"),  # electric accumulators
    ("4641", "Battery/charger/adapter"),  # primary cells and batteries
    ("4481", "Large home electrical"),  # domestic refrigerators and freezers
    ("448", "Small home electrical"),  # other domestic appliances
)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _matches(words: list[str], phrase: str, text: str) -> bool:
    if " " in phrase:
        return phrase in text
    # German compounds put the thing last: "Akkuschrauber", "Tischlampe".
    return any(w == phrase or (len(phrase) >= 5 and w.endswith(phrase)) for w in words)


def guess(product: dict[str, Any]) -> str:
    """The ORDS category a volunteer would most likely pick for a passport's product."""
    known = set(records.categories().values())
    classes = [c for c in product.get("productCategory") or [] if isinstance(c, dict)]
    for c in classes:  # already filed under ORDS (a community passport): take it as it is
        ords_scheme = str(c.get("schemeID", "")).startswith("https://openrepair.org")
        if ords_scheme and c.get("name") in known:
            return str(c["name"])
    text = " ".join(str(product.get(key) or "") for key in ("name", "description")).casefold()
    words = _words(text)
    for category, phrases in KEYWORDS:
        if any(_matches(words, phrase, text) for phrase in phrases) and category in known:
            return category
    for code in _codes(classes):
        for prefix, category in CPC:
            if code.startswith(prefix) and category in known:
                return category
    return MISC


def _codes(classes: Iterable[dict[str, Any]]) -> list[str]:
    codes = []
    for c in classes:
        scheme = f"{c.get('schemeID', '')} {c.get('schemeName', '')} {c.get('id', '')}".lower()
        if "cpc" in scheme and isinstance(c.get("code"), str):
            codes.append(c["code"])
    return codes
