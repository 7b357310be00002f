"""The device's one SQLite file: opening, WAL, migrations, and the single-writer transaction.

All reads and writes go through one connection guarded by one lock, so the screens and the
background sync never interleave half a transaction. ``write()`` is ``BEGIN IMMEDIATE … COMMIT``
(rolled back on any exception); nothing else commits.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from field_app.core.migrations import apply_migrations

DB_FILENAME = "field_app.db"
BLOB_DIRNAME = "blobs"


def default_data_dir() -> Path:
    """``$FLET_APP_STORAGE_DATA`` on a phone (Flet sets it), else ``$FIELD_APP_DATA`` or ``~/.field_app``."""
    for var in ("FLET_APP_STORAGE_DATA", "FIELD_APP_DATA"):
        value = os.environ.get(var)
        if value:
            return Path(value)
    return Path.home() / ".field_app"


class Store:
    """One open local store in ``data_dir``."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.blob_dir = self.data_dir / BLOB_DIRNAME
        self.blob_dir.mkdir(exist_ok=True)
        self.path = self.data_dir / DB_FILENAME
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        self._depth = 0
        with self._lock:
            apply_migrations(self.db)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (nested calls join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Consistent reads (the lock keeps a concurrent write out)."""
        with self._lock:
            yield self.conn

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self.conn.execute(sql, params)
            cols = [d[0] for d in cur.description or ()]
            return [_Row(cols, r) for r in cur.fetchall()]

    def scalar(self, sql: str, params: tuple[Any, ...] | list[Any] | dict[str, Any] = ()) -> object:
        with self._lock:
            row = self.conn.execute(sql, params).fetchone()
            return row[0] if row else None


class _Row(dict[str, Any]):
    """A row as a dict keyed by column name."""

    def __init__(self, cols: list[str], values: tuple[Any, ...]):
        super().__init__(zip(cols, values, strict=True))
