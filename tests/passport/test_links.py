"""GS1 resolver content: linksets, Link headers and the resolver description.

Checked against the GS1 artefacts in ``tests/fixtures/standards`` (never against our own copy of the
vocabulary, or a wrong copy would pass its own test).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import Draft7Validator
from jsonschema.validators import validator_for

from passport.links import (
    GS1_VOC,
    LINK_TYPES,
    MIRROR,
    Link,
    LinkContext,
    describe_item,
    link_header,
    link_type_iri,
    linkset,
    mirror_links,
    parse_link_type,
    passport_links,
    resolver_description,
)
from tests.helpers import FIXTURES

RESOLVER = FIXTURES / "standards" / "gs1-resolver"
BASE = "https://registry.example.org"
URI = BASE + "/01/04260123450007/21/KT-000417"
HREFS = {
    "uri": URI,
    "passport_href": BASE + "/api/v1/passports/7",
    "page_href": BASE + "/passports/7",
    "events_href": BASE + "/api/v1/passports/7/events",
}
DEFAULT_LINK = GS1_VOC + "defaultLink"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = _load(RESOLVER / "linkset-schema.json")
    return schema


@cache
def _vocabulary() -> dict[str, dict[str, Any]]:
    """The shared v1.16 link types, keyed by CURIE."""
    terms = _load(FIXTURES / "standards" / "gs1-webvoc" / "gs1-linktypes-v1.16.json")["linkTypes"]
    return {entry["curie"]: entry for entry in terms.values()}


def _errors(document: Any) -> list[str]:
    validator = Draft7Validator(_schema(), format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def _link(url: str, name: str | None = None, kind: str | None = None) -> dict[str, str]:
    link = {"linkURL": url}
    if name is not None:
        link["linkName"] = name
    if kind is not None:
        link["linkType"] = kind
    return link


# A passport with every kind of link source, including the mistakes seen in real documents.
FULL: dict[str, Any] = {
    "type": ["ProductPassport"],
    "granularityLevel": "item",
    "product": {
        "name": "Wasserkocher WK-17",
        "registeredId": "04260123450007",
        "batchNumber": "2025-W06",
        "serialNumber": "KT-000417",
        "furtherInformation": [
            # the namespace itself is no link type
            _link("https://kessel.example/manual.pdf", "Bedienungsanleitung", GS1_VOC[:-1]),
            _link("https://kessel.example/m.pdf", "Manual", "https://gs1.org/voc/instructions"),
            _link("https://kessel.example/safety", "Sicherheit", "gs1:safetyInfo"),
            # UNTP's conformity-credential type has a GS1 equivalent
            _link(
                "https://kessel.example/dcc.json",
                "Conformity credential",
                "https://test.uncefact.org/vocabulary/linkTypes/dcc",
            ),
            _link("https://kessel.example/about", None, "https://example.org/whatever"),
            # resolver mechanics are not the document's to set
            _link("https://kessel.example/elsewhere", "Hijack", "gs1:defaultLink"),
            _link("https://kessel.example/handled", "Hijack", "gs1:handledBy"),
            _link("https://kessel.example/eol", "Deprecated", "gs1:productSustainabilityInfo"),
            # no redirect target: skipped
            _link("did:web:kessel.example", "Issuer"),
            _link("urn:uuid:7d5c1b2e-1111-4e0f-9f1a-2b3c4d5e6f70", "A UUID"),
            _link(URI, "Myself"),
            _link(URI + "/", "Myself with a slash"),
        ],
    },
    "conformityClaim": [
        {
            "description": "EU declaration of conformity",
            "conformityEvidence": {
                "type": ["SecureLink", "Link"],
                "linkURL": "https://kessel.example/declarations/eu-doc.pdf",
                "linkName": "Signed declaration of conformity",
                "hashDigest": "9f2c3b7d1e0a4c6b8d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c",
                "hashMethod": "SHA-256",
                "encryptionMethod": "none",
            },
        },
        {"description": "A claim without evidence"},
    ],
    "circularityScorecard": {
        "repairInformation": _link(
            "https://kessel.example/repair", "Reparaturanleitung", "gs1:instructions"
        ),
        # the fake type of pitfall 8 (and of web/demo.py): still a sustainability link
        "recyclingInformation": _link(
            "https://kessel.example/recycling",
            "Entsorgung",
            "https://ref.gs1.org/voc/recyclingInfo",
        ),
    },
}
MINIMAL: dict[str, Any] = {"granularityLevel": "model", "product": {"name": "K1"}}


def _full_links(qr: bool = True) -> list[Link]:
    qr_href = BASE + "/api/v1/passports/7/qr.svg" if qr else None
    return passport_links(**HREFS, qr_href=qr_href, subject=FULL)


def _untp_subject() -> dict[str, Any]:
    instance = _load(FIXTURES / "standards" / "untp" / "dpp" / "untp-dpp-instance.json")
    subject: dict[str, Any] = instance["credentialSubject"]
    return subject


def _built() -> dict[str, dict[str, Any]]:
    """Every kind of linkset we build, by name."""
    minimal = passport_links(**HREFS, qr_href=None, subject=MINIMAL)
    model = passport_links(
        uri=BASE + "/01/04260123450007",
        passport_href=BASE + "/api/v1/passports/1",
        page_href=BASE + "/passports/1",
        events_href=BASE + "/api/v1/passports/1/events",
        qr_href=BASE + "/api/v1/passports/1/qr.png",
        subject=MINIMAL,
    )
    return {
        "full": linkset(URI, _full_links(), item_description=describe_item(FULL)),
        "minimal": linkset(URI, minimal),
        "untp-instance": linkset(
            URI,
            passport_links(**HREFS, qr_href=None, subject=_untp_subject()),
            item_description=describe_item(_untp_subject()),
        ),
        "item-and-model": linkset(
            URI,
            _full_links(),
            item_description=describe_item(FULL),
            parents=[LinkContext(BASE + "/01/04260123450007", tuple(model), "K1")],
        ),
        "no-links": linkset(URI, []),
    }


# --- the harness ---------------------------------------------------------------------------


def test_the_schema_is_draft_7_and_checks_no_formats() -> None:
    """The format checker is on, but this schema has no ``format``: patterns do all the work."""
    assert validator_for(_schema()) is Draft7Validator
    Draft7Validator.check_schema(_schema())
    assert '"format"' not in json.dumps(_schema())


def test_the_official_model_linkset_validates() -> None:
    assert _errors(_load(RESOLVER / "modelLinkset.json")) == []


def test_the_upstream_anchor_bug_passes_the_schema_too() -> None:
    """Our copy has ``https://id.gs1.org/01/…``; some upstream revisions of the GS1 test suite
    have ``https://id.gs1.org01/…``. The anchor pattern only checks a prefix, so the schema
    cannot tell: our anchors are checked separately below."""
    model = _load(RESOLVER / "modelLinkset.json")
    assert [c["anchor"] for c in model["linkset"]] == [
        "https://id.gs1.org/01/09506000164908",
        "https://id.gs1.org/01/09506000164908/21/1234",
    ]
    for context in model["linkset"]:
        context["anchor"] = context["anchor"].replace("id.gs1.org/", "id.gs1.org")
    assert _errors(model) == []


@pytest.mark.parametrize(
    "mutation",
    [
        lambda c: c.update({"gs1:pip": c.pop(GS1_VOC + "pip")}),  # CURIE key
        lambda c: c[GS1_VOC + "pip"][0].pop("title"),
        lambda c: c[GS1_VOC + "pip"][0].update(hreflang="en"),
        lambda c: c[GS1_VOC + "pip"][0].update(accessRole="Owner"),  # UNTP extra, pitfall 2
    ],
    ids=["curie key", "no title", "hreflang string", "untp extra"],
)
def test_the_schema_rejects_what_it_should(mutation: Any) -> None:
    """Without this, a schema that accepts everything would make every test here vacuous."""
    document = copy.deepcopy(_built()["full"])
    mutation(document["linkset"][0])
    assert _errors(document)


# --- linksets --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(_built()))
def test_every_linkset_we_build_validates(name: str) -> None:
    document = _built()[name]
    assert _errors(document) == []
    assert json.loads(json.dumps(document)) == document
    for context in document["linkset"]:
        parts = urlsplit(context["anchor"])
        assert parts.scheme == "https" and parts.netloc == "registry.example.org"
        assert parts.path.startswith("/01/")


@pytest.mark.parametrize("name", list(_built()))
def test_every_rel_we_emit_is_a_stable_v1_16_link_type(name: str) -> None:
    vocabulary = {entry["uri"]: entry for entry in _vocabulary().values()}
    for context in _built()[name]["linkset"]:
        for key in set(context) - {"anchor", "itemDescription"}:
            assert key in vocabulary, key
            assert vocabulary[key]["status"] == "stable", key


def test_our_copy_of_the_vocabulary_matches_the_shared_one() -> None:
    shared = _vocabulary()
    stable = {curie for curie, entry in shared.items() if entry["status"] == "stable"}
    assert set(LINK_TYPES) == stable and len(stable) == 59
    for curie, entry in LINK_TYPES.items():
        assert entry == shared[curie]
        assert link_type_iri(curie) == GS1_VOC + curie.removeprefix("gs1:") == entry["uri"]


def test_the_linkset_has_the_shape_of_the_model() -> None:
    """Full IRIs as keys, ``itemDescription``, the default repeated last under defaultLink."""
    model = _load(RESOLVER / "modelLinkset.json")["linkset"][0]
    context = _built()["full"]["linkset"][0]
    assert list(context)[:2] == list(model)[:2] == ["anchor", "itemDescription"]
    assert list(context)[-1] == list(model)[-1] == DEFAULT_LINK
    assert context["anchor"] == URI
    assert (
        context["itemDescription"] == "Wasserkocher WK-17, batch 2025-W06, serial number KT-000417"
    )
    assert (
        context[DEFAULT_LINK]
        == context[GS1_VOC + "dpp"]
        == [
            {
                "href": HREFS["passport_href"],
                "title": "Digital product passport",
                "type": "application/ld+json",
            }
        ]
    )
    assert context[GS1_VOC + "pip"][0] == {
        "href": HREFS["page_href"],
        "title": "Product information page",
        "type": "text/html",
        "hreflang": ["en", "de"],
    }
    assert context[GS1_VOC + "epcis"][0]["type"] == "application/ld+json"
    assert not any(key.startswith("gs1:") for key in context)


def test_each_level_keeps_its_own_default() -> None:
    item, model = _built()["item-and-model"]["linkset"]
    assert item[DEFAULT_LINK][0]["href"] == HREFS["passport_href"]
    assert model[DEFAULT_LINK][0]["href"] == BASE + "/api/v1/passports/1"
    assert model["itemDescription"] == "K1"
    assert model[GS1_VOC + "relatedImage"][0]["type"] == "image/png"


def test_without_a_link_of_the_default_rel_the_first_link_is_the_default() -> None:
    page = Link("gs1:pip", "https://kessel.example/p", "Page")
    context = linkset(URI, [page])["linkset"][0]
    assert context[DEFAULT_LINK] == context[GS1_VOC + "pip"]
    assert linkset(URI, [])["linkset"] == [{"anchor": URI}]


def test_the_document_links_map_to_real_types() -> None:
    found = {(link.rel, link.href): link for link in _full_links()}
    expected = {
        ("gs1:dpp", HREFS["passport_href"]),
        ("gs1:pip", HREFS["page_href"]),
        ("gs1:epcis", HREFS["events_href"]),
        # the repair link's own type is honoured when it is one a repair link can have
        ("gs1:instructions", "https://kessel.example/repair"),
        # the fake gs1:recyclingInfo falls back to the real type for recycling
        ("gs1:sustainabilityInfo", "https://kessel.example/recycling"),
        ("gs1:pip", "https://kessel.example/manual.pdf"),  # a namespace is no link type
        ("gs1:instructions", "https://kessel.example/m.pdf"),
        ("gs1:safetyInfo", "https://kessel.example/safety"),
        ("gs1:certificationInfo", "https://kessel.example/dcc.json"),
        ("gs1:pip", "https://kessel.example/about"),
        ("gs1:pip", "https://kessel.example/elsewhere"),
        ("gs1:pip", "https://kessel.example/handled"),
        ("gs1:sustainabilityInfo", "https://kessel.example/eol"),
        ("gs1:certificationInfo", "https://kessel.example/declarations/eu-doc.pdf"),
        ("gs1:relatedImage", BASE + "/api/v1/passports/7/qr.svg"),
    }
    assert set(found) == expected
    assert found[("gs1:instructions", "https://kessel.example/repair")].title == (
        "Reparaturanleitung"
    )
    # no linkName: the vocabulary's title
    assert found[("gs1:pip", "https://kessel.example/about")].title == "Product Information Page"
    assert found[("gs1:pip", "https://kessel.example/manual.pdf")].type == "application/pdf"
    cert = found[("gs1:certificationInfo", "https://kessel.example/declarations/eu-doc.pdf")]
    assert cert.title == "Signed declaration of conformity"
    assert [link.rel for link in _full_links()][:3] == ["gs1:dpp", "gs1:pip", "gs1:epcis"]


def test_repair_and_recycling_default_types() -> None:
    subject = {
        "circularityScorecard": {
            "repairInformation": _link("https://k.example/r", "Repair", "gs1:safetyInfo"),
            "recyclingInformation": _link("https://k.example/e", "Recycling"),
        },
        "conformityClaim": [{"conformityEvidence": _link("https://k.example/c", None, "gs1:pip")}],
    }
    rels = {link.href: link.rel for link in passport_links(**HREFS, qr_href=None, subject=subject)}
    assert rels["https://k.example/r"] == "gs1:serviceInfo"
    assert rels["https://k.example/e"] == "gs1:sustainabilityInfo"
    assert rels["https://k.example/c"] == "gs1:certificationInfo"


def test_duplicate_links_are_listed_once() -> None:
    links = passport_links(**HREFS, qr_href=None, subject=_untp_subject())
    assert len({(link.rel, link.href) for link in links}) == len(links)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gs1:dpp", "gs1:dpp"),
        ("https://ref.gs1.org/voc/serviceInfo", "gs1:serviceInfo"),
        ("http://gs1.org/voc/pip", "gs1:pip"),
        ("https://www.gs1.org/voc/epcis", "gs1:epcis"),
        ("gs1:productSustainabilityInfo", "gs1:sustainabilityInfo"),
        ("gs1:recyclingInfo", None),
        ("gs1:hasDigitalProductPassport", None),
        ("https://ref.gs1.org/voc/", None),
        ("schema:url", None),
        ("", None),
    ],
)
def test_parse_link_type(value: str, expected: str | None) -> None:
    assert parse_link_type(value) == expected


@pytest.mark.parametrize(
    "rel",
    [
        "gs1:hasDigitalProductPassport",
        "gs1:recyclingInfo",
        "gs1:repairInfo",
        "gs1:productSustainabilityInfo",  # deprecated in v1.16
        "https://ref.gs1.org/voc/dpp",  # an IRI, not the CURIE
        "dpp",
        "untp:dpp",
    ],
)
def test_link_type_iri_rejects_what_is_not_a_v1_16_type(rel: str) -> None:
    with pytest.raises(ValueError, match="not a GS1 Web Vocabulary v1.16 link type"):
        link_type_iri(rel)


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (Link("gs1:recyclingInfo", "https://k.example/r", "R"), "not a GS1 Web Vocabulary"),
        (Link("gs1:pip", "did:web:k.example", "Issuer"), "not an http"),
        (Link("gs1:pip", "/relative", "Relative"), "not an http"),
        (Link("gs1:pip", "https://k.example/p", "  "), "no title"),
        (Link("gs1:pip", "https://k.example/p", "P", hreflang=("english",)), "hreflang"),
        (Link("gs1:pip", "https://k.example/p", "P", type="html"), "not a media type"),
        (Link("gs1:defaultLink", "https://k.example/p", "P"), "set by the resolver"),
    ],
)
def test_linkset_refuses_links_that_would_make_it_invalid(link: Link, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        linkset(URI, [link])


def test_linkset_refuses_a_bad_anchor_or_default_rel() -> None:
    with pytest.raises(ValueError, match="anchor"):
        linkset("urn:example:1", [])
    with pytest.raises(ValueError, match="v1.16"):
        linkset(URI, [], default_rel="gs1:passport")


# --- the Link header -------------------------------------------------------------------------

_LINK_VALUE = re.compile(r"\s*<([^>]*)>\s*")
_PARAM = re.compile(r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;,"]+)\s*')


def parse_link_header(value: str) -> list[tuple[str, dict[str, list[str]]]]:
    """A minimal RFC 8288 parser: ``<uri>; name=token|"quoted"; …`` separated by commas."""
    links = []
    position = 0
    while position < len(value):
        match = _LINK_VALUE.match(value, position)
        assert match, f"no <uri> at {position}: {value[position:]!r}"
        target, position = match.group(1), match.end()
        params: dict[str, list[str]] = {}
        while (param := _PARAM.match(value, position)) is not None:
            raw = param.group(2)
            if raw.startswith('"'):
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            params.setdefault(param.group(1).lower(), []).append(raw)
            position = param.end()
        assert position == len(value) or value[position] == ",", value[position:]
        position += 1
        links.append((target, params))
    return links


def _title(params: dict[str, list[str]]) -> str:
    if "title*" in params:
        charset, _, encoded = params["title*"][0].split("'", 2)
        assert charset == "UTF-8"
        return unquote(encoded, encoding="utf-8")
    return params["title"][0]


LINKSET_HREF = URI + "?linkType=linkset"


def test_link_header_points_to_the_linkset_and_the_default() -> None:
    value = link_header(_full_links(), LINKSET_HREF)
    assert value.isascii() and "\n" not in value and len(value) < 2000
    (to_linkset, to_default) = parse_link_header(value)
    assert to_linkset == (
        LINKSET_HREF,
        {"rel": ["linkset"], "type": ["application/linkset+json"]},
    )
    href, params = to_default
    assert href == HREFS["passport_href"]
    assert params["rel"][0].split() == [GS1_VOC + "dpp", DEFAULT_LINK]
    assert params["type"] == ["application/ld+json"]
    assert _title(params) == "Digital product passport"
    assert "application/linkset" not in [r for p in (to_linkset[1], params) for r in p["rel"]]


def test_link_header_default_follows_default_rel_and_keeps_languages() -> None:
    (_, (href, params)) = parse_link_header(
        link_header(_full_links(), LINKSET_HREF, default_rel="gs1:pip")
    )
    assert href == HREFS["page_href"]
    assert params["hreflang"] == ["en", "de"]
    assert params["rel"][0].split() == [GS1_VOC + "pip", DEFAULT_LINK]


def test_link_header_quotes_and_encodes_what_a_header_cannot_carry() -> None:
    links = [
        Link("gs1:dpp", "https://k.example/pässe/1 2", 'Say "hi" \\ now\r\nX-Evil: 1'),
    ]
    value = link_header(links, LINKSET_HREF)
    assert value.isascii() and "\r" not in value and "\n" not in value
    (_, (href, params)) = parse_link_header(value)
    assert href == "https://k.example/p%C3%A4sse/1%202"
    assert _title(params) == 'Say "hi" \\ now X-Evil: 1'
    (_, (_, params)) = parse_link_header(
        link_header([Link("gs1:dpp", "https://k.example/1", "Größe €")], LINKSET_HREF)
    )
    assert "title" not in params and _title(params) == "Größe €"


def test_link_header_stays_short() -> None:
    long_title = [Link("gs1:dpp", "https://k.example/1", "T" * 3000)]
    (_, (_, params)) = parse_link_header(link_header(long_title, LINKSET_HREF))
    assert "title" not in params and params["rel"]
    long_href = [Link("gs1:dpp", "https://k.example/" + "x" * 3000, "T")]
    value = link_header(long_href, LINKSET_HREF)
    assert parse_link_header(value) == [
        (LINKSET_HREF, {"rel": ["linkset"], "type": ["application/linkset+json"]})
    ]
    assert link_header([], LINKSET_HREF) == value


# --- the resolver description ---------------------------------------------------------------


def test_resolver_description() -> None:
    example = _load(RESOLVER / "gs1resolver.json")
    ours = resolver_description(BASE + "/")
    # the Resolver 1.x name of the example's linkTypeDefaultCanBeAll
    assert set(ours) - set(example) == {"linkTypeDefaultCanBeLinkset"}
    assert {
        "name",
        "resolverRoot",
        "supportedLinkType",
        "supportedPrimaryKeys",
        "activeLinkTypes",
    } <= set(ours)
    assert ours["resolverRoot"] == BASE == resolver_description(BASE)["resolverRoot"]
    assert ours["name"] == "Kreislauf registry"
    assert resolver_description(BASE, name="Other")["name"] == "Other"
    assert ours["supportedPrimaryKeys"] == ["01", "8013"]
    assert ours["supportedLinkType"] == [{"namespace": GS1_VOC, "prefix": "gs1:"}]
    assert ours["linkTypeDefaultCanBeLinkset"] is False
    shape = next(iter(example["activeLinkTypes"]["en"].values()))
    active = ours["activeLinkTypes"]["en"]
    for curie, entry in active.items():
        assert set(entry) == set(shape) == {"title", "description", "url"}
        assert entry["title"] == _vocabulary()[curie]["title"]
        assert entry["url"] == _vocabulary()[curie]["uri"]
    emitted = {link.rel for link in _full_links()}
    assert emitted <= set(active)
    assert "gs1:defaultLink" not in active and "gs1:handledBy" not in active
    json.dumps(ours)


def test_resolver_description_needs_a_web_root() -> None:
    with pytest.raises(ValueError, match="resolver root"):
        resolver_description("registry.example.org")


def test_version_links_name_the_previous_and_the_latest_version() -> None:
    from passport.links import linkset, version_links

    hrefs = [f"https://registry.example.org/api/v1/passports/p?version={n}" for n in (1, 2, 3)]
    assert [(k.rel, k.href) for k in version_links(hrefs, 1)] == [("latest-version", hrefs[2])]
    assert [(k.rel, k.href) for k in version_links(hrefs, 3)] == [
        ("predecessor-version", hrefs[1]),
        ("latest-version", hrefs[2]),
    ]
    with pytest.raises(ValueError):
        version_links(hrefs, 4)
    anchor = "https://id.gs1.org/01/09520123456788/21/1"
    context = linkset(anchor, version_links(hrefs, 2))["linkset"][0]
    assert context["predecessor-version"][0]["href"] == hrefs[0]  # IANA short names as keys


# --- the registries that mirror this one -----------------------------------------------------


def test_mirror_links_validate_and_are_never_the_default() -> None:
    copies = mirror_links([("backup.example.net", "https://backup.example.net/mirror/x/p/1")])
    assert copies == [
        Link(
            MIRROR,
            "https://backup.example.net/mirror/x/p/1",
            "Copy of this passport at backup.example.net, a registry that mirrors this one",
            "application/ld+json",
        )
    ]
    assert link_type_iri(MIRROR) == MIRROR == "https://kreislauf.eu/rel/mirror"
    dpp = Link("gs1:dpp", BASE + "/api/v1/passports/1", "Passport", "application/ld+json")
    document = linkset(URI, [*copies, dpp])
    assert _errors(document) == []
    [context] = document["linkset"]
    assert context[DEFAULT_LINK][0]["href"] == dpp.href  # the passport, not a copy
    assert context[MIRROR][0]["href"] == copies[0].href


def test_the_resolver_description_names_the_mirrors_in_one_key_of_its_own() -> None:
    plain = resolver_description(BASE)
    named = resolver_description(BASE, mirrors=("https://backup.example.net",))
    assert set(named) - set(plain) == {"kreislaufMirrors"}
    assert named["kreislaufMirrors"] == [
        {
            "url": "https://backup.example.net",
            "prefix": "https://backup.example.net/mirror/registry.example.org/",
        }
    ]
