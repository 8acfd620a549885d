"""The GS1 resolver: content negotiation, linksets, fallbacks, errors."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators

from passport.config import Settings
from tests.conftest import BASE_URL
from tests.helpers import CIRCULARITY, FIXTURES, GTIN, passport, untp_errors


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


ITEM = f"/01/{GTIN}/21/12345"


@cache
def linkset_validator() -> Any:
    schema = json.loads((FIXTURES / "standards/gs1-resolver/linkset-schema.json").read_text())
    cls = validators.validator_for(schema, default=Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def issue(client: Any, org: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/passports", json=body, headers=org.headers)
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def test_browsers_are_sent_to_the_product_page(client, maker):
    created = issue(client, maker, passport("item"))
    response = client.get(ITEM + "?lang=de", headers={"Accept": "text/html"})
    assert response.status_code == 307
    assert response.headers["Location"].endswith(f"/passports/{created['id']}?lang=de")
    assert 'rel="linkset"' in response.headers["Link"]
    assert "application/linkset+json" in response.headers["Link"]


def test_json_ld_clients_get_the_passport(client, maker):
    issue(client, maker, passport("item"))
    response = client.get(ITEM, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert untp_errors(response.json) == []
    assert response.json["credentialSubject"]["product"]["id"] == BASE_URL + ITEM


def test_linkset_by_accept_or_link_type_validates(client, maker):
    issue(client, maker, passport("item", circularityScorecard=CIRCULARITY))
    by_accept = client.get(ITEM, headers={"Accept": "application/linkset+json"})
    by_param = client.get(ITEM + "?linkType=linkset")
    for response in (by_accept, by_param):
        assert response.status_code == 200 and response.mimetype == "application/linkset+json"
        assert list(linkset_validator().iter_errors(response.json)) == []
    linkset = by_param.json["linkset"][0]
    assert linkset["anchor"] == BASE_URL + ITEM
    assert "https://ref.gs1.org/voc/dpp" in linkset
    assert "https://ref.gs1.org/voc/epcis" in linkset
    assert "https://ref.gs1.org/voc/serviceInfo" in linkset


def test_link_type_redirects_to_that_link(client, maker):
    created = issue(client, maker, passport("item"))
    response = client.get(ITEM + "?linkType=gs1:dpp")
    assert response.status_code == 307
    assert response.headers["Location"].endswith(f"/api/v1/passports/{created['id']}")
    epcis = client.get(ITEM + "?linkType=gs1:epcis")
    assert epcis.status_code == 307 and "/events" in epcis.headers["Location"]
    assert client.get(ITEM + "?linkType=gs1:nothing").status_code == 404


def test_an_item_without_a_passport_resolves_up_to_batch_then_model(client, maker):
    model = issue(client, maker, passport("model", serial=None))
    response = client.get(
        f"/01/{GTIN}/10/B1/21/NOPASSPORT", headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200
    assert response.json["credentialSubject"]["product"]["id"] == model["uri"]
    batch = issue(client, maker, passport("batch", lot="B1", serial=None))
    response = client.get(
        f"/01/{GTIN}/10/B1/21/NOPASSPORT", headers={"Accept": "application/ld+json"}
    )
    assert response.json["credentialSubject"]["product"]["id"] == batch["uri"]


def test_trailing_slash_head_options_and_cors(client, maker):
    issue(client, maker, passport("item"))
    slash = client.get(ITEM + "/", headers={"Accept": "application/ld+json"})
    assert slash.status_code == 200
    assert slash.headers["Access-Control-Allow-Origin"] == "*"
    head = client.head(ITEM, headers={"Accept": "application/ld+json"})
    assert head.status_code == 200 and head.get_data() == b""
    options = client.options(ITEM)
    assert options.status_code == 204
    assert "GET" in options.headers["Access-Control-Allow-Methods"]


def test_malformed_and_unknown_paths(client, maker):
    bad_digit = client.get("/01/09520123456789/21/1", headers={"Accept": "application/json"})
    assert bad_digit.status_code == 400 and "check digit" in bad_digit.json["detail"]
    unknown = client.get(f"/01/{GTIN}/21/NOBODY", headers={"Accept": "application/json"})
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    page = client.get(f"/01/{GTIN}/21/NOBODY", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<html" in page.get_data(as_text=True)
    garbage = client.get("/01/notagtin", headers={"Accept": "text/html"})
    assert garbage.status_code == 400 and garbage.mimetype == "text/html"


def test_a_lot_with_a_slash_resolves(client, maker):
    body = passport("batch", lot="A/B", serial=None, via_uri=False)
    created = issue(client, maker, body)
    assert created["uri"].endswith(f"/01/{GTIN}/10/A%2FB")
    response = client.get(f"/01/{GTIN}/10/A%2FB", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.json["credentialSubject"]["product"]["batchNumber"] == "A/B"


def test_well_known_resolver_description(client):
    response = client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    assert response.json["resolverRoot"].rstrip("/") == BASE_URL


# --- strict GS1 Digital Link syntax (issue 8, point 6) -------------------------------------

GMN = "1987654Ad4X4bL5ttr2310c2K"
ENGINE_VECTORS = json.loads(
    (FIXTURES / "standards/gs1-digital-link/gs1-syntax-engine-vectors.json").read_text("utf-8")
)["uri_vectors"]

# URIs GS1's syntax engine rejects, each with the rule the 400 must name. The item passport at
# ITEM exists, so a 400 here is the syntax check, never a missing product.
INVALID = [
    # key qualifiers of the path's primary key belong in the path, not in the query string
    (f"/01/{GTIN}/10/L1?22=A", "AI 22 (CPV) is a key qualifier of AI 01 (GTIN) and must be in"),
    (ITEM + "?22=A", "AI 22 (CPV) is a key qualifier of AI 01 (GTIN) and must be in the path"),
    (ITEM + "?10=L1", "AI 10 (batch/lot) is a key qualifier of AI 01 (GTIN) and must be in"),
    # the same AI twice, path and query
    (ITEM + f"?01={GTIN}", "duplicate AI 01"),
    (ITEM + "?21=12345", "duplicate AI 21"),
    (ITEM + "?17=261231&17=261231", "duplicate AI 17"),
    (f"/01/{GTIN}/10/A/10/B", "duplicate AI 10"),
    # numeric query keys must be AIs of the syntax dictionary; an AI must be a data attribute
    (ITEM + "?999=1", "unknown AI 999 in the query string"),
    (ITEM + "?89=X", "unknown AI 89 in the query string"),
    (ITEM + "?7040=1ABC", "AI 7040 (UIC+EXT) is not allowed as a data attribute"),
    (ITEM + "?=1", "has a value but no name"),
    # AI formats and linters: dates, lengths, character sets, check digits
    (ITEM + "?17=261399", "AI 17 (USE BY or EXPIRY) value 261399 has an impossible date"),
    (ITEM + "?17=2612", "AI 17 (USE BY or EXPIRY) must be 6 digits: got 4 characters"),
    (ITEM + "?4321=2", "AI 4321 (DANGEROUS GOODS) value 2 must be 0 (no) or 1 (yes)"),
    (ITEM + "?8030=AB~C", "AI 8030 (DIGSIG) must be 1 to 90 characters from GS1 character set 64"),
    (ITEM + f"?00={GTIN}1234", "AI 00 (SSCC) value 095201234567881234 fails its check digit"),
    (ITEM + "?422=999", "'999' is not an ISO 3166-1 numeric country code"),
    # invalid AI pairs (ex=) and missing mandatory associations (req=)
    (ITEM + "?37=5", "AI 01 (GTIN) cannot be combined with AI 37 (COUNT)"),
    (ITEM + f"?02={GTIN}", "AI 02 (CONTENT) cannot be combined with AI 01 (GTIN)"),
    (ITEM + "?3103=000189&3102=000189", "cannot be combined with AI 3102"),
    (f"/01/{GTIN}?250=X", "AI 250 (SECONDARY SERIAL) requires AI 01 with 21"),
    (ITEM + "?4321=1", "AI 4321 (DANGEROUS GOODS) requires AI 00"),
    (ITEM + "?3925=12599", "AI 3925 (PRICE) requires AI 01 with 30"),
    (f"/01/{GTIN}?8030=ABC", "AI 8030 (DIGSIG) requires AI 00, 01 with 21"),
    (f"/8013/{GMN}?10=L1", "AI 10 (batch/lot) requires AI 01"),
    # percent-decoding and characters
    (ITEM + "?98=A+B", "decodes as a space"),
    (ITEM + "?98=50%ZZ", "malformed percent-escape '%ZZ'"),
    (ITEM + "?98=A%00B", "NUL"),
    (f"/01/{GTIN}/21/A%20B", "' ' at position 2 is not allowed"),
    (f"/01/{GTIN}/21/%C3%A4", "'ä' at position 1 is not allowed"),
    # empty path segments and values
    (f"/01/{GTIN}//21/12345", "empty segment"),
    (ITEM + "//", "empty segment"),
    (f"/01//{GTIN}", "empty segment"),
    (f"/01/{GTIN}/21/", "AI 21 (serial number) has an empty value in the path"),
    ("/01/", "AI 01 (GTIN) has an empty value in the path"),
    (ITEM + "?17=", "AI 17 (USE BY or EXPIRY) has an empty value in the query string"),
    # AI 01 is 14 digits in a URI
    ("/01/9520123456788/21/12345", "AI 01 in a GS1 Digital Link URI must be 14 digits (pad"),
    ("/01/96385074", "write 00000096385074"),
    (f"/8004/9520614141234567?01={GTIN[1:]}", None),  # not a resolver route: 404, below
    # qualifier order and qualifiers of another key
    (f"/01/{GTIN}/21/12345/10/L1", "qualifier 21 must come after 10"),
    (f"/8013/{GMN}/21/1", "8013 takes no key qualifiers"),
]


def test_the_resolver_description_says_it_validates_ai_combinations_and_it_does(client, maker):
    issue(client, maker, passport("item"))
    assert client.get(ITEM, headers={"Accept": "application/json"}).status_code == 200
    assert client.get("/.well-known/gs1resolver").json["validatesAIcombinations"] is True
    for uri, rule in INVALID:
        response = client.get(uri, headers={"Accept": "application/json"})
        if rule is None:
            assert response.status_code == 404, uri
            continue
        assert response.status_code == 400, (uri, response.status_code, response.get_data())
        assert response.mimetype == "application/problem+json", uri
        problem = response.json
        assert problem["type"].endswith("/invalid-digital-link") and problem["status"] == 400
        assert problem["title"] == "Invalid GS1 Digital Link"
        assert rule in problem["detail"], (uri, problem["detail"])


def test_browsers_get_the_html_error_page_naming_the_rule(client, maker):
    issue(client, maker, passport("item"))
    page = client.get(ITEM + "?22=A", headers={"Accept": "text/html"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "must be in the path" in page.get_data(as_text=True)
    short = client.get("/01/9520123456788/21/12345", headers={"Accept": "text/html"})
    assert short.status_code == 400 and "must be 14 digits" in short.get_data(as_text=True)


def test_valid_data_attributes_and_other_parameters_still_resolve(client, maker):
    created = issue(client, maker, passport("item"))
    for query in ("17=261231&3103=000189", "linkType=gs1:dpp&context=x&lang=de&flag", "&&"):
        response = client.get(f"{ITEM}?{query}", headers={"Accept": "application/ld+json"})
        assert response.status_code in (200, 307), (query, response.get_data())
    redirected = client.get(ITEM + "?linkType=gs1:dpp&17=261231")
    assert redirected.status_code == 307
    assert redirected.headers["Location"].endswith(f"/api/v1/passports/{created['id']}?17=261231")


def test_a_single_trailing_slash_is_tolerated_as_gs1_resolvers_should(client, maker):
    # GS1's syntax engine rejects a Digital Link ending in "/" (dl.c, "Can't end in slash"),
    # but the GS1-Conformant Resolver standard 1.2 asks resolvers to tolerate one; the URI is
    # otherwise held to the full syntax, and two slashes are an empty segment.
    conformance = (FIXTURES / "standards/gs1-resolver/Conformance1_2.txt").read_text("utf-8")
    assert "SHOULD tolerate trailing slashes at the end of GS1 Digital Link URIs" in conformance
    issue(client, maker, passport("item"))
    json_ld = {"Accept": "application/ld+json"}
    assert client.get(ITEM + "/?17=261231", headers=json_ld).status_code == 200
    assert client.get(ITEM + "/?22=A", headers=json_ld).status_code == 400
    assert client.get(ITEM + "//", headers=json_ld).status_code == 400


def test_gs1_syntax_engine_vectors_at_the_resolver(client):
    """Every engine case (default flags) whose path is a resolver route gets the engine's answer.

    Valid URIs name no passport here, so they are 404 (resolved, not found); invalid ones 400.
    """
    tried = 0
    for vector in ENGINE_VECTORS:
        if vector.get("flags") or "://" not in vector["uri"]:
            continue
        rest = vector["uri"].split("://", 1)[1]
        target = rest[rest.find("/") :].partition("#")[0]  # a fragment is never sent
        if "/" not in rest or not target.startswith(("/01/", "/8013/")):
            continue
        if vector["source"]["line"] == 1393:
            continue  # rejected for its host, and a request to the resolver has ours
        tried += 1
        response = client.get(target, headers={"Accept": "application/json"})
        expected = 404 if vector["valid"] else 400
        assert response.status_code == expected, (vector["source"]["line"], target)
        assert response.mimetype == "application/problem+json"
    assert tried >= 60


def test_nothing_the_resolver_is_sent_makes_it_fail(client, maker):
    issue(client, maker, passport("item"))
    paths = [
        "/01/%",
        "/01/%FF%FE",
        f"/01/{GTIN}/21/%C3%28",
        f"/01/{GTIN}?%",
        f"/01/{GTIN}?17",
        f"/01/{GTIN}/21/12345?linkType=%zz",
        f"/01/{GTIN}/21/12345?linkType=",
        f"/01/{GTIN}/21/12345?%31%37=261399",  # not a numeric key as written: not GS1 data
        "/8013/",
        f"/01/{GTIN}/21/" + "9" * 400,
        f"/01/{GTIN}?" + "&".join(f"99=A{i}" for i in range(200)),
    ]
    for path in paths:
        for accept in ("application/json", "text/html", "application/linkset+json"):
            response = client.get(path, headers={"Accept": accept})
            assert response.status_code < 500, (path, accept)
    # Bytes outside ASCII, as a careless client might send them unencoded.
    for accept in ("application/json", "text/html"):
        raw = client.get(
            f"/01/{GTIN}",
            environ_overrides={"QUERY_STRING": "17=\xff&lang=de"},
            headers={"Accept": accept},
        )
        assert raw.status_code == 400 and "not allowed in a URI" in raw.get_data(as_text=True)


# --- the registries that mirror this one (KREISLAUF_MIRRORS, docs/FEDERATION.md) -------------

MIRRORS = ("https://backup.example.net", "http://127.0.0.1:8081/kreislauf")


class TestMirrorsNamed:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return replace(settings, mirrors=MIRRORS)

    def test_the_description_names_each_mirror_and_where_it_serves_this_registry(self, client):
        body = client.get("/.well-known/gs1resolver").json
        assert body["kreislaufMirrors"] == [
            {
                "url": "https://backup.example.net",
                "prefix": "https://backup.example.net/mirror/registry.example.org/",
            },
            {
                "url": "http://127.0.0.1:8081/kreislauf",
                "prefix": "http://127.0.0.1:8081/kreislauf/mirror/registry.example.org/",
            },
        ]
        assert body["resolverRoot"] == BASE_URL  # the GS1 keys are as they were
        did = client.get("/.well-known/did.json").json
        assert did["service"] == [
            {
                "id": "did:web:registry.example.org#mirror-1",
                "type": "KreislaufMirror",
                "serviceEndpoint": "https://backup.example.net/mirror/registry.example.org/",
            },
            {
                "id": "did:web:registry.example.org#mirror-2",
                "type": "KreislaufMirror",
                "serviceEndpoint": "http://127.0.0.1:8081/kreislauf/mirror/registry.example.org/",
            },
        ]

    def test_each_linkset_links_the_copy_at_each_mirror_and_validates(self, client, maker):
        created = issue(client, maker, passport("item"))
        response = client.get(ITEM + "?linkType=linkset")
        assert list(linkset_validator().iter_errors(response.json)) == []
        copies = response.json["linkset"][0]["https://kreislauf.eu/rel/mirror"]
        path = f"/mirror/registry.example.org/api/v1/passports/{created['id']}"
        assert [c["href"] for c in copies] == [mirror + path for mirror in MIRRORS]
        assert all(c["title"] and c["type"] == "application/ld+json" for c in copies)
        assert "backup.example.net" in copies[0]["title"]
        untp = client.get(
            ITEM,
            headers={"Accept": 'application/linkset+json; profile="' + UNTP_PROFILE + '"'},
        )
        assert list(untp_linkset_validator().iter_errors(untp.json)) == []
        assert "https://kreislauf.eu/rel/mirror" in untp.json["linkset"][0]
        # Not the default link: the Link header names the passport and the linkset only.
        header = client.get(ITEM, headers={"Accept": "application/ld+json"}).headers["Link"]
        assert "/mirror/" not in header
        chosen = client.get(ITEM + "?linkType=https://kreislauf.eu/rel/mirror")
        assert chosen.status_code == 307 and chosen.headers["Location"] == MIRRORS[0] + path


UNTP_PROFILE = "https://untp.unece.org/schema/idr/linkset-schema"


@cache
def untp_linkset_validator() -> Any:
    schema = json.loads((FIXTURES / "standards/untp-0.7.0/LinksetSchema.json").read_text())
    cls = validators.validator_for(schema, default=Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_mirrors_must_be_web_urls() -> None:
    assert Settings.from_env({"KREISLAUF_MIRRORS": " https://a.example/,http://b.example:81 "})
    found = Settings.from_env({"KREISLAUF_MIRRORS": "https://a.example/, http://b.example:81"})
    assert found.mirrors == ("https://a.example", "http://b.example:81")
    assert Settings.from_env({}).mirrors == ()
    for bad in ("a.example", "ftp://a.example", "https://a.example/?x=1", "https://"):
        with pytest.raises(ValueError, match="KREISLAUF_MIRRORS"):
            Settings.from_env({"KREISLAUF_MIRRORS": bad})
