"""``Tx.insert_rows``: a one-row INSERT run for many rows (on SQLite as a few statements of
many rows) writes exactly what ``executemany`` writes, upserts included, on SQLite and
PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from sync_server.core.db import ROWS_PER_STATEMENT, SqliteDatabase, _rows_statement
from tests.sync_server.conftest import World

UPSERT = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"


def _meta(world: World, prefix: str) -> dict[str, str]:
    with world.server.db.read() as tx:
        rows = tx.query("SELECT key, value FROM meta WHERE key LIKE ?", (f"{prefix}%",))
    return {r["key"]: r["value"] for r in rows}


@pytest.mark.parametrize("count", [0, 1, 2, 3, ROWS_PER_STATEMENT - 1, ROWS_PER_STATEMENT, 2 * ROWS_PER_STATEMENT + 37])
def test_every_row_is_written_once_whatever_the_count(world: World, count: int) -> None:
    rows = [(f"t.rows.{i:04d}", f"value {i}") for i in range(count)]
    with world.server.db.write() as tx:
        tx.insert_rows(UPSERT, rows)
    assert _meta(world, "t.rows.") == dict(rows)


def test_an_upsert_updates_the_rows_that_exist_and_adds_the_others(world: World) -> None:
    with world.server.db.write() as tx:
        tx.executemany(UPSERT, [(f"t.up.{i:03d}", "old") for i in range(0, 100, 2)])
    with world.server.db.write() as tx:
        tx.insert_rows(UPSERT, [(f"t.up.{i:03d}", f"new {i}") for i in range(100)])
    assert _meta(world, "t.up.") == {f"t.up.{i:03d}": f"new {i}" for i in range(100)}


def test_a_failing_row_leaves_nothing_of_the_transaction(world: World) -> None:
    rows = [(f"t.bad.{i:03d}", "v") for i in range(70)] + [("t.bad.null", None)]  # value is NOT NULL
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)), world.server.db.write() as tx:
        tx.insert_rows("INSERT INTO meta (key, value) VALUES (?, ?)", rows)
    assert _meta(world, "t.bad.") == {}


def test_only_a_one_row_insert_with_placeholders_is_taken() -> None:
    assert _rows_statement("INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO NOTHING", 3) == (
        "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT (a) DO NOTHING"
    )
    for sql in (
        "UPDATE t SET a = ?",
        "INSERT INTO t (a) VALUES (1)",
        "INSERT INTO t (a) SELECT ?",
        "INSERT INTO t VALUES ()",
    ):
        with pytest.raises(ValueError):
            _rows_statement(sql, 2)


def test_the_sqlite_writer_keeps_statement_journals_in_memory_and_readers_do_not(tmp_path: Path) -> None:
    """A multi-row statement, or one on a table with triggers, journals the pages it changes;
    in a temporary file that doubled a push's writes (see ``SqliteDatabase``)."""
    db = SqliteDatabase(tmp_path / "registry.db", synchronous="NORMAL")
    try:
        with db.write() as tx:
            assert tx.scalar("PRAGMA temp_store") == 2  # MEMORY
        with db.read() as tx:
            assert tx.scalar("PRAGMA temp_store") == 0  # the default: large sorts may spill to disk
    finally:
        db.close()


def test_a_wide_row_goes_in_statements_that_old_sqlite_accepts(tmp_path: Path) -> None:
    """At most 999 parameters a statement (SQLite before 3.32), whatever the row's width."""
    db = SqliteDatabase(tmp_path / "registry.db", synchronous="NORMAL")
    columns = [f"c{i}" for i in range(40)]
    sql = f"INSERT INTO wide ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    seen: list[int] = []
    try:
        with db.write() as tx:
            tx.execute(f"CREATE TABLE wide ({', '.join(columns)})")
            tx.conn.set_trace_callback(lambda statement: seen.append(statement.count("), (") + 1))
            tx.insert_rows(sql, [tuple(range(r, r + 40)) for r in range(100)])
            tx.conn.set_trace_callback(None)
            assert tx.scalar("SELECT COUNT(*) FROM wide") == 100
            assert tx.scalar("SELECT SUM(c0) FROM wide") == sum(range(100))
    finally:
        db.close()
    assert seen and max(seen) * 40 <= 999 and sum(seen) == 100
