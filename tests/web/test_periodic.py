"""The server's own periodic command (KREISLAUF_MIRROR_SYNC_SECONDS): a scheduler process that
runs it once at a time, again after the interval, and ends with the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from web.cli.periodic import MIRROR_SYNC, Periodic, stop_scheduler

# Each run appends "start", sleeps, appends "end": overlapping runs would interleave them.
RUN = (
    "import sys, time\n"
    "with open(sys.argv[1], 'a') as f: f.write('start\\n')\n"
    "time.sleep(float(sys.argv[2]))\n"
    "with open(sys.argv[1], 'a') as f: f.write('end\\n')\n"
)
ROOT = Path(__file__).resolve().parents[2]


def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def _scheduler(seconds: str, marks: Path, sleep: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "web.cli.periodic", seconds, str(os.getpid())]
    return subprocess.Popen(
        [*command, sys.executable, "-c", RUN, str(marks), sleep],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )


def _lines(marks: Path) -> list[str]:
    return marks.read_text().split() if marks.exists() else []


def test_runs_follow_each_other_never_overlap_and_are_logged(tmp_path: Path) -> None:
    marks = tmp_path / "runs"
    scheduler = _scheduler("0.05", marks, "0.1")
    _until(lambda: _lines(marks).count("end") >= 3)
    stop_scheduler(scheduler)
    logged = [json.loads(line) for line in scheduler.communicate()[1].decode().splitlines()]
    lines = _lines(marks)
    assert lines[: 2 * 3] == ["start", "end"] * 3
    assert {entry["logger"] for entry in logged} == {"kreislauf.periodic"}
    messages = [entry["message"] for entry in logged]
    assert messages[0].endswith(": starting (every 0.05 s)")
    assert messages[1].endswith(": ended with status 0")


def test_stopping_the_scheduler_ends_the_run_under_way(tmp_path: Path) -> None:
    marks = tmp_path / "runs"
    scheduler = _scheduler("3600", marks, "60")
    _until(lambda: _lines(marks) == ["start"])
    started = time.monotonic()
    stop_scheduler(scheduler, 20)
    assert scheduler.returncode == 0 and time.monotonic() - started < 10
    assert "ended with status -15" in scheduler.communicate()[1].decode()  # the run: SIGTERM
    assert _lines(marks) == ["start"]


def test_a_stopped_periodic_starts_nothing() -> None:
    said: list[str] = []
    periodic = Periodic([sys.executable, "-c", "pass"], 1, said.append)
    assert periodic.run_once() == 0 and periodic.runs == 1 and len(said) == 2
    periodic.stop()
    assert periodic.run_once() is None and periodic.runs == 1
    periodic.loop()  # returns at once
    assert list(MIRROR_SYNC) == ["-m", "web.cli.main", "mirror", "sync"]


def test_the_scheduler_ends_when_the_master_is_gone() -> None:
    """A master killed outright leaves no scheduler behind (it checks its parent each second)."""
    master = (
        "import subprocess, sys\n"
        "import os\n"
        "command = [sys.executable, '-m', 'web.cli.periodic', '3600', str(os.getpid())]\n"
        "command += [sys.executable, '-c', '1']\n"
        "print(subprocess.Popen(command, stdout=subprocess.DEVNULL).pid)\n"
    )
    done = subprocess.run([sys.executable, "-c", master], cwd=ROOT, capture_output=True, check=True)
    status = Path(f"/proc/{int(done.stdout)}/status")

    def gone() -> bool:
        try:
            state = status.read_text()
        except FileNotFoundError:
            return True
        return "\nState:\tZ" in state or "\nState:\tX" in state

    _until(gone, 15)
