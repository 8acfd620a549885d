"""Scale on one machine: a registry of 1,000,000 passports and 5,000,000 events, on one SQLite
file and on PostgreSQL, served by 4 gunicorn workers (``kreislauf run --workers 4``).

What it reports, each at the large size beside the same figure at the small one (10,000
passports), measured in the same run:

* resolver lookup ``GET /01/{gtin}/10/{lot}/21/{serial}`` (JSON-LD) p50 / p99 under wrk
  (2 threads, 4 connections: one per worker, a random filled item per request): target within 2x;
* event append with its log entry (``history.record_event`` + commit, one at a time);
* inclusion proof (``ledger.log.inclusion`` of a random leaf in the whole tree);
* database size per passport and per event (each with its log leaf and Merkle nodes);
* server memory: RSS of gunicorn's master and its 4 workers after the load.

Filling
-------
The registry's own code issues the template: the organisations, a model and a batch passport,
and one item passport with five lifecycle events (``issuing`` and ``history.record_event``:
the real validation, seals and checkpoints). Every other item is a clone of that item with its
own serial, public id, salt and event ids, written with raw bulk SQL (``executemany`` on
SQLite, ``COPY`` on PostgreSQL): its passport row, its first version, its five events, their six
log leaves and the Merkle nodes they complete. The registry's own functions make, once, the
byte patterns of an item's leaves, committed content and CBV event-hash pre-images
(``ledger.log.leaf_bytes``, ``committed``, ``event_content``, ``events.hashing.prehash``), with
placeholders where an item's serial, salt, public id, event id, previous leaf and digests go;
each item fills them in and hashes with ``merkle.leaf_hash`` / ``node_hash`` and
``hashing.hash_id`` (canonical JSON orders keys by name and writes these ASCII values
verbatim, so filling in is exact). Every 1,000th item is made again by the functions themselves
(``log.content_sha256``, ``epcis.epcis_event``) and compared, and ``kreislauf verify`` passes on
a small fill (tests/bench/test_scale_smoke.py, SQLite and PostgreSQL), so appends and proofs
after the fill work. The head is updated and a checkpoint signed at the end. Items are made
in two processes (they are independent: item ``j``'s leaves are at fixed indices); nodes are
pushed in order in the main process.

A filled database is kept under ``bench/.cache/`` (git-ignored; one SQLite file or one
PostgreSQL database ``kreislauf_scale_postgresql_<passports>_<cache>`` per size, with a JSON
marker written only when the fill is complete), so re-runs measure without refilling; a
cached fill is first brought to the migration head (new indexes made and analysed).
Measuring appends events: a re-run's registry has a few more.

Usage: python bench/scale.py [--size smoke|full] [--passports N] [--small N]
                             [--database sqlite|postgresql|both] [--refill] [--write FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, make_url, select, text  # noqa: E402

from bench.common import Row  # noqa: E402
from passport import organisations  # noqa: E402
from passport.config import Settings  # noqa: E402
from passport.db import (  # noqa: E402
    begin_write,
    make_engine,
    make_session_factory,
    upgrade_database,
)
from passport.events import epcis, hashing, history  # noqa: E402
from passport.ledger import checkpoints, log, merkle, sequencer  # noqa: E402
from passport.models import Event, LogHead, Organisation, Passport, PassportVersion  # noqa: E402
from passport.passports import issuing  # noqa: E402
from passport.signing.jose import canonical_json  # noqa: E402
from passport.signing.keys import ensure_keys  # noqa: E402
from passport.signing.registry import issuer_did  # noqa: E402
from web.demo import kettle_batch, kettle_item, kettle_model  # noqa: E402

BASE_URL = "https://dpp.example.org"
LOT = "2026W49"
TEMPLATE_SERIAL = "SC000000000"  # item j is "SC%09d" % j: same length, found by replacement
CACHE = ROOT / "bench" / ".cache"
POSTGRES_URL = os.environ.get(
    "KREISLAUF_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
VENV_BIN = Path(sys.executable).parent
# (passports, events, small passports, wrk seconds, appends, proofs)
SIZES = {
    "smoke": (600, 3_000, 200, 0.0, 3, 5),  # in process (0 s of wrk): the suite's smoke test
    "full": (1_000_000, 5_000_000, 10_000, 10.0, 20, 20),
}
CHUNK = 5_000  # items per bulk statement batch (and per worker task)

# The template item's life, recorded through the registry: (recorder, event body).
EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("maker", {"type": "commissioning", "eventTime": "2026-04-10T09:00:00+02:00"}),
    (
        "maker",
        {"type": "sale", "eventTime": "2026-04-24T16:20:00+02:00", "sale": {"channel": "retail"}},
    ),
    (
        "cafe",
        {
            "type": "repair",
            "eventTime": "2026-09-03T15:30:00+02:00",
            "repair": {
                "outcome": "fixed",
                "problem": "Switch did not click off; replaced the switch",
                "spareParts": "manufacturer",
                "partsReplaced": ["power switch"],
            },
        },
    ),
    (
        "shop",
        {
            "type": "resale",
            "eventTime": "2026-10-12T11:00:00+02:00",
            "resale": {"channel": "second_hand_shop", "condition": "Used"},
        },
    ),
    (
        "cafe",
        {
            "type": "repair",
            "eventTime": "2026-11-02T10:00:00+01:00",
            "repair": {
                "outcome": "fixed",
                "problem": "Limescale filter",
                "spareParts": "third_party",
            },
        },
    ),
]
APPEND_BODY = {
    "type": "repair",
    "eventTime": "2026-11-25T10:00:00+01:00",
    "repair": {"outcome": "fixed", "problem": "Lid hinge", "spareParts": "manufacturer"},
}


# --- the fill --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filled:
    """What a complete fill left (the cache marker's content)."""

    database_url: str
    data_dir: str
    passports: int  # rows in passports (model + batch + items)
    events: int
    leaves: int
    seconds: float


def _serial(j: int) -> str:
    return f"SC{j:09d}"


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _dialect(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def _raw_rows(url: str, table: str, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Rows of ``table`` as the database stores them (JSON as text), by column name."""
    if _dialect(url) == "sqlite":
        conn = sqlite3.connect(make_url(url).database or "")
        try:
            cur = conn.execute(f"SELECT * FROM {table} WHERE {where.replace('%s', '?')}", params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            conn.close()
    with psycopg.connect(_conninfo(url)) as conn:
        cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", params)
        names = [d.name for d in cur.description or []]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for row in rows:  # jsonb comes back parsed: give it back as text, as COPY takes it
        for k, v in row.items():
            if isinstance(v, dict | list):
                row[k] = json.dumps(v)
    return rows


def _template(url: str, settings: Settings) -> dict[str, Any]:
    """Issue the template through the registry itself; return what the clones are made of."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        begin_write(session)
        maker, _ = organisations.create_organisation(
            session, "Kesselwerk Scale GmbH", "manufacturer", ["4098765"]
        )
        cafe, _ = organisations.create_organisation(session, "Repair Café Scale", "repairer")
        shop, _ = organisations.create_organisation(session, "Second Life Scale", "refurbisher")
        orgs = {"maker": maker, "cafe": cafe, "shop": shop}
        issuing.issue_passport(session, settings, maker, kettle_model())
        issuing.issue_passport(session, settings, maker, kettle_batch(LOT))
        (item,) = issuing.issue_passports(
            session, settings, maker, [kettle_item(LOT, TEMPLATE_SERIAL)]
        )
        base = datetime(2026, 11, 20, tzinfo=UTC)
        for n, (who, body) in enumerate(EVENTS):
            history.record_event(
                session, settings, orgs[who], item.public_id, body, now=base + timedelta(hours=n)
            )
        session.commit()
        pk = item.pk
        version = session.scalars(
            select(PassportVersion).where(PassportVersion.passport_pk == pk)
        ).one()
        events = list(
            session.scalars(select(Event).where(Event.passport_pk == pk).order_by(Event.seq))
        )
        dids = {o.pk: issuer_did(BASE_URL, o) for o in orgs.values()}
        template = {
            "passport_pk": pk,
            "version_created": version.created_at,
            "maker_did": dids[maker.pk],
            "events": [
                {
                    "type": e.type,
                    "biz_step": e.biz_step,
                    "disposition": e.disposition,
                    "event_time": e.event_time,
                    "time_offset": e.time_offset,
                    "recorded_at": e.recorded_at,
                    "details": e.details,
                    "recorder": dids[e.recorder_pk],
                }
                for e in events
            ],
        }
        size = session.scalar(select(LogHead.size))
    engine.dispose()
    template["passport_row"] = _raw_rows(url, "passports", "pk = %s", (pk,))[0]
    template["version_row"] = _raw_rows(url, "passport_versions", "passport_pk = %s", (pk,))[0]
    template["event_rows"] = _raw_rows(url, "events", "passport_pk = %s ORDER BY seq", (pk,))
    template["log_size"] = size
    return template


_T: dict[str, Any] = {}  # the template and its byte patterns, in each worker process

# Placeholders the patterns carry where an item's own values go (none can occur otherwise).
_SALT = "SALTxSALTxSALTxSALTxSA"  # as long as log.new_salt()'s 22 characters
_PID = "PIDxPIDxPIDxPIDx"
_INDEX = 4_503_599_627_370_001  # below 2**53, as JCS needs
_PREV_HASH = bytes(range(32))
_DIGEST = "c0ffee" * 10 + "c0ff"
_EVENT_ID = "EVENTIDxEVENTIDxEVENTID"


def _init_worker(template: dict[str, Any]) -> None:
    """Make, once, the byte patterns of an item's leaves, content and event ids with the
    registry's own functions (placeholders where an item's values go); ``_item_rows`` fills
    them in, and checks every 1,000th item against the functions themselves."""
    _T.clear()
    _T.update(template)
    origin = log.origin(BASE_URL)
    uri = template["passport_row"]["uri"]
    document = json.loads(template["version_row"]["document"])
    _T["committed"] = canonical_json(log.committed(document, _SALT, _PID))
    leaves = [
        log.leaf_bytes(
            origin,
            kind="dpp.issued",
            subject=uri,
            seq=0,
            prev=None,
            time=template["version_created"],
            actor=template["maker_did"],
            content_digest=_DIGEST,
        )
    ]
    contents, prehashes = [], []
    for n, e in enumerate(template["events"], start=1):
        rendered = epcis.epcis_event(
            event_type=e["type"],
            event_time=e["event_time"],
            offset=e["time_offset"],
            epc=uri,
            details=e["details"],
            recorder=e["recorder"],
            recorded_at=e["recorded_at"],
        )
        pre = hashing.prehash(rendered, namespaces=epcis.EVENT_NAMESPACES)
        if hashing.hash_id(pre) != rendered["eventID"] or TEMPLATE_SERIAL not in pre:
            raise RuntimeError("the event id is not the hash of a pre-hash naming the serial")
        prehashes.append(pre)
        fields = SimpleNamespace(seq=n, event_id=_EVENT_ID, content_salt=None, **e)
        contents.append(canonical_json(log.event_content(fields, None, None)))  # type: ignore[arg-type]
        leaves.append(
            log.leaf_bytes(
                origin,
                kind=f"dpp.event.{e['type']}",
                subject=uri,
                seq=n,
                prev=(_INDEX, _PREV_HASH),
                time=e["recorded_at"],
                actor=e["recorder"],
                content_digest=_DIGEST,
            )
        )
    _T["leaves"], _T["contents"], _T["prehashes"] = leaves, contents, prehashes


def _swap(value: Any, serial: str) -> Any:
    if isinstance(value, bytes):
        return value.replace(TEMPLATE_SERIAL.encode(), serial.encode()).replace(
            TEMPLATE_SERIAL.lower().encode(), serial.lower().encode()
        )
    if not isinstance(value, str):
        return value
    # search_text holds the serial lower-cased
    value = value.replace(TEMPLATE_SERIAL, serial)
    return value.replace(TEMPLATE_SERIAL.lower(), serial.lower())


def _leaf(pattern: bytes, serial: str, prev: tuple[int, bytes] | None, digest: str) -> bytes:
    leaf = _swap(pattern, serial).replace(_DIGEST.encode(), digest.encode())
    if prev is not None:
        leaf = leaf.replace(str(_INDEX).encode(), str(prev[0]).encode())
        leaf = leaf.replace(_PREV_HASH.hex().encode(), prev[1].hex().encode())
    return bytes(leaf)


def _item_rows(span: tuple[int, int]) -> list[tuple[Any, ...]]:
    """Rows of items [first, last): (passport, version, events, log entries) per item.

    Item j (j >= 1) gets passport pk template + j, and its leaves follow the template's: the
    log holds the template's entries, then six per item (issued, then its five events)."""
    t = _T
    per = 1 + len(t["events"])
    out = []
    for j in range(*span):
        serial = _serial(j)
        pk = t["passport_pk"] + j
        prow = {k: _swap(v, serial) for k, v in t["passport_row"].items()}
        public_id = secrets.token_hex(8)
        prow.update(pk=pk, public_id=public_id)
        uri = prow["uri"]
        vrow = {k: _swap(v, serial) for k, v in t["version_row"].items()}
        salt = log.new_salt()
        vrow.update(pk=t["version_pk0"] + j, passport_pk=pk, content_salt=salt)
        committed = _swap(t["committed"], serial)
        committed = committed.replace(_SALT.encode(), salt.encode())
        committed = committed.replace(_PID.encode(), public_id.encode())
        index = t["log_size"] + (j - 1) * per
        leaf = _leaf(t["leaves"][0], serial, None, hashlib.sha256(committed).hexdigest())
        leaves = [(index, uri, "dpp.issued", 0, leaf, merkle.leaf_hash(leaf))]
        erows = []
        for n, raw in enumerate(t["event_rows"], start=1):
            event_id = hashing.hash_id(_swap(t["prehashes"][n - 1], serial))
            erow = dict(raw)
            erow.update(pk=t["event_pk0"] + (j - 1) * (per - 1) + n - 1, passport_pk=pk)
            erow["event_id"] = event_id
            erows.append(erow)
            content = t["contents"][n - 1].replace(_EVENT_ID.encode(), event_id.encode())
            prev = (leaves[-1][0], leaves[-1][5])
            leaf = _leaf(t["leaves"][n], serial, prev, hashlib.sha256(content).hexdigest())
            kind = f"dpp.event.{raw['type']}"
            leaves.append((index + n, uri, kind, n, leaf, merkle.leaf_hash(leaf)))
        if j % 1000 == 1:
            _check(uri, vrow, public_id, salt, leaves, erows)
        out.append((prow, vrow, erows, leaves))
    return out


def _check(
    uri: str,
    vrow: dict[str, Any],
    public_id: str,
    salt: str,
    leaves: list[tuple[Any, ...]],
    erows: list[dict[str, Any]],
) -> None:
    """An item's leaves and event ids, made again by the registry's own functions."""
    t = _T
    origin = log.origin(BASE_URL)
    document = json.loads(vrow["document"])
    expected = [
        log.leaf_bytes(
            origin,
            kind="dpp.issued",
            subject=uri,
            seq=0,
            prev=None,
            time=t["version_created"],
            actor=t["maker_did"],
            content_digest=log.content_sha256(log.committed(document, salt, public_id)),
        )
    ]
    for n, (e, erow) in enumerate(zip(t["events"], erows, strict=True), start=1):
        event_id = epcis.epcis_event(
            event_type=e["type"],
            event_time=e["event_time"],
            offset=e["time_offset"],
            epc=uri,
            details=e["details"],
            recorder=e["recorder"],
            recorded_at=e["recorded_at"],
        )["eventID"]
        if event_id != erow["event_id"]:
            raise RuntimeError(f"event id of {uri} #{n} differs from the registry's")
        fields = SimpleNamespace(seq=n, event_id=event_id, content_salt=None, **e)
        expected.append(
            log.leaf_bytes(
                origin,
                kind=f"dpp.event.{e['type']}",
                subject=uri,
                seq=n,
                prev=(leaves[n - 1][0], merkle.leaf_hash(expected[-1])),
                time=e["recorded_at"],
                actor=e["recorder"],
                content_digest=log.content_sha256(log.event_content(fields, None, None)),  # type: ignore[arg-type]
            )
        )
    if expected != [leaf[4] for leaf in leaves]:
        raise RuntimeError(f"the leaves of {uri} differ from the registry's")


class _Writer:
    """Bulk rows into one database: ``executemany`` on SQLite, ``COPY`` on PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.dialect = _dialect(url)
        if self.dialect == "sqlite":
            self.conn: Any = sqlite3.connect(make_url(url).database or "", isolation_level=None)
            for pragma in ("synchronous=OFF", "cache_size=-1000000", "foreign_keys=OFF"):
                self.conn.execute(f"PRAGMA {pragma}")
        else:
            self.conn = psycopg.connect(_conninfo(url))
            self.conn.execute("SET synchronous_commit TO off")
        self.indexes: list[str] = []

    def drop_indexes(self, tables: list[str]) -> None:
        """Drop the plain (non-constraint) indexes of the big tables; rebuilt in one pass."""
        if self.dialect == "sqlite":
            found = self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({','.join('?' * len(tables))})",
                tables,
            ).fetchall()
        else:
            found = self.conn.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
                " AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                " WHERE c.conname = i.indexname)",
                (tables,),
            ).fetchall()
        for name, sql in found:
            self.conn.execute(f'DROP INDEX "{name}"')
            self.indexes.append(sql)
        if self.dialect != "sqlite":
            self.conn.commit()

    def rebuild_indexes(self) -> None:
        for sql in self.indexes:
            self.conn.execute(sql)
        if self.dialect != "sqlite":
            self.conn.commit()

    def write(
        self, table: str, rows: list[dict[str, Any]] | list[tuple[Any, ...]], cols: list[str]
    ) -> None:
        if not rows:
            return
        values = [tuple(r[c] for c in cols) if isinstance(r, dict) else r for r in rows]
        if self.dialect == "sqlite":
            marks = ",".join("?" * len(cols))
            self.conn.execute("BEGIN")
            names = ",".join(f'"{c}"' for c in cols)
            self.conn.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                values,
            )
            self.conn.execute("COMMIT")
            return
        names = ",".join(f'"{c}"' for c in cols)
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for v in values:
                copy.write_row(v)
        self.conn.commit()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.dialect == "sqlite":
            return list(self.conn.execute(sql.replace("%s", "?"), params).fetchall())
        cur = self.conn.execute(sql, params)
        rows = cur.fetchall() if cur.description else []
        self.conn.commit()
        return list(rows)

    def close(self) -> None:
        self.conn.close()


def _frontier(url: str) -> list[tuple[int, int, bytes]]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        size = log.head(session)[0]
        keys = merkle.complete_subtrees(size)
        found = log.nodes(session, keys)
    engine.dispose()
    return [(level, index, found[(level, index)]) for level, index in keys]


def fill(
    url: str, data_dir: Path, passports: int, events: int, *, say: Callable[[str], None] = print
) -> Filled:
    """Fill an empty database with ``passports`` passports (a model, a batch, items) and about
    ``events`` events (five per item); see the module docstring."""
    started = time.perf_counter()
    upgrade_database(url)
    ensure_keys(data_dir)
    settings = Settings(database_url=url, base_url=BASE_URL, data_dir=data_dir)
    template = _template(url, settings)
    per_item = len(EVENTS)
    if events // max(passports, 1) != per_item:
        raise ValueError(f"the fill records {per_item} events per item, not {events / passports:g}")
    items = passports - 2  # the model and the batch are passports too
    writer = _Writer(url)
    template["version_pk0"] = template["version_row"]["pk"]
    template["event_pk0"] = template["event_rows"][-1]["pk"] + 1
    pcols, vcols = list(template["passport_row"]), list(template["version_row"])
    ecols = list(template["event_rows"][0])
    lcols = ["index", "subject", "kind", "subject_seq", "leaf", "leaf_hash"]
    frontier = _frontier(url)
    big = ["passports", "passport_versions", "events", "log_entries", "log_nodes"]
    writer.drop_indexes(big)
    spans = [(a, min(a + CHUNK, items)) for a in range(1, items, CHUNK)]
    done = 0
    size = template["log_size"]
    processes = min(2, os.cpu_count() or 1)
    _init_worker(template)  # here first: a failing initializer makes a Pool respawn forever
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_init_worker, initargs=(template,)) as pool:
        for chunk in pool.imap(_item_rows, spans):
            entries, nodes = [], []
            for _, _, _, leaves in chunk:
                for leaf in leaves:
                    assert leaf[0] == size, (leaf[0], size)
                    entries.append(leaf)
                    nodes.extend(sequencer._push(frontier, size, leaf[5]))
                    size += 1
            writer.write("passports", [c[0] for c in chunk], pcols)
            writer.write("passport_versions", [c[1] for c in chunk], vcols)
            writer.write("events", [e for c in chunk for e in c[2]], ecols)
            writer.write("log_entries", entries, lcols)
            writer.write("log_nodes", nodes, ["level", "index", "hash"])
            done += len(chunk)
            if done % 100_000 < CHUNK:
                say(
                    f"  filled {done + 1:,} of {items:,} items,"
                    f" {time.perf_counter() - started:.0f} s"
                )
    say(f"  rebuilding indexes, {time.perf_counter() - started:.0f} s")
    writer.rebuild_indexes()
    root = merkle.root_from_subtrees([h for _, _, h in frontier])
    writer.execute(
        "UPDATE log_head SET size = %s, root = %s WHERE id = %s", (size, root, log.HEAD_ID)
    )
    if writer.dialect == "postgresql":
        for table in ("passports", "passport_versions", "events"):
            writer.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'pk'),"
                f" (SELECT max(pk) FROM {table}))"
            )
        writer.conn.autocommit = True
        writer.conn.execute("VACUUM ANALYZE")
    else:
        writer.conn.execute("ANALYZE")
    writer.close()
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        begin_write(session)
        checkpoints.seal(session, settings, head=(size, root))
        session.commit()
    engine.dispose()
    counts = (passports, items * per_item + 0, size)
    return Filled(
        url, str(data_dir), counts[0], counts[1], counts[2], time.perf_counter() - started
    )


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT version_num FROM alembic_version"))
    engine.dispose()
    return str(found) if found else None


def _to_head(url: str, say: Callable[[str], None] = print) -> None:
    """Bring a cached fill made before the newest migrations to the migration head (idempotent:
    nothing to do when it is there), then give the planner statistics of what they added, as a
    fresh fill's closing ANALYZE would have (a new index on a million rows takes a while)."""
    before, started = _revision(url), time.perf_counter()
    upgrade_database(url)
    after = _revision(url)
    if before == after:
        return
    if _dialect(url) == "sqlite":
        conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        new = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT IN"
            " (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)"
        ).fetchall()
        for (name,) in new:
            conn.execute(f'ANALYZE "{name}"')
        conn.close()
    else:
        with psycopg.connect(_conninfo(url), autocommit=True) as pg:
            pg.execute("ANALYZE passports, events")
    say(f"  migrated {before} -> {after} and analysed in {time.perf_counter() - started:.0f} s")


def cached_fill(
    database: str,
    passports: int,
    events: int,
    *,
    refill: bool = False,
    cache: Path = CACHE,
    say: Callable[[str], None] = print,
) -> Filled:
    """The filled database of this size, filling it only if the cache has no complete one."""
    cache.mkdir(parents=True, exist_ok=True)
    name = f"scale-{database}-{passports}"
    marker = cache / f"{name}.json"
    if marker.exists() and not refill:
        filled = Filled(**json.loads(marker.read_text()))
        _to_head(filled.database_url, say)
        return filled
    marker.unlink(missing_ok=True)
    data_dir = cache / f"{name}-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir()
    if database == "sqlite":
        path = cache / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        # one database per cache directory: a test's cache never refills the bench's
        where = hashlib.sha256(str(cache.resolve()).encode()).hexdigest()[:8]
        dbname = f"kreislauf_{name.replace('-', '_')}_{where}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        admin.dispose()
        url = make_url(POSTGRES_URL).set(database=dbname).render_as_string(hide_password=False)
    say(f"filling {database}: {passports:,} passports, {events:,} events")
    filled = fill(url, data_dir, passports, events, say=say)
    marker.write_text(json.dumps(asdict(filled), indent=1))
    say(f"  filled in {filled.seconds:.0f} s")
    return filled


# --- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    passports: int
    events: int
    leaves: int
    p50_ms: float
    p99_ms: float
    rps: float
    appends_per_s: float
    proof_ms: float
    bytes_total: int
    bytes_per_passport: float
    bytes_per_event: float
    rss_mib: float


def _sample(url: str, n: int) -> list[tuple[str, str]]:
    """(public id, URI) of n random item passports."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        top = session.scalar(text("SELECT max(pk) FROM passports")) or 0
        pks = random.Random(7).sample(range(3, top + 1), min(n, top - 2))
        rows = list(
            session.execute(select(Passport.public_id, Passport.uri).where(Passport.pk.in_(pks)))
        )
    engine.dispose()
    return [(p, u) for p, u in rows]


def _sizes(url: str) -> dict[str, int]:
    """Bytes per table (indexes included) and the whole database."""
    groups = {
        "passport": ("passports", "passport_versions"),
        "event": ("events",),
        "log": ("log_entries", "log_nodes"),
    }
    found: dict[str, int] = {}
    if _dialect(url) == "sqlite":
        path = make_url(url).database or ""
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            rows = conn.execute(
                "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d"
                " LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1"
            ).fetchall()
        except sqlite3.OperationalError:  # no dbstat: whole file only
            rows = []
        conn.close()
        per_table = dict(rows)
        found["total"] = os.path.getsize(path)
    else:
        with psycopg.connect(_conninfo(url)) as conn:
            per_table = dict(
                conn.execute(
                    "SELECT relname, pg_total_relation_size(oid) FROM pg_class"
                    " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                ).fetchall()
            )
            found["total"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[
                0
            ]
    for group, tables in groups.items():
        found[group] = sum(int(per_table.get(t, 0)) for t in tables)
    return found


def _appends(url: str, data_dir: str, sample: list[tuple[str, str]], n: int) -> float:
    """Events appended per second, one transaction each (as a request makes), on random items."""
    settings = Settings(database_url=url, base_url=BASE_URL, data_dir=Path(data_dir))
    engine = make_engine(url)
    factory = make_session_factory(engine)
    times = []
    for public_id, _ in sample[:n]:
        started = time.perf_counter()
        with factory() as session:
            begin_write(session)
            recorder = session.scalars(
                select(Organisation).where(Organisation.role == "repairer")
            ).one()
            history.record_event(session, settings, recorder, public_id, APPEND_BODY)
            session.commit()
        times.append(time.perf_counter() - started)
    engine.dispose()
    return len(times) / sum(times)


def _proofs(url: str, n: int) -> float:
    """Median ms of one inclusion proof of a random leaf in the whole tree (checked)."""
    engine = make_engine(url)
    rng = random.Random(11)
    times = []
    with make_session_factory(engine)() as session:
        size, root = log.head(session)
        for _ in range(n):
            index = rng.randrange(size)
            started = time.perf_counter()
            proof = log.inclusion(session, index, size)
            times.append(time.perf_counter() - started)
            leaf = log.entry(session, index)
            assert leaf is not None
            merkle.verify_inclusion(index, size, bytes(leaf.leaf_hash), proof, root)
    engine.dispose()
    return statistics.median(times) * 1000


WRK_LUA = """\
local paths = {{
{paths}
}}
local headers = {{ ["Accept"] = "application/ld+json" }}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(id * 7919 + os.time())
end
function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def _rss_mib(pid: int) -> float:
    """RSS of a process and all its descendants (gunicorn's master and workers), MiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(found.group(1)) if found else 0
        todo.extend(int(c) for c in children)
    return total / 1024


def _serve(
    url: str, data_dir: str, paths: list[str], seconds: float, workdir: Path
) -> tuple[float, float, float, float]:
    """p50 ms, p99 ms, req/s and RSS MiB of ``kreislauf run --workers 4`` under wrk."""
    sys.path.insert(0, str(ROOT / "bench"))
    from serving import free_port, stop

    script = workdir / "scale.lua"
    script.write_text(WRK_LUA.format(paths=",\n".join(f'  "{p}"' for p in paths)))
    port = free_port()
    env = dict(
        os.environ,
        KREISLAUF_DATABASE_URL=url,
        KREISLAUF_BASE_URL=BASE_URL,
        KREISLAUF_DATA_DIR=data_dir,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli.main", "run", "--port", str(port), "--workers", "4"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(port, paths[0], server)

        def wrk(duration: float) -> dict[str, Any]:
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c4",
                    f"-d{duration:g}s",
                    "--timeout",
                    "10s",
                    "-s",
                    str(script),
                    f"http://127.0.0.1:{port}",
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=duration + 60,
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT "))
            result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            if result["errors"]:
                raise RuntimeError(f"wrk saw {result['errors']} errors: {out}")
            return result

        wrk(min(seconds, 3.0))  # warm-up: workers import, connect, cache
        result = wrk(seconds)
        rss = _rss_mib(server.pid)
        if result["requests"] < 20:
            # Too slow for wrk to see (a request still running at the end is not counted):
            # time a few requests one at a time instead (p99 is then their slowest).
            times = []
            for path in paths[:5]:
                started = time.perf_counter()
                fetch(port, path, "application/ld+json", timeout=600)
                times.append(time.perf_counter() - started)
            result = {
                "p50_us": statistics.median(times) * 1e6,
                "p99_us": max(times) * 1e6,
                "requests": len(times),
                "duration_us": sum(times) * 1e6,
            }
    finally:
        stop(server)
    return (
        result["p50_us"] / 1000,
        result["p99_us"] / 1000,
        result["requests"] / (result["duration_us"] / 1e6),
        rss,
    )


def _wait_ready(port: int, path: str, server: subprocess.Popen[bytes]) -> None:
    """Until the server answers ``path`` (one lookup may take long on a big registry)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            fetch(port, path, "application/ld+json", timeout=600)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the server did not answer {path} in 600 s")


def fetch(port: int, path: str, accept: str, timeout: float) -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        return body


def _lookups_in_process(
    url: str, data_dir: str, paths: list[str]
) -> tuple[float, float, float, float]:
    """The smoke size's lookups: p50 ms, p99 ms and req/s of the resolver through Flask's test
    client, one at a time (no wrk, no gunicorn: the suite's smoke test needs neither); RSS 0."""
    from web.app import create_app

    app = create_app(Settings(database_url=url, base_url=BASE_URL, data_dir=Path(data_dir)))
    client = app.test_client()
    times = []
    for path in paths[:50]:
        start = time.perf_counter()
        answer = client.get(path, headers={"Accept": "application/ld+json"})
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    app.extensions["kreislauf"].engine.dispose()
    times.sort()
    p50, p99 = times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]
    return p50, p99, 1000 * len(times) / sum(times), 0.0


def measure(filled: Filled, seconds: float, appends: int, proofs: int, workdir: Path) -> Figures:
    sample = _sample(filled.database_url, 2_000)
    paths = [uri.removeprefix(BASE_URL) for _, uri in sample]
    sizes = _sizes(filled.database_url)
    if seconds <= 0:  # the smoke size
        p50, p99, rps, rss = _lookups_in_process(filled.database_url, filled.data_dir, paths)
    else:
        p50, p99, rps, rss = _serve(filled.database_url, filled.data_dir, paths, seconds, workdir)
    proof_ms = _proofs(filled.database_url, proofs)
    rate = _appends(filled.database_url, filled.data_dir, sample, appends)
    log_per_leaf = sizes["log"] / max(filled.leaves, 1)
    return Figures(
        passports=filled.passports,
        events=filled.events,
        leaves=filled.leaves,
        p50_ms=p50,
        p99_ms=p99,
        rps=rps,
        appends_per_s=rate,
        proof_ms=proof_ms,
        bytes_total=sizes["total"],
        bytes_per_passport=sizes["passport"] / filled.passports + log_per_leaf,
        bytes_per_event=sizes["event"] / max(filled.events, 1) + log_per_leaf,
        rss_mib=rss,
    )


def rows_for(database: str, big: Figures, small: Figures) -> list[Row]:
    label = "SQLite" if database == "sqlite" else "PostgreSQL"
    n, m = f"{big.passports:,}", f"{small.passports:,}"
    lookup = big.p50_ms / small.p50_ms
    lookup99 = big.p99_ms / small.p99_ms
    append = big.appends_per_s / small.appends_per_s
    return [
        Row(
            f"resolver lookup p50 at {n} passports, {label}, 4 workers",
            f"{big.p50_ms:.1f} ms (p99 {big.p99_ms:.1f} ms, {big.rps:,.0f} req/s)",
            f"{small.p50_ms:.1f} ms at {m} (p99 {small.p99_ms:.1f} ms)",
            lookup,
            "≤ 2×",
            lookup <= 2,
        ),
        Row(
            f"resolver lookup p99 at {n} passports, {label}",
            f"{big.p99_ms:.1f} ms",
            f"{small.p99_ms:.1f} ms at {m}",
            lookup99,
            "≤ 2×",
            lookup99 <= 2,
        ),
        Row(
            f"event append at {n} passports, {label}",
            f"{big.appends_per_s:.1f}/s",
            f"{small.appends_per_s:.1f}/s at {m}",
            append,
            "≥ 0.7",
            append >= 0.7,
        ),
        Row(
            f"inclusion proof at {big.leaves:,} leaves, {label}",
            f"{big.proof_ms:.2f} ms",
            f"{small.proof_ms:.2f} ms at {small.leaves:,} leaves",
            big.proof_ms / small.proof_ms,
            "O(log n)",
            None,
        ),
        Row(
            f"database size at {n} passports, {label}",
            f"{big.bytes_total / 2**30:.2f} GiB; {big.bytes_per_passport:,.0f} B/passport, "
            f"{big.bytes_per_event:,.0f} B/event",
            f"{small.bytes_per_passport:,.0f} B/passport, "
            f"{small.bytes_per_event:,.0f} B/event at {m}",
            None,
            "—",
            None,
        ),
        Row(
            f"server memory (RSS, master + 4 workers), {label}",
            f"{big.rss_mib:.0f} MiB",
            f"{small.rss_mib:.0f} MiB at {m}",
            big.rss_mib / small.rss_mib if small.rss_mib else None,  # in process: none
            "—",
            None,
        ),
    ]


def run(
    size: str = "full",
    databases: tuple[str, ...] = ("sqlite", "postgresql"),
    *,
    cache: Path = CACHE,
    refill: bool = False,
    say: Callable[[str], None] = print,
    sizes: tuple[int, int, int] | None = None,
) -> list[Row]:
    """The benchmark protocol's entry (bench/__main__.py): "smoke" or "full"."""
    passports, events, small, seconds, appends, proofs = SIZES[size]
    if size == "smoke" and cache == CACHE:
        # seconds, in a folder of its own; tests/bench/test_scale_smoke.py fills both databases
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            return run(size, ("sqlite",), cache=Path(folder), refill=refill, say=say, sizes=sizes)
    if sizes is not None:
        passports, events, small = sizes
    if seconds > 0 and shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    rows: list[Row] = []
    workdir = cache / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    for database in databases:
        figures = []
        for n in (small, passports):
            filled = cached_fill(database, n, n * len(EVENTS), refill=refill, cache=cache, say=say)
            f = measure(filled, seconds, appends, proofs, workdir)
            say(f"  {database} {n:,}: {f}")
            figures.append(f)
        rows += rows_for(database, figures[1], figures[0])
    return rows


def _table(rows: list[Row]) -> list[str]:
    lines = ["| work | Kreislauf | baseline | ratio | target | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}"
        met = "—" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.work} | {r.kreislauf} | {r.baseline} | {ratio} | {r.target} | {met} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--passports", type=int)
    parser.add_argument("--small", type=int)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--write", type=Path, help="append the table to this Markdown file")
    args = parser.parse_args()
    sizes = None
    if args.passports:
        sizes = (args.passports, args.passports * len(EVENTS), args.small or SIZES[args.size][2])
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    rows = run(args.size, databases, refill=args.refill, sizes=sizes)
    lines = _table(rows)
    print("\n".join(lines))
    if args.write:
        with args.write.open("a") as out:
            out.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
