"""The PostgreSQL layer's own rules: placeholders, rows, what an operator sees when the
database is unreachable, and how the tests themselves report a missing PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sync_server.core.config import ConfigError, ServerConfig, from_env
from sync_server.core.migrations import migrate, migration_files
from sync_server.core.pg_db import PgDatabase, _row_class, to_pyformat
from sync_server.core.server import Server
from tests.support import postgres
from tests.support.server_process import REPO_ROOT
from tests.sync_server.helpers import OLD_FEED_ROW, OLD_SCHEMA_MIGRATIONS, assert_old_feed_row_pulls_as_written_now


def closed_port_url() -> str:
    with socket.socket() as s:  # a port nothing listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/nothing_here"


def test_question_marks_become_placeholders_outside_quoted_text() -> None:
    assert to_pyformat("SELECT a FROM t WHERE b = ? AND c LIKE '%?%' AND d = ?") == (
        "SELECT a FROM t WHERE b = %s AND c LIKE '%%?%%' AND d = %s"
    )
    assert to_pyformat('SELECT "we?ird" FROM t WHERE x % 2 = ?') == 'SELECT "we?ird" FROM t WHERE x %% 2 = %s'
    assert to_pyformat("SELECT 1 -- isn't it? 100%\nWHERE a = ?") == "SELECT 1 -- isn't it? 100%%\nWHERE a = %s"
    assert to_pyformat("SELECT 'it''s' || ?") == "SELECT 'it''s' || %s"


def test_rows_index_by_position_and_by_column_name() -> None:
    row = _row_class(("seq", "value"))((7, '"x"'))
    assert (row[0], row["seq"], row["value"], tuple(row), row.keys()) == (7, 7, '"x"', (7, '"x"'), ["seq", "value"])


def test_pool_size_is_configured_and_checked(tmp_path: Path) -> None:
    env = {"SYNC_DATABASE_URL": "postgresql://u@h/db", "SYNC_SECRET_KEY": "k", "SYNC_PG_POOL_SIZE": "12"}
    assert from_env(env).pg_pool_size == 12
    with pytest.raises(ConfigError, match="SYNC_PG_POOL_SIZE"):
        from_env({**env, "SYNC_PG_POOL_SIZE": "many"})


def test_unreachable_database_is_a_clear_error_at_once() -> None:
    url = closed_port_url()
    with pytest.raises(ConfigError) as caught:
        PgDatabase(url)
    assert "Cannot reach PostgreSQL" in str(caught.value) and "SYNC_DATABASE_URL" in str(caught.value)
    assert "Không kết nối được PostgreSQL" in str(caught.value)


@pytest.mark.slow
def test_cli_on_an_unreachable_database_exits_with_what_to_do(tmp_path: Path) -> None:
    env = {"SYNC_DATABASE_URL": closed_port_url(), "SYNC_BLOB_DIR": str(tmp_path), "SYNC_SECRET_KEY": "k"}
    done = subprocess.run(
        [sys.executable, "-m", "sync_server", "import-sites", "x.csv"],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Cannot reach PostgreSQL" in done.stderr and "Traceback" not in done.stderr


def test_missing_postgres_fails_the_tests_with_how_to_point_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_POSTGRES_URL", closed_port_url())
    monkeypatch.delenv("SKIP_POSTGRES", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception, match="TEST_POSTGRES_URL=postgresql://"):
        postgres.require_postgres()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="in CI: start a PostgreSQL"):
        postgres.require_postgres()
    monkeypatch.setenv("SKIP_POSTGRES", "1")  # never skipped in CI, even when asked
    with pytest.raises(pytest.fail.Exception):
        postgres.require_postgres()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="SKIP_POSTGRES=1"):
        postgres.require_postgres()


def test_connections_dropped_by_postgresql_are_replaced_not_used() -> None:
    postgres.require_postgres()
    name = postgres.unique_name("sync_layer")
    url = postgres.create_database(name)
    db = PgDatabase(url, pool_size=2)
    try:
        with db.write() as tx:
            tx.execute("CREATE TABLE t (x INTEGER)")
        postgres.query(
            postgres.admin_url(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        with db.write() as tx:  # e.g. after a PostgreSQL restart or failover
            tx.execute("INSERT INTO t (x) VALUES (?)", (True,))
        with db.read() as tx:
            assert tx.scalar("SELECT SUM(x) FROM t") == 1
    finally:
        db.close()
        postgres.drop_database(name)


def test_a_writer_that_waited_for_the_lock_sees_what_the_previous_writer_committed() -> None:
    """Two Database objects stand for two server processes. Even with a database whose
    default isolation is REPEATABLE READ, the second writer's statements after the lock see
    the first writer's commit, so MAX(seq) + 1 never repeats a number."""
    postgres.require_postgres()
    name = postgres.unique_name("sync_layer")
    url = postgres.create_database(name)
    postgres.run(url, f"ALTER DATABASE {name} SET default_transaction_isolation = 'repeatable read'")
    first, second = PgDatabase(url, pool_size=2), PgDatabase(url, pool_size=2)
    try:
        with first.write() as tx:
            tx.execute("CREATE TABLE feed_probe (seq BIGINT PRIMARY KEY)")
        holding, seen = threading.Event(), []

        def second_writer() -> None:
            holding.wait()
            with second.write() as tx:  # blocks on the advisory lock until ``first`` commits
                n = tx.scalar("SELECT COALESCE(MAX(seq), 0) FROM feed_probe") + 1
                tx.execute("INSERT INTO feed_probe (seq) VALUES (?)", (n,))
                seen.append(n)

        other = threading.Thread(target=second_writer)
        other.start()
        with first.write() as tx:
            tx.execute("INSERT INTO feed_probe (seq) VALUES (1)")
            holding.set()
            wait_until_a_writer_waits_for_the_lock(name)
        other.join(timeout=30)
        assert seen == [2]
    finally:
        first.close()
        second.close()
        postgres.drop_database(name)


def wait_until_a_writer_waits_for_the_lock(database: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = postgres.query(
            postgres.admin_url(),
            "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = %s",
            (database,),
        )
        if waiting[0][0]:
            return
    raise AssertionError("the second writer never waited for the write lock")


def test_a_feed_row_written_before_the_migrations_is_pulled_as_the_server_writes_it_now_on_postgresql(
    tmp_path: Path,
) -> None:
    postgres.require_postgres()
    name = postgres.unique_name("sync_layer")
    url = postgres.create_database(name)
    try:
        postgres.run(
            url,
            "; ".join(
                [migration_files("postgres")[0].read_text(encoding="utf-8"), *OLD_SCHEMA_MIGRATIONS, OLD_FEED_ROW]
            ),
        )
        server = Server.open(ServerConfig(database_url=url, blob_dir=tmp_path / "blobs", secret_key="k"))
        try:
            assert migrate(server.db) == []  # applied on open
            with server.db.read() as tx:  # migration 0016: the pull text is built on read, not stored
                columns = tx.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'feed'")
                assert "tail" not in {r[0] for r in columns}
            assert_old_feed_row_pulls_as_written_now(server.db)
        finally:
            server.close()
    finally:
        postgres.drop_database(name)
