"""The application's own background work: the deadline sweep and the periodic checkpoint.

Each runs on a daemon thread of its own. What they need from the read models and the checkpoint
store comes in through `application.ports`; `interfaces/runtime.py` wires them up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from application.disputes import Fengqiao
from application.ports import CheckpointSigner, DeadlineQueries

log = logging.getLogger("fengqiao")
SWEEP_INTERVAL = 30.0


class Periodic:
    """Runs `tick` every `interval` seconds on a thread of its own until stopped."""

    name = "periodic"
    failure = "periodic work failed"  # logged with the traceback when a tick raises
    at_start = False  # tick once when started, before the first wait

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        if self.at_start:
            self._tick()
        while not self._stop.wait(self.interval):
            self._tick()

    def _tick(self) -> None:
        try:
            self.tick()
        except Exception:  # noqa: BLE001 - tried again at the next interval
            log.exception(self.failure)


class DeadlineScheduler(Periodic):
    """Recomputes provisional deadlines whose year's notice arrived (another process may have
    loaded it), then puts each missed deadline on its case's record once it has passed."""

    name = "deadline-scheduler"
    failure = "deadline sweep failed"
    at_start = True

    def __init__(self, fengqiao: Fengqiao, cases: DeadlineQueries, interval: float = SWEEP_INTERVAL) -> None:
        super().__init__(interval)
        self.fengqiao = fengqiao
        self.cases = cases

    def tick(self) -> None:
        self.sweep()

    def sweep(self) -> int:
        """One pass; how many missed deadlines it recorded."""
        self.recompute_provisional()
        return self.record_missed()

    def recompute_provisional(self) -> list[str]:
        provisional = self.cases.provisional_cases()
        if not provisional:
            return []
        try:
            return self.fengqiao.recompute_cases(provisional)
        except Exception:  # noqa: BLE001 - retried at the next sweep
            log.exception("could not recompute provisional deadlines")
            return []

    def record_missed(self) -> int:
        recorded = 0
        for case_number in self.cases.due_for_miss_recording(self.fengqiao.clock()):
            try:
                recorded += self.fengqiao.record_missed_deadlines(case_number)
            except Exception:  # noqa: BLE001 - one bad case must not stop the sweep
                log.exception("could not record missed deadlines of %s", case_number)
        return recorded


class CheckpointScheduler(Periodic):
    """Signs a checkpoint every interval, when something happened since the last one."""

    name = "checkpoints"
    failure = "checkpoint failed"

    def __init__(self, signer: CheckpointSigner, clock: Callable[[], datetime], interval: float) -> None:
        super().__init__(interval)
        self.signer = signer
        self.clock = clock

    def tick(self) -> None:
        if not self.signer.leading():
            return
        made = self.signer.sign(self.clock())
        if made is not None:
            log.info("signed checkpoint %s at position %s", made.sequence, made.position)
