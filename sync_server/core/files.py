"""Files only the server's own user may read: the SQLite database (with its WAL and shared
memory files), the blobs and the secret key are created 0600 in directories created 0700."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> None:
    """Make ``path`` and any missing parents; each directory made here gets mode 0700 (an
    existing directory is left as it is: it may be shared on purpose)."""
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    for made in missing:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(made, DIR_MODE)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist; an existing file is narrowed
    to 0600 (a database made by an earlier version was world-readable)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        with contextlib.suppress(PermissionError):
            if path.stat().st_mode & 0o077:
                os.chmod(path, FILE_MODE)
        return
    os.close(fd)


def open_append(path: Path) -> int:
    """A file descriptor appending to ``path``, created 0600."""
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
