"""Signing in for an organisation: sessions, the same answer for every wrong credential, the
rate limit, signing out, CSRF on every form, and the create-user command."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from passport import accounts, throttle
from passport.errors import Forbidden, NotAuthenticated, TooManyAttempts
from passport.models import FailedAttempt, User
from tests.web.conftest import PASSWORD, issue, sign_in, token
from web.cli.main import cli

WRONG = "Wrong login name or password."
SIGN_IN = throttle.LIMITS["sign_in"]
PER_LOGIN_AT_ADDRESS = SIGN_IN.subject_at_address or 0


def error_banner(response) -> str:
    found = re.search(
        r'<div class="banner alert"[^>]*role="alert"[^>]*>(.*?)</div>', response.text, re.S
    )
    assert found, response.text
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_sign_in_opens_a_session_for_the_organisation(client, cafe, make_user):
    login = make_user(cafe)
    response = sign_in(client, login)
    assert response.status_code == 303 and response.location == "/repairs/start"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "kreislauf_session" in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the registry's base URL is https
    start = client.get("/repairs/start")
    assert start.status_code == 200 and "Repair Café Cardiff" in start.text
    assert start.headers["Cache-Control"] == "no-store"
    # The login name is personal data: not even its owner's pages show it.
    assert login not in start.text


def test_login_names_ignore_case_and_spaces(client, cafe, make_user):
    make_user(cafe, login="Volunteer@Cafe.Example")
    assert sign_in(client, "  volunteer@cafe.example ").status_code == 303


def test_a_wrong_password_reads_exactly_like_an_unknown_login(client, cafe, make_user):
    login = make_user(cafe)
    wrong = sign_in(client, login, "not the password")
    unknown = sign_in(client, "nobody@nowhere.example", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert error_banner(wrong) == error_banner(unknown) == f"Please check what you entered. {WRONG}"
    assert client.get("/repairs/start").status_code == 303  # still not signed in
    # what was typed stays, except the password
    assert 'value="nobody@nowhere.example"' in unknown.text
    assert PASSWORD not in unknown.text


def test_a_disabled_user_cannot_sign_in_and_is_signed_out(client, session, cafe, make_user):
    login = make_user(cafe)
    assert sign_in(client, login).status_code == 303
    user = session.scalars(select(User).where(User.login == login)).one()
    user.disabled = True
    session.commit()
    assert client.get("/repairs/start").status_code == 303  # the session no longer counts
    response = sign_in(client, login)
    assert response.status_code == 401 and WRONG in response.text


def test_repeated_failures_lock_the_login_out_for_a_while(client, session, cafe, make_user):
    login = make_user(cafe)
    # Twenty wrong sign-ins from the café's one address: the login is locked there after five.
    answers = [sign_in(client, login, "guess").status_code for _ in range(20)]
    assert answers == [401] * PER_LOGIN_AT_ADDRESS + [429] * (20 - PER_LOGIN_AT_ADDRESS)
    locked = sign_in(client, login)  # even the right password is not checked now
    assert locked.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in locked.text
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    assert client.get("/repairs/start").status_code == 303
    # A colleague behind the same address (one café, one router) still gets in.
    other = make_user(cafe, login="second@cafe.example")
    assert sign_in(client, other).status_code == 303
    # Only digests are stored, never the login name or the address; refusals are not counted.
    stored = session.scalars(select(FailedAttempt)).all()
    assert len(stored) == PER_LOGIN_AT_ADDRESS
    for row in stored:
        assert login not in (row.subject, row.address) and "127.0.0.1" not in row.address
        assert re.fullmatch(r"[0-9a-f]{64}", row.subject)


def test_the_lock_lifts_after_the_window_and_success_clears_it(session, cafe, make_user):
    login = make_user(cafe)
    t0 = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)

    def attempt(password: str, at: datetime, address: str = "192.0.2.1") -> User:
        return accounts.sign_in(
            session, login, password, address, lambda h, p: h is not None and p == PASSWORD, at
        )

    for minute in range(PER_LOGIN_AT_ADDRESS):
        with pytest.raises(NotAuthenticated):
            attempt("guess", t0 + timedelta(minutes=minute))
    with pytest.raises(TooManyAttempts) as locked:
        attempt(PASSWORD, t0 + timedelta(minutes=10))
    assert locked.value.retry_after == 5 * 60  # until the first failure is 15 minutes old
    assert attempt(PASSWORD, t0 + timedelta(minutes=15, seconds=1)).login == login
    # success forgot this login's failures: one more miss does not lock it again
    with pytest.raises(NotAuthenticated):
        attempt("guess", t0 + timedelta(minutes=16))
    assert attempt(PASSWORD, t0 + timedelta(minutes=16)).login == login


def test_one_address_guessing_many_logins_is_locked_out(session, cafe, make_user):
    make_user(cafe)
    t0 = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
    # Guessing at many logins (no one of them locked) until the address's ceiling.
    for n in range(SIGN_IN.address - 1):
        throttle.record_failure(session, "sign_in", f"guess{n}@example.org", "198.51.100.7", t0)
    with pytest.raises(NotAuthenticated):
        accounts.sign_in(session, "guess@example.org", "x", "198.51.100.7", lambda h, p: False, t0)
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(
            session, "volunteer@cafe.example", PASSWORD, "198.51.100.7", lambda h, p: True, t0
        )
    # another address is unaffected
    user = accounts.sign_in(
        session, "volunteer@cafe.example", PASSWORD, "203.0.113.9", lambda h, p: True, t0
    )
    assert user.login == "volunteer@cafe.example"


def test_sign_out_ends_the_session(client, cafe, make_user):
    sign_in(client, make_user(cafe))
    page = client.get("/repairs/start").text
    assert client.post("/signout").status_code == 400  # no token: refused
    assert client.get("/repairs/start").status_code == 200
    response = client.post("/signout", data={"csrf_token": token(page)})
    assert response.status_code == 303 and response.location == "/"
    assert client.get("/repairs/start").status_code == 303


def test_after_signing_in_you_are_back_where_you_were_but_only_on_this_site(
    client, cafe, make_user
):
    login = make_user(cafe)
    back = client.get("/repairs/start")
    assert back.status_code == 303 and back.location == "/signin?next=/repairs/start"
    page = client.get(back.location).text
    assert 'name="next" value="/repairs/start"' in page
    data = {"csrf_token": token(page), "login": login, "password": PASSWORD}
    response = client.post("/signin", data=data | {"next": "/passports/x"})
    assert response.location == "/passports/x"
    client.post("/signout", data={"csrf_token": token(client.get("/repairs/start").text)})
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        page = client.get("/signin").text
        data = {"csrf_token": token(page), "login": login, "password": PASSWORD, "next": evil}
        assert client.post("/signin", data=data).location == "/repairs/start"
        client.post("/signout", data={"csrf_token": token(client.get("/repairs/start").text)})


def test_reading_passports_needs_no_session(client, session, maker, cafe, make_user):
    pid = issue(session, maker)
    response = client.get(f"/passports/{pid}")
    assert "Set-Cookie" not in response.headers
    assert 'href="/signin?next=/passports/' in response.text
    sign_in(client, make_user(cafe))
    signed = client.get(f"/passports/{pid}").text
    assert "Sign out" in signed and "volunteer@cafe.example" not in signed


def every_form(session, maker, shop) -> list[tuple[str, dict[str, str]]]:
    """Every POST form of the web pages, with data that would be accepted with a token."""
    pid = issue(session, maker)
    return [
        ("/signin", {"login": "staff@shop.example", "password": PASSWORD}),
        ("/signout", {}),
        (f"/passports/{pid}/repairs/new", {"problem": "Broken switch", "outcome": "fixed"}),
        (f"/passports/{pid}/record/resale", {"channel": "refurbisher", "condition": "Used"}),
        (f"/passports/{pid}/record/refurbishment", {"condition": "Refurbished"}),
        ("/passports/new/community", {"category": "Kettle"}),
        (f"/passports/{pid}/transfer-code", {}),
        (f"/passports/{pid}/claim", {"code": "AAAA-BBBB-CCCC-DDDD", "channel": "private"}),
    ]


def test_every_form_refuses_a_post_without_the_sessions_token(
    client, session, maker, shop, make_user
):
    sign_in(client, make_user(shop, login="staff@shop.example"))
    forms = every_form(session, maker, shop)
    assert len(forms) == 8
    counts = (
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM transfer_codes), "
        "(SELECT count(*) FROM passports)"
    )
    before = session.execute(text(counts)).one()
    for url, data in forms:
        for sent in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
            response = client.post(url, data=data | sent)
            assert response.status_code == 400, (url, sent, response.status_code)
            assert "This form has expired" in response.text
    session.rollback()
    assert session.execute(text(counts)).one() == before  # nothing was written
    assert client.get("/repairs/start").status_code == 200  # and still signed in


def test_a_token_from_another_session_is_refused(app, client, session, shop, make_user):
    sign_in(client, make_user(shop, login="staff@shop.example"))
    other = app.test_client()
    stolen = token(other.get("/signin").text)
    response = client.post("/signout", data={"csrf_token": stolen})
    assert response.status_code == 400
    assert client.get("/repairs/start").status_code == 200  # the refusal kept the session


def test_create_user_reads_the_password_from_stdin_and_stores_a_scrypt_hash(
    database_url, monkeypatch, session, cafe
):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["create-user", cafe.id, "Anna@Cafe.Example", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert '"login": "anna@cafe.example"' in result.output
    user = session.scalars(select(User)).one()
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    assert user.organisation.public_id == cafe.id and not user.disabled
    # and the password works on the sign-in page's check
    found = accounts.sign_in(session, "anna@cafe.example", PASSWORD, "192.0.2.1", _werkzeug_check)
    assert found.pk == user.pk
    session.rollback()  # let the command write

    again = runner.invoke(
        cli,
        ["create-user", cafe.id, "anna@cafe.example", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert again.exit_code != 0 and "taken" in again.output
    short = runner.invoke(
        cli, ["create-user", cafe.id, "b@cafe.example", "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    unknown = runner.invoke(
        cli,
        ["create-user", "org_nope", "c@cafe.example", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert unknown.exit_code != 0 and "org_nope" in unknown.output


def test_create_user_prompts_twice_for_the_password(database_url, monkeypatch, cafe):
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", database_url)
    result = CliRunner().invoke(
        cli, ["create-user", cafe.id, "ben@cafe.example"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output


def _werkzeug_check(stored: str | None, password: str) -> bool:
    from werkzeug.security import check_password_hash

    return stored is not None and check_password_hash(stored, password)


def test_the_registry_organisation_has_nobody_who_signs_in(session, maker):
    from passport.transfers import registry_organisation

    org = registry_organisation(session)
    with pytest.raises(Forbidden, match="cannot have people"):
        accounts.create_user(session, org, "x@example.org", PASSWORD, lambda p: "scrypt:x")
