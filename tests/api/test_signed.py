"""Signed passports: application/vc+jwt verified against the registry's did:web documents."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from flask import Flask

from passport.config import Settings
from passport.errors import KeyMissing
from passport.signing import keys
from passport.signing.did import assertion_key, did_web, verify_vc_jwt_with_did
from passport.signing.jose import CredentialError, b64url_decode, sign_vc_jwt, verify_vc_jwt
from passport.signing.keys import Ed25519Key
from passport.signing.sd_jwt import verify_sd_jwt
from tests.conftest import BASE_URL
from tests.helpers import passport


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module checks UNTP 0.6.1 shapes: its registry serves 0.6.1 when none is asked for
    (KREISLAUF_UNTP_DEFAULT); tests/api/test_untp07.py checks 0.7.0, the default."""
    return replace(settings, untp_default="0.6.1")


def issue(client: Any, org: Any, serial: str = "S-1") -> dict[str, Any]:
    response = client.post(
        "/api/v1/passports", json=passport("item", serial=serial), headers=org.headers
    )
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def did_url_path(did: str) -> str:
    """Where did:web puts a DID's document, as a path on the registry (BASE_URL has none)."""
    method_id = did.removeprefix("did:web:")
    host, *segments = method_id.split(":")
    assert f"https://{unquote(host)}" == BASE_URL
    return "/" + "/".join(segments) + "/did.json" if segments else "/.well-known/did.json"


def documents(client: Any) -> Any:
    """Resolve a DID the way a did:web resolver does: fetch its document from the registry."""

    def resolve(did: str) -> dict[str, Any]:
        response = client.get(did_url_path(did))
        assert response.status_code == 200, response.data
        assert response.json["id"] == did
        return response.json  # type: ignore[no-any-return]

    return resolve


def resolver(client: Any) -> Any:
    """Resolve a kid the way a did:web verifier does: fetch the DID's document, take the key
    only if the document lists it as an assertion method."""
    return lambda kid: assertion_key(documents(client)(kid.split("#", 1)[0]), kid)


def header(token: str) -> dict[str, Any]:
    return json.loads(b64url_decode(token.split(".")[0]))  # type: ignore[no-any-return]


def test_the_registry_publishes_its_keys_in_its_did_document(client, settings):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    document = response.json
    assert document["id"] == "did:web:registry.example.org"
    vc, log = keys.load_key(settings, "vc"), keys.load_key(settings, "log")
    vc_id = f"did:web:registry.example.org#vc-{vc.thumbprint()}"
    log_id = f"did:web:registry.example.org#log-{log.thumbprint()}"
    # Only the VC key may sign credentials. The log key is published for checkpoint verifiers
    # (C2SP signed notes), in no verification relationship.
    assert document["assertionMethod"] == [vc_id]
    assert [m["id"] for m in document["verificationMethod"]] == [vc_id, log_id]
    assert set(document) == {"@context", "id", "verificationMethod", "assertionMethod"}
    assert vc.thumbprint() != log.thumbprint()
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_passport_as_vc_jwt_verifies_against_the_published_did_document(client, maker):
    created = issue(client, maker)
    url = f"/api/v1/passports/{created['id']}"
    token_response = client.get(url, headers={"Accept": "application/vc+jwt"})
    assert token_response.status_code == 200
    assert token_response.mimetype == "application/vc+jwt"
    token = token_response.text
    credential = client.get(url).json

    found = header(token)
    assert found["alg"] == "EdDSA" and found["typ"] == "vc+jwt"
    assert found["kid"].startswith(credential["issuer"]["id"] + "#vc-")
    assert verify_vc_jwt(token, resolver(client)) == credential
    assert verify_vc_jwt_with_did(token, documents(client)) == credential
    assert client.get(f"{url}?format=jwt").text == token

    # The issuer's DID resolves: its document is the organisation's, under the registry.
    org_doc = client.get(did_url_path(credential["issuer"]["id"])).json
    assert org_doc["id"] == credential["issuer"]["id"]
    assert client.get("/orgs/nobody/did.json").status_code == 404


def test_an_older_version_is_signed_as_it_was(client, maker):
    created = issue(client, maker)
    url = f"/api/v1/passports/{created['id']}"
    changed = passport("item", serial="S-1")
    changed["product"]["name"] = "Kettle, renamed"
    assert client.put(url, json=changed, headers=maker.headers).status_code == 200
    token = client.get(f"{url}?version=1&format=jwt").text
    assert verify_vc_jwt(token, resolver(client)) == client.get(f"{url}?version=1").json


def test_the_resolver_serves_vc_jwt_too(client, maker):
    created = issue(client, maker, serial="R-9")
    path = urlsplit(created["uri"]).path
    response = client.get(path, headers={"Accept": "application/vc+jwt"})
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    credential = verify_vc_jwt(response.text, resolver(client))
    assert credential["credentialSubject"]["product"]["id"] == created["uri"]
    assert client.get(f"{path}?format=jwt").text == response.text
    # Browsers and JSON-LD clients are answered as before.
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 307
    assert client.get(path, headers={"Accept": "*/*"}).status_code == 307


def test_a_tampered_token_fails(client, maker):
    created = issue(client, maker)
    token = client.get(f"/api/v1/passports/{created['id']}?format=jwt").text
    head, payload, signature = token.split(".")
    forged = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises(CredentialError):
        verify_vc_jwt(f"{head}.{forged}.{signature}", resolver(client))
    other = client.get(f"/api/v1/passports/{issue(client, maker, 'S-2')['id']}?format=jwt").text
    with pytest.raises(CredentialError):  # a signature moved from another passport
        verify_vc_jwt(f"{head}.{payload}.{other.split('.')[2]}", resolver(client))


def test_a_passport_signed_with_the_log_key_is_refused(client, maker, settings):
    created = issue(client, maker)
    url = f"/api/v1/passports/{created['id']}"
    token, credential = client.get(f"{url}?format=jwt").text, client.get(url).json
    vc_kid = header(token)["kid"]
    log = keys.load_key(settings, "log")
    log_kid = f"did:web:registry.example.org#log-{log.thumbprint()}"
    # The log key under its own id: published, but not an assertion method.
    forged = sign_vc_jwt(credential, log, log_kid)
    for verify in (
        lambda t: verify_vc_jwt_with_did(t, documents(client)),
        lambda t: verify_vc_jwt(t, resolver(client)),
    ):
        with pytest.raises(CredentialError, match="not an assertion method"):
            verify(forged)
    # Not even for a credential in the registry's own name, where issuer and key agree.
    own = {**credential, "issuer": {"id": "did:web:registry.example.org"}}
    with pytest.raises(CredentialError, match="not an assertion method"):
        verify_vc_jwt_with_did(sign_vc_jwt(own, log, log_kid), documents(client))
    # The log key under the VC key's id: the signature does not match the published key.
    with pytest.raises(CredentialError, match="bad signature"):
        verify_vc_jwt_with_did(sign_vc_jwt(credential, log, vc_kid), documents(client))
    # And a key in its role must still be the issuer's: the registry's VC key under the
    # registry's DID does not sign for an organisation.
    vc = keys.load_key(settings, "vc")
    registry_kid = f"did:web:registry.example.org#vc-{vc.thumbprint()}"
    with pytest.raises(CredentialError, match="not of the issuer"):
        verify_vc_jwt_with_did(sign_vc_jwt(credential, vc, registry_kid), documents(client))
    assert verify_vc_jwt_with_did(token, documents(client)) == credential


def test_key_files_are_owner_only_and_never_overwritten(tmp_path):
    keys.ensure_keys(tmp_path)
    directory = tmp_path / "keys"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    before = {}
    for role in keys.ROLES:
        path = keys.key_path(tmp_path, role)
        assert path.parent == directory
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        before[role] = path.read_bytes()
    keys.ensure_keys(tmp_path)
    assert {role: keys.key_path(tmp_path, role).read_bytes() for role in keys.ROLES} == before
    assert before["log"] != before["vc"]


def test_a_missing_key_says_to_run_init_db(tmp_path):
    settings = Settings(database_url="sqlite://", data_dir=tmp_path)
    with pytest.raises(KeyMissing, match="kreislauf init-db"):
        keys.load_key(settings, "vc")


def test_the_environment_overrides_the_key_file(tmp_path):
    keys.ensure_keys(tmp_path)
    from_env, from_file = Ed25519Key.generate(), Ed25519Key.generate()
    path = tmp_path / "elsewhere.pem"
    path.write_bytes(from_file.to_pem())
    env = {"KREISLAUF_DATA_DIR": str(tmp_path), "KREISLAUF_VC_KEY": from_env.to_pem().decode()}
    env["KREISLAUF_LOG_KEY"] = str(path)
    settings = Settings.from_env(env)
    assert keys.load_key(settings, "vc").thumbprint() == from_env.thumbprint()
    assert keys.load_key(settings, "log").thumbprint() == from_file.thumbprint()
    assert "PRIVATE" not in repr(settings)
    bad = Settings.from_env({**env, "KREISLAUF_VC_KEY": str(tmp_path / "missing.pem")})
    with pytest.raises(KeyMissing, match="KREISLAUF_VC_KEY"):
        keys.load_key(bad, "vc")


def test_rotation_changes_the_kid_and_old_tokens_stop_verifying(
    app: Flask, client, maker, settings
):
    created = issue(client, maker)
    url = f"/api/v1/passports/{created['id']}?format=jwt"
    old_token = client.get(url).text
    assert verify_vc_jwt(old_token, resolver(client))

    path = keys.key_path(settings.data_dir, "vc")
    path.unlink()  # rotation: replace the file (here: remove it and let ensure_keys make a new one)
    keys.ensure_keys(settings.data_dir)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    new_token = client.get(url).text
    assert header(new_token)["kid"] != header(old_token)["kid"]
    assert verify_vc_jwt(new_token, resolver(client))
    with pytest.raises(CredentialError, match="not an assertion method"):
        verify_vc_jwt(old_token, resolver(client))


def test_without_keys_signing_is_a_503_and_json_ld_still_works(client, maker, settings):
    created = issue(client, maker)
    for role in keys.ROLES:
        keys.key_path(settings.data_dir, role).unlink()
    url = f"/api/v1/passports/{created['id']}"
    response = client.get(url, headers={"Accept": "application/vc+jwt"})
    assert response.status_code == 503 and "kreislauf init-db" in response.json["detail"]
    assert client.get("/.well-known/did.json").status_code == 503
    assert client.get(url).status_code == 200


def test_a_local_http_registry_has_a_did_but_a_public_http_one_does_not():
    assert did_web("http://127.0.0.1:5000", allow_loopback_http=True) == "did:web:127.0.0.1%3A5000"
    assert did_web("http://localhost:5000", allow_loopback_http=True) == "did:web:localhost%3A5000"
    with pytest.raises(ValueError):
        did_web("http://127.0.0.1:5000")  # the spec's https-only rule stays the default
    for url in ("http://127.example.org", "http://registry.example"):
        with pytest.raises(ValueError):
            did_web(url, allow_loopback_http=True)


def test_the_openapi_document_lists_vc_jwt(client):
    spec = client.get("/api/openapi.json").json
    get = spec["paths"]["/api/v1/passports/{passport_id}"]["get"]
    assert "application/vc+jwt" in get["responses"]["200"]["content"]


def test_a_passport_as_sd_jwt_is_signed_once_and_disclosed_to_each_reader(client, maker, make_org):
    body = passport("item", serial="SD-1")
    body["product"]["description"] = "A kettle with a secret sd9e1 inside"
    body["restricted"] = [{"path": "/product/description", "tier": "legitimate-interest"}]
    created = client.post("/api/v1/passports", json=body, headers=maker.headers).json
    url = f"/api/v1/passports/{created['id']}"

    public = client.get(url, headers={"Accept": "application/vc+sd-jwt"})
    mine = client.get(f"{url}?format=sd-jwt", headers=maker.headers)

    assert public.status_code == 200 and public.mimetype == "application/vc+sd-jwt"
    assert public.text.split("~")[0] == mine.text.split("~")[0]  # one signed JWT
    assert public.text.count("~") == 1 and mine.text.count("~") == 2
    assert verify_sd_jwt(public.text, resolver(client)) == client.get(url).json
    assert verify_sd_jwt(mine.text, resolver(client)) == client.get(url, headers=maker.headers).json
    assert "sd9e1" not in json.dumps(verify_sd_jwt(public.text, resolver(client)))
    assert header(public.text)["typ"] == "vc+sd-jwt"
    path = urlsplit(created["uri"]).path
    at_resolver = client.get(path, headers={"Accept": "application/vc+sd-jwt"})
    assert at_resolver.mimetype == "application/vc+sd-jwt" and at_resolver.text == public.text
    assert client.get(f"{path}?format=sd-jwt", headers=maker.headers).text == mine.text
    repairer = make_org("Repair Café", "repairer")
    seen = client.get(f"{url}?format=sd-jwt", headers=repairer.headers).text
    assert seen.split("~")[0] == public.text.split("~")[0] and "sd9e1" not in public.text
    client.get(path, headers={"Accept": "application/vc+sd-jwt", **repairer.headers})
    log = client.get(f"{url}/access-log", headers=maker.headers).json["reads"]
    ways = [r["way"] for r in log if r["role"] == "repairer"]
    assert ways == ["api-vc-sd-jwt", "resolver-vc-sd-jwt"]


def test_the_openapi_document_lists_vc_sd_jwt(client):
    spec = client.get("/api/openapi.json").json
    get = spec["paths"]["/api/v1/passports/{passport_id}"]["get"]
    assert "application/vc+sd-jwt" in get["responses"]["200"]["content"]
    formats = [p for p in get["parameters"] if p["name"] == "format"][0]
    assert "sd-jwt" in formats["schema"]["enum"]
