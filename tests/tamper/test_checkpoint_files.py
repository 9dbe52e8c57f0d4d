"""Checkpoint files are the service's own: the directory it creates and every file it writes there
can be read by no other user of the machine."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.checkpoints import CheckpointDirectory


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the common default, which leaves new files readable by all
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("usual_umask")
def test_the_directory_and_files_are_created_private(tmp_path: Path) -> None:
    directory = tmp_path / "var" / "checkpoints"
    files = CheckpointDirectory(directory)
    with files.exclusive():
        files.write("checkpoint-00000001.hashes", b"")
        files.write("checkpoint-00000001.json", b"{}")

    assert mode(directory) == 0o700
    assert {p.name: mode(p) for p in directory.iterdir()} == {
        ".lock": 0o600,
        "checkpoint-00000001.hashes": 0o600,
        "checkpoint-00000001.json": 0o600,
    }
    assert files.manifests() == ["checkpoint-00000001.json"]
    assert files.read("checkpoint-00000001.json") == b"{}"
