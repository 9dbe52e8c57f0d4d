"""Where signed checkpoints are published: files in one directory (FENGQIAO_CHECKPOINT_DIR), outside
the event store. What a checkpoint is and how it is signed is the audit's (application/audit/)."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


class CheckpointDirectory:
    """The checkpoint files (the audit's CheckpointFiles port). The directory and the files it
    creates are private to the service's user."""

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
        self._create_directory()
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.directory)  # created 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.directory / name)  # the file appears whole or not at all
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        # One signer at a time across processes (workers, the CLI): sequences must not interleave.
        self._create_directory()
        fd = os.open(self.directory / ".lock", os.O_WRONLY | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _create_directory(self) -> None:
        self.directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
