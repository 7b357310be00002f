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
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and db._checkpointer.checkpoints == 0:
            time.sleep(0.05)
        assert db._checkpointer.checkpoints >= 1
        time.sleep(0.6)  # the last commits' checkpoint
        # The database file alone, copied while the WAL still exists (closing the last
        # connection would checkpoint anyway): only pages the thread copied back count.
        alone = tmp_path / "alone.db"
        alone.write_bytes((tmp_path / "registry.db").read_bytes())
    finally:
        db.close()
    conn = sqlite3.connect(alone)
    try:
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 2000
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
