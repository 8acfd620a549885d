"""Commands the server runs again and again by itself: ``kreislauf mirror sync`` every
KREISLAUF_MIRROR_SYNC_SECONDS (docs/OPERATIONS.md, "Mirroring another registry") and
``kreislauf cosign`` every KREISLAUF_COSIGN_SECONDS ("Witnesses of this registry").

gunicorn's master starts one small scheduler process (``python -m web.cli.periodic``) per
command when it is ready, and ends them when it exits. The scheduler starts the command as
its own child, waits for it to end, waits the interval, and starts it again. So exactly one
run of each command happens however many workers serve, two never overlap, the workers never
wait for an origin or a witness, and what a run loads (the models, cryptography, the documents
it checks) leaves with its process.

Not a thread in the master: the master forks workers (at start, and again whenever one is
replaced), and a fork while another thread holds a lock (a log handler's, a stream's) leaves
that lock held forever in the worker. The master stays one thread and imports only
``subprocess`` for this. Everything goes to the server's log: the scheduler's own lines (JSON,
as gunicorn's) and the command's. The scheduler ends if the master is gone (it checks its
parent every second between runs); SIGTERM ends it and the run under way (a sync writes in short
transactions of its own, so it keeps what it verified).

Standard library only (and the log format): the master imports this module.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["COSIGN", "MIRROR_SYNC", "Periodic", "start_periodic", "stop_scheduler"]

MIRROR_SYNC = ("-m", "web.cli.main", "mirror", "sync")
COSIGN = ("-m", "web.cli.main", "cosign")


class Periodic:
    """Run ``command`` now, then ``seconds`` after each run ended, until :meth:`stop`."""

    def __init__(
        self,
        command: Sequence[str],
        seconds: float,
        log: Callable[[str], None],
        parent: int | None = None,
    ) -> None:
        self.command = list(command)
        self.seconds = seconds
        self.log = log
        self.runs = 0
        # The master's pid, given: one read here could already be init's if it died at once.
        self.parent = os.getppid() if parent is None else parent
        self._stopping = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None

    def loop(self) -> None:
        while self._going():
            self.run_once()
            waited = 0.0
            while waited < self.seconds and self._going():  # a master gone ends it within 1 s
                self._stopping.wait(min(1.0, self.seconds - waited))
                waited += 1.0

    def _going(self) -> bool:
        return not self._stopping.is_set() and os.getppid() == self.parent

    def run_once(self) -> int | None:
        """One run, waited for: its exit status (None when stopping)."""
        if self._stopping.is_set():
            return None
        what = " ".join(self.command)
        if self.command[1:3] == list(MIRROR_SYNC[:2]):  # python -m web.cli.main …
            what = " ".join(["kreislauf", *self.command[3:]])
        self.log(f"{what}: starting (every {self.seconds:g} s)")
        self._child = subprocess.Popen(self.command, stdin=subprocess.DEVNULL)
        status = self._child.wait()
        self._child = None
        self.runs += 1
        self.log(f"{what}: ended with status {status}")
        return status

    def stop(self) -> None:
        """No new run; the run under way is asked to end (SIGTERM). Safe in a signal handler."""
        self._stopping.set()
        child = self._child
        if child is not None and child.returncode is None:
            child.terminate()


def start_periodic(
    job: Sequence[str], seconds: int, env: Mapping[str, str]
) -> subprocess.Popen[bytes]:
    """The scheduler of the command ``job`` (:data:`MIRROR_SYNC`, :data:`COSIGN`) every
    ``seconds``, on the registry ``env`` names (its database, keys and base URL), as a process
    of its own."""
    master = str(os.getpid())
    command = [sys.executable, "-m", "web.cli.periodic", str(seconds), master, sys.executable]
    return subprocess.Popen([*command, *job], env={**os.environ, **env}, stdin=subprocess.DEVNULL)


def stop_scheduler(process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """End the scheduler and its run under way (SIGTERM; SIGKILL after ``seconds``)."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()


def main(argv: Sequence[str]) -> None:
    """``python -m web.cli.periodic SECONDS MASTER_PID COMMAND…``"""
    import logging.config

    from edge.log_format import LOG_CONFIG

    logging.config.dictConfig(LOG_CONFIG)
    log = logging.getLogger("kreislauf.periodic")
    periodic = Periodic(argv[2:], float(argv[0]), log.info, parent=int(argv[1]))

    def stop(_signum: int, _frame: Any) -> None:
        periodic.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    periodic.loop()


if __name__ == "__main__":  # pragma: no cover - run as a process by the tests
    main(sys.argv[1:])
