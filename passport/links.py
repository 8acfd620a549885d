"""What the GS1-conformant resolver says about a passport: links, linksets, Link headers.

Pure functions, no web framework: the resolver views turn these values into responses.

* Link types come only from the GS1 Web Vocabulary v1.16 (``schemas/gs1-linktypes.json``), so
  we never emit the made-up types seen in the wild (``gs1:hasDigitalProductPassport``,
  ``gs1:recyclingInfo``, ``gs1:repairInfo``).
* Linksets are RFC 9264 JSON as GS1 resolvers publish it (the GS1 resolver test suite's
  ``modelLinkset.json``) and validate against the GS1 ``linkset-schema.json``: relation types
  as full ``https://ref.gs1.org/voc/`` IRIs, never CURIEs, which that schema rejects.
* The resolver description (``/.well-known/gs1resolver``) follows the GS1 Resolver Community
  Edition example, keeping only what is true of this registry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import quote, urlsplit

from passport.routes import Routes

__all__ = [
    "GS1_VOC",
    "LINKSET_MEDIA_TYPE",
    "LINK_TYPES",
    "Link",
    "LinkContext",
    "describe_item",
    "link_header",
    "link_type_iri",
    "linkset",
    "mirror_links",
    "parse_link_type",
    "passport_links",
    "resolver_description",
    "version_links",
]

GS1_VOC = "https://ref.gs1.org/voc/"
LINKSET_MEDIA_TYPE = "application/linkset+json"
DEFAULT_LINK = "gs1:defaultLink"
# The whole file stays in the package so a vocabulary release is a file swap; deprecated terms
# are left out here because a resolver should not start emitting what GS1 has retired.
_VOCABULARY: dict[str, Any] = json.loads(
    (files("schemas") / "gs1-linktypes.json").read_text(encoding="utf-8")
)
LINK_TYPES: dict[str, dict[str, Any]] = {
    entry["curie"]: entry
    for entry in _VOCABULARY["linkTypes"].values()
    if entry.get("status") == "stable"
}
# The vocabulary's own comment on the one deprecated term names its successor.
_SUCCESSORS = {"gs1:productSustainabilityInfo": "gs1:sustainabilityInfo"}
# Resolver mechanics rather than information about the product: a passport document naming
# one of these must not steer redirects or delegation.
_RESERVED = frozenset({DEFAULT_LINK, "gs1:defaultLinkMulti", "gs1:handledBy"})
# Older GS1 namespaces stay in circulation (Resolver CE, the EPCIS context, schema.org's
# gs1 equivalents); v1.16 declares them owl:equivalent, so they mean the same term.
_GS1_NAMESPACES = (
    GS1_VOC,
    "http://ref.gs1.org/voc/",
    "https://gs1.org/voc/",
    "http://gs1.org/voc/",
    "https://www.gs1.org/voc/",
    "http://www.gs1.org/voc/",
)
# UNTP's own link-type vocabulary, translated where GS1 has the same meaning: the resolver
# standard forbids link types that duplicate GS1 ones.
_UNTP_LINK_TYPES = {
    "https://test.uncefact.org/vocabulary/linkTypes/dpp": "gs1:dpp",
    "https://test.uncefact.org/vocabulary/linkTypes/dcc": "gs1:certificationInfo",
    "https://test.uncefact.org/vocabulary/linkTypes/dte": "gs1:traceability",
}
# A small fixed table rather than `mimetypes`, whose answers depend on the host's
# /etc/mime.types: the same passport must give the same linkset on every server.
_MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".htm": "text/html",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
}
# The GS1 linkset schema's hreflang and type patterns, tightened to what they mean (its \w
# also admits digits and "_"); checking here turns a schema failure into a clear error.
_HREFLANG = re.compile(r"[A-Za-z]{2}(-[A-Za-z]{2})?")
_MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+")
# Servers commonly cap request/response header lines around 4-8 KB and some proxies lower;
# UNTP 0.7.0 IDR's linkset schema ($id), named as the RFC 9264 ``profile`` of a linkset.
UNTP_LINKSET_PROFILE = "https://untp.unece.org/schema/idr/linkset-schema"
# 2000 characters leaves room for the other headers of a redirect.
MAX_LINK_HEADER = 2000
# IANA-registered relations (RFC 5829) between a passport's versions: RFC 9264 names them by
# their short names, which both GS1's and UNTP 0.7.0's linkset schemas accept as keys.
PREDECESSOR_VERSION = "predecessor-version"
LATEST_VERSION = "latest-version"
SUCCESSOR_VERSION = "successor-version"
# A copy of the passport at a registry that mirrors this one (its backup operator): an RFC 8288
# extension relation, a URI both linkset schemas accept as a key. Not IANA's ``alternate``
# ("a substitute"): an origin may list other formats of the passport that way, and a client must
# tell a copy kept by another operator, which outlives this registry, from those.
MIRROR = "https://kreislauf.eu/rel/mirror"
_AS_THEY_ARE = frozenset({PREDECESSOR_VERSION, LATEST_VERSION, MIRROR})
# ``linkType=all`` is the GS1 Resolver 1.x way to ask for the linkset; ``linkType=linkset`` is
# UNTP 0.7's and ISO/IEC 18975's. ``all`` still answers, deprecated since this day (RFC 9745).
LINK_TYPE_ALL_DEPRECATED = 1796256000  # 2026-12-03T00:00:00Z


@dataclass(frozen=True)
class Link:
    """One typed link: the rel is a GS1 CURIE such as ``gs1:dpp``."""

    rel: str
    href: str
    title: str
    type: str | None = None
    hreflang: tuple[str, ...] = ()
    # The roles that may follow a restricted link (empty: a public link). A linkset marks such
    # a link GS1's ``"public": false``; UNTP IDR's profile also names the roles (``accessRole``).
    access_role: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Callers pass lists from JSON; a tuple keeps the instance hashable and immutable.
        object.__setattr__(self, "hreflang", tuple(self.hreflang))
        object.__setattr__(self, "access_role", tuple(self.access_role))


@dataclass(frozen=True)
class LinkContext:
    """A less granular identifier and its links, e.g. the model above an item passport."""

    anchor: str
    links: tuple[Link, ...] = field(default_factory=tuple)
    item_description: str | None = None


def link_type_iri(rel: str) -> str:
    """``gs1:dpp`` -> ``https://ref.gs1.org/voc/dpp``; ValueError for anything not in v1.16.

    The IANA version relations (``predecessor-version``, ``latest-version``) stay short names,
    and ``MIRROR`` the URI it is."""
    if rel in _AS_THEY_ARE:
        return rel
    entry = LINK_TYPES.get(rel)
    if entry is None:
        hint = f" (use {_SUCCESSORS[rel]})" if rel in _SUCCESSORS else ""
        raise ValueError(f"{rel!r} is not a GS1 Web Vocabulary v1.16 link type{hint}")
    iri: str = entry["uri"]
    return iri


def parse_link_type(value: str) -> str | None:
    """A link type as clients and documents write it -> our CURIE, or None if it is not one.

    Accepts ``gs1:x``, the ``ref.gs1.org`` and legacy ``gs1.org`` IRIs and the UNTP link types
    that have a GS1 equivalent.
    """
    value = value.strip()
    if value in _UNTP_LINK_TYPES:
        return _UNTP_LINK_TYPES[value]
    local = None
    if value.startswith("gs1:"):
        local = value[len("gs1:") :]
    else:
        for namespace in _GS1_NAMESPACES:
            if value.startswith(namespace):
                local = value[len(namespace) :]
                break
    if not local:
        return None
    curie = _SUCCESSORS.get(f"gs1:{local}", f"gs1:{local}")
    return curie if curie in LINK_TYPES else None


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _link_object(link: Link, untp: bool = False) -> dict[str, Any]:
    if not _is_web_url(link.href):
        raise ValueError(f"link target {link.href!r} is not an http(s) URL")
    if not link.title.strip():
        # Conformance 1.2: every link exposed SHALL have a human-readable title.
        raise ValueError(f"the {link.rel} link to {link.href} has no title")
    item: dict[str, Any] = {"href": link.href, "title": link.title}
    if link.type is not None:
        if not _MEDIA_TYPE.fullmatch(link.type):
            raise ValueError(f"{link.type!r} is not a media type")
        item["type"] = link.type
    if link.hreflang:
        bad = [tag for tag in link.hreflang if not _HREFLANG.fullmatch(tag)]
        if bad:
            raise ValueError(f"hreflang {bad} is not a language tag the GS1 linkset allows")
        item["hreflang"] = list(link.hreflang)
    if link.access_role:
        item["public"] = False
        if untp:
            item["accessRole"] = list(link.access_role)
    return item


def _default(links: Sequence[Link], default_rel: str) -> Link | None:
    for link in links:
        if link.rel == default_rel:
            return link
    # Conformance 1.2: the resolver SHALL recognise one default for every request URI.
    return links[0] if links else None


def _context(
    anchor: str,
    links: Sequence[Link],
    default_rel: str,
    item_description: str | None,
    untp: bool = False,
) -> dict[str, Any]:
    if not _is_web_url(anchor):
        raise ValueError(f"linkset anchor {anchor!r} is not an http(s) URL")
    context: dict[str, Any] = {"anchor": anchor}
    if item_description:
        context["itemDescription"] = item_description
    for link in links:
        if link.rel in _RESERVED:
            raise ValueError(f"{link.rel} is set by the resolver, not given as a link")
        context.setdefault(link_type_iri(link.rel), []).append(_link_object(link, untp))
    default = _default(links, default_rel)
    if default is not None:
        context[link_type_iri(DEFAULT_LINK)] = [_link_object(default, untp)]
    return context


def linkset(
    anchor: str,
    links: Sequence[Link],
    *,
    default_rel: str = "gs1:dpp",
    item_description: str | None = None,
    parents: Sequence[LinkContext] = (),
    untp: bool = False,
) -> dict[str, Any]:
    """The RFC 9264 JSON linkset for ``anchor``, shaped like GS1's ``modelLinkset.json``.

    It validates against GS1's linkset schema: a restricted link says ``"public": false``.
    ``untp`` (UNTP IDR's linkset profile, ``UNTP_LINKSET_PROFILE``) adds the roles that may
    follow it as ``accessRole``, which GS1's schema does not allow.

    One context object per identifier: first ``anchor`` itself, then ``parents`` (the batch
    and model above an item), because Conformance 1.2 wants ``linkType=all`` to include the
    links of every level up to the primary key. Each context lists its default again under
    ``gs1:defaultLink``: the first link of ``default_rel``, else its first link.
    """
    link_type_iri(default_rel)  # a typo here would silently fall back to the first link
    contexts = [_context(anchor, links, default_rel, item_description, untp)]
    contexts += [
        _context(p.anchor, p.links, default_rel, p.item_description, untp) for p in parents
    ]
    return {"linkset": contexts}


# RFC 3986 reserved and unreserved characters plus "%": kept as they are, so a URL that is
# already percent-encoded is not encoded twice. Everything else (spaces, non-ASCII, <>") is
# escaped, because an IRI cannot go into an HTTP header verbatim.
_URI_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def _header_title(title: str) -> str:
    # Control characters would let a manufacturer's link name split the header.
    title = re.sub(r"[\x00-\x1f\x7f]+", " ", title).strip()
    if title.isascii():
        return 'title="' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    # RFC 8288 section 3.4.1 / RFC 8187: header values are not UTF-8 safe.
    return "title*=UTF-8''" + quote(title, safe="")


def _header_link(href: str, params: Iterable[str]) -> str:
    return "; ".join([f"<{quote(href, safe=_URI_SAFE)}>", *params])


def link_header(
    links: Sequence[Link],
    linkset_href: str,
    *,
    default_rel: str = "gs1:dpp",
    max_length: int = MAX_LINK_HEADER,
) -> str:
    """The ``Link`` header of a resolver response: the linkset, then the default link.

    The linkset link uses the RFC 9264 relation ``linkset`` and media type
    ``application/linkset+json`` (Resolver CE's ``rel="application/linkset"`` is not a
    relation type). The default link carries both its own link type and ``gs1:defaultLink``
    as full IRIs, since RFC 8288 knows no CURIEs. If the header would exceed ``max_length``
    the default link loses its title, then goes entirely: the linkset has it anyway.
    """
    to_linkset = _header_link(linkset_href, ['rel="linkset"', f'type="{LINKSET_MEDIA_TYPE}"'])
    default = _default(links, default_rel)
    if default is None:
        return to_linkset
    rel = f'rel="{link_type_iri(default.rel)} {link_type_iri(DEFAULT_LINK)}"'
    # Only values that cannot break the header syntax; the linkset still has the rest.
    details = [f'type="{default.type}"'] if _MEDIA_TYPE.fullmatch(default.type or "") else []
    details += [f"hreflang={tag}" for tag in default.hreflang if _HREFLANG.fullmatch(tag)]
    for params in ([rel, *details, _header_title(default.title)], [rel]):
        value = to_linkset + ", " + _header_link(default.href, params)
        if len(value) <= max_length:
            return value
    return to_linkset


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _media_type(href: str) -> str | None:
    path = urlsplit(href).path.lower()
    dot = path.rfind(".")
    return _MEDIA_TYPES.get(path[dot:]) if dot > path.rfind("/") else None


def _from_document(
    link: Any, fallback: str, *, allowed: Iterable[str] | None = None
) -> Link | None:
    """A UNTP ``Link``/``SecureLink`` as a GS1 link; None if a resolver cannot redirect to it.

    The document's ``linkType`` wins when it names a GS1 type in ``allowed`` (any type if
    ``allowed`` is None), otherwise ``fallback``: a recycling page typed with the fake
    ``gs1:recyclingInfo`` still becomes ``gs1:sustainabilityInfo``.
    """
    if not isinstance(link, Mapping):
        return None
    href = _text(link.get("linkURL"))
    # did:, urn: and relative references are valid in the passport but no redirect target.
    if not _is_web_url(href):
        return None
    rel = parse_link_type(_text(link.get("linkType")))
    if rel is None or rel in _RESERVED or (allowed is not None and rel not in allowed):
        rel = fallback
    title = _text(link.get("linkName")) or LINK_TYPES[rel]["title"]
    return Link(rel=rel, href=href, title=title, type=_media_type(href))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def passport_links(
    *,
    uri: str,
    passport_href: str,
    page_href: str,
    events_href: str,
    qr_href: str | None,
    subject: dict[str, Any],
    lang: tuple[str, ...] = ("en", "de"),
    traceability_href: str | None = None,
) -> list[Link]:
    """The links of one passport, ours first (so ``gs1:dpp`` is the default link).

    ``uri`` is the Digital Link URI the passport is published at; ``subject`` the UNTP
    ``ProductPassport`` as served, with anything inherited from the model already merged in
    and anything not public already removed: every link here is public.
    """
    links = [
        Link("gs1:dpp", passport_href, "Digital product passport", "application/ld+json"),
        Link("gs1:pip", page_href, "Product information page", "text/html", tuple(lang)),
        Link("gs1:epcis", events_href, "Lifecycle events (EPCIS)", "application/ld+json"),
    ]
    if traceability_href is not None:
        # GS1 keeps gs1:epcis for an EPCIS target; UNTP's DTE link type maps to traceability.
        title = "Lifecycle events (UNTP Digital Traceability Events)"
        links.append(Link("gs1:traceability", traceability_href, title, "application/ld+json"))
    product = _mapping(subject.get("product"))
    circularity = _mapping(subject.get("circularityScorecard"))
    found = [
        _from_document(
            circularity.get("repairInformation"),
            "gs1:serviceInfo",
            allowed=("gs1:serviceInfo", "gs1:instructions"),
        ),
        _from_document(
            circularity.get("recyclingInformation"),
            "gs1:sustainabilityInfo",
            allowed=("gs1:sustainabilityInfo", "gs1:instructions"),
        ),
        *(_from_document(link, "gs1:pip") for link in _items(product.get("furtherInformation"))),
        *(
            _from_document(
                _mapping(claim).get("conformityEvidence"),
                "gs1:certificationInfo",
                allowed=("gs1:certificationInfo",),
            )
            for claim in _items(subject.get("conformityClaim"))
        ),
    ]
    links += [link for link in found if link is not None]
    if qr_href is not None:
        links.append(
            Link("gs1:relatedImage", qr_href, "QR code (GS1 Digital Link)", _media_type(qr_href))
        )
    seen: set[tuple[str, str]] = set()
    unique = []
    for link in links:
        # A link back to the passport's own URI would make the resolver redirect to itself.
        if link.href.rstrip("/") == uri.rstrip("/") or (link.rel, link.href) in seen:
            continue
        seen.add((link.rel, link.href))
        unique.append(link)
    return unique


def version_links(version_hrefs: Sequence[str], version: int) -> list[Link]:
    """The RFC 5829 links of ``version`` of a passport whose versions' credential URLs are
    ``version_hrefs`` (version 1 first): the previous version's credential
    (``predecessor-version``, none for the first) and the latest one's (``latest-version``)."""
    if not 0 < version <= len(version_hrefs):
        raise ValueError(f"version {version} is not one of 1..{len(version_hrefs)}")
    latest = len(version_hrefs)
    found = []
    if version > 1:
        title = f"Version {version - 1} of this passport (the one before)"
        found.append(
            Link(PREDECESSOR_VERSION, version_hrefs[version - 2], title, "application/ld+json")
        )
    title = f"Version {latest} of this passport (the latest)"
    found.append(Link(LATEST_VERSION, version_hrefs[latest - 1], title, "application/ld+json"))
    return found


def mirror_links(copies: Sequence[tuple[str, str]]) -> list[Link]:
    """One ``MIRROR`` link per (mirror host, URL of the passport's copy there)."""
    title = "Copy of this passport at {}, a registry that mirrors this one"
    return [Link(MIRROR, href, title.format(host), "application/ld+json") for host, href in copies]


def describe_item(subject: Mapping[str, Any]) -> str | None:
    """The ``itemDescription`` of a linkset context, as in ``modelLinkset.json``."""
    product = _mapping(subject.get("product"))
    name = _text(product.get("name"))
    if not name:
        return None
    level = subject.get("granularityLevel")
    parts = [name]
    if level in ("batch", "item") and _text(product.get("batchNumber")):
        parts.append(f"batch {_text(product.get('batchNumber'))}")
    if level == "item" and _text(product.get("serialNumber")):
        parts.append(f"serial number {_text(product.get('serialNumber'))}")
    return ", ".join(parts)


def resolver_description(
    base_url: str, *, name: str = "Kreislauf registry", mirrors: Sequence[str] = ()
) -> dict[str, Any]:
    """The ``/.well-known/gs1resolver`` document.

    Keys follow Resolver CE's ``gs1resolver.json``; left out are those that would be untrue
    here (schema.org link types, context values, language-variant redirects, semantic
    interpretation, terms of use and contact we have not got). ``linkTypeDefaultCanBeLinkset``
    is the Resolver 1.x name of CE's ``linkTypeDefaultCanBeAll``: false, because a request
    without ``linkType`` never gets the linkset by default. ``kreislaufMirrors`` (our own key,
    GS1 consumers ignore it) names the registries that mirror this one and where each serves it.
    """
    if not _is_web_url(base_url):
        raise ValueError(f"resolver root {base_url!r} is not an http(s) URL")
    active = {
        curie: {"title": entry["title"], "description": entry["description"], "url": entry["uri"]}
        for curie, entry in sorted(LINK_TYPES.items())
        if curie not in _RESERVED
    }
    host = Routes(base_url).host
    copies = [{"url": m, "prefix": f"{Routes(m).mirrored(host)}/"} for m in mirrors]
    return {
        "name": name,
        "resolverRoot": base_url.rstrip("/"),
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "supportedPrimaryKeys": ["01", "8013"],
        "linkTypeDefaultCanBeLinkset": False,
        # passport.gs1 applies the syntax dictionary's req=/ex= rules to every URI.
        "validatesAIcombinations": True,
        "activeLinkTypes": {"en": active},
    } | ({"kreislaufMirrors": copies} if copies else {})
