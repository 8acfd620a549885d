"""Issue 10, point 3: the credential signed once as an SD-JWT, disclosed by tier.

A battery passport with schema-annotated attributes, issuer marks (one through an array) and
latest measurements: each tier's SD-JWT verifies with the registry's public key, here and with
an independent implementation (``@sd-jwt/core`` under node, one process for all tiers), and its
disclosed claims are exactly that tier's view. The issuer-signed part is the same bytes for
everyone and holds digests only. In UNTP 0.7.0 (the default) the restricted properties are
disclosable at their places in the 0.7.0 Product (``untp07_paths``): the issuer's SD-JWT is the
issuer's 0.7.0 credential, and no reader gets a value its tier may not see.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from passport.access import authenticate
from passport.credentials.reading import in_version, read
from passport.credentials.signed import disclose_reading
from passport.credentials.untp07 import UNTP_CONTEXT, V061, V070
from passport.disclosure.tiers import ORDER, Tier
from passport.events import history
from passport.models import Passport
from passport.passports import issuing
from passport.signing.jose import CredentialError, b64url_decode, b64url_encode
from passport.signing.keys import load_key
from passport.signing.registry import vc_kid
from passport.signing.sd_jwt import verify_sd_jwt
from tests.conftest import Org, settings_of
from tests.helpers import ebike_passport

# Where .ci/system-deps installs @sd-jwt/core.
NODE_MODULES = (
    Path(os.environ.get("KREISLAUF_NODE_PREFIX") or Path.home() / ".cache" / "kreislauf-node")
    / "node_modules"
)
VERIFIER = Path(__file__).parents[2] / "node" / "verify_sd_jwt.mjs"
NOW = datetime(2026, 5, 3, 13, 30, tzinfo=UTC)
# Probes of restricted values: an issuer mark on one link (through an array), one on a
# description, and a measured state of health.
PROBES = {
    "costing55d1": Tier.ISSUER,
    "descr7f3a": Tier.LEGITIMATE_INTEREST,
}


@pytest.fixture
def battery(session: Session, maker: Org, make_org: Any) -> Passport:
    body = ebike_passport("item")
    body["product"]["description"] = "An e-bike battery, descr7f3a inside"
    body["product"]["furtherInformation"] = [
        {"linkURL": "https://acme.example/costing", "linkName": "Costing costing55d1"},
        {"linkURL": "https://acme.example/manual", "linkName": "Manual"},
    ]
    body["restricted"] = [
        {"path": "/product/description", "tier": "legitimate-interest"},
        {"path": "/product/furtherInformation/*/linkName", "tier": "issuer"},
    ]
    settings = settings_of(session)
    issued = issuing.issue_passport(session, settings, authenticate(session, maker.key), body)
    session.commit()
    cafe = make_org("Repair Café Kreuzberg", "repairer")
    details = {"outcome": "fixed", "measurements": {"stateOfHealth": 81}}
    event = {"type": "repair", "eventTime": "2026-03-01T10:00:00+01:00", "repair": details}
    history.record_event(
        session, settings, authenticate(session, cafe.key), issued.public_id, event, now=NOW
    )
    session.commit()
    return issued


def _served(session: Session, battery: Passport, untp: str = V061) -> dict[Tier, str]:
    settings = settings_of(session)
    return {
        tier: disclose_reading(
            session, settings, battery, read(session, settings.base_url, battery, tier=tier), untp
        )
        for tier in ORDER
    }


def _v07(session: Session, battery: Passport, tier: Tier) -> dict[str, Any]:
    base = settings_of(session).base_url
    return in_version(
        read(session, base, battery, tier=tier),
        base,
        V070,
        battery,
    ).credential


def _resolver(session: Session, battery: Passport) -> Any:
    settings = settings_of(session)
    public = load_key(settings, "vc").public_key
    return lambda kid: public if kid == vc_kid(settings, battery.issuer) else None


def test_each_tier_gets_the_one_signed_jwt_and_exactly_its_view(session, battery):
    settings = settings_of(session)
    served = _served(session, battery)
    full = read(session, settings.base_url, battery, tier=Tier.ISSUER)
    assert "latestMeasurements" in full.credential and len(full.restrictions) > 3

    signed = {token.split("~")[0] for token in served.values()}
    assert len(signed) == 1  # signed once: the same bytes for every reader
    assert served == _served(session, battery)  # and again when served again
    counts = [token.count("~") for token in served.values()]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    for tier, token in served.items():
        view = read(session, settings.base_url, battery, tier=tier).credential
        assert verify_sd_jwt(token, _resolver(session, battery)) == view, tier


def test_a_public_reader_gets_no_restricted_value_and_the_signed_part_only_digests(
    session, battery
):
    token = _served(session, battery)[Tier.PUBLIC]
    jwt, *disclosures = token[:-1].split("~")
    header, payload = (json.loads(b64url_decode(p)) for p in jwt.split(".")[:2])
    assert header["typ"] == "vc+sd-jwt" and header["alg"] == "EdDSA"
    signed = json.dumps(payload)
    shown = [b64url_decode(d).decode() for d in disclosures]
    for probe in PROBES:
        assert probe not in signed and not any(probe in d for d in shown)
    assert "latestMeasurements" not in signed and "stateOfHealth" not in signed
    assert "_sd" in payload["credentialSubject"]["product"]
    assert disclosures == []  # every restricted claim of this battery needs more than public


def test_a_tampered_disclosure_or_signature_is_refused(session, battery):
    token = _served(session, battery)[Tier.ISSUER]
    jwt, first, *rest = token[:-1].split("~")
    resolver = _resolver(session, battery)
    stray = b64url_encode(json.dumps(["c2FsdHNhbHQ", "stateOfHealth", 99]).encode())
    with pytest.raises(CredentialError, match="named by no digest"):
        verify_sd_jwt("~".join([jwt, first, stray, *rest]) + "~", resolver)
    with pytest.raises(CredentialError, match="repeated"):
        verify_sd_jwt("~".join([jwt, first, first, *rest]) + "~", resolver)
    with pytest.raises(CredentialError, match="bad signature"):
        verify_sd_jwt(jwt[:-4] + "AAAA~", resolver)


def test_an_independent_implementation_verifies_every_tier(session, battery):
    if not (NODE_MODULES / "@sd-jwt" / "core").is_dir():
        pytest.fail(f"@sd-jwt/core is not installed in {NODE_MODULES}: run .ci/system-deps")
    settings = settings_of(session)
    served = _served(session, battery)
    v07 = _served(session, battery, V070)
    jwk = load_key(settings, "vc").public_jwk()
    answer = subprocess.run(
        ["node", str(VERIFIER), str(NODE_MODULES)],
        input=json.dumps({"jwk": jwk, "tokens": [*served.values(), *v07.values()]}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(answer.stdout)
    for (tier, _), result in zip(served.items(), results[: len(served)], strict=True):
        assert "error" not in result, (tier, result)
        claims = {k: v for k, v in result["payload"].items() if k != "_sd_alg"}
        assert claims == read(session, settings.base_url, battery, tier=tier).credential, tier
    for tier, result in zip(v07, results[len(served) :], strict=True):
        assert "error" not in result, (V070, tier, result)
        claims = {k: v for k, v in result["payload"].items() if k != "_sd_alg"}
        assert claims["credentialSubject"]["type"] == ["Product"], tier
        if tier == Tier.ISSUER:
            assert claims == _v07(session, battery, tier)
    # and a forged token is refused there too
    forged = served[Tier.PUBLIC].split("~")[0][:-4] + "AAAA~"
    answer = subprocess.run(
        ["node", str(VERIFIER), str(NODE_MODULES)],
        input=json.dumps({"jwk": jwk, "tokens": [forged]}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "error" in json.loads(answer.stdout)[0]


def test_the_0_7_0_sd_jwt_discloses_at_the_0_7_0_places_and_shows_each_tier_its_probes(
    session, battery
):
    served = _served(session, battery, V070)
    assert served[Tier.ISSUER].split("~")[0] != _served(session, battery)[Tier.ISSUER].split("~")[0]
    resolver = _resolver(session, battery)
    issuer = verify_sd_jwt(served[Tier.ISSUER], resolver)
    assert issuer == _v07(session, battery, Tier.ISSUER)  # the whole 0.7.0 credential
    assert issuer["@context"][1] == UNTP_CONTEXT and issuer["credentialSubject"]["itemNumber"]
    for tier, token in served.items():
        jwt, *disclosures = token[:-1].split("~")
        payload = json.loads(b64url_decode(jwt.split(".")[1]))
        assert "_sd" in payload["credentialSubject"]  # the Product itself holds digests
        signed = json.dumps(payload)
        shown = "\n".join(b64url_decode(d).decode() for d in disclosures)
        for probe, needed in PROBES.items():
            assert probe not in signed, (tier, probe)
            assert (probe in shown) == tier.sees(needed), (tier, probe)
        assert ("stateOfHealth" in shown) == tier.sees(Tier.LEGITIMATE_INTEREST), tier
        view = verify_sd_jwt(token, resolver)
        assert view["credentialSubject"]["id"] == issuer["credentialSubject"]["id"], tier
