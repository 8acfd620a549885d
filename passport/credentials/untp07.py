"""UNTP 0.7.0, mapped once: the stored passport (UNTP 0.6.1 shape) served as a 0.7.0
``DigitalProductPassport`` (``to_v07``), and a 0.7.0 request body taken in as the stored shape
(``incoming``). The 0.7.0 JSON Schema is the source of truth (the official migration guide
restates no field); the mapping:

============================================  ===============================================
stored (0.6.1 ``ProductPassport``)            served (0.7.0, ``credentialSubject`` = Product)
============================================  ===============================================
``granularityLevel``                          ``idGranularity``
``product.serialNumber``                      ``itemNumber``
``product.producedByParty``                   ``relatedParty[{role: manufacturer, party}]``
``product.furtherInformation``                ``relatedDocument``
``product.countryOfProduction`` (code)        ``countryOfProduction.countryCode``
``materialsProvenance``                       ``materialProvenance`` (the rest: ``partial…``)
``conformityClaim``, the three scorecards     ``performanceClaim[]``
``product.registeredId``                      dropped: the GTIN is in ``id`` (Digital Link)
``inLanguage`` (the passport's)               ``inLanguage`` (the Product's: the same texts)
============================================  ===============================================

What the 0.6.1 shape cannot say of a 0.7.0 body (``V061_LACKS``: a model number, packaging,
labels, claims in 0.7.0's own terms, other parties...) is stored beside it as sent
(``passport.credentials.as_sent``) and served in 0.7.0, so a 0.7.0 body round-trips.

0.7.0 requires facts a 0.6.1 passport may not state (``producedAtFacility``,
``countryOfProduction``, a claim's ``claimDate``): the registry says "not declared" with
``UNDECLARED`` (facility), ``ZZ`` (ISO 3166 "unknown") and the version's date of issue.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from passport.contexts import UNTP_07
from passport.documents import V07_PRODUCT_SCHEMA, validate_with
from passport.errors import FieldError, InvalidDocument

V061 = "0.6.1"
V070 = "0.7.0"
VERSIONS = (V070, V061)
DEFAULT = V070
UNTP_CONTEXT = UNTP_07
# The profile URIs of the media type parameter: each version's UNTP context URL.
PROFILES = {UNTP_CONTEXT: V070, "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/": V061}
UNDECLARED = "https://w3id.org/kreislauf#undeclared"
TOPICS = "https://test.uncefact.org/vocabulary/untp/core/0/conformityTopicCode#"
METRICS = "https://w3id.org/kreislauf#"

# 0.6.1 name -> its 0.7.0 name, in a 0.7.0 Product (the body) and on the 0.6.1 passport.
RENAMED = {
    "serialNumber": "itemNumber",
    "producedByParty": "relatedParty",
    "furtherInformation": "relatedDocument",
    "granularityLevel": "idGranularity",
    "materialsProvenance": "materialProvenance",
    "conformityClaim": "performanceClaim",
    "emissionsScorecard": "performanceClaim",
    "circularityScorecard": "performanceClaim",
    "traceabilityInformation": "performanceClaim",
    "product": "credentialSubject (the Product itself)",
}
V07_ONLY = {"itemNumber", "relatedParty", "relatedDocument", "idGranularity", "performanceClaim"}
V07_ONLY |= {"materialProvenance", "modelNumber", "expiryDate", "packaging", "productLabel"}
_SCORECARDS = {
    "emissionsScorecard": "environment.emissions",
    "circularityScorecard": "circularity.content",
}


def version_of(query: str | None, profile: str | None, default: str = DEFAULT) -> str:
    """The UNTP version a reader asks for (``?untp=``, else the media type's ``profile``)."""
    if query:
        if query not in VERSIONS:
            raise InvalidDocument(
                f"Unknown UNTP version {query!r}.",
                [FieldError("untp", f"must be one of {', '.join(VERSIONS)}")],
            )
        return query
    return PROFILES.get((profile or "").strip('"'), default)


# --- out: stored -> 0.7.0 -----------------------------------------------------------------


def to_v07(credential: dict[str, Any], kreislauf_context: str) -> dict[str, Any]:
    """The registry's 0.6.1 credential (already redacted for its reader) as a UNTP 0.7.0 DPP."""
    out = copy.deepcopy(credential)
    subject = out.pop("credentialSubject")
    product = subject.get("product", {})
    name = str(product.get("name", ""))
    out["@context"] = [out["@context"][0], UNTP_CONTEXT, kreislauf_context]
    out["name"] = f"Digital product passport: {name}" if name else "Digital product passport"
    subject_out = _product(subject, product, day=str(out["validFrom"])[:10])
    return {**out, "credentialSubject": subject_out}


def _product(subject: dict[str, Any], product: dict[str, Any], day: str) -> dict[str, Any]:
    p: dict[str, Any] = {"type": ["Product"], "id": product["id"], "name": product.get("name")}
    _copy(product, p, "description")
    _copy(subject, p, "inLanguage")  # the language of the passport's texts: the Product's
    scheme = product.get("idScheme") or {"id": UNDECLARED, "name": "Not declared"}
    p["idScheme"] = {"type": ["IdentifierScheme"], "id": scheme["id"], "name": scheme["name"]}
    _copy(product, p, "batchNumber")
    if "serialNumber" in product:
        p["itemNumber"] = product["serialNumber"]
    p["idGranularity"] = subject.get("granularityLevel", "item")
    if "productImage" in product:
        p["productImage"] = _link(product["productImage"])
    _copy(product, p, "characteristics")
    p["productCategory"] = [_category(c) for c in product.get("productCategory", [])]
    if "furtherInformation" in product:
        p["relatedDocument"] = [_link(link) for link in product["furtherInformation"]]
    if "producedByParty" in product:
        p["relatedParty"] = [{"role": "manufacturer", "party": _party(product["producedByParty"])}]
    facility = product.get("producedAtFacility") or {"id": UNDECLARED, "name": "Not declared"}
    p["producedAtFacility"] = {"type": ["Facility"], **_party(facility, typed=False)}
    _copy(product, p, "productionDate")
    p["countryOfProduction"] = {"countryCode": product.get("countryOfProduction") or "ZZ"}
    if "dimensions" in product:
        p["dimensions"] = _untyped(product["dimensions"])
    materials = subject.get("materialsProvenance", [])
    complete = [_material(m) for m in materials if _complete(m)]
    if complete:
        p["materialProvenance"] = complete
    if len(complete) < len(materials):
        # 0.7.0 requires facts these do not state: kept whole, as kreislauf:partialMaterial…
        p["partialMaterialProvenance"] = [m for m in materials if not _complete(m)]
    claims = [_claim(c, day) for c in subject.get("conformityClaim", [])]
    claims += [_scorecard(name, subject[name], product["id"], day) for name in _present(subject)]
    if claims:
        p["performanceClaim"] = claims
    _copy(subject, p, "battery")
    return p


def _present(subject: dict[str, Any]) -> list[str]:
    return [n for n in _SCORECARDS if n in subject]


def _copy(source: dict[str, Any], target: dict[str, Any], name: str) -> None:
    if name in source:
        target[name] = copy.deepcopy(source[name])


def _untyped(value: Any) -> Any:
    """A value without the 0.6.1 value-object ``type`` arrays 0.7.0 no longer allows."""
    if isinstance(value, dict):
        return {k: _untyped(v) for k, v in value.items() if k != "type"}
    if isinstance(value, list):
        return [_untyped(v) for v in value]
    return value


def _link(link: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: link[k] for k in ("linkURL", "linkName", "linkType") if k in link}
    out.setdefault("linkName", str(link.get("linkURL", "")))
    out.setdefault("linkURL", UNDECLARED)
    return out


def _last(uri: str) -> str:
    return re.split(r"[/#:]", uri.rstrip("/"))[-1]


def _category(c: dict[str, Any]) -> dict[str, Any]:
    scheme = c.get("schemeID") or c["id"].rstrip("/").rsplit("/", 1)[0] + "/"
    out = {"code": c.get("code") or _last(c["id"]), "name": c["name"], "schemeId": scheme}
    return out | {"schemeName": c.get("schemeName") or scheme}


def _party(party: dict[str, Any], typed: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ["Party"]} if typed else {}
    out |= {k: party[k] for k in ("id", "name", "registeredId") if k in party}
    scheme = party.get("idScheme")
    if isinstance(scheme, dict) and "id" in scheme and "name" in scheme:
        out["idScheme"] = {"type": ["IdentifierScheme"], "id": scheme["id"], "name": scheme["name"]}
    return out


def _complete(m: dict[str, Any]) -> bool:
    return all(k in m for k in ("originCountry", "materialType", "massFraction"))


def _material(m: dict[str, Any]) -> dict[str, Any]:
    out = _untyped(m)
    out["originCountry"] = {"countryCode": m["originCountry"]}
    out["materialType"] = _category(m["materialType"])
    return dict(out)


def _topic(code: str) -> dict[str, Any]:
    return {"type": ["ConformityTopic"], "id": TOPICS + code, "name": code}


def _claim(c: dict[str, Any], day: str) -> dict[str, Any]:
    topic = str(c.get("conformityTopic", ""))
    out: dict[str, Any] = {"type": ["Claim"], "id": c["id"], "name": c.get("description", topic)}
    _copy(c, out, "description")
    out["referenceCriteria"] = [
        {"type": ["Criterion"], "id": k["id"], "name": k["name"]}
        for k in c.get("assessmentCriteria", [])
    ]
    for old, new, kind in (
        ("referenceStandard", "referenceStandard", "Standard"),
        ("referenceRegulation", "referenceRegulation", "Regulation"),
    ):
        ref = c.get(old)
        if isinstance(ref, dict) and "id" in ref and "name" in ref:
            out[new] = [{"type": [kind], "id": ref["id"], "name": ref["name"]}]
    out["claimDate"] = c.get("assessmentDate", day)
    performance = [_metric(m, c["id"]) for m in c.get("declaredValue", [])]
    conformant = "conformant" if c.get("conformance") else "nonconformant"
    out["claimedPerformance"] = [*performance, {"score": {"code": conformant}}]
    if "conformityEvidence" in c:
        out["evidence"] = [_link(c["conformityEvidence"])]
    out["conformityTopic"] = [_topic(topic)]
    return out


def _metric(m: dict[str, Any], claim: str) -> dict[str, Any]:
    name = str(m["metricName"])
    metric = {"type": ["PerformanceMetric"], "id": f"{claim}#{_slug(name)}", "name": name}
    out: dict[str, Any] = {"metric": metric, "measure": _untyped(m["metricValue"])}
    if "score" in m:
        out["score"] = {"code": str(m["score"])}
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._~-]+", "-", text).strip("-") or "metric"


def _scorecard(name: str, card: dict[str, Any], product: str, day: str) -> dict[str, Any]:
    """A 0.6.1 scorecard as one 0.7.0 claim: each numeric fact a metric of ours."""
    performance = []
    # In key order: the stored object's own order is the database's (jsonb sorts its keys its
    # own way), and the served list must be the same on SQLite and PostgreSQL.
    for key, value in sorted(card.items()):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            metric = {"type": ["PerformanceMetric"], "id": METRICS + key, "name": key}
            unit = str(card.get("declaredUnit", "")) if key == "carbonFootprint" else "C62"
            measure = {"value": value, "unit": unit or "C62"}
            performance.append({"metric": metric, "measure": measure})
    evidence = [_link(v) for _, v in sorted(card.items()) if isinstance(v, dict) and "linkURL" in v]
    return {
        "type": ["Claim"],
        "id": f"{product}#{name}",
        "name": name,
        "referenceCriteria": [],
        "claimDate": day,
        "claimedPerformance": performance,
        **({"evidence": evidence} if evidence else {}),
        "conformityTopic": [_topic(_SCORECARDS[name])],
        "scorecard": copy.deepcopy(card),  # kreislauf:scorecard, whole: every fact kept
    }


# --- in: a 0.7.0 body -> stored ------------------------------------------------------------

# The stored member holding what the 0.6.1 shape cannot say, as sent (passport.credentials.
# as_sent), and the members it never holds: the product's identity is the registry's to set.
AS_SENT = "untp070"
IDENTITY = frozenset({"id", "itemNumber", "batchNumber", "idGranularity"})
# What the 0.6.1 shape cannot say of a 0.7.0 Product, and why: kept as sent (AS_SENT), served
# in 0.7.0, absent from the 0.6.1 view.
V061_LACKS = {
    "modelNumber": "0.6.1 has no model number; a model passport's GTIN is its identity",
    "expiryDate": "0.6.1 has no expiry date",
    "packaging": "0.6.1 has no packaging",
    "productLabel": "0.6.1 has no product labels",
    "performanceClaim": "0.7.0 claims name conformity topics by URI and performance by "
    "metric; a 0.6.1 claim needs one of its fixed topic codes and a conformance flag: only "
    "claims with one of those topics are in the 0.6.1 view",
    "relatedParty": "0.6.1 names one party, the producer: only the manufacturer (or producer) "
    "is in the 0.6.1 view, with its id, name, registeredId and idScheme",
    "producedAtFacility": "a 0.6.1 Party: id, name, registeredId, idScheme",
    "countryOfProduction/countryName": "a code in 0.6.1",
    "productCategory/*/definition": "0.6.1's Classification has no definition",
    "relatedDocument/*/mediaType, digestMultibase": "0.6.1's Link has neither",
    "materialProvenance/*/symbol": "an Image in 0.7.0, a string in 0.6.1",
}


def is_v07(body: Any) -> bool:
    """Whether a request body is in the 0.7.0 shape (a Product, or a whole credential)."""
    if not isinstance(body, dict):
        return False
    if "credentialSubject" in body:
        return True
    types = body.get("type")
    return (isinstance(types, list) and "Product" in types) or bool(V07_ONLY & body.keys())


def incoming(body: Any) -> Any:
    """A request body as the registry stores it: a 0.6.1 body unchanged, a 0.7.0 Product (or
    credential) mapped, with what the 0.6.1 shape cannot say kept as sent (``AS_SENT``). 422
    for a 0.6.1 name in a 0.7.0 body, or a mix, naming its 0.7.0 name."""
    if not is_v07(body):
        if isinstance(body, dict) and AS_SENT in body:
            raise InvalidDocument(
                f"{AS_SENT} is the registry's: send the passport as a UNTP 0.7.0 Product.",
                [FieldError(f"/{AS_SENT}", "set by the registry from a UNTP 0.7.0 body")],
            )
        return body
    if "credentialSubject" in body:
        subject = body["credentialSubject"]
        if not isinstance(subject, dict):
            raise InvalidDocument(
                "A UNTP 0.7.0 credential's subject is one Product.",
                [FieldError("/credentialSubject", "must be an object (a UNTP 0.7.0 Product)")],
            )
        return _stored(subject, "/credentialSubject")
    return _stored(body, "")


def incoming_all(bodies: list[Any]) -> list[Any]:
    """A batch's bodies, each as ``incoming`` takes it in (pointers name the item)."""
    taken = []
    for index, body in enumerate(bodies):
        try:
            taken.append(incoming(body))
        except InvalidDocument as error:
            errors = [FieldError(f"/{index}{e.pointer}", e.message) for e in error.errors]
            raise InvalidDocument(f"Passport {index}: {error.detail}", errors) from None
    return taken


def _stored(product: dict[str, Any], at: str) -> dict[str, Any]:
    old = [name for name in product if name in RENAMED]
    if old:
        raise InvalidDocument(
            "The body mixes UNTP 0.7.0 and 0.6.1 field names; send one version.",
            [FieldError(f"{at}/{n}", f"UNTP 0.7.0 calls this {RENAMED[n]}") for n in old],
        )
    p = product
    out: dict[str, Any] = {k: copy.deepcopy(p[k]) for k in ("id", "name", "description") if k in p}
    _copy(p, out, "batchNumber")
    if "itemNumber" in p:
        out["serialNumber"] = p["itemNumber"]
    scheme = p.get("idScheme")
    if isinstance(scheme, dict):
        out["idScheme"] = {"type": ["IdentifierScheme"]} | _only(scheme, "id", "name")
    if isinstance(p.get("productImage"), dict):
        out["productImage"] = _only(p["productImage"], "linkURL", "linkName", "linkType")
    _copy(p, out, "characteristics")
    if isinstance(p.get("productCategory"), list):
        out["productCategory"] = [_category_in(c) for c in p["productCategory"]]
    if isinstance(p.get("relatedDocument"), list):
        out["furtherInformation"] = [
            _only(d, "linkURL", "linkName", "linkType") for d in p["relatedDocument"]
        ]
    parties = p.get("relatedParty")  # the schema, below, says what is wrong with a non-list
    makers = [
        r["party"]
        for r in (parties if isinstance(parties, list) else [])
        if isinstance(r, dict) and r.get("role") in ("manufacturer", "producer")
    ]
    if makers:
        out["producedByParty"] = _party_in(makers[0])
    facility = p.get("producedAtFacility")
    if isinstance(facility, dict) and facility.get("id") != UNDECLARED:
        out["producedAtFacility"] = _party_in(facility)
    _copy(p, out, "productionDate")
    country = p.get("countryOfProduction")
    if isinstance(country, dict) and country.get("countryCode") not in (None, "ZZ"):
        out["countryOfProduction"] = country["countryCode"]
    _copy(p, out, "dimensions")
    prefix = ("credentialSubject",) if at else ()
    validate_with(V07_PRODUCT_SCHEMA, p, prefix)  # ours, at least as strict as UNTP's
    stored: dict[str, Any] = {"granularityLevel": p["idGranularity"], "product": out}
    _copy(p, stored, "inLanguage")
    if isinstance(p.get("materialProvenance"), list):
        stored["materialsProvenance"] = [_material_in(m) for m in p["materialProvenance"]]
    _copy(p, stored, "battery")
    claims = [c for c in p.get("performanceClaim") or [] if _ours(c)]
    if claims:
        stored["conformityClaim"] = [_claim_in(c) for c in claims]
    mapped = _product(stored, out, "")
    sent = {k: v for k, v in p.items() if k not in IDENTITY and mapped.get(k) != v}
    return {**stored, AS_SENT: copy.deepcopy(sent)} if sent else stored


def _only(node: Any, *names: str) -> dict[str, Any]:
    return {k: copy.deepcopy(node[k]) for k in names if k in node} if isinstance(node, dict) else {}


def _category_in(c: Any) -> Any:
    if not isinstance(c, dict):
        return c
    scheme, code = str(c.get("schemeId", "")), str(c.get("code", ""))
    out = {"type": ["Classification"], "id": scheme + code if scheme.endswith("/") else scheme}
    return out | _only(c, "code", "name", "schemeName") | {"schemeID": scheme}


def _party_in(party: Any) -> dict[str, Any]:
    out = _only(party, "id", "name", "registeredId")
    if isinstance(party, dict) and isinstance(party.get("idScheme"), dict):
        out["idScheme"] = {"type": ["IdentifierScheme"]} | _only(party["idScheme"], "id", "name")
    return out


def _material_in(m: Any) -> Any:
    if not isinstance(m, dict):
        return m
    out = _only(m, "name", "massFraction", "recycledMassFraction", "hazardous", "mass")
    out |= {"materialSafetyInformation": _link_in(m)} if "materialSafetyInformation" in m else {}
    if isinstance(m.get("originCountry"), dict):
        out["originCountry"] = m["originCountry"].get("countryCode")
    if isinstance(m.get("materialType"), dict):
        out["materialType"] = _category_in(m["materialType"])
    return out


def _link_in(m: dict[str, Any]) -> dict[str, Any]:
    return _only(m["materialSafetyInformation"], "linkURL", "linkName", "linkType")


def _ours(claim: Any) -> bool:
    """A claim whose one topic is a 0.6.1 topic code (as the registry serves them)."""
    topics = claim.get("conformityTopic") if isinstance(claim, dict) else None
    return (
        isinstance(topics, list)
        and len(topics) == 1
        and str(topics[0].get("id", "")).startswith(TOPICS)
        and not str(claim.get("id", "")).endswith(tuple(_SCORECARDS))
    )


def _claim_in(c: dict[str, Any]) -> dict[str, Any]:
    performance = c.get("claimedPerformance") or []
    scores = [x.get("score", {}).get("code") for x in performance if "metric" not in x]
    out: dict[str, Any] = {"type": ["Claim", "Declaration"], "id": c.get("id")}
    _copy(c, out, "description")
    out["conformance"] = "nonconformant" not in scores
    out["conformityTopic"] = str(c["conformityTopic"][0]["id"]).removeprefix(TOPICS)
    if c.get("claimDate"):
        out["assessmentDate"] = c["claimDate"]
    values = [
        {"metricName": x["metric"].get("name"), "metricValue": x["measure"]}
        | ({"score": x["score"]["code"]} if "score" in x else {})
        for x in performance
        if "metric" in x and "measure" in x
    ]
    if values:
        out["declaredValue"] = values
    return out
