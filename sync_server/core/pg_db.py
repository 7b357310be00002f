"""PostgreSQL behind the same ``Database``/``Tx`` surface as SQLite (issue 8).

Services write SQL with ``?`` placeholders; ``PgTx`` translates them to psycopg's ``%s``
(outside string literals) and hands rows back that index by position and by column name,
like ``sqlite3.Row``. Python ``bool`` is sent as an integer (the schema keeps SQLite's 0/1
flags) and ``numeric`` results (``SUM``/``AVG``) come back as ``int`` or ``float``.

Write transactions: several server processes share one database, and sequence numbers
must be handed out in commit order (docs/PROTOCOL.md §7). Every ``write()`` therefore
starts with ``pg_advisory_xact_lock(WRITE_LOCK_KEY)``: one writer at a time across every
process, the PostgreSQL counterpart of SQLite's ``BEGIN IMMEDIATE``. The lock is released
by COMMIT only after the transaction is visible, so the next writer's ``MAX(seq)`` sees it
and any reader's snapshot holds a prefix of the sequence. Within a process a thread lock
queues writers first, so waiting writers never hold more than one pooled connection.
Reads run ``REPEATABLE READ READ ONLY``: one consistent snapshot per ``read()`` block, and
never blocked by the writer. docs/POSTGRES.md explains the choice and its trade-off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.rows import RowMaker
from psycopg_pool import ConnectionPool, PoolTimeout

from sync_server.core.config import ConfigError
from sync_server.core.db import RecordReads
from sync_server.core.dialects import Dialect
from sync_server.core.dialects.postgres import POSTGRES
from sync_server.core.group_commit import GroupCommit

T = TypeVar("T")

# An arbitrary constant that names "the registry's single writer" among advisory locks.
WRITE_LOCK_KEY = 0x5E_C0_5E_01
# READ COMMITTED whatever the database default: statements after the lock must see what the
# previous writer committed (a REPEATABLE READ snapshot would be taken before the wait).
BEGIN_WRITE = f"BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
# Per connection: no JIT (short OLTP statements; compiling only adds latency to pull pages);
# a process that hangs inside a transaction loses it (and the write lock) after a minute;
# a writer waiting a minute for the lock gives up (the device retries) instead of piling up.
SESSION_SETTINGS = "SET jit = off; SET idle_in_transaction_session_timeout = '60s'; SET lock_timeout = '60s'"


@lru_cache(maxsize=4096)
def to_pyformat(sql: str) -> str:
    """``?`` placeholders to ``%s`` and a literal ``%`` to ``%%``, leaving quoted text and
    ``--`` comments alone (a ``?`` there is not a placeholder)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = sql.find(ch, i + 1)
            end = n - 1 if end < 0 else end
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
            continue
        out.append("%s" if ch == "?" else "%%" if ch == "%" else ch)
        i += 1
    return "".join(out)


class PgRow(tuple[Any, ...]):
    """A result row: ``row[0]`` and ``row["column"]``, like ``sqlite3.Row``."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    return type("PgRow", (PgRow,), {"__slots__": (), "_index": {n: i for i, n in enumerate(names)}})


def pg_row(cursor: Any) -> RowMaker[Any]:
    """psycopg row factory producing ``PgRow``s."""
    if cursor.description is None:
        return tuple
    cls = _row_class(tuple(c.name for c in cursor.description))
    return lambda values: cls(values)


class BoolAsIntDumper(Dumper):
    """``True``/``False`` as 1/0: the schema keeps SQLite's integer flags."""

    oid = psycopg.postgres.types["int4"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class NumericLoader(Loader):
    """``numeric`` (what ``SUM``/``AVG`` return) as ``int`` when whole, else ``float``."""

    format = Format.TEXT

    def load(self, data: Any) -> Any:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


class DatabaseUnreachable(ConfigError):
    """PostgreSQL did not answer at the configured URL (the CLI prints it and exits 2)."""


class PgTx(RecordReads):
    """One transaction on a pooled connection. Methods take ``?`` placeholders."""

    def __init__(self, conn: psycopg.Connection[Any], dialect: Dialect):
        self.conn = conn
        self.dialect = dialect

    def _run(self, sql: str, params: Sequence[Any]) -> psycopg.Cursor[Any]:
        if params:
            return self.conn.execute(to_pyformat(sql), params)
        return self.conn.execute(sql.replace("%", "%%") if "?" in sql else sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._run(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(to_pyformat(sql), list(rows))

    def insert_rows(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        # psycopg's executemany sends the rows in one pipeline of one prepared statement;
        # measured faster here than statements of many rows (bench/server_bench_pg.py).
        self.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._run(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._run(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._run(sql, params).fetchone()
        return None if row is None else row[0]

    def script(self, sql: str) -> None:
        """Several statements, no parameters (a migration): sent as one simple query."""
        self.conn.execute(sql)


class PgDatabase:
    """A psycopg connection pool; one cluster-wide writer, snapshot readers."""

    dialect = POSTGRES

    def __init__(self, url: str, pool_size: int = 8):
        self.url = url
        try:  # one direct attempt first: a refused connection is reported at once, not after a pool timeout
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            raise DatabaseUnreachable(f"{unreachable_message(url)} ({str(exc).strip()})") from exc
        self._write_lock = threading.Lock()
        self._group = GroupCommit(self.write)
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(pool_size, 2),
            kwargs={"autocommit": True, "row_factory": pg_row},
            configure=self._configure,
            check=ConnectionPool.check_connection,  # a connection PostgreSQL dropped is replaced, not used
            open=False,
            name="sync_server",
        )
        try:
            self.pool.open(wait=True, timeout=15)
        except PoolTimeout as exc:
            self.pool.close()
            raise DatabaseUnreachable(unreachable_message(url)) from exc

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(SESSION_SETTINGS)
        conn.adapters.register_dumper(bool, BoolAsIntDumper)
        conn.adapters.register_loader("numeric", NumericLoader)

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[PgTx]:
        with self.pool.connection() as conn:
            conn.execute(begin)
            try:
                yield PgTx(conn, self.dialect)
            except BaseException:
                # a connection that is gone cannot roll back: the pool discards it, and the first
                # error is the one to report
                with suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[PgTx]:
        with self._write_lock, self._transaction(BEGIN_WRITE) as tx:
            yield tx

    def run_write(self, job: Callable[[PgTx], T]) -> T:
        return self._group.run(job)

    @contextmanager
    def read(self) -> Iterator[PgTx]:
        with self._transaction(BEGIN_READ) as tx:
            yield tx

    def close(self) -> None:
        self.pool.close()


def unreachable_message(url: str) -> str:
    return (
        f"Không kết nối được PostgreSQL ({redact(url)}); hãy kiểm tra máy chủ đang chạy và SYNC_DATABASE_URL."
        f" / Cannot reach PostgreSQL at {redact(url)}: start it or fix SYNC_DATABASE_URL"
        " (postgresql://USER:PASSWORD@HOST:5432/DBNAME)."
    )


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    host = info.get("host", "localhost")
    return f"postgresql://{info.get('user', '')}@{host}:{info.get('port', 5432)}/{info.get('dbname', '')}"
