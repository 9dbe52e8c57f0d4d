"""Files and folders the service creates hold keys, personal data or evidence: they are private
to the service's user from the moment they exist (files 0600, folders 0700), whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create the folder (and missing parents) owner-only; an existing one is left as it is."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIRECTORY_MODE, exist_ok=True)
        os.chmod(folder, DIRECTORY_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create an empty file owner-only if it does not exist yet (SQLite then opens it, and makes
    its -wal and -shm files with the same permissions)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    os.close(fd)
    return path
