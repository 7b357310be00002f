"""WAL checkpoints for the SQLite registry, off the single writer's lane.

In WAL mode a commit appends pages to ``registry.db-wal``; a *checkpoint* copies them back
into the database file (and fsyncs it). By default the connection that commits runs one
whenever the WAL passes 1,000 pages, so every so often one push pays for copying megabytes
while every other push waits behind it. The server's writer turns that off
(``wal_autocheckpoint=0``) and this thread, on a connection of its own, runs a PASSIVE
checkpoint after commits instead: PASSIVE never blocks or waits for readers or writers, and
SQLite does the copying without holding Python's interpreter lock, so pushes go on meanwhile.
The WAL is reused from its start once a checkpoint has caught up, as before.

Bounded WAL: a PASSIVE checkpoint copies frames back but never resets the WAL while some
reader still reads an older snapshot, and under sustained reads there always is one, so the
file grows without end (11 GB in a 100,000-inspection load). When the WAL file passes half
its limit (``SYNC_SQLITE_WAL_LIMIT_MB``, default 512) the thread runs a TRUNCATE checkpoint:
the server's writes wait (this process's writer lock; at most ``TRUNCATE_WAIT_MS``) while the
readers of old snapshots finish, SQLite copies the rest and empties the file. If a reader outlasts the wait the checkpoint
gives up and is tried again after the next commit; writes go on meanwhile. When commits
outrun the thread (a checkpoint copies and fsyncs megabytes) and the WAL passes three quarters
of its limit, the next write first runs the TRUNCATE checkpoint itself. The writer's
``journal_size_limit`` (a quarter of the limit) also trims the file whenever the WAL restarts.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

# At most one checkpoint per this many seconds: between them commits only append to the WAL.
INTERVAL_S = 0.25
DEFAULT_WAL_LIMIT_BYTES = 512 * 1024 * 1024
# How long a TRUNCATE checkpoint may hold writes back waiting for old readers to finish.
TRUNCATE_WAIT_MS = 2000
WRITER_BUSY_MS = 30000  # the writer connection's usual busy timeout (db.py)


class Checkpointer:
    def __init__(
        self,
        path: Path,
        wal_limit_bytes: int = DEFAULT_WAL_LIMIT_BYTES,
        hold_writes: Callable[[], AbstractContextManager[object]] = nullcontext,
    ):
        self._path = path
        self._hold_writes = hold_writes  # the process's writer lock: pushes wait while the WAL is emptied
        self._wal = path.with_name(path.name + "-wal")
        self.wal_limit_bytes = wal_limit_bytes
        self.truncations = 0  # TRUNCATE checkpoints that emptied the WAL (tests and diagnostics)
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.checkpoints = 0  # run so far (tests and diagnostics)

    def after_commit(self) -> None:
        """A commit happened: checkpoint soon (starts the thread on first use)."""
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopped.is_set():
                    self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute(f"PRAGMA busy_timeout={TRUNCATE_WAIT_MS}")
        try:
            while not self._stopped.is_set():
                self._wake.wait()
                self._wake.clear()
                if self._stopped.is_set():
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                    if self.wal_bytes() > self.wal_limit_bytes // 2:
                        with self._hold_writes():  # else a steady stream of commits starves it
                            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                        self.truncations += 0 if busy else 1
                except sqlite3.Error:
                    # Another process's checkpoint is running, or the disk is full: the WAL
                    # keeps the data safe meanwhile; try again after the next commit.
                    pass
                self._stopped.wait(INTERVAL_S)  # let commits gather before the next one
        finally:
            conn.close()

    def over_high_water(self) -> bool:
        """The WAL is past three quarters of its limit (checked before each write)."""
        return self.wal_bytes() > self.wal_limit_bytes * 3 // 4

    def truncate_on(self, conn: sqlite3.Connection) -> bool:
        """Empty the WAL from the writer's own connection, waiting at most ``TRUNCATE_WAIT_MS``
        for readers of old snapshots; the caller holds the writer lock. ``False`` when a reader
        outlasted the wait (the write goes ahead; the next one tries again)."""
        conn.execute(f"PRAGMA busy_timeout={TRUNCATE_WAIT_MS}")
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error:
            busy = 1
        finally:
            conn.execute(f"PRAGMA busy_timeout={WRITER_BUSY_MS}")
        self.truncations += 0 if busy else 1
        return not busy

    def wal_bytes(self) -> int:
        try:
            return self._wal.stat().st_size
        except FileNotFoundError:
            return 0

    def close(self) -> None:
        """Stop the thread (a checkpoint under way finishes first)."""
        with self._lock:
            self._stopped.set()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)
