"""Registering passports in the EU registry, against the loopback fake (eu_registry_fake)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from passport import organisations
from passport.config import Settings
from passport.errors import EuRegistryError, InvalidDocument
from passport.euregistry import messages, runner
from passport.euregistry.transport import Answer, UrllibTransport, retry_after
from passport.models import EuRegistration, Organisation, Passport, utcnow
from passport.passports import issuing
from tests.conftest import BASE_URL, settings_of
from tests.helpers import GTIN, passport
from tests.passport.euregistry.eu_registry_fake import Server

OPERATOR = "EORI:DE123456789012345"
BACKUP = "EORI:DE987654321098765"


def eu(session: Session, fake: Server, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "eu_registry_url": fake.url,
        "eu_registry_token": fake.registry.token,
        "eu_operator_id": OPERATOR,
        "eu_backup_operator_id": BACKUP,
    }
    return replace(settings_of(session), **(values | changes))


def make_passports(session: Session, issuer: Organisation, n: int, **row: Any) -> list[Passport]:
    """``n`` item passports stored directly (the registration reads only the passport row)."""
    now = utcnow()
    start = len(list(session.scalars(select(Passport.pk))))
    rows = []
    for i in range(start, start + n):
        serial = row.get("serial", f"S{i}")
        uri = row.get("uri", f"{BASE_URL}/01/{GTIN}/21/{serial}")
        rows.append(
            {
                "public_id": f"p{i:015d}",
                "uri": uri,
                "identity_key": uri,
                "granularity": row.get("granularity", "item"),
                "gtin": GTIN,
                "serial": serial,
                "issuer_pk": issuer.pk,
                "name": "Kettle",
                "search_text": "kettle",
                "created_at": now,
                "updated_at": now,
            }
        )
    passports = list(session.scalars(insert(Passport).returning(Passport), rows))
    session.commit()
    return passports


def run(session: Session, settings: Settings, transport: Any = None, **kw: Any) -> runner.Report:
    waits: list[float] = kw.pop("waits", [])
    return runner.register_queued(
        session,
        settings,
        transport or UrllibTransport(timeout=5),
        commit=session.commit,
        sleep=waits.append,
        **kw,
    )


def registrations(session: Session) -> list[EuRegistration]:
    session.expire_all()
    return list(session.scalars(select(EuRegistration).order_by(EuRegistration.pk)))


def test_model_batch_and_item_each_register_once_with_their_own_identifier(session, acme, fake):
    settings = eu(session, fake)
    model = issuing.issue_passport(session, settings, acme, passport("model", serial=None))
    batch = issuing.issue_passport(
        session, settings, acme, passport("batch", lot="L7", serial=None)
    )
    item = issuing.issue_passport(session, settings, acme, passport("item", serial="42"))
    session.commit()

    report = run(session, settings)

    assert (report.queued, report.registered, report.existing, report.rejected) == (3, 3, 0, [])
    rows = registrations(session)
    assert [(r.granularity, r.state, r.attempts) for r in rows] == [
        ("model", "registered", 1),
        ("batch", "registered", 1),
        ("item", "registered", 1),
    ]
    assert [r.product_identifier for r in rows] == [model.uri, batch.uri, item.uri]
    assert model.uri.endswith(f"/01/{GTIN}") and "/10/L7" in batch.uri and "/21/42" in item.uri
    held = fake.registry.held
    assert {r.registration_id for r in rows} == {h.registration_id for h in held.values()}
    sent = held[item.uri].entry
    assert sent == {
        "uniqueProductIdentifier": item.uri,
        "digitalProductPassportId": item.public_id,
        "uniqueEconomicOperatorIdentifier": OPERATOR,
        "backupUniqueEconomicOperatorIdentifier": BACKUP,
        "dppApiEndpoint": f"{BASE_URL}/api/v1/passports/{item.public_id}",
        "granularity": "item",
    }
    # A second run has nothing to send.
    again = run(session, settings)
    assert (again.queued, again.registered, again.batches) == (0, 0, 0)
    assert (fake.registry.created, fake.registry.accepted) == (3, [3])


def test_250_passports_go_as_100_100_50(session, acme, fake):
    make_passports(session, acme, 250)
    progress: list[int] = []
    totals: list[int] = []
    report = run(session, eu(session, fake), progress=progress.append, start=totals.append)
    assert fake.registry.accepted == [100, 100, 50]
    assert (report.registered, report.left, progress, totals) == (250, 0, [100, 100, 50], [250])
    assert {r.state for r in registrations(session)} == {"registered"}


def test_a_503_mid_run_is_retried_and_nothing_is_duplicated(session, acme, fake):
    make_passports(session, acme, 250)
    settings = eu(session, fake)

    class FailSecond(UrllibTransport):
        calls = 0

        def post(self, url: str, body: dict[str, Any], token: str | None) -> Answer:
            self.calls += 1
            if self.calls == 2:
                fake.registry.fail(503)
                fake.registry.fail(429, retry_after="7")
            return super().post(url, body, token)

    waits: list[float] = []
    report = run(session, settings, FailSecond(timeout=5), waits=waits)
    assert fake.registry.requests == [200, 503, 429, 200, 200]
    assert waits == [runner.backoff(0, None), 7.0]
    assert (report.registered, report.retries, fake.registry.created) == (250, 2, 250)
    assert len({r.registration_id for r in registrations(session)}) == 250
    assert [r.attempts for r in registrations(session)][100:102] == [1, 1]  # one send counted


def test_a_crash_after_the_registry_accepted_registers_nothing_twice(session, acme, fake):
    make_passports(session, acme, 250)
    settings = eu(session, fake)

    class CrashAfterSecond(UrllibTransport):
        calls = 0

        def post(self, url: str, body: dict[str, Any], token: str | None) -> Answer:
            answer = super().post(url, body, token)
            self.calls += 1
            if self.calls == 2:  # the registry took the batch; its answer is lost
                raise RuntimeError("killed")
            return answer

    with pytest.raises(RuntimeError):
        run(session, settings, CrashAfterSecond(timeout=5))
    session.rollback()
    rows = registrations(session)
    assert [r.state for r in rows].count("registered") == 100
    assert {(r.state, r.attempts) for r in rows[100:200]} == {("queued", 1)}
    assert fake.registry.created == 200  # the registry holds the lost batch

    report = run(session, settings)
    assert (report.registered, report.existing, report.left) == (50, 100, 0)
    assert fake.registry.created == 250  # nothing registered twice
    rows = registrations(session)
    ids = {r.product_identifier: r.registration_id for r in rows}
    assert ids == {upi: h.registration_id for upi, h in fake.registry.held.items()}
    assert {(r.state, r.attempts) for r in rows[100:200]} == {("registered", 2)}


def test_a_field_error_names_the_passport_and_field_and_the_rest_go_on(session, acme, fake):
    good = make_passports(session, acme, 3)
    # A row whose level does not match its identifier (an item without a serial in its URI).
    (bad,) = make_passports(session, acme, 1, uri=f"{BASE_URL}/01/{GTIN}/10/LOT9", serial="x")
    report = run(session, eu(session, fake))
    assert report.registered == 3
    (rejection,) = report.rejected
    assert rejection.public_id == bad.public_id
    assert rejection.reason.startswith("granularity: the identifier is not of the item level")
    states = {r.passport_pk: (r.state, r.last_error) for r in registrations(session)}
    assert states[bad.pk][0] == "rejected" and "granularity" in states[bad.pk][1]
    assert {states[p.pk][0] for p in good} == {"registered"}
    # Rejected rows wait for a person; --retry-rejected sends them again.
    assert run(session, eu(session, fake)).batches == 0
    assert len(run(session, eu(session, fake), retry_rejected=True).rejected) == 1


def test_an_identifier_held_for_another_operator_is_a_409_rejection(session, acme, fake):
    (p,) = make_passports(session, acme, 1)
    run(session, eu(session, fake))
    registered = registrations(session)[0].registration_id
    session.execute(EuRegistration.__table__.delete())
    session.commit()
    report = run(session, eu(session, fake, eu_operator_id="EORI:FR000000000000001"))
    (rejection,) = report.rejected
    assert "another passport or operator" in rejection.reason
    assert fake.registry.held[p.uri].registration_id == registered


def test_without_a_valid_token_the_run_stops_and_everything_stays_queued(session, acme, fake):
    make_passports(session, acme, 2)
    with pytest.raises(EuRegistryError, match="refused the token .401"):
        run(session, eu(session, fake, eu_registry_token=None))
    rows = registrations(session)
    assert {(r.state, r.attempts) for r in rows} == {("queued", 1)}
    assert "401" in (rows[0].last_error or "")


def test_an_unreachable_registry_is_retried_then_left_queued(session, acme, fake):
    make_passports(session, acme, 1)
    waits: list[float] = []
    closed = Server()
    closed.close()  # nothing listens on its port any more
    settings = eu(session, fake, eu_registry_url=closed.url)
    with pytest.raises(EuRegistryError, match="Gave up after 3 tries; no answer"):
        run(session, settings, attempts=3, waits=waits)
    assert waits == [0.5, 1.0]
    assert registrations(session)[0].state == "queued"


def test_the_registry_must_be_configured(session, fake):
    with pytest.raises(EuRegistryError, match="KREISLAUF_EU_BACKUP_OPERATOR_ID"):
        run(session, eu(session, fake, eu_operator_id="", eu_backup_operator_id=""))


def test_each_issuer_registers_under_its_own_operator_id(session, acme, rival, fake):
    """A registry serves many economic operators: each one's passports go with its own
    identifier; KREISLAUF_EU_OPERATOR_ID is the default for those without one."""
    rival_gtin = "09520999000016"
    organisations.set_operator_id(acme, "EORI:DE000000000000001")
    session.commit()
    (mine,) = make_passports(session, acme, 1)
    (theirs,) = make_passports(session, rival, 1, uri=f"{BASE_URL}/01/{rival_gtin}/21/R1")
    without_default = eu(session, fake, eu_operator_id="")
    with pytest.raises(EuRegistryError, match=f"Rival Appliances AG \\({rival.public_id}\\)"):
        run(session, without_default)
    assert {r.state for r in registrations(session)} == {"queued"}  # nothing sent
    assert run(session, eu(session, fake)).batches == 1
    assert fake.registry.held[mine.uri].operator == "EORI:DE000000000000001"
    assert fake.registry.held[theirs.uri].operator == OPERATOR
    with pytest.raises(InvalidDocument, match="operator identifier"):
        organisations.set_operator_id(rival, "EORI DE 1")


def test_issuing_queues_the_registration_in_its_transaction_only_when_asked(session, acme, fake):
    off = eu(session, fake)
    issuing.issue_passport(session, off, acme, passport("item", serial="1"))
    session.commit()
    assert registrations(session) == []
    on = eu(session, fake, eu_registry_auto=True)
    issued = issuing.issue_passports(
        session, on, acme, [passport("item", serial="2"), passport("item", serial="3")]
    )
    assert [r.state for r in registrations(session)] == ["queued", "queued"]  # before commit
    session.rollback()  # the issuing transaction undone: its rows go with it
    assert registrations(session) == []
    issued = issuing.issue_passports(session, on, acme, [passport("item", serial="2")])
    session.commit()
    assert [(r.passport_pk, r.attempts) for r in registrations(session)] == [(issued[0].pk, 0)]
    assert fake.registry.requests == []  # issuing never sends


def test_batches_and_levels_of_the_messages():
    assert [len(b) for b in messages.batches(list(range(250)))] == [100, 100, 50]
    with pytest.raises(ValueError, match="1 to 100"):
        messages.body([])
    assert messages.level_of("https://x/01/09520123456788") == "model"
    assert messages.level_of("https://x/8013/ABC123") == "model"
    assert messages.level_of("https://x/01/09520123456788/10/L1") == "batch"
    assert messages.level_of("https://x/01/09520123456788/10/L1/21/9") == "item"
    assert messages.level_of("https://x/c/abc") is None
    assert retry_after("12") == 12.0 and retry_after(None) is None
    assert runner.backoff(10, None) == runner.BACKOFF_CAP


def test_settings_from_the_environment():
    settings = Settings.from_env(
        {
            "KREISLAUF_EU_REGISTRY_URL": "https://registry.example/v1/registerDPPs",
            "KREISLAUF_EU_REGISTRY_TOKEN": "tok-7Q2X",
            "KREISLAUF_EU_OPERATOR_ID": " EORI:DE1 ",
            "KREISLAUF_EU_BACKUP_OPERATOR_ID": "EORI:DE2",
            "KREISLAUF_EU_REGISTRY_AUTO": "1",
        }
    )
    assert settings.eu_registry_url == "https://registry.example/v1/registerDPPs"
    assert (settings.eu_operator_id, settings.eu_backup_operator_id) == ("EORI:DE1", "EORI:DE2")
    assert settings.eu_registry_auto and "tok-7Q2X" not in repr(settings)
    assert not Settings.from_env({}).eu_registry_auto
    with pytest.raises(ValueError, match="KREISLAUF_EU_REGISTRY_AUTO"):
        Settings.from_env({"KREISLAUF_EU_REGISTRY_AUTO": "maybe"})
