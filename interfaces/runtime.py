"""Everything one `fengqiao serve` process runs: the application, the read side, the HTTP app,
and the background work (projections, the missed-deadline scheduler)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Litestar

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.reads import ReadSide
from infrastructure.access_log import SqlAccessLog
from infrastructure.audit_rows import SqlAuditRows
from infrastructure.checkpoints import CheckpointDirectory
from infrastructure.coordination import Listener, leadership_for, schema_lock
from infrastructure.durability import check_durability
from infrastructure.projection_runner import ProjectionRunner
from infrastructure.readstore import open_read_store
from infrastructure.settings import Settings
from infrastructure.store import open_application
from projections import queries as q

log = logging.getLogger("fengqiao")
SCHEDULER_INTERVAL = 30.0


class DeadlineScheduler:
    """Puts each missed deadline on its case's record when it passes."""

    def __init__(self, fengqiao: Fengqiao, reads: ReadSide, interval: float = SCHEDULER_INTERVAL) -> None:
        self.fengqiao = fengqiao
        self.reads = reads
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="deadline-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def sweep(self) -> int:
        recorded = 0
        # Provisional deadlines whose year's notice another process loaded meanwhile.
        provisional = self.reads.query(q.provisional_cases)
        if provisional:
            try:
                self.fengqiao.recompute_cases(provisional)
            except Exception:  # noqa: BLE001 - retried at the next sweep
                log.exception("could not recompute provisional deadlines")
        for case_number in self.reads.query(q.due_for_miss_recording, self.fengqiao.clock()):
            try:
                recorded += self.fengqiao.record_missed_deadlines(case_number)
            except Exception:  # noqa: BLE001 - one bad case must not stop the sweep
                log.exception("could not record missed deadlines of %s", case_number)
        return recorded

    def _loop(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:  # noqa: BLE001
                log.exception("deadline sweep failed")
            if self._stop.wait(self.interval):
                return


class CheckpointScheduler:
    """Signs a checkpoint periodically, when something happened since the last one."""

    def __init__(self, checkpoints: CheckpointStore, reads: ReadSide, interval: float) -> None:
        # Only the process that runs the projections signs, so two never write the same sequence.
        self.checkpoints = checkpoints
        self.reads = reads
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if not (self.reads.runner.leading and self.reads.runner.running):
                continue
            try:
                made = self.checkpoints.create(self.reads.store, self.reads.clock())
                if made is not None:
                    log.info("signed checkpoint %s at position %s", made.sequence, made.position)
            except Exception:  # noqa: BLE001 - retried at the next interval
                log.exception("checkpoint failed")


@dataclass
class Runtime:
    settings: Settings
    fengqiao: Fengqiao
    reads: ReadSide
    checkpoints: CheckpointStore
    http: Litestar | None = None
    background: list[Any] = field(default_factory=list)

    def start_background(self, *, projections: bool = True, scheduler: bool = True) -> None:
        if projections:
            self.reads.runner.start()
            self.background.append(self.reads.runner)
            if self.settings.store.kind == "postgresql":
                channel = str(getattr(self.fengqiao.recorder, "channel_name", "stored_events"))
                listener = Listener(self.settings.store, channel, self.reads.runner.wake)
                listener.start()
                self.background.append(listener)
        if scheduler:
            sched = DeadlineScheduler(self.fengqiao, self.reads)
            sched.start()
            self.background.append(sched)
            signer = CheckpointScheduler(self.checkpoints, self.reads, self.settings.checkpoint_interval)
            signer.start()
            self.background.append(signer)

    def close(self) -> None:
        for worker in reversed(self.background):
            worker.stop()
        self.reads.close()
        self.fengqiao.close()


def open_checkpoints(settings: Settings) -> CheckpointStore:
    assert settings.checkpoint_dir is not None
    return CheckpointStore(CheckpointDirectory(settings.checkpoint_dir), SqlAuditRows(), settings.signing_key)


def build_read_side(settings: Settings, fengqiao: Fengqiao) -> ReadSide:
    store = open_read_store(settings.store)
    runner = ProjectionRunner(
        fengqiao, store, leadership=leadership_for(settings.store), gather=settings.projection_gather_ms / 1000
    )
    fengqiao.listeners.append(runner.wake)
    return ReadSide(store, runner, SqlAccessLog(store), fengqiao.privacy, fengqiao.clock)


def build_runtime(
    settings: Settings, *, with_http: bool = True, clock: Callable[[], datetime] | None = None
) -> Runtime:
    from interfaces.http.app import create_app

    check_durability(settings.store)
    with schema_lock(settings.store):
        fengqiao = open_application(settings) if clock is None else open_application(settings, clock=clock)
        reads = build_read_side(settings, fengqiao)
    purged = fengqiao.purge_idempotency_keys()
    if purged:
        log.info("purged %d idempotency keys older than the retention period", purged)
    checkpoints = open_checkpoints(settings)
    runtime = Runtime(settings=settings, fengqiao=fengqiao, reads=reads, checkpoints=checkpoints)
    if with_http:
        runtime.http = create_app(settings, fengqiao, reads, checkpoints)
    return runtime
