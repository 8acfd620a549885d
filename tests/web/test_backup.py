"""Backups: `kreislauf backup` and `kreislauf restore`, SQLite -> PostgreSQL and back.

One registry with passports at every level, versions, a withdrawal, events (a correction, a
battery measurement), a grant, a transfer code, a witnessed log, a repair record and a read of
restricted data is backed up, restored into an empty database of the other backend, and
compared: log size and root, every served document byte for byte, `kreislauf verify`. A
changed line is refused with its number, and so is a database that holds data.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rdflib import Graph
from rdflib.compare import isomorphic
from sqlalchemy import ForeignKey, select

import repairs.models  # noqa: F401 - registers repair_records
from passport import backup, organisations, transfers
from passport.config import Settings
from passport.db import make_engine, make_session_factory
from passport.disclosure import grants
from passport.ledger import log, note, witness
from passport.models import AccessRead, ApiKey, Base, Organisation, Passport
from repairs.models import RepairRecord
from tests.conftest import BASE_URL, empty_postgres
from web.app import create_app
from web.cli.main import cli
from web.demo import seed


def _seed(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as s:
        seed(s, settings)
        orgs = {o.name: o for o in s.scalars(select(Organisation))}
        maker, cafe = orgs["Kesselwerk Demo GmbH"], orgs["Repair Café Kreuzberg"]
        made = grants.grant(s, maker, cafe.public_id)
        organisations.seal_grants(s, settings, maker, made)  # what api/grants.py does
        item = s.scalars(select(Passport).where(Passport.serial == "K1-000103")).one()
        transfers.create_code(s, item, maker)
        other = note.Signer("other.example/log", Ed25519PrivateKey.generate())
        witness.add_log(s, "other.example/log", other.verifier.vkey)
        s.add(AccessRead(passport_pk=item.pk, organisation_pk=cafe.pk, tier="legit", way="api"))
        s.add(_repair_record())
        s.commit()
    engine.dispose()


def _repair_record() -> RepairRecord:
    return RepairRecord(
        ords_id="cafe_1", data_provider="Café", country="DEU", partner_product_category="Kettle",
        product_category="Kettle", product_category_id=19, brand="Acme", product_age=2.5,
        repair_status="Fixed", group_identifier="cafe", event_date=date(2026, 5, 1),
        problem="switch \u2028 broken", imported_at=datetime(2026, 5, 2, tzinfo=UTC),
    )  # fmt: skip


def _served(settings: Settings) -> dict[str, bytes]:
    """Every public document the registry serves for its passports, and its log's head."""
    app = create_app(settings)
    client = app.test_client()
    out: dict[str, bytes] = {}
    with make_session_factory(app.extensions["kreislauf"].engine)() as s:
        ids = list(s.scalars(select(Passport.public_id).order_by(Passport.pk)))
    for n, pid in enumerate(ids):
        ways = [
            (f"/api/v1/passports/{pid}", "application/ld+json"),
            (f"/api/v1/passports/{pid}", "application/vc+jwt"),
            (f"/api/v1/passports/{pid}/versions", "application/json"),
            (f"/api/v1/passports/{pid}/events", "application/json"),
        ]
        if n < 3:  # Turtle is made from the JSON-LD (and slow): a model, a batch, an item
            ways.append((f"/api/v1/passports/{pid}", "text/turtle"))
        for url, accept in ways:
            response = client.get(url, headers={"Accept": accept})
            assert response.status_code == 200, (url, accept, response.data[:300])
            out[f"{url} {accept}"] = response.data
    out["checkpoint"] = client.get("/log/v1/checkpoint").data
    app.extensions["kreislauf"].engine.dispose()
    return out


def _as_json(served: dict[str, bytes]) -> dict[str, Any]:
    """The documents as JSON values (a JWT as its decoded header and payload)."""
    out: dict[str, Any] = {}
    for key, body in served.items():
        if key.endswith("jwt"):
            head, payload, _ = body.decode().split(".")
            out[key] = [json.loads(base64.urlsafe_b64decode(p + "==")) for p in (head, payload)]
        elif key == "checkpoint":
            out[key] = body
        else:
            out[key] = json.loads(body)
    return out


def _graph(body: bytes) -> Graph:
    return Graph().parse(data=body.decode(), format="turtle")


def _head(url: str) -> tuple[int, bytes]:
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        head = log.head(s)
    engine.dispose()
    return head


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        "KREISLAUF_DATABASE_URL": url,
        "KREISLAUF_DATA_DIR": str(data_dir),
        "KREISLAUF_BASE_URL": BASE_URL,
    }


def test_a_backup_restores_on_the_other_backend_byte_for_byte(
    settings: Settings, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    _seed(settings)
    source = settings.database_url
    if source.startswith("sqlite"):
        target = request.getfixturevalue("postgres_database")
        empty_postgres(target)
    else:
        target = f"sqlite:///{tmp_path / 'restored' / 'kreislauf.db'}"  # not even created yet
    runner = CliRunner()
    file = tmp_path / "registry.jsonl.gz"  # compressed because of its name
    done = runner.invoke(cli, ["backup", str(file)], env=_env(source, tmp_path))
    assert done.exit_code == 0, done.output
    assert file.stat().st_mode & 0o777 == 0o600  # owner-only: restricted data is in it
    assert not file.with_name(file.name + ".partial").exists()
    text = gzip.decompress(file.read_bytes()).decode("utf-8")
    lines = text.split("\n")[:-1]  # split at "\n" only, not at U+2028
    header, trailer = json.loads(lines[0]), json.loads(lines[-1])
    assert header["format"] == backup.FORMAT and "users" in header["excluded_tables"]
    counts = trailer["end"]["rows"]
    assert counts["passport_versions"] > counts["passports"] >= 10
    tables = ("grants", "registry_seals", "witnessed_logs", "repair_records", "access_reads")
    for table in (*tables, "transfer_codes"):
        assert counts[table] >= 1, table
    assert "users" not in counts and "failed_attempts" not in counts
    assert "scrypt" not in text and "volunteer" not in text  # no password hash, no login

    # A changed line is refused with its number, and nothing is restored.
    changed = tmp_path / "changed.jsonl"
    at = next(i for i, line in enumerate(lines) if '"t":"organisations"' in line)
    bad = [*lines]
    bad[at] = bad[at].replace("Kesselwerk", "Evil Corp", 1)
    changed.write_text("\n".join(bad) + "\n", encoding="utf-8")
    refused = runner.invoke(cli, ["restore", str(changed)], env=_env(target, tmp_path))
    assert refused.exit_code == 1 and f"line {at + 1}:" in refused.output, refused.output
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    refused = runner.invoke(cli, ["restore", str(cut)], env=_env(target, tmp_path))
    assert refused.exit_code == 1 and "without its trailer" in refused.output, refused.output

    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(file.read_bytes()[:-40])  # a compressed file cut off
    refused = runner.invoke(cli, ["restore", str(broken)], env=_env(target, tmp_path))
    assert refused.exit_code == 1 and "nothing" in refused.output, refused.output

    # A database init-db made (its empty log signed at size 0) counts as empty.
    assert runner.invoke(cli, ["init-db"], env=_env(target, tmp_path)).exit_code == 0
    done = runner.invoke(cli, ["restore", str(file)], env=_env(target, tmp_path))
    assert done.exit_code == 0, done.output
    assert _head(target) == _head(source) and _head(target)[0] > 30
    assert f"root {_head(source)[1].hex()}" in done.output
    target_settings = Settings(target, base_url=BASE_URL, data_dir=tmp_path, testing=True)
    served, restored = _served(settings), _served(target_settings)
    # Turtle names its blank nodes afresh at each request: the same graph, not the same bytes.
    for key in [k for k in served if k.endswith("turtle")]:
        assert isomorphic(_graph(served.pop(key)), _graph(restored.pop(key))), key
    if target.startswith("postgresql"):
        # PostgreSQL's jsonb keeps an object's keys in its own order (as on any PostgreSQL
        # registry): from SQLite the same JSON, keys reordered; the log hashes RFC 8785 forms.
        served, restored = _as_json(served), _as_json(restored)
    assert restored == served
    verified = runner.invoke(cli, ["verify"], env=_env(target, tmp_path))
    assert verified.exit_code == 0, verified.output

    # The restored registry takes new writes (PostgreSQL's sequences were moved on), and the
    # organisations' API keys still work (their hashes and seals came back as they were).
    engine = make_engine(target)
    with make_session_factory(engine)() as s:
        assert not any(k.key_hash.startswith("restored-") for k in s.scalars(select(ApiKey)))
        record = _repair_record()
        record.ords_id = "cafe_2"
        s.add(record)
        s.commit()
        assert record.pk == 2
    engine.dispose()

    again = runner.invoke(cli, ["restore", str(file)], env=_env(target, tmp_path))
    assert again.exit_code == 1 and "not empty" in again.output, again.output


# What a column that holds a secret or a person's datum is called (a digest of public data,
# such as a log leaf's hash, is not one).
SECRET_WORDS = ("password", "secret", "token", "login", "key_hash", "code_hash", "api_key")


def test_what_a_backup_leaves_out_is_listed_and_nothing_depends_on_it() -> None:
    """A table or column a later version adds is backed up unless it is listed here: one that
    looks like a secret or a person must be, and nothing kept may refer to what is left out."""
    kept = backup.backed_up(Base.metadata)
    for table in kept:
        for column in table.columns:
            name = column.name.lower()
            if any(word in name for word in SECRET_WORDS):
                listed = backup.SECRET_COLUMNS | backup.KEPT_DIGESTS
                assert (table.name, column.name) in listed, (table.name, name)
        for fk in table.foreign_keys:
            assert isinstance(fk, ForeignKey)
            assert fk.column.table.name not in backup.EXCLUDED_TABLES, (table.name, fk)
    assert {t.name for t in kept} | set(backup.EXCLUDED_TABLES) == set(Base.metadata.tables)
