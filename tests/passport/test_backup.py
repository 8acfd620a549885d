"""A backup is one state of the registry, even while it is being written to."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import repairs.models  # noqa: F401 - registers repair_records
from passport import backup
from passport.access import authenticate
from passport.db import begin_write, make_engine, make_session_factory
from passport.ledger import log
from passport.ledger.verify import verify_log
from passport.models import Base, Passport, utcnow
from passport.passports import issuing
from tests.conftest import BASE_URL, settings_of
from tests.helpers import passport


def _issue(session: Session, key: str, serial: str) -> None:
    org = authenticate(session, key)
    issuing.issue_passport(session, settings_of(session), org, passport(serial=serial))
    session.commit()


def test_a_write_during_a_backup_is_not_in_it(
    session: Session, maker: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    _issue(session, maker.key, "B-1")
    _issue(session, maker.key, "B-2")
    size_before = log.head(session)
    engine = make_engine(settings_of(session).database_url)
    out = io.StringIO()
    wrote: list[int] = []

    def meanwhile(_n: int) -> None:  # another writer commits while the backup reads
        if not wrote:
            _issue(session, maker.key, "B-3")
            wrote.append(1)

    with engine.connect() as conn:
        conn = conn.execution_options(**backup.snapshot_options(engine.dialect.name))
        with conn.begin():
            backup.write_backup(conn, Base.metadata, out, utcnow(), meanwhile)
    engine.dispose()
    assert wrote and session.scalar(select(func.count()).select_from(Passport)) == 3

    target = tmp_path / "restored.db"
    shutil.copy(sqlite_template, target)
    restored = make_engine(f"sqlite:///{target}")
    with make_session_factory(restored)() as s:
        begin_write(s)
        summary = backup.read_backup(s.connection(), Base.metadata, io.StringIO(out.getvalue()))
        s.commit()
        assert summary.rows["passports"] == 2
        assert log.head(s) == size_before  # the log as it was when the backup began
        report = verify_log(s, BASE_URL)
        assert report.ok, report.problems
    restored.dispose()


def _rechained(lines: list[str]) -> list[str]:
    """The lines with their hash chain made anew, as someone editing the file on purpose would."""
    chain = backup._Chain()
    out = []
    for line in lines:
        obj = json.loads(line)
        obj.pop("h")
        out.append(chain.seal(obj).rstrip("\n"))
    return out


def test_a_file_that_cannot_be_restored_is_refused_with_its_line(
    session: Session, maker: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    _issue(session, maker.key, "R-1")
    engine = make_engine(settings_of(session).database_url)
    out = io.StringIO()
    with engine.connect() as conn, conn.begin():
        backup.write_backup(conn, Base.metadata, out, utcnow())
    engine.dispose()
    lines = out.getvalue().split("\n")[:-1]
    at = next(i for i, line in enumerate(lines) if '"t":"passports"' in line)
    end = len(lines) - 1

    def edited(i: int, old: str, new: str) -> list[str]:
        return _rechained([*lines[:i], lines[i].replace(old, new, 1), *lines[i + 1 :]])

    cases = {
        "schema revision": (edited(0, '"alembic_revision":"', '"alembic_revision":"x'), 1),
        "without a zone": (edited(at, "+00:00", ""), at + 1),
        "lines after the trailer": ([*lines, lines[-1]], len(lines) + 1),
        "the trailer counts": (edited(end, '"passports":1', '"passports":2'), end + 1),
        "do not match": (edited(at, '"name":', '"nom":'), at + 1),
        "unknown table": (edited(at, '"t":"passports"', '"t":"people"'), at + 1),
        "added or removed": ([*lines[:at], *lines[at + 1 :]], at + 1),
    }
    target = tmp_path / "target.db"
    shutil.copy(sqlite_template, target)
    restored = make_engine(f"sqlite:///{target}")
    for reason, (text, line) in cases.items():
        with restored.connect() as conn, conn.begin():
            with pytest.raises(backup.BackupError, match=reason) as refused:
                backup.read_backup(conn, Base.metadata, io.StringIO("\n".join(text) + "\n"))
            assert refused.value.line == line, reason
            conn.rollback()
    with restored.connect() as conn:
        assert backup.occupied(conn, Base.metadata) == []  # nothing of any attempt was kept
    restored.dispose()
