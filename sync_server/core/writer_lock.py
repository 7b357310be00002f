"""One writer at a time across processes for an SQLite registry.

Inside a process, ``SqliteDatabase`` queues writers on a thread lock. When several server
processes share one SQLite file (``serve --workers N``), SQLite's own ``BEGIN IMMEDIATE``
still keeps them apart, but a process that finds the database busy sleeps and polls (up to
100 ms at a time), so writers would queue in fits and starts. An advisory lock on a file
beside the database (``flock``) makes a waiting writer wake as soon as the previous one
commits. Sequence numbers stay in commit order either way: they are handed out inside the
write transaction (docs/PROTOCOL.md §7).

Where ``fcntl`` does not exist (Windows) the lock does nothing and one server process per
SQLite file is the rule (``serve`` refuses ``--workers`` above 1 there).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

AVAILABLE = fcntl is not None


class WriterFileLock:
    """A blocking, exclusive ``flock`` on ``<database>.writer-lock``; a context manager.
    Callers in one process must already be serialised (``SqliteDatabase`` holds its thread
    lock around it)."""

    def __init__(self, database_path: Path):
        self.path = database_path.with_name(database_path.name + ".writer-lock")
        self._fd: int | None = None
        self._open_lock = threading.Lock()

    def _descriptor(self) -> int:
        with self._open_lock:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            return self._fd

    def __enter__(self) -> WriterFileLock:
        if fcntl is not None:
            fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._open_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
