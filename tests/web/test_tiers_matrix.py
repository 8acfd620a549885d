"""Issue 10, point 2, done when: every way out × every reader shows a restricted property
exactly when the reader's tier may see it.

The matrix is parametrised by (path, tier): ``CASES`` lists the restricted properties of one
passport (marked by its issuer for now; the battery annotations join at merge), each with a
probe string that shows wherever the property is served. Add a case, or a way out to ``WAYS``,
and every reader is checked against it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from passport.credentials.untp07 import UNTP_CONTEXT
from passport.disclosure.tiers import Tier
from passport.signing.jose import b64url_decode
from tests.conftest import BASE_URL, Org
from tests.helpers import GTIN, passport
from tests.web.conftest import sign_in


@dataclass(frozen=True)
class Case:
    path: str
    tier: Tier
    probe: str
    link: bool = False  # a link: the linkset carries it too


CASES = (
    Case("/product/description", Tier.LEGITIMATE_INTEREST, "descr7f3a"),
    Case("/materialsProvenance", Tier.AUTHORITY, "formula91c2"),
    Case("/product/furtherInformation", Tier.ISSUER, "costing55d1", link=True),
    Case("/circularityScorecard/recyclingInformation", Tier.LEGITIMATE_INTEREST, "recy4e8b", True),
)
PUBLIC_PROBE = "kettle-public-9d0"

# reader -> (role of its organisation, or None for nobody / the issuer itself, its tier)
READERS: dict[str, tuple[str | None, Tier]] = {
    "anonymous": (None, Tier.PUBLIC),
    "rival-manufacturer": ("manufacturer", Tier.PUBLIC),
    "repairer": ("repairer", Tier.LEGITIMATE_INTEREST),
    "recycler": ("recycler", Tier.LEGITIMATE_INTEREST),
    "authority": ("authority", Tier.AUTHORITY),
    "granted-rival": ("manufacturer", Tier.LEGITIMATE_INTEREST),
    "issuer": (None, Tier.ISSUER),
}


def body() -> dict[str, Any]:
    doc = passport(
        "item",
        materialsProvenance=[{"name": "Formula91c2 steel", "massFraction": 0.7}],
        circularityScorecard={
            "recyclingInformation": {
                "linkURL": "https://acme.example/k1/recy4e8b",
                "linkName": "Recycling recy4e8b",
            },
            "recyclableContent": 0.9,
        },
    )
    doc["product"]["description"] = f"A kettle, descr7f3a inside, {PUBLIC_PROBE}"
    doc["product"]["furtherInformation"] = [
        {"linkURL": "https://acme.example/costing55d1", "linkName": "Costing costing55d1"}
    ]
    doc["restricted"] = [{"path": c.path, "tier": c.tier.value} for c in CASES]
    doc["product"]["name"] = f"Acme K1 kettle {PUBLIC_PROBE}"
    return doc


@dataclass
class Reader:
    name: str
    headers: dict[str, str]
    org: Org | None


def _jwt_payload(text: str) -> str:
    """A VC-JWT's payload, or an SD-JWT's signed payload and the disclosures it came with."""
    jwt, *disclosures = text.rstrip("~").split("~")
    return "\n".join(b64url_decode(p).decode() for p in [jwt.split(".")[1], *disclosures])


# way out -> how a reader reads the passport there (returns the text to look in)
Way = Callable[[FlaskClient, str, Reader], str]


def _api(query: str) -> Way:
    def read(client: FlaskClient, pid: str, reader: Reader) -> str:
        answer = client.get(f"/api/v1/passports/{pid}{query}", headers=reader.headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        text = answer.get_data(as_text=True)
        return _jwt_payload(text) if "jwt" in query else text

    return read


def _resolver(accept: str, query: str = "") -> Way:
    def read(client: FlaskClient, pid: str, reader: Reader) -> str:
        headers = {**reader.headers, "Accept": accept}
        answer = client.get(f"/01/{GTIN}/21/12345{query}", headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        text = answer.get_data(as_text=True)
        return _jwt_payload(text) if "jwt" in accept else text

    return read


def _en18222(path: str) -> Way:
    """An EN 18222 read ({pid} is the dppId; the product is the item's Digital Link)."""

    def read(client: FlaskClient, pid: str, reader: Reader) -> str:
        product = quote(f"https://id.gs1.org/01/{GTIN}/21/12345", safe="")
        url = "/api/v1" + path.format(pid=pid, product=product)
        answer = client.get(url, headers=reader.headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_data(as_text=True)

    return read


def _page(client: FlaskClient, pid: str, reader: Reader) -> str:
    if reader.org is not None:
        assert sign_in(client, reader.org.login).status_code == 303  # type: ignore[attr-defined]
    answer = client.get(f"/passports/{pid}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


WAYS: dict[str, tuple[Way, bool]] = {  # way -> (read, carries only links)
    "api-jsonld": (_api(""), False),
    "api-json": (_api("?format=json"), False),
    "api-version": (_api("?version=1"), False),
    "api-turtle": (_api("?format=ttl"), False),
    "api-vc-jwt": (_api("?format=jwt"), False),
    "api-untp-0.6.1": (_api("?untp=0.6.1"), False),  # 0.7.0 is the default
    "api-vc-jwt-untp-0.6.1": (_api("?format=jwt&untp=0.6.1"), False),
    "api-vc-sd-jwt": (_api("?format=sd-jwt"), False),  # 0.7.0: checked below too
    "api-vc-sd-jwt-untp-0.6.1": (_api("?format=sd-jwt&untp=0.6.1"), False),
    "api-turtle-untp-0.6.1": (_api("?format=ttl&untp=0.6.1"), False),
    "resolver-jsonld": (_resolver("application/ld+json"), False),
    "resolver-vc-jwt": (_resolver("application/vc+jwt"), False),
    "resolver-vc-sd-jwt": (_resolver("application/vc+sd-jwt"), False),
    "resolver-vc-sd-jwt-untp-0.6.1": (_resolver("application/vc+sd-jwt", "?untp=0.6.1"), False),
    "resolver-linkset": (_resolver("application/linkset+json", "?linkType=linkset"), True),
    "en18222-dpp": (_en18222("/dpps/{pid}"), False),
    "en18222-full": (_en18222("/dpps/{pid}?representation=full"), False),
    "en18222-by-product": (_en18222("/dppsByProductId/{product}"), False),
    "en18222-by-date": (_en18222("/dppsByIdAndDate/{pid}?date=2999-01-01T00:00:00Z"), False),
    "en18222-element": (_en18222("/dpps/{pid}/elements/%24.credentialSubject"), False),
    "page": (_page, False),
}


@pytest.fixture
def issued(client: FlaskClient, maker: Org) -> str:
    answer = client.post("/api/v1/passports", json=body(), headers=maker.headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return str(answer.get_json()["id"])


@pytest.fixture
def reader_of(client: FlaskClient, maker: Org, make_org: Any, make_user: Any) -> Any:
    def make(name: str) -> Reader:
        role, _tier = READERS[name]
        if name == "anonymous":
            return Reader(name, {}, None)
        org = maker if name == "issuer" else make_org(f"{name} org", role)
        org.login = make_user(org, f"{name}@example.org")
        if name == "granted-rival":
            grant = {"organisation": org.id}
            assert (
                client.post("/api/v1/grants", json=grant, headers=maker.headers).status_code == 201
            )
        return Reader(name, org.headers, org)

    return make


# One test per reader (and database) reads every way out in turn: the passport is issued and
# the reader made once, not once per way (the matrix is the same, the setup 11 times smaller).
# The page comes last, since it signs the reader in.
@pytest.mark.parametrize("reader", READERS)
def test_a_restricted_property_shows_exactly_for_the_tiers_that_may_see_it(
    client: FlaskClient, issued: str, reader_of: Any, reader: str
) -> None:
    tier = READERS[reader][1]
    who = reader_of(reader)
    for way, (read, links_only) in WAYS.items():
        text = read(client, issued, who)
        for case in CASES:
            if links_only and not case.link:
                continue
            assert (case.probe in text.lower()) == tier.sees(case.tier), (way, case.path, tier)
        if not links_only:
            assert PUBLIC_PROBE in text, way  # the reader did get the passport
        if way.startswith("api-json"):
            assert "restricted" not in json.loads(text), way
        if "sd-jwt" in way:  # 0.7.0 by default, 0.6.1 on request
            assert (UNTP_CONTEXT in text) == ("0.6.1" not in way), way
        if "turtle" in way:
            assert ("untp:Product" in text) == ("0.6.1" not in way), way


@pytest.mark.parametrize("reader", READERS)
def test_search_results_and_labels_never_carry_restricted_values(
    client: FlaskClient, issued: str, reader_of: Any, reader: str
) -> None:
    headers = reader_of(reader).headers
    for case in CASES:
        found = client.get(f"/api/v1/passports?q={case.probe}", headers=headers).get_json()
        assert found["items"] == []  # search matches only what the public may read
    listed = client.get(f"/api/v1/passports?q={PUBLIC_PROBE}", headers=headers)
    assert listed.get_json()["items"] and not any(
        c.probe in listed.get_data(as_text=True).lower() for c in CASES
    )


UNTP_LINKSET = (
    'application/linkset+json; profile="https://untp.unece.org/schema/idr/linkset-schema"'
)


def _linkset(client: FlaskClient, headers: dict[str, str], untp: bool = False) -> Any:
    accept = {"Accept": UNTP_LINKSET} if untp else {}
    query = "" if untp else "?linkType=linkset"
    answer = client.get(f"/01/{GTIN}/21/12345{query}", headers={**headers, **accept})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == (UNTP_LINKSET if untp else "application/linkset+json")
    return answer.get_json()


def _targets(linkset: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for context in linkset["linkset"]:
        for rel, targets in context.items():
            if rel != "anchor" and isinstance(targets, list):
                found.update({t["href"]: t for t in targets})
    return found


def _schema_errors(document: Any, schema_file: str) -> list[str]:
    from jsonschema import Draft7Validator

    from tests.helpers import FIXTURES

    schema = json.loads((FIXTURES / "standards" / schema_file).read_text(encoding="utf-8"))
    return [e.message for e in Draft7Validator(schema).iter_errors(document)]


GS1_SCHEMA = "gs1-resolver/linkset-schema.json"
UNTP_SCHEMA = "untp-0.7.0/LinksetSchema.json"


def test_the_linkset_marks_restricted_links_with_the_roles_that_may_follow_them(
    client: FlaskClient, issued: str, reader_of: Any
) -> None:
    """Every reader's linkset is GS1-conformant: a restricted link says ``"public": false``.
    In UNTP IDR's linkset profile it also names the roles that may follow it (``accessRole``),
    and validates against UNTP 0.7.0's linkset schema."""
    recycling, costing = "https://acme.example/k1/recy4e8b", "https://acme.example/costing55d1"
    public = _targets(_linkset(client, {}))
    assert recycling not in public and costing not in public
    assert not any("public" in t or "accessRole" in t for t in public.values())
    readers = {who: reader_of(who).headers for who in READERS}
    for who, headers in readers.items():
        gs1, untp = _linkset(client, headers), _linkset(client, headers, untp=True)
        assert _schema_errors(gs1, GS1_SCHEMA) == [], who
        assert _schema_errors(untp, UNTP_SCHEMA) == [], who
        assert not any("accessRole" in t for t in _targets(gs1).values())
    authority = _targets(_linkset(client, readers["authority"], untp=True))
    assert authority[recycling]["public"] is False
    assert authority[recycling]["accessRole"] == [
        "repairer",
        "refurbisher",
        "remanufacturer",
        "recycler",
        "authority",
        "issuer",
    ]
    assert costing not in authority
    issuer = _targets(_linkset(client, readers["issuer"], untp=True))
    assert issuer[costing]["accessRole"] == ["issuer"]
    assert issuer[recycling]["accessRole"] == authority[recycling]["accessRole"]
    assert _targets(_linkset(client, readers["issuer"]))[costing]["public"] is False
    # The UNTP extras are what GS1's schema refuses: the profile is not served by default.
    assert _schema_errors(_linkset(client, readers["issuer"], untp=True), GS1_SCHEMA)


def test_linktype_all_is_the_same_linkset_as_linkset_marked_deprecated(
    client: FlaskClient, issued: str, reader_of: Any
) -> None:
    """``linkType=linkset`` (UNTP 0.7, ISO/IEC 18975) is the way to ask; ``all`` (GS1
    Resolver 1.x) gives the same linkset to every reader, with an RFC 9745 ``Deprecation``
    header and a ``successor-version`` link to ``linkType=linkset``."""
    url = f"/01/{GTIN}/21/12345"
    for who in READERS:
        headers = reader_of(who).headers
        asked = client.get(f"{url}?linkType=linkset", headers=headers)
        old = client.get(f"{url}?linkType=all", headers=headers)
        assert old.status_code == asked.status_code == 200
        assert old.get_json() == asked.get_json(), who
        assert old.headers["Content-Type"] == asked.headers["Content-Type"]
        assert "Deprecation" not in asked.headers
        assert old.headers["Deprecation"] == "@1796256000"  # RFC 9745: a structured date
        successor = f'<{BASE_URL}{url}?linkType=linkset>; rel="successor-version"'
        assert successor in old.headers["Link"], old.headers["Link"]
        assert "Deprecation" in old.headers["Access-Control-Expose-Headers"]


def test_each_linkset_names_the_previous_and_the_latest_version(
    client: FlaskClient, issued: str, maker: Org, reader_of: Any
) -> None:
    """RFC 5829 links between a passport's versions: the current linkset names the previous
    version's credential (``predecessor-version``) and the latest one's (``latest-version``),
    and still validates against GS1's and UNTP 0.7.0's linkset schemas."""
    pid = issued
    first = _linkset(client, {})["linkset"][0]
    base = f"{BASE_URL}/api/v1/passports/{pid}"
    assert "predecessor-version" not in first  # version 1 has none
    assert [t["href"] for t in first["latest-version"]] == [f"{base}?version=1"]
    update = client.put(f"/api/v1/passports/{pid}", json=body(), headers=maker.headers)
    assert update.status_code == 200, update.get_data(as_text=True)
    for who in ("anonymous", "issuer"):
        headers = reader_of(who).headers
        for untp in (False, True):
            second = _linkset(client, headers, untp=untp)
            context = second["linkset"][0]
            assert [t["href"] for t in context["predecessor-version"]] == [f"{base}?version=1"]
            assert [t["href"] for t in context["latest-version"]] == [f"{base}?version=2"]
            dte = context["https://ref.gs1.org/voc/traceability"]
            assert [t["href"] for t in dte] == [f"{base}/events?format=dte"]
            assert _schema_errors(second, GS1_SCHEMA if not untp else UNTP_SCHEMA) == []
            assert _schema_errors(second, UNTP_SCHEMA) == []
        credential = client.get(f"/api/v1/passports/{pid}?version=1", headers=headers)
        assert credential.status_code == 200  # the predecessor-version link resolves
    # each version's linkset: ?version=n (the resolver serves that version in every form)
    url = f"/01/{GTIN}/21/12345?linkType=linkset"
    older = client.get(f"{url}&version=1").get_json()["linkset"][0]
    assert "predecessor-version" not in older
    assert [t["href"] for t in older["latest-version"]] == [f"{base}?version=2"]
    assert _schema_errors({"linkset": [older]}, GS1_SCHEMA) == []
    newer = client.get(f"{url}&version=2").get_json()["linkset"][0]
    assert [t["href"] for t in newer["predecessor-version"]] == [f"{base}?version=1"]
    assert client.get(f"{url}&version=3").status_code == 404
    for bad in ("0", "x", "01", "1.5", "99999999999"):
        refused = client.get(f"{url}&version={bad}")
        assert refused.status_code == 400 and "version" in refused.get_json()["detail"], bad


def test_label_text_carries_only_the_public_identity(
    client: FlaskClient, issued: str, session: Any
) -> None:
    from passport.carriers.labels import label_for
    from passport.passports.lookup import get_passport

    label = label_for(get_passport(session, issued), "registry.example")
    text = f"{label.title} {label.line2} {label.uri}".lower()
    assert PUBLIC_PROBE in text and not any(case.probe in text for case in CASES)


def test_a_page_read_of_restricted_data_is_logged_as_the_readers_organisation(
    client: FlaskClient, issued: str, reader_of: Any, maker: Org
) -> None:
    _page(client, issued, reader_of("repairer"))
    log = client.get(f"/api/v1/passports/{issued}/access-log", headers=maker.headers)
    assert [(r["role"], r["way"]) for r in log.get_json()["reads"]] == [("repairer", "page")]


# The battery's restrictions are declared once, on the schema (x-kreislauf-access, from the
# BatteryPass access list): nothing is marked by the issuer here.
BATTERY_CASES = (
    Case(
        "/battery/circularity/dismantlingAndRemovalInformation",
        Tier.LEGITIMATE_INTEREST,
        "dism3c4d",
    ),
    Case("/battery/labels/resultOfTestReport", Tier.AUTHORITY, "testrep9a1b"),
)
BATTERY_PUBLIC_PROBE = "declconf77e0"  # the declaration of conformity is public


@pytest.fixture
def battery_issued(client: FlaskClient, maker: Org) -> str:
    from tests.helpers import ebike_battery

    battery = ebike_battery(serial="12345")
    battery["circularity"]["dismantlingAndRemovalInformation"][0]["documentURL"] = (
        "https://acme.example/dism3c4d.pdf"
    )
    battery["labels"]["resultOfTestReport"] = "https://acme.example/testrep9a1b.pdf"
    battery["labels"]["declarationOfConformity"] = f"https://acme.example/{BATTERY_PUBLIC_PROBE}"
    doc = passport("item", battery=battery)
    doc["product"]["name"] = f"Acme battery {PUBLIC_PROBE}"
    answer = client.post("/api/v1/passports", json=doc, headers=maker.headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return str(answer.get_json()["id"])


@pytest.mark.parametrize("reader", READERS)
def test_a_battery_attribute_shows_exactly_for_the_tiers_its_access_list_names(
    client: FlaskClient, battery_issued: str, reader_of: Any, reader: str
) -> None:
    tier = READERS[reader][1]
    who = reader_of(reader)
    for way, (read, links_only) in WAYS.items():
        if links_only:
            continue
        text = read(client, battery_issued, who)
        assert BATTERY_PUBLIC_PROBE in text, way
        for case in BATTERY_CASES:
            assert (case.probe in text.lower()) == tier.sees(case.tier), (way, case.path, tier)


# Measured values (a battery's state of health and the other dynamic attributes) are recorded
# with events and restricted to a legitimate interest: every way out of the history holds that.
MEASURED_PROBE = 73.219  # a state of health no other field holds
EVENT_WAYS = {  # way out of a passport's history -> its query
    "api-events": "",
    "api-epcis": "?format=epcis",
    "api-dte": "?format=dte",
}


@pytest.mark.parametrize("reader", READERS)
def test_a_measured_value_shows_exactly_for_the_tiers_that_may_see_it_in_every_history(
    client: FlaskClient, battery_issued: str, maker: Org, reader_of: Any, reader: str
) -> None:
    inspection = {
        "type": "inspection",
        "eventTime": "2026-05-03T14:00:00+01:00",
        "inspection": {"measurements": {"stateOfHealth": MEASURED_PROBE}},
    }
    url = f"/api/v1/passports/{battery_issued}/events"
    assert client.post(url, json=inspection, headers=maker.headers).status_code == 201
    tier = READERS[reader][1]
    who = reader_of(reader)
    for way, query in EVENT_WAYS.items():
        answer = client.get(url + query, headers=who.headers)
        assert answer.status_code == 200, way
        shown = str(MEASURED_PROBE) in answer.get_data(as_text=True)
        assert shown == tier.sees(Tier.LEGITIMATE_INTEREST), (way, tier)
