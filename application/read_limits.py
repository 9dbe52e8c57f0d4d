"""Per-caller bounds on two reads an attacker could abuse: exact-match searches by personal data
(each one a guess at somebody's ID number or name), and read-your-writes waits (each one held
open for seconds).

A caller is its subject, role and unit: two tokens of the same person count together.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from threading import Lock

from application.errors import InvalidCommand, RateLimited
from domain.values import Actor

SEARCHES_PER_MINUTE = 30
WAITS_PER_CALLER = 8
WAIT_POLL = 0.02  # seconds between looks at the read models' position, for all waits together
CONSISTENCY_HEADER = "X-Consistency-Position"

Caller = tuple[str, str, str | None]


def caller_of(actor: Actor) -> Caller:
    return actor.subject, actor.role.value, actor.unit


class SearchBudget:
    """At most `per_minute` personal-data searches per caller in any 60 seconds."""

    def __init__(self, per_minute: int = SEARCHES_PER_MINUTE, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._spent: dict[Caller, deque[float]] = {}
        self._lock = Lock()

    def spend(self, actor: Actor) -> None:
        """Count one search, or refuse it with the seconds until the oldest one leaves the window."""
        now = self.clock()
        with self._lock:
            spent = self._spent.setdefault(caller_of(actor), deque())
            while spent and spent[0] <= now - 60:
                spent.popleft()
            if len(spent) >= self.per_minute:
                retry = max(1, math.ceil(spent[0] + 60 - now))
                raise RateLimited(
                    f"at most {self.per_minute} searches by personal data a minute; retry in {retry} s", retry
                )
            spent.append(now)
            if len(self._spent) > 10_000:  # forget callers whose window is empty
                for key in [k for k, v in self._spent.items() if not v]:
                    del self._spent[key]


class ConsistencyWaits:
    """Read-your-writes waits that hold neither a database connection nor a worker thread while
    they wait: one shared look at the read models' position every WAIT_POLL seconds serves every
    waiting request, a position beyond the event store's head is refused at once, and each caller
    has at most `per_caller` waits open (then 429)."""

    def __init__(
        self,
        head: Callable[[], Awaitable[int]],
        position: Callable[[], Awaitable[int]],
        hurry: Callable[[], None],
        per_caller: int = WAITS_PER_CALLER,
    ) -> None:
        self._head = head
        self._position = position
        self._hurry = hurry
        self.per_caller = per_caller
        self._open: dict[Caller, int] = {}
        self._known_head = 0
        self._seen = 0
        self._looked_at = 0.0
        self._looking = False

    async def wait(self, actor: Actor, position: int, timeout: float) -> bool:
        """True once the read models have processed `position` (False when `timeout` passed)."""
        if position <= self._seen:
            return True
        if position > self._known_head:
            self._known_head = await self._head()
            if position > self._known_head:
                raise InvalidCommand(
                    CONSISTENCY_HEADER, f"position {position} is beyond the event store's head ({self._known_head})"
                )
        async with self._slot(actor):
            deadline = time.monotonic() + timeout
            while True:
                if await self._processed() >= position:
                    return True
                if time.monotonic() >= deadline:
                    return False
                await asyncio.sleep(min(WAIT_POLL, max(0.0, deadline - time.monotonic())))

    async def _processed(self) -> int:
        """The read models' position, looked up at most once per WAIT_POLL for all waits (while
        one wait looks, the others take the last known position)."""
        if not self._looking and time.monotonic() - self._looked_at >= WAIT_POLL:
            self._looking = True
            self._hurry()  # someone waits: the projections cut their gathering pause short
            try:
                self._seen = max(self._seen, await self._position())
            finally:
                self._looking = False
                self._looked_at = time.monotonic()
        return self._seen

    @asynccontextmanager
    async def _slot(self, actor: Actor) -> AsyncIterator[None]:
        caller = caller_of(actor)
        if self._open.get(caller, 0) >= self.per_caller:
            raise RateLimited(f"at most {self.per_caller} read-your-writes waits at a time per caller", 1)
        self._open[caller] = self._open.get(caller, 0) + 1
        try:
            yield
        finally:
            left = self._open[caller] - 1
            if left:
                self._open[caller] = left
            else:
                del self._open[caller]
