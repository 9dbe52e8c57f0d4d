"""Where signed checkpoints are published: files in one directory (FENGQIAO_CHECKPOINT_DIR), outside
the event store. What a checkpoint is and how it is signed is the audit's (application/audit/)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class CheckpointDirectory:
    """The checkpoint files (the audit's CheckpointFiles port)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def manifests(self) -> list[str]:
        if not self.directory.exists():
            return []
        return sorted(path.name for path in self.directory.glob("checkpoint-*.json"))

    def exists(self, name: str) -> bool:
        return (self.directory / name).exists()

    def read(self, name: str) -> bytes:
        return (self.directory / name).read_bytes()

    def write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # the file appears whole or not at all

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        # One signer at a time across processes (workers, the CLI): sequences must not interleave.
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
