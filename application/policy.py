"""How the application treats its event store: retries, the breaker, caches, retention.

One frozen value, built from the environment by `infrastructure/settings.py` (these defaults are
what it uses when nothing is set) and handed to the application and to the store adapters, so
that a command and the recorder under it retry alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class StorePolicy:
    # The library retries 10 times, 0.2 s apart, each try waiting up to the pool timeout: with the
    # database down a command could hang for most of a minute. Three quick tries bound it to a
    # few seconds, after which the caller gets 503 and retries with its idempotency key.
    attempts: int = 3  # tries in all when a connection fails
    retry_wait: float = 0.1  # seconds between two tries
    # After a failure, answer "unavailable" at once for a moment instead of queueing behind a
    # dead store.
    breaker_seconds: float = 1.0
    case_cache_size: int = 4096  # recently commanded cases whose state is kept between commands
    snapshot_interval: int = 50  # a case is snapshotted every this many events
    idempotency_retention: timedelta = timedelta(days=30)
    # Registrations racing for the year's next case number take the next one; this many tries.
    registration_attempts: int = 200
    # How stale the cached units and calendar may be before a command looks at the store again.
    reference_refresh_seconds: float = 5.0
