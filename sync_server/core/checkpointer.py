"""WAL checkpoints for the SQLite registry, off the single writer's lane.

In WAL mode a commit appends pages to ``registry.db-wal``; a *checkpoint* copies them back
into the database file (and fsyncs it). By default the connection that commits runs one
whenever the WAL passes 1,000 pages, so every so often one push pays for copying megabytes
while every other push waits behind it. The server's writer turns that off
(``wal_autocheckpoint=0``) and this thread, on a connection of its own, runs a PASSIVE
checkpoint after commits instead: PASSIVE never blocks or waits for readers or writers, and
SQLite does the copying without holding Python's interpreter lock, so pushes go on meanwhile.
The WAL is reused from its start once a checkpoint has caught up, as before.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

# At most one checkpoint per this many seconds: between them commits only append to the WAL.
INTERVAL_S = 0.25


class Checkpointer:
    def __init__(self, path: Path):
        self._path = path
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
        try:
            while not self._stopped.is_set():
                self._wake.wait()
                self._wake.clear()
                if self._stopped.is_set():
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error:
                    # Another process's checkpoint is running, or the disk is full: the WAL
                    # keeps the data safe meanwhile; try again after the next commit.
                    pass
                self._stopped.wait(INTERVAL_S)  # let commits gather before the next one
        finally:
            conn.close()

    def close(self) -> None:
        """Stop the thread (a checkpoint under way finishes first)."""
        with self._lock:
            self._stopped.set()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)
