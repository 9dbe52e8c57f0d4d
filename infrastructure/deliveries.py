"""The webhook delivery worker: scans the event log into queued deliveries (see delivery_book)
and sends what is due, several cases at a time, each case's events in order.

One worker is active per deployment: it holds a lock (a PostgreSQL advisory lock, or an flock
beside the SQLite store) and the others stand by, as with the projections. A worker killed
between sending and recording the answer sends that message again on restart, with the same
`webhook-id`: receivers deduplicate on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from application.reads import ReadModelStore
from application.subscriptions import SubscriptionService
from application.webhooks import DEFAULT_SCHEDULE, GIVE_UP_AFTER, TIMEOUT, Outcome, next_attempt, signature_headers
from domain.subscription import SUBSCRIPTIONS_ID
from infrastructure import delivery_book as book
from infrastructure.coordination import Leadership, take_lead
from infrastructure.webhook_http import Guard, post

log = logging.getLogger("fengqiao.deliveries")

STANDBY_RETRY = 2.0
KEEP_DELIVERED = timedelta(days=7)  # delivered messages are kept this long (GraphQL `deliveries`), then dropped
PURGE_EVERY = 3600.0  # seconds
SENDERS = 8  # cases sent to at the same time
# Exchanges open at once with one receiver (scheme, host and port): more only queue in its listen
# backlog (a stdlib server's holds 5), and an overflowing backlog stalls connections for whole
# retransmission timeouts, so 8 at once delivered less than 2. Other receivers go on beside.
PER_RECEIVER = 4
SETTLE = 0.05  # seconds a round waits for the first answers to what it started


class DeliveryWorker:
    def __init__(
        self,
        app: Any,
        read_store: ReadModelStore,
        subscriptions: SubscriptionService,
        guard: Guard,
        clock: Callable[[], datetime],
        *,
        schedule: tuple[float, ...] = DEFAULT_SCHEDULE,
        timeout: float = TIMEOUT,
        leadership: Leadership | None = None,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        gather: float = 0.0,
    ) -> None:
        self.app = app
        self.read_store = read_store
        self.subscriptions = subscriptions
        self.guard = guard
        self.clock = clock
        self.schedule = schedule
        self.timeout = timeout
        self.leadership = leadership
        self.leading = leadership is None
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        # After a save wakes the worker it waits this long for more, as the projections do: under
        # load one scan transaction covers many commands instead of one each.
        self.gather = gather
        self._purged_at: float | None = None
        self.last_error: str | None = None
        self.sent = 0
        self.failures = 0
        self.latency_total = 0.0
        self._wake = threading.Event()
        self._answered = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="webhook")
        self._in_flight: dict[Future[tuple[Outcome, float]], book.Due] = {}
        self._gates: dict[str, threading.BoundedSemaphore] = {}
        self._gates_lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._queued = True  # the scan may have queued messages since the last round
        self._scanned: int | None = None  # where this worker's last scan left the log  # sealed -> opened: one decryption per secret, not per message
        # The rounds' transactions go through a connection of the worker's own (PostgreSQL): no
        # pool checkout and its check per transaction. Status and replay use the pool.
        dedicated = getattr(read_store, "dedicated", None)
        self._own: ReadModelStore = dedicated() if dedicated is not None else read_store
        book.create(read_store)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="deliveries", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 5)
            self._thread = None
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self.leadership is not None:
            self.leadership.release()
        if self._own is not self.read_store:
            self._own.close()

    def wake(self) -> None:
        self._queued = True  # a save, replay or disabling: look at what is due without waiting
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _lead(self) -> bool:
        self.leading = take_lead(self.leadership, self.leading, log, "deliveries", "sends them")
        return self.leading

    def _loop(self) -> None:
        backoff = self.poll_interval
        while not self._stop.is_set():
            if not self._lead():
                self._stop.wait(STANDBY_RETRY)
                continue
            self._answered.clear()
            try:
                busy = self.run_once()
                self.last_error = None
                backoff = self.poll_interval
            except Exception as e:  # noqa: BLE001 - keep running; the error is exposed in status
                self.last_error = f"{type(e).__name__}: {e}"
                log.exception("delivery round failed; retrying")
                busy = False
                backoff = min(backoff * 2, 5.0)
            if not busy:
                woken = self._wake.wait(backoff)
                self._wake.clear()
                if woken and self.gather > 0 and not self._answered.is_set():
                    self._stop.wait(self.gather)  # a save woke it: take the next saves too

    # --- work ---------------------------------------------------------------------------

    def run_once(self) -> bool:
        """Queue what the log holds beyond the scan and send what is due; True if either did work."""
        scanned = self.scan_once()
        sent = self.send_once()
        if self._purged_at is None or time.monotonic() - self._purged_at > PURGE_EVERY:
            self._purged_at = time.monotonic()
            with self._own.transaction() as cur:
                book.purge(cur, self.clock() - KEEP_DELIVERED)
        return scanned >= self.batch_size or sent > 0

    def scan_once(self) -> int:
        if self._scanned is not None and not self.app.recorder.select_notifications(
            start=self._scanned, limit=1, inclusive_of_start=False
        ):
            # Nothing beyond where this worker last left the scan: no need to read the
            # bookkeeping. (It only moves forward, so a stale figure only costs the full look.)
            return 0
        with self._own.transaction(readonly=True) as cur:
            since = book.scan_position(cur)
            folded = book.scan_position(cur, book.CASES)
            active = book.active_subscriptions(cur)
        notifications = self.app.recorder.select_notifications(start=since, limit=self.batch_size, inclusive_of_start=False)
        if not notifications:
            self._scanned = since
            return 0
        if not active and not any(n.originator_id == SUBSCRIPTIONS_ID for n in notifications):
            # Nobody to tell: move on without decoding or folding anything (the common case
            # before the first subscription, which then brings the fold up to date).
            with self._own.transaction() as cur:
                book.skip(cur, since, notifications[-1].id)
            self._scanned = notifications[-1].id
            return len(notifications)
        if folded < since:
            self._fold(folded, since)
        items = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
        with self._own.transaction() as cur:
            book.scan(cur, since, items, self.clock())
        self._queued = True
        self._scanned = notifications[-1].id
        return len(notifications)

    def _fold(self, start: int, stop: int) -> None:
        """Fold the cases' events from `start` to `stop` (skipped while nobody subscribed)."""
        while start < stop:
            notifications = self.app.recorder.select_notifications(
                start=start, limit=self.batch_size, stop=stop, inclusive_of_start=False
            )
            if not notifications:
                break
            items = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
            with self._own.transaction() as cur:
                book.fold_only(cur, start, items)
            start = notifications[-1].id
        if start < stop:  # nothing recorded in the rest of the range
            with self._own.transaction() as cur:
                book.fold_only(cur, start, [(stop, None)])

    def send_once(self, limit: int = 100) -> int:
        """Record what has been answered and start what is due beside what is in flight, in one
        transaction; how many were started or answered. Sending is a pipeline: a slow receiver
        holds one sender thread, never the round, so other cases and subscriptions go on
        meanwhile."""
        if self._in_flight and not self._queued and not any(future.done() for future in self._in_flight):
            # Nothing queued since the last round: nothing new is due until an answer comes in.
            wait(list(self._in_flight), timeout=SETTLE, return_when=FIRST_COMPLETED)
        self._queued = False
        done = [future for future in self._in_flight if future.done()]
        answers = [(self._in_flight.pop(future), future.result()[0]) for future in done]
        room = SENDERS * 2 - len(self._in_flight)
        gone: dict[str, str] = {}
        batch: list[book.Due] = []
        if answers or room > 0:
            with self._own.transaction(readonly=not answers) as cur:
                # Each answer is recorded as soon as it is in (a worker killed now sends again only
                # what was in flight), and the cases it frees are picked in the same transaction.
                self._record(cur, answers, gone)
                if room > 0:
                    batch = book.due(cur, self.clock(), limit + len(self._in_flight))
        for subscription_id, reason in gone.items():
            self._disable(subscription_id, reason)
        # Nothing more to a subscription stopped by these answers (410 Gone, or three days failing).
        started = self._start([d for d in batch if d.subscription_id not in gone], room)
        return started + len(answers)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def _start(self, batch: list[book.Due], room: int) -> int:
        # A case's delivery in flight is still pending in the store, so its next one is not due:
        # only what is not already on its way is started.
        flying = {(d.subscription_id, d.position) for d in self._in_flight.values()}
        fresh = [d for d in batch if (d.subscription_id, d.position) not in flying][: max(room, 0)]
        for item in fresh:
            future = self._pool.submit(self._send, item)
            future.add_done_callback(self._on_answer)
            self._in_flight[future] = item
        return len(fresh)

    def _on_answer(self, _done: Future[tuple[Outcome, float]]) -> None:
        self._answered.set()  # an answer to record: no gathering of saves before it
        self._wake.set()

    def _record(self, cur: Any, answers: list[tuple[book.Due, Outcome]], gone: dict[str, str]) -> None:
        # The delivered ones by answer code in one statement each; failures one by one.
        by_code: dict[int, list[book.Due]] = {}
        for item, result in answers:
            if result.delivered:
                self.sent += 1
                by_code.setdefault(result.code or 200, []).append(item)
            else:
                self._failed(cur, item, result, gone)
        for code, items in by_code.items():
            book.delivered(cur, items, code, self.clock())

    def _send(self, item: book.Due) -> tuple[Outcome, float]:
        started = time.monotonic()
        secret = self._secrets.get(item.secret_sealed)
        if secret is None:
            try:
                secret = self.subscriptions.box.open(item.secret_sealed)
            except ValueError as e:
                return Outcome(False, False, None, str(e)), 0.0
            if len(self._secrets) > 1000:  # rotated secrets are not kept forever
                self._secrets.clear()
            self._secrets[item.secret_sealed] = secret
        with self._gate(item.url):
            headers = signature_headers(secret, item.event_id, int(time.time()), item.body)
            result = post(self.guard, item.url, item.body, headers, self.timeout)
        return result, time.monotonic() - started

    def _gate(self, url: str) -> threading.BoundedSemaphore:
        """The receiver's share of the senders: a queued message waits for it here, so the next
        exchange starts the moment one ends instead of a round later."""
        target = _receiver(url)
        with self._gates_lock:
            gate = self._gates.get(target)
            if gate is None:
                gate = self._gates[target] = threading.BoundedSemaphore(PER_RECEIVER)
            return gate

    def _failed(self, cur: Any, item: book.Due, result: Outcome, gone: dict[str, str]) -> None:
        now = self.clock()
        self.failures += 1
        log.warning("webhook %s to subscription %s failed: %s", item.event_id, item.subscription_id, result.error)
        retry_at = None if result.gone else next_attempt(self.schedule, item.attempts + 1, now)
        book.failed(cur, item, result.code, result.error, retry_at, now)
        if result.gone:
            gone[item.subscription_id] = "the receiver answered 410 Gone; delivery stopped"
        elif item.failing_since is not None and now - _parse(item.failing_since) >= GIVE_UP_AFTER:
            gone[item.subscription_id] = f"deliveries failed since {item.failing_since} (3 days); delivery stopped"

    def _disable(self, subscription_id: str, reason: str) -> None:
        from uuid import UUID

        try:
            if self.subscriptions.disable(UUID(subscription_id), reason):
                log.warning("subscription %s disabled: %s", subscription_id, reason)
        except Exception:  # noqa: BLE001 - retried on the next failure
            log.exception("could not record the disabling of subscription %s", subscription_id)
        self.wake()

    def catch_up(self, timeout: float = 30.0) -> None:
        """Queue everything recorded so far (tests and `deliveries run --once`)."""
        deadline = time.monotonic() + timeout
        while self.scan_once():
            if time.monotonic() > deadline:
                raise TimeoutError("deliveries did not catch up in time")

    def replay(self, subscription_id: str | None = None) -> int:
        with self.read_store.transaction() as cur:
            count = book.replay(cur, self.clock(), subscription_id)
        self.wake()
        return count

    def status(self, *, delivered: bool = False) -> dict[str, Any]:
        """Position, lag and counts; `delivered` adds the count of delivered messages (kept a
        week: too long a count for every /ready probe)."""
        head = self.app.recorder.max_notification_id() or 0
        with self.read_store.transaction(readonly=True) as cur:
            position = book.scan_position(cur)
            counts = book.counts(cur, delivered=delivered)
            oldest = book.oldest_pending(cur)
        lag = 0.0 if oldest is None else max((self.clock() - _parse(oldest)).total_seconds(), 0.0)
        return {
            "head": head,
            "position": position,
            "lag": max(head - position, 0),
            "oldest_pending_seconds": round(lag, 3),
            "pending": sum(c[book.PENDING] for c in counts.values()),
            "dead": sum(c[book.DEAD] for c in counts.values()),
            **({"delivered": sum(c[book.DELIVERED] for c in counts.values())} if delivered else {}),
            "subscriptions": counts,
            "sent_here": self.sent,
            "failures_here": self.failures,
            "running_here": self._thread is not None and self.leading,
            "error": self.last_error,
        }


def _receiver(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)
