"""The language of a passport's texts: ``inLanguage``, a BCP 47 tag (RFC 5646), taken in on
every way a passport is written, stored in canonical case, served in UNTP 0.7.0 and 0.6.1 as
schema.org's ``inLanguage`` (defined in both Kreislauf contexts, so JSON-LD keeps it), and an
organisation's default for the passports it issues without one."""

from __future__ import annotations

from typing import Any

import pytest
import rdflib
from pyld import jsonld

from passport import language_tags, organisations
from passport.accounts import get_organisation
from passport.errors import InvalidDocument
from tests.conftest import BASE_URL
from tests.helpers import passport, published_loader, safe_mode_problems, untp07_errors, untp_errors

SCHEMA_ORG = "https://schema.org/inLanguage"
GOOD = [
    ("de", "de"),
    ("en", "en"),
    ("de-at", "de-AT"),
    ("EN-gb", "en-GB"),
    ("zh-hant-tw", "zh-Hant-TW"),
    ("sr-Latn-RS", "sr-Latn-RS"),
    ("es-419", "es-419"),
    ("de-CH-1996", "de-CH-1996"),
    ("gsw", "gsw"),
    ("en-US-u-ca-gregory", "en-US-u-ca-gregory"),
    ("x-repair", "x-repair"),
    ("i-klingon", "i-klingon"),
]
BAD = [
    "german",  # a word, not an ISO 639 code: 4 to 8 letters are never a registered language
    "Deutsch",
    "en_US",  # POSIX, not BCP 47
    "de-",
    "-de",
    "d",
    "de-DE-",
    "de--DE",
    "123",
    "en-US-1996-1996",  # a variant twice
    "en-a-bb-a-cc",  # a singleton twice
    "en-x",  # private use needs a subtag
    "x-kreislauf",  # of at most 8 characters
    "dé",
    "de DE",
    "",
    "de-" + "a" * 70,
]


def post(client: Any, org: Any, body: Any, path: str = "/api/v1/passports") -> Any:
    return client.post(path, json=body, headers=org.headers)


def served(client: Any, pid: str, untp: str, **query: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/passports/{pid}", query_string={"untp": untp, **query})
    assert response.status_code == 200
    document: dict[str, Any] = response.json
    return document


@pytest.mark.parametrize(("sent", "stored"), GOOD)
def test_a_well_formed_tag_is_stored_in_canonical_case(client, maker, sent, stored):
    created = post(client, maker, passport(inLanguage=sent))
    assert created.status_code == 201, created.json
    doc = served(client, created.json["id"], "0.6.1")
    assert doc["credentialSubject"]["inLanguage"] == stored
    assert language_tags.well_formed(stored) and language_tags.canonical_case(stored) == stored


@pytest.mark.parametrize("sent", [*BAD, 42, None, ["de"], {"de": True}])
def test_a_malformed_tag_is_a_422_naming_the_field_and_the_rule(client, maker, sent):
    response = post(client, maker, passport(inLanguage=sent))
    assert response.status_code == 422, sent
    errors = response.json["errors"]
    assert [e["pointer"] for e in errors] == ["/inLanguage"], errors
    if isinstance(sent, str) and len(sent) <= language_tags.MAX_LENGTH:
        assert "BCP 47 language tag (RFC 5646)" in errors[0]["message"], errors
        assert "'inLanguage'" in errors[0]["message"]


def test_the_batch_names_the_item_with_a_bad_tag(client, maker):
    bodies = [passport(serial=str(n), inLanguage=tag) for n, tag in enumerate(("de", "german"))]
    response = post(client, maker, bodies, "/api/v1/passports/batch")
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["/1/inLanguage"]
    bodies[1]["inLanguage"] = "en-gb"
    created = post(client, maker, bodies, "/api/v1/passports/batch")
    assert created.status_code == 201
    ids = [p["id"] for p in created.json["passports"]]
    languages = [served(client, pid, "0.6.1")["credentialSubject"]["inLanguage"] for pid in ids]
    assert languages == ["de", "en-GB"]


def test_a_new_version_may_set_change_or_drop_the_language(client, maker):
    pid = post(client, maker, passport()).json["id"]
    assert "inLanguage" not in served(client, pid, "0.6.1")["credentialSubject"]
    path = f"/api/v1/passports/{pid}"
    bad = client.put(path, json=passport(inLanguage="de_DE"), headers=maker.headers)
    assert bad.status_code == 422 and bad.json["errors"][0]["pointer"] == "/inLanguage"
    assert (
        client.put(path, json=passport(inLanguage="DE"), headers=maker.headers).status_code == 200
    )
    assert served(client, pid, "0.6.1")["credentialSubject"]["inLanguage"] == "de"
    assert client.put(path, json=passport(), headers=maker.headers).status_code == 200
    assert "inLanguage" not in served(client, pid, "0.6.1")["credentialSubject"]
    old = served(client, pid, "0.6.1", version=2)
    assert old["credentialSubject"]["inLanguage"] == "de"  # every version keeps its own


def _expanded_languages(document: dict[str, Any], client: Any) -> list[str]:
    def own(url: str) -> dict[str, Any]:
        context: dict[str, Any] = client.get(url.removeprefix(BASE_URL)).json
        return context

    loader = published_loader(own)
    assert safe_mode_problems(document, loader) == []
    expanded = jsonld.expand(document, {"documentLoader": loader})
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.extend(v["@value"] for v in node.get(SCHEMA_ORG, []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(expanded)
    return found


def test_both_untp_versions_serve_it_as_schema_org_in_language(client, maker):
    pid = post(client, maker, passport(inLanguage="de-AT")).json["id"]

    v07 = served(client, pid, "0.7.0")
    assert v07["credentialSubject"]["inLanguage"] == "de-AT"  # on the Product
    assert untp07_errors(v07) == []
    assert _expanded_languages(v07, client) == ["de-AT"]

    v061 = served(client, pid, "0.6.1")
    assert v061["credentialSubject"]["inLanguage"] == "de-AT"  # on the ProductPassport
    assert untp_errors(v061) == []
    assert _expanded_languages(v061, client) == ["de-AT"]

    for untp in ("0.7.0", "0.6.1"):
        turtle = client.get(
            f"/api/v1/passports/{pid}", query_string={"format": "ttl", "untp": untp}
        )
        graph = rdflib.Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
        assert [str(o) for o in graph.objects(None, rdflib.URIRef(SCHEMA_ORG))] == ["de-AT"]


def test_a_070_body_carries_it_on_the_product(client, maker):
    pid = post(client, maker, passport(inLanguage="en")).json["id"]
    v07 = served(client, pid, "0.7.0")["credentialSubject"]
    body = {k: v for k, v in v07.items() if k != "id"} | {"inLanguage": "de-ch"}
    body["itemNumber"] = "54321"
    body["id"] = v07["id"].replace("/21/12345", "/21/54321")
    created = post(client, maker, body)
    assert created.status_code == 201, created.json
    again = served(client, created.json["id"], "0.7.0")["credentialSubject"]
    assert again["inLanguage"] == "de-CH"
    assert "untp070" not in served(client, created.json["id"], "0.6.1")["credentialSubject"]
    body["inLanguage"] = "Schwyzerdütsch"
    refused = post(client, maker, body)
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.json["errors"]] == ["/inLanguage"]


def test_an_item_without_a_language_inherits_its_model_s(client, maker):
    assert post(client, maker, passport("model", serial=None, inLanguage="de")).status_code == 201
    item = post(client, maker, passport()).json["id"]
    doc = served(client, item, "0.6.1")
    assert doc["credentialSubject"]["inLanguage"] == "de"
    assert "inLanguage" in doc["inheritedProperties"]
    own = post(client, maker, passport(serial="2", inLanguage="en")).json["id"]
    assert served(client, own, "0.6.1")["credentialSubject"]["inLanguage"] == "en"


def test_an_organisation_s_language_fills_its_passports_that_name_none(client, session, maker):
    org = get_organisation(session, maker.id)
    organisations.set_language(org, "DE-de")
    session.commit()
    assert org.language == "de-DE"

    plain = post(client, maker, passport(serial="1")).json["id"]
    own = post(client, maker, passport(serial="2", inLanguage="en")).json["id"]
    assert served(client, plain, "0.6.1")["credentialSubject"]["inLanguage"] == "de-DE"
    assert served(client, own, "0.6.1")["credentialSubject"]["inLanguage"] == "en"

    organisations.set_language(org, None)
    session.commit()
    assert served(client, plain, "0.6.1")["credentialSubject"]["inLanguage"] == "de-DE"  # kept
    later = post(client, maker, passport(serial="3")).json["id"]
    assert "inLanguage" not in served(client, later, "0.6.1")["credentialSubject"]

    with pytest.raises(InvalidDocument) as refused:
        organisations.set_language(org, "german")
    assert refused.value.errors[0].pointer == "/language"
    assert "RFC 5646" in refused.value.errors[0].message


def test_the_en18222_api_creates_and_patches_it(client, maker):
    body = {"credentialSubject": passport(inLanguage="de")}
    created = client.post("/api/v1/dpps?untp=0.6.1", json=body, headers=maker.headers)
    assert created.status_code == 201, created.json
    dpp = f"/api/v1/dpps/{created.json['digitalProductPassportId']}"
    assert client.get(dpp).json["credentialSubject"]["inLanguage"] == "de"

    patch = {"credentialSubject": {"inLanguage": "en-gb"}}  # of the served (0.7.0) Product
    patched = client.patch(dpp, json=patch, headers=maker.headers)
    assert patched.status_code == 200, patched.json
    assert client.get(dpp).json["credentialSubject"]["inLanguage"] == "en-GB"

    bad = {"credentialSubject": {"inLanguage": "english"}}
    refused = client.patch(dpp, json=bad, headers=maker.headers)
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.json["errors"]] == ["/credentialSubject/inLanguage"]
