"""passport.compiled_sql: statements compiled once, run through the session's connection: their
rows, SQLAlchemy's errors, and every statement seen by the connection's listeners (the
query-plan test relies on that)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from passport import compiled_sql
from passport.db import begin_write
from passport.models import RegistrySeal

_SEALS = cast(Table, RegistrySeal.__table__)
_INSERT = insert(_SEALS).values(name=bindparam("name"), seal=bindparam("seal"))
_READ = select(_SEALS.c.name, _SEALS.c.seal).where(_SEALS.c.name == bindparam("name"))


def test_rows_errors_and_listeners(session: Session) -> None:
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        begin_write(session)
        compiled_sql.run(session, _INSERT, [{"name": "a", "seal": "1"}, {"name": "b", "seal": "2"}])
        assert compiled_sql.first(session, _READ, {"name": "b"}) == ("b", "2")
        assert compiled_sql.first(session, _READ, {"name": "c"}) is None
        assert compiled_sql.run(session, _READ, {"name": "a"}).scalar_one() == "a"
        assert list(compiled_sql.run(session, _READ, {"name": "a"})) == [("a", "1")]
        with pytest.raises(IntegrityError):  # SQLAlchemy's error, not the driver's
            compiled_sql.run(session, _INSERT, {"name": "a", "seal": "3"})
        session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    statements = [s for s in seen if "registry_seals" in s]
    assert len(statements) == 6
