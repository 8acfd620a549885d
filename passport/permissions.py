"""Who may do what: one table of every action and the roles that may take it.

Every check of the registry reads this table: issuing (``passport.passports``), who records
which event (``passport.events.rules``; the catalogue's roles come from here), transfer codes
(``passport.transfers``), who reads restricted data and the access log
(``passport.disclosure``), and the pages that offer an action. ``docs/PERMISSIONS.md`` is
generated from it (``kreislauf permissions --markdown``) and the permission matrix tests call
every route of the app as every role against it.

A rule names the roles that may take the action on anything (``anyone``) and whether the
product's issuer may, whatever its role (``issuer``). Actions without a product (issuing,
keys, grants) take no issuer. The registry's own organisation has no API keys and no users:
nothing can act as it except a holder with a transfer code (``passport.transfers``).
"""

from __future__ import annotations

from dataclasses import dataclass

from passport.roles import ROLES

REGISTRY_ROLE = "registry"
"""The registry's own organisation's role: it records handovers between private holders."""

NOBODY = "none"
"""A caller without an API key or a signed-in user."""

ORGANISATIONS = (*ROLES, REGISTRY_ROLE)
PRINCIPALS = (NOBODY, *ORGANISATIONS)
"""Everyone a check can meet: nobody, an organisation of each role, the registry."""

_SERVICE = ("repairer", "refurbisher", "remanufacturer")
"""Who services a product: repairs, maintains, replaces parts, measures."""
_INTEREST = ("repairer", "refurbisher", "remanufacturer", "recycler")
"""Who has a legitimate interest in a product's restricted data (ESPR Art. 9(2)(f))."""


@dataclass(frozen=True)
class Rule:
    """Who may take one action: ``anyone`` of these roles, and the product's issuer if
    ``issuer``. ``ways`` are the routes that take it (``METHOD /path``), for the docs."""

    action: str
    text: str
    anyone: frozenset[str]
    issuer: bool = False
    ways: tuple[str, ...] = ()
    note: str = ""


def _rule(
    action: str,
    text: str,
    anyone: tuple[str, ...] | frozenset[str] = (),
    *,
    issuer: bool = False,
    ways: tuple[str, ...] = (),
    note: str = "",
) -> Rule:
    unknown = set(anyone) - set(PRINCIPALS)
    if unknown:
        raise ValueError(f"{action}: unknown roles {sorted(unknown)}")
    return Rule(action, text, frozenset(anyone), issuer, ways, note)


# Who records which lifecycle event besides the product's issuer (passport.events.catalogue).
EVENT_RECORDERS: dict[str, tuple[str, ...]] = {
    # Only the issuer commissions and first sells: there is no retailer role.
    "commissioning": (),
    "sale": (),
    "repair": _SERVICE,
    "maintenance": _SERVICE,
    # Whoever may repair or recycle may measure: the roles with a legitimate interest, not
    # another manufacturer.
    "inspection": (*_SERVICE, "recycler"),
    "part_replacement": _SERVICE,
    "refurbishment": ("refurbisher",),
    # The registry records one thing only: a handover between private holders confirmed with
    # a transfer code (passport.transfers), where no organisation took part.
    "resale": ("refurbisher", REGISTRY_ROLE),
    "remanufacture": ("remanufacturer",),
    # Second-life companies are refurbishers, recyclers or manufacturers here.
    "repurpose": ("remanufacturer", "refurbisher", "recycler"),
    "recall": ("authority",),
    "collection": ("recycler",),
    "disassembly": ("recycler", "remanufacturer"),
    "recycling": ("recycler",),
    "destruction": ("recycler",),
    # Anyone may file one; the history accepts it only from the recorder of the corrected event.
    "correction": ROLES,
}

_EVENTS = "POST /api/v1/passports/<passport_id>/events"
_RECORD = "/passports/<passport_id>/record/<kind>"
_REPAIR = "/passports/<passport_id>/repairs/new"
# The pages' forms: their GET shows the form only to whom may send it.
_EVENT_WAYS: dict[str, tuple[str, ...]] = {
    # POST /repairs/start: a repair sent with the code scanned offline (the item's own form)
    "repair": (_EVENTS, f"GET {_REPAIR}", f"POST {_REPAIR}", "POST /repairs/start"),
    "refurbishment": (_EVENTS, f"GET {_RECORD}", f"POST {_RECORD}"),
    "resale": (_EVENTS, f"GET {_RECORD}", f"POST {_RECORD}"),
}

RULES: tuple[Rule, ...] = (
    _rule(
        "passport.issue",
        "Issue a passport (one, or a batch of up to 10,000)",
        ("manufacturer", "remanufacturer"),
        ways=("POST /api/v1/passports", "POST /api/v1/passports/batch", "POST /api/v1/dpps"),
    ),
    _rule(
        "passport.revise",
        "Write a new version of a passport",
        issuer=True,
        ways=(
            "PUT /api/v1/passports/<passport_id>",
            "PATCH /api/v1/dpps/<dpp_id>",
            "PATCH /api/v1/dpps/<dpp_id>/elements/<element_path>",
        ),
    ),
    _rule(
        "passport.withdraw",
        "Withdraw a passport",
        issuer=True,
        ways=("POST /api/v1/passports/<passport_id>/withdraw", "DELETE /api/v1/dpps/<dpp_id>"),
    ),
    _rule(
        "passport.move",
        "Move a passport to another registry (its history stays, its addresses redirect)",
        issuer=True,
        ways=("POST /api/v1/passports/<passport_id>/move",),
    ),
    _rule(
        "passport.import",
        "Issue a passport moved here from another registry, from its proof bundle",
        ("manufacturer", "remanufacturer"),
        ways=("POST /api/v1/passports/import",),
    ),
    _rule(
        "passport.community",
        "Register an item without a passport (a community passport)",
        ("repairer", "refurbisher"),
        ways=("GET /passports/new/community", "POST /passports/new/community"),
    ),
    *(
        _rule(
            f"event.{name}",
            f"Record {'an' if name[0] in 'aeiou' else 'a'} '{name}' event on a product",
            roles,
            issuer=True,
            ways=_EVENT_WAYS.get(name, (_EVENTS,)),
            note=(
                "only on events it recorded itself"
                if name == "correction"
                else "the registry only through a transfer-code claim"
                if name == "resale"
                else ""
            ),
        )
        for name, roles in EVENT_RECORDERS.items()
    ),
    _rule(
        "transfer.create-code",
        "Create a transfer code to hand an item over",
        ("refurbisher",),
        issuer=True,
        ways=(
            "POST /passports/<passport_id>/transfer-code",
            "POST /api/v1/passports/<passport_id>/transfer-codes",
        ),
        note="a private holder gets the next code when claiming",
    ),
    _rule(
        "transfer.claim",
        "Claim an item with its transfer code (recorded as a resale by the registry)",
        PRINCIPALS,
        ways=("POST /passports/<passport_id>/claim",),
        note="the code is the permission",
    ),
    _rule(
        "read.legitimate-interest",
        "Read the restricted properties of tier 'legitimate-interest'",
        (*_INTEREST, "authority"),
        issuer=True,
        note="and any organisation the issuer granted legitimate interest",
    ),
    _rule(
        "read.authority",
        "Read the restricted properties of tier 'authority'",
        ("authority",),
        issuer=True,
    ),
    _rule("read.issuer", "Read the restricted properties of tier 'issuer'", issuer=True),
    _rule(
        "access-log.read",
        "Read a passport's access log (who read its restricted data)",
        ("authority",),
        issuer=True,
        ways=("GET /api/v1/passports/<passport_id>/access-log",),
    ),
    _rule(
        "grant.manage",
        "Grant an organisation legitimate interest in its own passports, list and revoke grants",
        ROLES,
        ways=(
            "GET /api/v1/grants",
            "POST /api/v1/grants",
            "DELETE /api/v1/grants/<grant_id>",
        ),
        note="only its own passports and grants",
    ),
    _rule(
        "key.manage",
        "List, create and revoke its own API keys",
        ROLES,
        ways=("GET /api/v1/keys", "POST /api/v1/keys", "DELETE /api/v1/keys/<prefix>"),
        note="never its last active key",
    ),
    _rule(
        "web.staff",
        "Use the staff pages: start a repair from a scanned code, print labels",
        ROLES,
        ways=("GET /repairs/start", "GET /labels"),
        note="a signed-in user of an organisation",
    ),
)

BY_ACTION: dict[str, Rule] = {r.action: r for r in RULES}

# Routes anyone may call, with or without a key: reads of public data, the resolver, the log,
# signing in, and the forms' pages (their POST is the rule above). Checked by the matrix
# tests like the rest: a new route must land here or in a rule's ``ways``.
OPEN = (
    "GET /",
    "GET /.well-known/did.json",
    "GET /.well-known/gs1resolver",
    "GET /favicon.ico",
    "GET /manifest.webmanifest",
    "GET /offline/<lang>",
    "GET /sw.js",
    "GET /01/<_rest>",
    "GET /8013/<_rest>",
    "GET /api/docs",
    "GET /api/docs/assets/<filename>",
    "GET /api/openapi.json",
    "GET /api/v1/passports",
    # EN 18222: reads (ReadDPPIdsByProductIds is a read by POST); registerDPP answers 501
    "GET /api/v1/dpps/<dpp_id>",
    "GET /api/v1/dpps/<dpp_id>/elements/<element_path>",
    "GET /api/v1/dppsByIdAndDate/<dpp_id>",
    "GET /api/v1/dppsByProductId/<product_id>",
    "POST /api/v1/dppsByProductIds",
    "POST /api/v1/registerDPP",
    "GET /api/v1/passports/<passport_id>",
    "GET /api/v1/passports/<passport_id>/events",
    "GET /api/v1/passports/<passport_id>/events/<seq>/receipt",
    "GET /api/v1/passports/<passport_id>/proof-bundle",
    # the history a passport had at the registry it moved here from (tier as for the bundle)
    "GET /api/v1/passports/<passport_id>/previous-history",
    "GET /api/v1/passports/<passport_id>/qr.<kind>",
    "GET /api/v1/passports/<passport_id>/versions",
    "GET /api/v1/repairs",
    # a suggestion from the shipped fault model: public data in, nothing stored (a read by POST)
    "POST /api/v1/faults/suggest",
    "GET /c/<key>",
    "GET /contexts/<name>",
    "GET /credentials/status/<number>",
    "GET /healthz",
    "GET /readyz",
    "GET /impact",
    "GET /impact/groups/<group>",
    "GET /impact/method",
    "GET /log/v1/checkpoint",
    "GET /log/v1/entries/<index>",
    "GET /log/v1/proof/consistency",
    "GET /log/v1/proof/inclusion",
    "GET /log/v1/receipt/<index>",
    "GET /log/v1/tile/<level>/<rest>",
    # C2SP tlog-witness: the checkpoint's signatures are the permission, not a role
    "POST /log/v1/witness/add-checkpoint",
    # a mirror serves other registries' public documents, read-only (passport.mirrors)
    "GET /mirror/<host>/.well-known/did.json",
    "GET /mirror/<host>/01/<_rest>",
    "GET /mirror/<host>/8013/<_rest>",
    "GET /mirror/<host>/c/<_rest>",
    "GET /mirror/<host>/api/v1/passports/<passport_id>",
    "GET /mirror/<host>/api/v1/passports/<passport_id>/events",
    "GET /mirror/<host>/evidence",
    "GET /mirror/<host>/log/v1/checkpoint",
    "GET /mirror/<host>/orgs/<org_id>/did.json",
    "GET /orgs/<org_id>/did.json",
    "GET /passports/<passport_id>",
    "GET /passports/<passport_id>/claim",
    "GET /passports/<passport_id>/proof",
    "GET /signin",
    "POST /signin",
    "POST /signout",
    "GET /static/<filename>",
)


def may(action: str, role: str | None, *, is_issuer: bool = False) -> bool:
    """Whether an organisation of ``role`` (``None``: nobody) may take ``action``;
    ``is_issuer``: it issued the product the action is on."""
    rule = BY_ACTION[action]
    if role is None:
        return NOBODY in rule.anyone
    if role not in ORGANISATIONS:
        return False
    return role in rule.anyone or (rule.issuer and is_issuer and role != REGISTRY_ROLE)


def roles_for(action: str) -> tuple[str, ...]:
    """The roles that may take ``action`` on anything, in the order of ``PRINCIPALS``."""
    rule = BY_ACTION[action]
    return tuple(p for p in PRINCIPALS if p in rule.anyone)


def _plural(role: str) -> str:
    return role[:-1] + "ies" if role.endswith("y") else role + "s"


def needs(action: str) -> str:
    """Who may take ``action``, in words, for an error message: "the product's issuer and
    repairers", "manufacturers and remanufacturers"."""
    rule = BY_ACTION[action]
    plural = [_plural(p) for p in ROLES if p in rule.anyone]
    listed = " and ".join(filter(None, [", ".join(plural[:-1]), *plural[-1:]]))
    if not rule.issuer:
        return listed or "nobody"
    return "the product's issuer" + (f" and {listed}" if plural else "")


def issuers() -> frozenset[str]:
    """The roles that can issue a passport at all, so be a product's issuer."""
    return BY_ACTION["passport.issue"].anyone | BY_ACTION["passport.community"].anyone


def _cell(rule: Rule, principal: str) -> str:
    if principal in rule.anyone:
        return "yes"
    if rule.issuer and principal in issuers():
        return "own"
    return "—"


def markdown() -> str:
    """docs/PERMISSIONS.md: the table as people read it (``kreislauf permissions --markdown``)."""
    head = ["action", *PRINCIPALS, "routes"]
    lines = [
        "# Who may do what",
        "",
        "<!-- Generated from passport/permissions.py by `kreislauf permissions --markdown "
        "> docs/PERMISSIONS.md`; edit the table there, not this file. -->",
        "",
        "One table decides every permission of the registry: `passport/permissions.py`. "
        "Issuing, versions, community passports, lifecycle events, transfer codes, keys, "
        "grants, the access log and the access tiers all read it, and "
        "`tests/api/test_permission_matrix.py` and `tests/web/test_permission_matrix.py` call "
        "every route of the app as every role below and check the answer and the database "
        "against it.",
        "",
        "**yes**: any organisation of this role, on any product. **own**: only on a product "
        "the organisation issued (the product's issuer, whatever its role; another "
        "manufacturer is refused; only roles that issue passports can be an issuer). "
        "**—**: never. **none** is a caller without an API key or a signed-in user. "
        "**registry** is the registry's own organisation: it has no API keys "
        "and no users, so nothing acts in its name except a holder claiming an item with a "
        "transfer code, which records the resale as the registry.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for rule in RULES:
        ways = "<br>".join(f"`{w}`" for w in rule.ways) or "(every way out of a passport)"
        text = rule.text + (f" ({rule.note})" if rule.note else "")
        cells = [f"**{rule.action}**: {text}", *(_cell(rule, p) for p in PRINCIPALS), ways]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Open to everyone",
        "",
        "These routes read public data or are how one signs in; they need no permission (a "
        "passport's restricted properties show only to the tiers above, "
        "`tests/web/test_tiers_matrix.py`):",
        "",
        *(f"- `{way}`" for way in OPEN),
        "",
    ]
    return "\n".join(lines)
