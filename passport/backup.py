"""Backups as JSON lines: every table of the registry, read in one transaction, and restored
into an empty database on either backend.

The file is generic over ``Base.metadata.sorted_tables`` (parents before children, each table
in primary-key order), so a table a later version adds is backed up without a change here;
only what is *left out* is listed, with the reason, in :data:`EXCLUDED_TABLES` and
:data:`SECRET_COLUMNS`. Values are typed by their column: datetimes as ISO 8601 with their
zone, dates as ISO dates, bytes as base64, JSON documents as the JSON value stored.

Line 1 is a header (format, Alembic revision, tables and columns, what was left out), then one
line per row, then a trailer with the row count. Every line ends with ``"h"``: the SHA-256 of
the previous line's ``h`` and this line's text without it, a hash chain that names the first
line that was changed, dropped or reordered, and a missing trailer shows a cut-off file.
It detects corruption and edits; it is not a signature (the restored log's signed checkpoints
are, and ``kreislauf verify`` checks them).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    func,
    inspect,
    select,
    text,
)

FORMAT = "kreislauf-backup/1"
CHUNK = 500

# Tables left out of a backup, and why. A restored registry has none of their rows.
EXCLUDED_TABLES: dict[str, str] = {
    "users": "people's sign-in names (personal data) and password hashes (crackable offline "
    "if a password is weak); re-create accounts with `kreislauf create-user`",
    "failed_attempts": "the sign-in and claim throttle's short-lived memory (hashed client "
    "addresses); nothing served depends on it",
}

# Secret columns: written as null. On restore each row gets a fresh value no secret can match,
# so the row (who held a key, when it was made or revoked) stays but the old secret is dead.
SECRET_COLUMNS: dict[tuple[str, str], str] = {
    ("transfer_codes", "code_hash"): "transfer codes are short secrets held by the item's "
    "holder (their hash can be guessed); a holder asks for a new code",
}

# Columns named like a secret that are backed up, and why.
KEPT_DIGESTS: dict[tuple[str, str], str] = {
    ("api_keys", "key_hash"): "the SHA-256 of a random 256-bit key: no key can be recovered "
    "from it. Kept so that organisations' machines keep working after a disaster restore and "
    "`kreislauf verify` can check each key's seal (a key's owner is sealed with its hash). "
    "Restore a drill copy where the live keys cannot reach it, or revoke its keys",
}

# Tables Alembic and the database keep for themselves, not registry data.
NOT_DATA = frozenset({"alembic_version"})

_H = re.compile(r',"h":"([0-9a-f]{64})"\}$')


class BackupError(ValueError):
    """A backup file that cannot be restored, or a database that cannot take it (never an HTTP
    answer: only the command line backs up and restores)."""

    def __init__(self, detail: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {detail}" if line is not None else detail)
        self.line = line


@dataclass
class Summary:
    """What a backup wrote or a restore loaded."""

    revision: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def backed_up(metadata: MetaData) -> list[Table]:
    """The tables a backup holds, parents first: every table but the excluded ones."""
    return [t for t in metadata.sorted_tables if t.name not in EXCLUDED_TABLES]


# --- values ---------------------------------------------------------------------------------


def _encode(table: Table, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row._mapping[column.name]
        if (table.name, column.name) in SECRET_COLUMNS:
            value = None
        elif isinstance(value, datetime):
            if value.tzinfo is None:
                raise BackupError(f"{table.name}.{column.name} holds a datetime without a zone")
            value = value.isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bytes | bytearray | memoryview):
            value = base64.b64encode(bytes(value)).decode("ascii")
        out[column.name] = value
    return out


def _dead_secret(_value: None) -> str:
    """A fresh value no secret's hex digest can equal: the secret column of a restored row."""
    return "restored-" + secrets.token_hex(27)


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a datetime without a zone")
    return moment


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _decoders(table: Table) -> list[tuple[str, Callable[[Any], Any] | None]]:
    """How each column's value is read back from its JSON form (None: as it is)."""
    out: list[tuple[str, Callable[[Any], Any] | None]] = []
    for column in table.columns:
        kind = column.type
        fn: Callable[[Any], Any] | None = None
        if (table.name, column.name) in SECRET_COLUMNS:
            fn = None if column.nullable else _dead_secret
        elif isinstance(kind, JSON):
            pass  # the JSON value as stored
        elif isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
            fn = _aware
        elif isinstance(kind, Date):
            fn = date.fromisoformat
        elif isinstance(kind, LargeBinary):
            fn = _b64
        out.append((column.name, fn))
    return out


def _decode(
    table: Table,
    decoders: list[tuple[str, Callable[[Any], Any] | None]],
    values: dict[str, Any],
    line: int,
) -> dict[str, Any]:
    if len(values) != len(decoders) or any(name not in values for name, _ in decoders):
        raise BackupError(f"the columns of {table.name} do not match this registry's", line)
    out = dict(values)
    for name, fn in decoders:
        value = values[name]
        if fn is not None and (value is not None or fn is _dead_secret):
            try:
                out[name] = fn(value)
            except (TypeError, ValueError) as exc:
                raise BackupError(f"{table.name}.{name}: {exc}", line) from None
    return out


# --- lines ----------------------------------------------------------------------------------


class _Chain:
    def __init__(self) -> None:
        self.h = ""

    def seal(self, obj: dict[str, Any]) -> str:
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        self.h = hashlib.sha256((self.h + body).encode("utf-8")).hexdigest()
        return body[:-1] + f',"h":"{self.h}"}}\n'

    def check(self, raw: str, number: int) -> dict[str, Any]:
        line = raw.rstrip("\n")
        found = _H.search(line)
        if not found:
            raise BackupError("no hash at the end (not a Kreislauf backup line)", number)
        body = line[: found.start()] + "}"
        expected = hashlib.sha256((self.h + body).encode("utf-8")).hexdigest()
        if found.group(1) != expected:
            raise BackupError(
                "the line was changed, or a line before it was added or removed", number
            )
        self.h = expected
        try:
            obj = json.loads(body)
        except ValueError as exc:
            raise BackupError(f"not JSON: {exc}", number) from None
        if not isinstance(obj, dict):
            raise BackupError("not a JSON object", number)
        return obj


# --- backup ---------------------------------------------------------------------------------


def revision(conn: Connection) -> str:
    """The Alembic revision the database is at ("" when it has none)."""
    if not inspect(conn).has_table("alembic_version"):
        return ""
    return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or "")


def snapshot_options(dialect: str) -> dict[str, Any]:
    """The execution options of one read transaction that sees one state of the whole database:
    REPEATABLE READ, read-only on PostgreSQL; on SQLite (WAL) a read transaction is a snapshot
    already. Pass them to the first ``Session.connection`` of the unit of work."""
    if dialect == "postgresql":
        return {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    return {}


def unknown_tables(conn: Connection, metadata: MetaData) -> list[str]:
    """Tables in the database this version of the registry does not know (a backup would
    miss them)."""
    known = {t.name for t in metadata.sorted_tables} | NOT_DATA
    return sorted(set(inspect(conn).get_table_names()) - known)


def count_rows(conn: Connection, metadata: MetaData) -> dict[str, int]:
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        for t in backed_up(metadata)
    }


def write_backup(
    conn: Connection,
    metadata: MetaData,
    out: IO[str],
    created_at: datetime,
    progress: Callable[[int], None] = lambda _n: None,
) -> Summary:
    """Write every backed-up table to ``out``; ``conn`` is in its snapshot transaction."""
    unknown = unknown_tables(conn, metadata)
    if unknown:
        raise BackupError(f"the database holds tables this version does not know: {unknown}")
    chain = _Chain()
    tables = backed_up(metadata)
    summary = Summary(revision(conn))
    out.write(chain.seal(_header(tables, summary.revision, created_at)))
    for table in tables:
        order = list(table.primary_key.columns) or list(table.columns)
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            select(table).order_by(*order)
        )
        n = 0
        for row in result:
            out.write(chain.seal({"t": table.name, "r": _encode(table, row)}))
            n += 1
            progress(1)
        summary.rows[table.name] = n
    out.write(chain.seal({"end": {"rows": summary.rows}}))
    return summary


def _header(tables: list[Table], rev: str, created_at: datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "alembic_revision": rev,
        "tables": {t.name: [c.name for c in t.columns] for t in tables},
        "excluded_tables": EXCLUDED_TABLES,
        "secret_columns": {f"{t}.{c}": why for (t, c), why in SECRET_COLUMNS.items()},
    }


# --- restore --------------------------------------------------------------------------------


def occupied(conn: Connection, metadata: MetaData) -> list[str]:
    """The tables that hold data, so a restore would mix two registries. An empty log's
    head and checkpoint (size 0, what ``init-db`` signs) do not count."""
    found = []
    for table in metadata.sorted_tables:
        query = select(func.count()).select_from(table)
        if table.name in ("log_head", "log_checkpoints"):
            query = query.where(table.c.size > 0)
        if conn.execute(query).scalar_one():
            found.append(table.name)
    return found


def read_backup(
    conn: Connection,
    metadata: MetaData,
    lines: Iterable[str],
    progress: Callable[[int], None] = lambda _n: None,
) -> Summary:
    """Check and load a backup into the empty database of ``conn`` (in its write transaction).

    Raises :class:`BackupError` naming the line on the first changed or malformed line; the
    caller rolls back, so a refused file loads nothing.
    """
    busy = occupied(conn, metadata)
    if busy:
        raise BackupError(
            f"the database is not empty ({', '.join(busy)} hold rows); restore into a new database"
        )
    tables = {t.name: t for t in backed_up(metadata)}
    decoders = {name: _decoders(t) for name, t in tables.items()}
    chain = _Chain()
    numbered = enumerate(lines, start=1)
    summary = _check_header(conn, tables, chain, numbered, progress)
    for table in ("log_checkpoints", "log_head"):  # the empty log init-db signed
        if table in tables:
            conn.execute(tables[table].delete())
    pending: dict[str, list[dict[str, Any]]] = {}
    for number, raw in numbered:
        progress(len(raw.encode("utf-8")))
        obj = chain.check(raw, number)
        if "end" in obj:
            _finish(conn, tables, pending, summary, obj["end"], number)
            for extra, _ in numbered:
                raise BackupError("lines after the trailer", extra)
            return summary
        name, values = obj.get("t"), obj.get("r")
        if name not in tables or not isinstance(values, dict):
            raise BackupError(f"a row of an unknown table {name!r}", number)
        _flush_others(conn, tables, pending, name)
        pending.setdefault(name, []).append(_decode(tables[name], decoders[name], values, number))
        summary.rows[name] = summary.rows.get(name, 0) + 1
        if len(pending[name]) >= CHUNK:
            conn.execute(tables[name].insert(), pending.pop(name))
    raise BackupError("the file ends without its trailer (cut off?)")


def _check_header(
    conn: Connection,
    tables: dict[str, Table],
    chain: _Chain,
    numbered: Iterator[tuple[int, str]],
    progress: Callable[[int], None],
) -> Summary:
    try:
        number, raw = next(numbered)
    except StopIteration:
        raise BackupError("the file is empty") from None
    progress(len(raw.encode("utf-8")))
    header = chain.check(raw, number)
    if header.get("format") != FORMAT:
        raise BackupError(f"not a {FORMAT} file", number)
    rev = revision(conn)
    if header.get("alembic_revision") != rev:
        raise BackupError(
            f"the backup is at schema revision {header.get('alembic_revision')!r}, this database "
            f"at {rev!r}: restore with the Kreislauf version that made it, then upgrade",
            number,
        )
    return Summary(rev, {name: 0 for name in tables})


def _flush_others(
    conn: Connection, tables: dict[str, Table], pending: dict[str, list[dict[str, Any]]], name: str
) -> None:
    """Insert what is pending of other tables before the rows of ``name``: a table's rows come
    after its parents' (a row referring to an earlier row of its own table is inserted after
    it, in the same or an earlier statement)."""
    for other in [o for o in pending if o != name]:
        conn.execute(tables[other].insert(), pending.pop(other))


def _finish(
    conn: Connection,
    tables: dict[str, Table],
    pending: dict[str, list[dict[str, Any]]],
    summary: Summary,
    end: Any,
    number: int,
) -> None:
    for name, rows in pending.items():
        conn.execute(tables[name].insert(), rows)
    expected = end.get("rows") if isinstance(end, dict) else None
    if expected != summary.rows:
        raise BackupError(f"the trailer counts {expected}, the file holds {summary.rows}", number)
    if conn.dialect.name == "postgresql":
        reset_sequences(conn, list(tables.values()))


def reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Point every PostgreSQL id sequence past the largest id restored."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is False or not isinstance(column.type, Integer):
                continue
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if seq is None:
                continue
            top = conn.execute(select(func.max(column))).scalar()
            conn.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": seq, "v": top if top is not None else 1, "called": top is not None},
            )
