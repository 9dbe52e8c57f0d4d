"""The read side and the checkpoint store as the application's schedulers ask for them
(`application.ports.DeadlineQueries`, `application.ports.CheckpointSigner`)."""

from __future__ import annotations

from datetime import datetime

from application.audit.checkpoints import Checkpoint, CheckpointStore
from application.reads import ReadSide
from projections import queries as q


class ReadSideDeadlines:
    def __init__(self, reads: ReadSide) -> None:
        self.reads = reads

    def provisional_cases(self) -> list[str]:
        cases: list[str] = self.reads.query(q.provisional_cases)
        return cases

    def due_for_miss_recording(self, now: datetime) -> list[str]:
        cases: list[str] = self.reads.query(q.due_for_miss_recording, now)
        return cases


class ReadSideCheckpoints:
    def __init__(self, checkpoints: CheckpointStore, reads: ReadSide) -> None:
        self.checkpoints = checkpoints
        self.reads = reads

    def leading(self) -> bool:
        return self.reads.runner.leading and self.reads.runner.running

    def sign(self, now: datetime) -> Checkpoint | None:
        return self.checkpoints.create(self.reads.store, now)
