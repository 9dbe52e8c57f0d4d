"""What the application asks of the world outside it, as Protocols that `infrastructure/` implements.

The library's recorder API (save, select events, notifications) covers the rest; these are the
additions the command path and the background services need.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.idempotency import IdempotencyRecord, StoredAnswer


class CommandTransaction(Protocol):
    """One store transaction for one command on one case, begun by taking the case's turn: what
    it read of the case, further reads in the same transaction, and the command's insert."""

    @property
    def snapshot(self) -> StoredEvent | None:
        """The case's latest snapshot, read only when no state was kept (`after` is None)."""

    @property
    def events(self) -> list[StoredEvent]:
        """The case's events after the kept state's version (or after the snapshot)."""

    def events_after(self, originator_id: UUID, version: int) -> list[StoredEvent]:
        """Another stream's events, read in this transaction (reference data)."""

    def insert(self, stored_events: Sequence[StoredEvent], idempotency: IdempotencyRecord | None) -> list[int]:
        """Insert the events and the caller's key together; their notification ids."""


@runtime_checkable
class CommandStore(Protocol):
    """The event store as the command path uses it beyond the library's recorder API."""

    def command_transaction(
        self, originator_id: UUID, *, after: int | None
    ) -> AbstractContextManager[CommandTransaction]:
        """Commits when the block ends without an error, rolls back otherwise."""

    def recover(self) -> None:
        """After a connection failed: make the next try start on a working connection."""

    def lookup_idempotency(self, scope: str, key: str) -> StoredAnswer | None: ...

    def purge_idempotency(self, before: datetime) -> int:
        """Forget the keys recorded before `before`; how many."""

    def find_event(self, originator_id: UUID, version: int) -> tuple[int, bytes] | None:
        """(notification id, stored bytes) of one event: did a write whose answer was lost land?"""


class DeadlineQueries(Protocol):
    """What the deadline scheduler asks the read models."""

    def provisional_cases(self) -> list[str]:
        """Case numbers holding a deadline computed without its year's holiday notice."""

    def due_for_miss_recording(self, now: datetime) -> list[str]:
        """Case numbers with a deadline passed by `now` and not yet on their record as missed."""


class SignedCheckpoint(Protocol):
    @property
    def sequence(self) -> int: ...
    @property
    def position(self) -> int: ...


class CheckpointSigner(Protocol):
    """Signs a checkpoint of the store, or declines when nothing happened since the last."""

    def sign(self, now: datetime) -> SignedCheckpoint | None: ...

    def leading(self) -> bool:
        """True while this process runs the projections: only it signs, so two never write the
        same sequence."""
