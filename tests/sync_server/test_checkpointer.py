"""WAL checkpoints run off the writer's lane (``sync_server.core.checkpointer``): the
writer never checkpoints itself, yet committed pages reach the database file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sync_server.core.db import SqliteDatabase


def test_commits_are_checkpointed_into_the_database_file_by_the_background_thread(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "registry.db")
    try:
        with db.write() as tx:
            tx.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        assert db._writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        for batch in range(20):
            with db.write() as tx:
                tx.executemany("INSERT INTO t (k, v) VALUES (?, ?)", [(batch * 100 + i, "x" * 500) for i in range(100)])
        # The database file alone, copied while the WAL still exists (closing the last
        # connection would checkpoint anyway): only pages the thread copied back count.
        # Copies are taken until every row is in one (a loaded machine may take a while).
        alone = tmp_path / "alone.db"
        rows, deadline = 0, time.monotonic() + 15
        while rows < 2000 and time.monotonic() < deadline:
            time.sleep(0.1)
            alone.write_bytes((tmp_path / "registry.db").read_bytes())
            rows = _rows_in(alone)
        assert db._checkpointer.checkpoints >= 1
    finally:
        db.close()
    assert rows == 2000


def _rows_in(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    except sqlite3.DatabaseError:  # a copy taken mid-write may not be a database yet
        return 0
    finally:
        conn.close()


def test_closing_stops_the_checkpoint_thread(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "registry.db")
    with db.write() as tx:
        tx.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
    thread = db._checkpointer._thread
    assert thread is not None
    started = time.monotonic()
    db.close()
    assert not thread.is_alive() and time.monotonic() - started < 5
