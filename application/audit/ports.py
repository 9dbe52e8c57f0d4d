"""What audit needs from the infrastructure (ports): where checkpoints are published, the rows
it reads from the read-model database, and the event store's recorder."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from application.reads import ReadModelStore

# (case id, version, hash): one event's chained hash; a case's head is that of its last event.
EventHash = tuple[str, int, str]


class CheckpointFiles(Protocol):
    """The published checkpoints: named files outside the event store."""

    def manifests(self) -> list[str]:
        """The manifests' names, oldest first."""
        ...

    def exists(self, name: str) -> bool: ...

    def read(self, name: str) -> bytes:
        """The file's bytes; OSError when it is missing or unreadable."""
        ...

    def write(self, name: str, data: bytes) -> None:
        """Publish a file whole, or not at all."""
        ...

    def exclusive(self) -> AbstractContextManager[None]:
        """Held while signing, so that two signers never write the same sequence."""
        ...


@dataclass
class CheckpointRows:
    """What a checkpoint signs, read in one read-model transaction."""

    position: int  # how far every read model has projected
    new: list[EventHash]  # the events projected after the previous checkpoint, up to `position`
    heads: list[EventHash]  # every case's head at `position`, by case id
    access_head: tuple[int, str] | None  # the access log's last entry (id, hash), if any


class AuditRows(Protocol):
    """The rows audit reads from the read-model database."""

    def checkpoint_rows(self, store: ReadModelStore, since: int) -> CheckpointRows: ...

    def projected_hashes(self, store: ReadModelStore, case_id: UUID) -> dict[int, str]:
        """The hash recorded for each of the case's versions when it was projected."""
        ...

    def cases(self, store: ReadModelStore) -> list[tuple[UUID, str]]:
        """Every case the read models hold: its id and case number, by case number."""
        ...

    def access_log(self, store: ReadModelStore) -> list[tuple[Any, ...]]:
        """Every access log entry in id order: id, at, subject, role, unit, case_number, fields,
        reason, then the hash recorded for it."""
        ...


class EventSource(Protocol):
    """The application, as audit reads its stored events."""

    @property
    def recorder(self) -> ApplicationRecorder: ...


class CaseSource(EventSource, Protocol):
    """The application, as a dossier needs it."""

    def units(self) -> dict[str, str]: ...

    def clock(self) -> datetime: ...
