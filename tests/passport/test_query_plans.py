"""Every query of the hot paths uses an index that fits, on SQLite and PostgreSQL.

Each hot operation (issue an item under its model, issue a batch, append an event and a
correction, read a passport through the resolver and the API, its events, a receipt, an
inclusion and a consistency proof, a tile, the status list) runs against the registry; every
SQL statement it executes is captured (``before_cursor_execute``) and explained: SQLite's
``EXPLAIN QUERY PLAN``, PostgreSQL's ``EXPLAIN (FORMAT JSON)`` with ``enable_seqscan`` off, so
that even on a table of a few rows the plan shows whether an index *can* serve the query. A
full scan of a table that grows with passports, versions, events or the log fails the test:
such a query costs O(n) at a million passports (issue 13: a row-value ``IN`` made every log
append scan ``log_nodes``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from passport.ledger import log
from passport.models import Organisation
from passport.passports import lookup
from passport.views_cache import keys
from tests.conftest import Org
from tests.helpers import GTIN, passport

# Tables that grow with the registry's passports, versions, events and log. A full scan of any
# of them is a failure.
GROWING = frozenset(
    {
        "passports",
        "passport_versions",
        "events",
        "log_entries",
        "log_nodes",
        "log_checkpoints",
        "log_cosignatures",
        "access_reads",
        "idempotency_keys",
        "transfer_codes",
        "eu_registrations",
        "grants",
        "passport_moves",  # one per moved passport, read by its key
        "passport_arrivals",  # one per passport moved here, read by its key
    }
)
# Tables that grow with the number of organisations (tens to thousands), never with passports
# or events: a scan there is bounded by the registry's members, not its products. Listed so
# that a new table is a deliberate choice, not an accident.
SMALL = {
    "organisations": "one row per member organisation",
    "gs1_prefixes": "a few per organisation",
    "api_keys": "a few per organisation",
    "users": "a few per organisation",
    "log_head": "exactly one row",
    "witnessed_logs": "one per witnessed log",
    "registry_seals": "one per issuer and one for the registry",
    # not a table: the keys a batch takes from the passports' sequence (passport.ledger.bulk)
    "generate_series": "as many rows as the batch has passports",
}
# Queries that a scan-free plan is not enough for: the index that fits them, by name (with only
# the GTIN index, the parent lookup reads every item of the model; with only the primary key,
# a status list reads 131,072 rows for its few withdrawn ones).
FITTING = {
    r"WHERE passports\.gtin IN .* AND granularity IN": "ix_passports_parents",
    r"WHERE status = 'withdrawn' AND passports\.pk >=": "ix_passports_withdrawn",
    r"FROM log_nodes WHERE": "log_nodes_pkey|sqlite_autoindex_log_nodes_1",
    # A serial typed at a counter without its GTIN (passport.passports.lookup.items_with_serial):
    # the ix_passports_gtin_lot_serial index cannot serve it, and the organisation's recent
    # events, newest first, want their recorder's index, not a walk down the primary key.
    r"WHERE passports\.serial = .* AND passports\.granularity = ": "ix_passports_serial",
    r"FROM events WHERE events\.recorder_pk = .* ORDER BY events\.pk DESC": "ix_events_recorder",
}
_SKIP = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|SET|SHOW)\b", re.I)


@dataclass
class Capture:
    """The statements executed while an operation ran, with the operation's name."""

    operation: str = ""
    statements: list[tuple[str, str, Any]] = field(default_factory=list)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not _SKIP.match(statement):
            self.statements.append((self.operation, statement, parameters))


@pytest.fixture
def capture(app: Any, session: Session) -> Iterator[Capture]:
    got = Capture()
    # The app's and the session's engine (one engine, the test's, when they share it).
    both: list[Engine] = [app.extensions["kreislauf"].engine, session.get_bind()]  # type: ignore[list-item]
    engines = list(dict.fromkeys(both))
    for engine in engines:
        event.listen(engine, "before_cursor_execute", got)
    yield got
    for engine in engines:
        event.remove(engine, "before_cursor_execute", got)


def _first(parameters: Any) -> Any:
    """One set of parameters of an executemany."""
    if isinstance(parameters, list) and parameters and isinstance(parameters[0], tuple | dict):
        return parameters[0]
    return parameters


def _table(name: str) -> str:
    """The table behind SQLAlchemy's alias of it (``passports_1``)."""
    return re.sub(r"_\d+$", "", name)


_FITTED: set[str] = set()


def _check_fit(statement: str, plan: str) -> None:
    flat = " ".join(statement.split())
    for pattern, index in FITTING.items():
        if re.search(pattern, flat):
            _FITTED.add(pattern)
            assert re.search(index, plan), f"{flat[:200]}: not served by {index}: {plan}"


def sqlite_full_scans(session: Session, statement: str, parameters: Any) -> list[str]:
    conn = session.connection().connection.driver_connection
    assert conn is not None
    rows = conn.execute(f"EXPLAIN QUERY PLAN {statement}", _first(parameters)).fetchall()
    details = [row[3] for row in rows]
    _check_fit(statement, " ".join(details))
    if re.match(r"\s*INSERT\b", statement, re.I) and not re.search(r"\bSELECT\b", statement):
        # An INSERT ... VALUES scans nothing; the scans its plan lists are the foreign-key
        # checks of child tables referencing the new row, which SQLite skips unless the
        # statement has a violation outstanding (OP_FkIfZero): never, when the rows are right.
        return []
    limited = re.search(r"\bLIMIT\b", statement, re.I) and not any(
        "TEMP B-TREE" in d for d in details
    )
    bad = []
    for detail in details:
        scan = re.match(r"SCAN (\w+)( USING (COVERING )?INDEX \w+)?", detail)
        if scan is None or _table(scan.group(1)) not in GROWING:
            continue
        if scan.group(2) and limited:
            continue  # an index walked in order and stopped by LIMIT (the newest checkpoint)
        bad.append(detail)
    return bad


def postgres_full_scans(session: Session, statement: str, parameters: Any) -> list[str]:
    conn = session.connection().connection.driver_connection
    assert conn is not None
    with conn.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", _first(parameters))
        (plan,) = cursor.fetchone()
    bad: list[str] = []

    def walk(node: dict[str, Any], limited: bool) -> None:
        kind = node["Node Type"]
        relation = node.get("Relation Name")
        limited = limited or kind == "Limit"
        if relation in GROWING:
            if kind == "Seq Scan":
                bad.append(f"Seq Scan on {relation}")
            elif kind in ("Index Scan", "Index Only Scan") and not limited:
                if "Index Cond" not in node:
                    bad.append(f"{kind} of all of {relation} ({node.get('Index Name')})")
        for child in node.get("Plans", []):
            walk(child, limited)

    _check_fit(statement, str(plan))
    walk(plan[0]["Plan"], False)
    return bad


def full_scans(session: Session, capture: Capture) -> list[str]:
    dialect = session.get_bind().dialect.name
    explain = sqlite_full_scans if dialect == "sqlite" else postgres_full_scans
    found = []
    seen: set[str] = set()
    for operation, statement, parameters in capture.statements:
        if statement in seen:
            continue
        seen.add(statement)
        tables = {
            _table(t)
            # (not the OF of a row lock: FOR UPDATE OF passports)
            for t in re.findall(r"\b(?<!FOR )(?:FROM|JOIN|INTO|UPDATE)\s+\"?(\w+)", statement, re.I)
        }
        unknown = tables - GROWING - set(SMALL)
        assert not unknown - {"anon"}, f"{operation}: classify table(s) {unknown} in this test"
        for scan in explain(session, statement, parameters):
            found.append(f"{operation}: {scan}\n    {' '.join(statement.split())}")
    session.rollback()
    return found


def _post(client: FlaskClient, url: str, org: Org, body: Any) -> Any:
    response = client.post(url, json=body, headers=org.headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:500]
    return response.get_json()


def _get(client: FlaskClient, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    return response


def test_hot_queries_use_an_index(
    client: FlaskClient, session: Session, maker: Org, capture: Capture
) -> None:
    capture.operation = "issue a model passport"
    _post(client, "/api/v1/passports", maker, passport("model", serial=None))
    capture.operation = "issue an item under its model"
    item = _post(client, "/api/v1/passports", maker, passport("item", serial="S1"))
    capture.operation = "issue a batch"
    batch = [passport("batch", lot="L1", serial=None)]
    batch += [passport("item", lot="L1", serial=f"B{i}") for i in range(3)]
    _post(client, "/api/v1/passports/batch", maker, batch)

    events = f"/api/v1/passports/{item['id']}/events"
    capture.operation = "append an event"
    repair = {"outcome": "fixed", "problem": "Lid"}
    _post(
        client,
        events,
        maker,
        {"type": "repair", "eventTime": "2026-05-03T14:00:00Z", "repair": repair},
    )
    _post(
        client,
        events,
        maker,
        {"type": "repair", "eventTime": "2026-05-03T15:00:00Z", "repair": repair},
    )
    capture.operation = "append a correction"
    _post(
        client,
        events,
        maker,
        {
            "type": "correction",
            "eventTime": "2026-05-03T16:00:00Z",
            "correction": {"corrects": 2, "reason": "incorrect_data"},
        },
    )

    capture.operation = "read through the resolver"
    _get(client, f"/01/{GTIN}/21/S1", Accept="application/ld+json")
    _get(client, f"/01/{GTIN}/21/S1", Accept="application/linkset+json")
    capture.operation = "read through the API"
    _get(client, f"/api/v1/passports/{item['id']}")
    _get(client, events)
    capture.operation = "the passport's page"
    _get(client, f"/passports/{item['id']}")
    capture.operation = "an event's receipt (inclusion proof)"
    _get(client, f"{events}/1/receipt")
    size = log.head(session)[0]
    session.rollback()
    capture.operation = "an inclusion proof"
    _get(client, f"/log/v1/proof/inclusion?index=3&size={size}")
    _get(client, f"/log/v1/receipt/{size - 1}")
    capture.operation = "a consistency proof"
    _get(client, f"/log/v1/proof/consistency?first=3&second={size}")
    _get(client, "/log/v1/checkpoint")
    capture.operation = "a tile"
    _get(client, "/log/v1/tile/0/000.p/" + str(size))
    capture.operation = "the status list"
    _get(client, "/credentials/status/1")
    # A stored view's read key runs on a worker's own driver connection (no engine events on
    # a hit): its statements are added as compiled (passport.views_cache.keys).
    capture.operation = "the read key of stored views"
    dialect = session.get_bind().dialect
    for by, values in (
        ("id", {"id": item["id"]}),
        ("pk", {"pk": 1}),
        ("identity", {f"k{n}": f"{GTIN}/{n}" for n in range(keys.CANDIDATES)}),
        ("checkpoint", {}),
    ):
        sql, order = keys._compiled(dialect, by)
        params = tuple(values[name] for name in order) if order is not None else values
        capture.statements.append((capture.operation, sql, params))
    capture.operation = "an item found by its serial number typed alone"
    maker_pk = session.scalar(select(Organisation.pk).where(Organisation.public_id == maker.id))
    assert [p.public_id for p in lookup.items_with_serial(session, "S1", maker_pk)] == [item["id"]]
    assert lookup.items_with_serial(session, "B1", None)  # anywhere: no organisation
    assert lookup.items_with_serial(session, "B2", -1)  # the organisation's recent: none of them
    session.rollback()
    capture.operation = ""

    assert len(capture.statements) > 50  # the capture saw the operations
    _FITTED.clear()
    scans = full_scans(session, capture)
    assert _FITTED == set(FITTING), "the operations ran every query FITTING names"
    assert not scans, "full scans of growing tables:\n" + "\n".join(scans)
