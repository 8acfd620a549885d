"""The registry the permission matrix tests call (tests/api and tests/web).

One registry per test module and database: an organisation of every role, a rival
manufacturer, each with two API keys and a volunteer who signs in, the registry's own
organisation (no key, no user: the tests forge a key row for it to show that none works), and
item passports issued by the manufacturer: one shared passport that only refused calls and
reads touch, and a pool of fresh ones, one for each call that is allowed to write.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from passport import accounts, organisations, transfers
from passport.access import hash_key, new_api_key
from passport.config import Settings
from passport.db import make_engine, make_session_factory
from passport.disclosure import grants
from passport.events import history
from passport.models import ApiKey, Base, Organisation, utcnow
from passport.passports import community, issuing
from passport.passports.lookup import get_passport
from passport.permissions import BY_ACTION, REGISTRY_ROLE, may
from passport.signing.keys import ensure_keys
from tests.conftest import BASE_URL
from tests.helpers import gtin, passport
from tests.web.conftest import hashed, sign_in
from web.app import create_app

MAKER = "manufacturer"


@dataclass(frozen=True)
class Caller:
    """Who calls: nobody, an organisation of a role (the manufacturer issued every passport;
    the rival is another manufacturer), or the registry's own organisation."""

    name: str
    role: str | None  # None: nobody

    @property
    def is_issuer(self) -> bool:
        return self.name == MAKER


CALLERS = (
    Caller("none", None),
    Caller(MAKER, "manufacturer"),
    Caller("rival-manufacturer", "manufacturer"),
    Caller("repairer", "repairer"),
    Caller("refurbisher", "refurbisher"),
    Caller("remanufacturer", "remanufacturer"),
    Caller("recycler", "recycler"),
    Caller("authority", "authority"),
    Caller("registry", REGISTRY_ROLE),
)
BY_NAME = {c.name: c for c in CALLERS}
ORGS = [c for c in CALLERS if c.role not in (None, REGISTRY_ROLE)]
PREFIXES = {c.name: f"95201{30 + i}" for i, c in enumerate(ORGS)}  # 7-digit company prefixes
TERMINAL_FREE = ("repair", "maintenance", "inspection", "recall", "refurbishment", "resale")
# Realistic details of every event type (as tests/api/test_events.py records them).
DETAILS: dict[str, dict[str, Any]] = {
    "commissioning": {"description": "First switched on"},
    "sale": {"channel": "retail", "condition": "New"},
    "repair": {"outcome": "fixed", "problem": "Seal replaced"},
    "maintenance": {"description": "Descaled"},
    "inspection": {"measurements": {"stateOfHealth": 91.5}},
    "part_replacement": {"removed": {"description": "Worn seal"}},
    "refurbishment": {"condition": "Refurbished", "grade": "A"},
    "resale": {"channel": "online", "condition": "Used"},
    "remanufacture": {"description": "Body reused"},
    "repurpose": {"description": "Cells reused"},
    "recall": {"reason": "Lid may open", "severity": "warning"},
    "collection": {"channel": "municipal"},
    "disassembly": {"description": "Taken apart"},
    "recycling": {"recoveredMaterials": ["steel"]},
    "destruction": {"description": "Shredded"},
}


def allowed(action: str, caller: Caller) -> bool:
    """What the table says of ``caller`` taking ``action`` on the manufacturer's product."""
    if caller.role is None or caller.role == REGISTRY_ROLE:
        return BY_ACTION[action].anyone >= {"none"}  # the registry acts only through a claim
    return may(action, caller.role, is_issuer=caller.is_issuer)


def may_record_something(caller: Caller) -> str | None:
    """A type of event ``caller`` may record on the manufacturer's product that ends nothing
    (what a correction of its own corrects), or None."""
    for kind in TERMINAL_FREE:
        if caller.role and may(f"event.{kind}", caller.role, is_issuer=caller.is_issuer):
            return kind
    return None


def event_body(kind: str, **details: Any) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {"type": kind, "eventTime": now, kind: details or DETAILS[kind]}


@dataclass
class Registry:
    """The module's registry: its app, its organisations and what they hold."""

    app: Flask
    settings: Settings
    db: Session
    orgs: dict[str, Organisation]
    keys: dict[str, str]  # caller -> its first API key
    spare_keys: dict[str, str]  # caller -> the prefix of its second key (to revoke)
    grant_ids: dict[str, str]  # caller -> a grant it gave (to revoke)
    shared: str  # the manufacturer's passport that only refused calls and reads touch
    shared_serial: str
    community_key: str
    pool: list[tuple[str, str]] = field(default_factory=list)  # (id, serial), fresh passports
    serials: Iterator[int] = field(default_factory=lambda: count(1000))
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    wrote: bool = False  # the test's own setting up wrote since the last snapshot
    counter: Connection | None = None  # PostgreSQL: one connection in autocommit
    engine: Engine = field(init=False)

    def headers(self, caller: Caller) -> dict[str, str]:
        key = self.keys.get(caller.name)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def fresh(self) -> tuple[str, str]:
        """A passport of the manufacturer nothing has touched (id, serial)."""
        if not self.pool:
            self.pool, self.wrote = self.issue(40), True
        return self.pool.pop()

    def issue(self, n: int) -> list[tuple[str, str]]:
        serials = [f"S{next(self.serials)}" for _ in range(n)]
        body = [passport("item", gtin_=self.gtin(MAKER), serial=s) for s in serials]
        issued = issuing.issue_passports(self.db, self.settings, self.orgs[MAKER], body)
        self.db.commit()
        return [(p.public_id, s) for p, s in zip(issued, serials, strict=True)]

    def gtin(self, caller: str) -> str:
        return gtin(PREFIXES.get(caller, PREFIXES[MAKER]) + "45678")

    def record(self, caller: str, pid: str, kind: str) -> int:
        """Record an event as ``caller`` through the use case; its sequence number."""
        event = history.record_event(
            self.db, self.settings, self.orgs[caller], pid, event_body(kind)
        )
        self.db.commit()
        self.wrote = True
        return int(event.seq)

    def transfer_code(self, pid: str) -> str:
        code = transfers.create_code(self.db, get_passport(self.db, pid), None)
        self.db.commit()
        self.wrote = True
        return code

    def snapshot(self) -> tuple[Any, ...]:
        """Rows in every table, and the active API keys: what a refused call must not change."""
        if self.counter is not None:
            return tuple(self.counter.execute(text(_COUNTS)).one())
        # SQLite: a new transaction each time, to see what was committed last
        with self.engine.connect() as connection:
            return tuple(connection.execute(text(_COUNTS)).one())


_COUNTS = (
    "SELECT "
    + ", ".join(f'(SELECT count(*) FROM "{t.name}")' for t in Base.metadata.sorted_tables)
    + ', (SELECT count(*) FROM "api_keys" WHERE revoked_at IS NULL)'
)


def build(database_url: str, tmp_path: Path, fresh: int) -> Iterator[Registry]:
    """The registry of a test module (see the module's docstring), with ``fresh`` passports
    ready for the allowed writes (more are issued when they run out)."""
    ensure_keys(tmp_path)
    settings = Settings(
        database_url=database_url,
        base_url=BASE_URL,
        data_dir=tmp_path,
        testing=True,
        write_rate="1000000/minute",
    )
    app = create_app(settings)
    engine = make_engine(database_url)
    db = make_session_factory(engine)()
    db.info["settings"] = settings
    orgs, keys, spare = {}, {}, {}
    for caller in ORGS:
        prefixes = (PREFIXES[caller.name],)
        org, key = organisations.create_organisation(db, caller.name, caller.role, prefixes)
        orgs[caller.name], keys[caller.name] = org, key
        spare[caller.name] = organisations.issue_api_key(db, org)[:12]
        accounts.create_user(db, org, f"{caller.name}@example.org", PASSWORD, hashed)
    registry_org = transfers.registry_organisation(db)
    orgs["registry"] = registry_org
    # No use case gives the registry a key; a forged row shows that none would work.
    forged = new_api_key()
    db.add(
        ApiKey(
            organisation=registry_org,
            prefix=forged[:12],
            key_hash=hash_key(forged),
            created_at=utcnow(),
        )
    )
    keys["registry"] = forged
    db.commit()
    grant_ids = {}
    for caller in ORGS:
        grantee = "rival-manufacturer" if caller.name != "rival-manufacturer" else MAKER
        row = grants.grant(db, orgs[caller.name], orgs[grantee].public_id)
        grant_ids[caller.name] = row.public_id
    made = community.issue_community_passport(
        db,
        settings,
        orgs["repairer"],
        category="Kettle",
        brand="Philips",
        model="HD4646",
        year=2012,
    )
    db.commit()
    registry = Registry(
        app,
        settings,
        db,
        orgs,
        keys,
        spare,
        grant_ids,
        shared="",
        shared_serial="",
        community_key=made.uri.rsplit("/c/", 1)[1],
    )
    registry.engine = engine
    if engine.dialect.name == "postgresql":  # one round trip a count
        registry.counter = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    registry.pool = registry.issue(fresh + 1)
    registry.shared, registry.shared_serial = registry.pool.pop()
    registry.record(MAKER, registry.shared, "maintenance")  # event 1, with a receipt
    yield registry
    if registry.counter is not None:
        registry.counter.close()
    db.close()
    app.extensions["kreislauf"].engine.dispose()
    engine.dispose()


PASSWORD = "kettles-deserve-a-second-life"


def client_of(registry: Registry, caller: Caller) -> FlaskClient:
    """A browser of ``caller``: signed in as its organisation's volunteer, or nobody's (with
    a form token all the same, so that what refuses it is the permission, not the token)."""
    if caller.name in registry.clients:
        return registry.clients[caller.name]
    client = registry.app.test_client()
    if caller.role is None:
        client.get("/signin")
        with client.session_transaction() as s:
            s["csrf"] = "nobody-has-a-token-too"
    else:
        answer = sign_in(client, f"{caller.name}@example.org", PASSWORD)
        assert answer.status_code == 303, answer.get_data(as_text=True)
    registry.clients[caller.name] = client
    return client


def csrf(client: FlaskClient) -> str:
    with client.session_transaction() as s:
        return str(s["csrf"])


def rule_path(rule: str) -> str:
    """A url_map rule as the table writes it: ``<string:passport_id>`` -> ``<passport_id>``."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule)
