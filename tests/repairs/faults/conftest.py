from __future__ import annotations

from pathlib import Path

import pytest

QUESTS = Path(__file__).resolve().parents[2] / "fixtures" / "ords" / "quests"


@pytest.fixture(scope="session")
def quests() -> Path:
    return QUESTS


@pytest.fixture(scope="session")
def small_quests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fault lists and the first 120 records of each quest: enough to train in a blink."""
    folder = tmp_path_factory.mktemp("quests")
    for path in sorted(QUESTS.iterdir()):
        lines = path.read_bytes().splitlines(keepends=True)
        if path.suffix == ".csv" and not path.name.endswith("_fault_types.csv"):
            # records may span lines; cut at a line that starts a record (an id, a comma)
            kept = [lines[0]]
            for line in lines[1:]:
                if len(kept) > 120 and line[:1].isalpha() and b"," in line[:40]:
                    break
                kept.append(line)
            lines = kept
        (folder / path.name).write_bytes(b"".join(lines))
    return folder
