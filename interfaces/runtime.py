"""Everything one `fengqiao serve` process runs, wired together: the application, the read side,
the HTTP app, and the background work (projections, the deadline and checkpoint schedulers)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Litestar

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.read_limits import SearchBudget
from application.reads import ReadSide
from application.schedulers import CheckpointScheduler, DeadlineScheduler
from application.subscriptions import SubscriptionService
from application.webhooks import SecretBox
from infrastructure.access_log import SqlAccessLog
from infrastructure.audit_rows import SqlAuditRows
from infrastructure.checkpoints import CheckpointDirectory
from infrastructure.coordination import Listener, delivery_leadership, leadership_for, schema_lock
from infrastructure.deliveries import DeliveryWorker
from infrastructure.durability import check_durability
from infrastructure.projection_runner import ProjectionRunner
from infrastructure.readstore import open_read_store
from infrastructure.scheduling import ReadSideCheckpoints, ReadSideDeadlines
from infrastructure.settings import Settings
from infrastructure.store import open_application
from infrastructure.webhook_http import Guard

log = logging.getLogger("fengqiao")


@dataclass
class Runtime:
    settings: Settings
    fengqiao: Fengqiao
    reads: ReadSide
    checkpoints: CheckpointStore
    subscriptions: SubscriptionService | None = None
    deliveries: DeliveryWorker | None = None
    http: Litestar | None = None
    background: list[Any] = field(default_factory=list)

    @property
    def runner(self) -> ProjectionRunner:
        # The read side sees the runner through its port; the wiring knows what it built.
        assert isinstance(self.reads.runner, ProjectionRunner)
        return self.reads.runner

    def start_background(self, *, projections: bool = True, scheduler: bool = True, deliveries: bool | None = None) -> None:
        """`deliveries` defaults to `projections`: the process that runs the read models also
        sends webhooks (on PostgreSQL, `fengqiao deliveries run` workers can take that over)."""
        sending = (projections if deliveries is None else deliveries) and self.deliveries is not None
        if sending and self.deliveries is not None:
            self.deliveries.start()
            self.background.append(self.deliveries)
        if projections:
            self.reads.runner.start()
            self.background.append(self.reads.runner)
        if (projections or sending) and self.settings.store.kind == "postgresql":
            channel = str(getattr(self.fengqiao.recorder, "channel_name", "stored_events"))
            listener = Listener(self.settings.store, channel, self._wake_readers)
            listener.start()
            self.background.append(listener)
        if scheduler:
            sweeper = DeadlineScheduler(self.fengqiao, ReadSideDeadlines(self.reads))
            signer = CheckpointScheduler(
                ReadSideCheckpoints(self.checkpoints, self.reads), self.fengqiao.clock, self.settings.checkpoint_interval
            )
            for worker in (sweeper, signer):
                worker.start()
                self.background.append(worker)

    def _wake_readers(self) -> None:
        """A new event in the store (LISTEN): the projections and the webhook worker look."""
        self.reads.runner.wake()
        if self.deliveries is not None:
            self.deliveries.wake()

    def close(self) -> None:
        for worker in reversed(self.background):
            worker.stop()
        if self.deliveries is not None and self.deliveries not in self.background:
            self.deliveries.stop()  # its sender threads and lock, though it never ran
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
    searches = SearchBudget(per_minute=settings.searches_per_minute)
    return ReadSide(store, runner, SqlAccessLog(store), fengqiao.privacy, fengqiao.clock, searches=searches)


def webhook_secret_keys(settings: Settings) -> tuple[bytes, tuple[bytes, ...]]:
    """The key that seals webhook signing secrets (the data key), and the earlier ones that still
    open them during a rotation. One function, so that a key service can take its place."""
    return settings.data_key, settings.previous_data_keys


def build_webhooks(settings: Settings, fengqiao: Fengqiao, reads: ReadSide) -> tuple[SubscriptionService, DeliveryWorker]:
    guard = Guard(settings.webhook_allow_hosts)
    service = SubscriptionService(
        fengqiao.events,
        fengqiao.commands,
        SecretBox(*webhook_secret_keys(settings)),
        guard,
        fengqiao.clock,
        production=settings.production,
    )
    worker = DeliveryWorker(
        fengqiao,
        reads.store,
        service,
        guard,
        fengqiao.clock,
        schedule=settings.webhook_retry_schedule,
        timeout=settings.webhook_timeout,
        leadership=delivery_leadership(settings.store),
        gather=settings.projection_gather_ms / 1000,
    )
    fengqiao.listeners.append(worker.wake)
    return service, worker


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
    subscriptions, deliveries = build_webhooks(settings, fengqiao, reads)
    runtime = Runtime(
        settings=settings,
        fengqiao=fengqiao,
        reads=reads,
        checkpoints=checkpoints,
        subscriptions=subscriptions,
        deliveries=deliveries,
    )
    if with_http:
        runtime.http = create_app(
            settings, fengqiao, reads, checkpoints, subscriptions=subscriptions, deliveries=deliveries.status
        )
    return runtime
