"""A backup is one state of the registry, even while it is being written to."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

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
