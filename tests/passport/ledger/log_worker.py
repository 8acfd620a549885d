"""A separate process appending to the log, for the multi-process sequencing test.

``python -m tests.passport.ledger.log_worker DATABASE_URL DATA_DIR WORKER COUNT GO_FILE``: waits
for GO_FILE to exist (so the processes start together), then appends COUNT entries, each in its
own write transaction (which signs its checkpoint with the log key in DATA_DIR), to subjects
shared with the other workers.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from passport.config import Settings
from passport.db import begin_write, make_engine, make_session_factory
from passport.ledger import sequencer

BASE_URL = "https://registry.example.org"
SUBJECTS = 4
T = datetime(2026, 1, 1, tzinfo=UTC)


def main(database_url: str, data_dir: Path, worker: int, count: int, go: Path) -> None:
    settings = Settings(database_url=database_url, base_url=BASE_URL, data_dir=data_dir)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    deadline = time.monotonic() + 20
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the go file never appeared")
        time.sleep(0.01)
    try:
        for i in range(count):
            with factory() as session:
                begin_write(session)
                sequencer.append(
                    session,
                    settings,
                    kind="dpp.event.test",
                    subject=f"https://id.example/{i % SUBJECTS}",
                    actor_did=f"did:web:worker{worker}",
                    content={"worker": worker, "i": i},
                    time=T,
                )
                session.commit()
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
