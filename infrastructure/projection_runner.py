"""Runs the projections: pulls the notification log in batches and applies each batch to every
read model in one transaction together with the tracking positions, so a crash or a redelivery
never applies an event twice or skips one.

The same pull loop serves SQLite (which has no subscriptions) and PostgreSQL; it is woken at once
by saves in this process and polls briefly for writes from other processes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from application.audit import chain
from application.errors import ConcurrentRunner
from infrastructure.coordination import Leadership, take_lead
from infrastructure.readstore import ReadStore
from projections.cases import CasesProjection
from projections.timelines import TimelinesProjection

log = logging.getLogger("fengqiao.projections")

STANDBY_RETRY = 2.0


TRACKING_DDL = "CREATE TABLE IF NOT EXISTS rm_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)"


def all_projections() -> list[Any]:
    return [CasesProjection(), TimelinesProjection(chain.link, chain.GENESIS)]


class ProjectionRunner:
    def __init__(
        self,
        app: Any,
        read_store: ReadStore,
        projections: Sequence[Any] | None = None,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        leadership: Leadership | None = None,
        gather: float = 0.0,
    ) -> None:
        self.app = app
        self.read_store = read_store
        self.projections = list(projections or all_projections())
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        # After a save wakes the loop, it waits this long for more saves to take in the same
        # batch: under load one read-model transaction covers many commands instead of one
        # each, and the runner thread takes the GIL from request handling far less often.
        # A reader waiting for its own write (wait_for) cuts the wait short.
        self.gather = gather
        self._urgent = threading.Event()
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.leadership = leadership  # None: this process is the only runner
        self.leading = leadership is None
        self.setup()

    # --- lifecycle ----------------------------------------------------------------------

    def setup(self) -> None:
        # One transaction per table: `CREATE INDEX IF NOT EXISTS` locks its table (PostgreSQL)
        # even when the index exists, so a process starting while another runs the projections
        # must not hold that lock while it waits for a tracking row (a deadlock, found by the
        # webhooks fault scenario).
        with self.read_store.transaction() as cur:
            cur.execute(TRACKING_DDL)
        for projection in self.projections:
            with self.read_store.transaction() as cur:
                projection.create(cur, self.read_store.dialect)
            with self.read_store.transaction() as cur:
                cur.execute(
                    "INSERT INTO rm_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
                    (projection.name,),
                )

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="projections", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._urgent.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.leadership is not None:
            self.leadership.release()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def wake(self) -> None:
        self._wake.set()

    def _lead(self) -> bool:
        self.leading = take_lead(self.leadership, self.leading, log, "projections", "runs them")
        return self.leading

    def _loop(self) -> None:
        backoff = self.poll_interval
        while not self._stop.is_set():
            if not self._lead():
                self._stop.wait(STANDBY_RETRY)
                continue
            try:
                processed = self.run_once()
                self.last_error = None
                backoff = self.poll_interval
            except Exception as e:  # noqa: BLE001 - keep running; the error is exposed in status
                self.last_error = f"{type(e).__name__}: {e}"
                log.exception("projection batch failed; retrying")
                processed = 0
                backoff = min(backoff * 2, 5.0)
            if processed >= self.batch_size:
                continue  # more is waiting
            if processed == 0:
                woken = self._wake.wait(backoff)
                self._wake.clear()
                if not woken:
                    continue  # poll
            if self.gather > 0 and not self._stop.is_set():
                self._urgent.wait(self.gather)
                self._urgent.clear()

    # --- work ---------------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        with self.read_store.transaction(readonly=True) as cur:
            cur.execute("SELECT name, position FROM rm_tracking")
            return {str(name): int(pos) for name, pos in cur.fetchall()}

    def run_once(self, *, rebuilding: bool = False) -> int:
        """Apply one batch; returns how many notifications it covered.

        `rebuilding`: the read models were emptied by `rebuild()` and are being filled from zero;
        projections that offer `apply_fresh` then skip reading rows they know to be absent."""
        positions = self.positions()
        start = min(positions.get(p.name, 0) for p in self.projections)
        notifications = self.app.recorder.select_notifications(start=start, limit=self.batch_size, inclusive_of_start=False)
        if not notifications:
            return 0
        items = [(n.id, n.topic, n.state, self.app.mapper.to_domain_event(n)) for n in notifications]
        last = notifications[-1].id
        with self.read_store.transaction() as cur:
            for projection in self.projections:
                since = positions.get(projection.name, 0)
                batch = [item for item in items if item[0] > since]
                if batch:
                    # Conditional on the position we started from: if another runner moved it
                    # meanwhile, this whole batch rolls back instead of being applied twice.
                    cur.execute(
                        "UPDATE rm_tracking SET position = ? WHERE name = ? AND position = ?",
                        (last, projection.name, since),
                    )
                    if cur.rowcount != 1:
                        raise ConcurrentRunner(f"{projection.name} moved past {since} under this batch")
                    fresh = getattr(projection, "apply_fresh", None) if rebuilding else None
                    if fresh is not None:
                        # The tracking row just moved from `since`: the read model holds exactly
                        # the events up to `since`, and `batch` is exactly the events after it.
                        fresh(cur, batch, since)
                    else:
                        projection.apply(cur, batch)
        with self._progress:
            self._progress.notify_all()
        return len(notifications)

    def catch_up(self, timeout: float = 60.0, *, rebuilding: bool = False) -> None:
        deadline = time.monotonic() + timeout
        while self.run_once(rebuilding=rebuilding):
            if time.monotonic() > deadline:
                raise TimeoutError("projections did not catch up in time")

    def rebuild(self, names: Sequence[str] | None = None) -> dict[str, int]:
        chosen = [p for p in self.projections if names is None or p.name in names]
        unknown = set(names or ()) - {p.name for p in self.projections}
        if unknown:
            raise ValueError(f"unknown projection(s): {', '.join(sorted(unknown))}")
        with self.read_store.transaction() as cur:
            for projection in chosen:
                projection.clear(cur)
                cur.execute("UPDATE rm_tracking SET position = 0 WHERE name = ?", (projection.name,))
        self.catch_up(timeout=24 * 3600, rebuilding=True)
        return self.positions()

    def wait_for(self, position: int, timeout: float) -> bool:
        """Read-your-writes: wait until every read model has processed `position`."""
        deadline = time.monotonic() + timeout
        while True:
            if min(self.positions().values(), default=0) >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._urgent.set()
            self._wake.set()
            with self._progress:
                self._progress.wait(min(remaining, 0.02))

    def head(self) -> int:
        """The event store's last notification id."""
        return int(self.app.recorder.max_notification_id() or 0)

    def hurry(self) -> None:
        """A reader waits for its own write: cut the gathering pause short."""
        self._urgent.set()
        self._wake.set()

    def status(self) -> dict[str, Any]:
        head = self.app.recorder.max_notification_id() or 0
        positions = self.positions()
        return {
            "head": head,
            "projections": {name: {"position": pos, "lag": max(head - pos, 0)} for name, pos in positions.items()},
            "running_here": self._thread is not None and self.leading,
            "error": self.last_error,
        }
