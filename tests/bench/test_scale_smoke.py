"""bench/scale.py: its bulk fill writes a registry ``kreislauf verify`` accepts (on both
databases), in which appends and proofs work; and its smoke size runs end to end. No timing is
asserted (its smoke size runs in tests/bench/test_smoke.py, with every benchmark)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from sqlalchemy import func, select

from passport.audit import verify_registry
from passport.config import Settings
from passport.db import begin_write, make_engine, make_session_factory
from passport.events import history
from passport.ledger import log, merkle
from passport.models import Event, Organisation, Passport

ROOT = Path(__file__).resolve().parents[2]


def _scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_small_fill_verifies_and_takes_appends_and_proofs(
    database_url: str, tmp_path: Path
) -> None:
    scale = _scale()
    filled = scale.fill(database_url, tmp_path, 40, 200, say=lambda _: None)
    assert (filled.passports, filled.events) == (40, 38 * 5)
    settings = Settings(database_url=database_url, base_url=scale.BASE_URL, data_dir=tmp_path)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(Passport)) == 40
            assert session.scalar(select(func.count()).select_from(Event)) == 190
            report = verify_registry(session, settings)
            assert report.ok, report.problems[:5]
            assert report.size == filled.leaves == 40 + 190
        # after the fill: one more event through the registry, and a proof of a filled leaf
        with factory() as session:
            begin_write(session)
            cafe = session.scalars(select(Organisation).where(Organisation.role == "repairer"))
            item = session.scalars(select(Passport).where(Passport.pk == 30)).one()
            history.record_event(session, settings, cafe.one(), item.public_id, scale.APPEND_BODY)
            session.commit()
        with factory() as session:
            size, root = log.head(session)
            assert size == filled.leaves + 1
            for index in (0, 7, filled.leaves - 1, size - 1):
                entry = log.entry(session, index)
                assert entry is not None
                proof = log.inclusion(session, index, size)
                merkle.verify_inclusion(index, size, bytes(entry.leaf_hash), proof, root)
            assert verify_registry(session, settings).ok
    finally:
        engine.dispose()
