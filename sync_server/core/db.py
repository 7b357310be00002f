"""A small database layer: transactions over a connection, the same for every engine.

Services write SQL with ``?`` placeholders and plain SQL that SQLite and PostgreSQL both
understand; anything engine-specific (upserts with conflict targets, JSON building for pull,
how the write lock is taken) lives in the dialect module (``sync_server.core.dialects``).
A PostgreSQL implementation (issue 8) provides the same ``Database``/``Tx`` surface over
psycopg and translates ``?`` to ``%s``.

Rows support access by column name and by index (``sqlite3.Row``; psycopg's ``dict_row``
plus a tuple view does the same). ``Tx.records``/``Tx.record`` map rows by column name to a
msgspec Struct, and ``select_list`` derives a query's column list from the Struct's fields, so
a record's columns are declared once (its Struct). A query of one column is read with
``Tx.scalar`` (first row) or ``Tx.scalars`` (every row); nothing else reads a row by position.

Writes: on SQLite every write transaction goes through ONE writer — a process-wide lock, a
lock file shared with other server processes (``writer_lock``) and ``BEGIN IMMEDIATE`` — so
sequence numbers handed out inside a write transaction are in commit order (docs/PROTOCOL.md
§7). ``run_write`` lets concurrent pushes share one transaction and commit
(``group_commit``). Reads run on their own pooled connections in WAL mode and see a
consistent snapshot for the whole ``read()`` block.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import msgspec

from sync_server.core.checkpointer import DEFAULT_WAL_LIMIT_BYTES, WRITER_BUSY_MS, Checkpointer
from sync_server.core.config import ServerConfig, sqlite_path
from sync_server.core.dialects import Dialect
from sync_server.core.dialects.sqlite import SQLITE
from sync_server.core.files import private_dir, private_file
from sync_server.core.group_commit import GroupCommit
from sync_server.core.writer_lock import WriterFileLock

Row = Any  # sqlite3.Row or an equivalent mapping/sequence row
T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)


def select_list(
    cls: type[msgspec.Struct],
    *,
    prefix: str = "",
    sources: Mapping[str, str] | None = None,
    skip: Iterable[str] = (),
    alias: str = "",
) -> str:
    """The SELECT column list of ``cls``'s fields, in field order: ``{prefix}{field}`` or the
    expression ``sources[field]``, named ``{alias}{field}`` (``AS`` only where that differs).
    Fields in ``skip`` (computed in Python) are left out."""
    sources, skipped = sources or {}, set(skip)
    out = []
    for name in cls.__struct_fields__:
        if name in skipped:
            continue
        expr = sources.get(name, prefix + name)
        label = alias + name
        out.append(expr if expr.rsplit(".", 1)[-1] == label else f'{expr} AS "{label}"')
    return ", ".join(out)


def equal_filters(*pairs: tuple[str, Any]) -> tuple[str, list[Any]]:
    """A list's optional filters: `` AND column = ?`` for each ``(column, value)`` given a
    value (neither ``None`` nor ``""``), and those values, in order."""
    given = [(column, value) for column, value in pairs if value is not None and value != ""]
    return "".join(f" AND {column} = ?" for column, _ in given), [value for _, value in given]


@lru_cache(maxsize=256)
def _plan(cls: type[msgspec.Struct], names: tuple[str, ...]) -> tuple[tuple[tuple[int, str], ...], frozenset[str]]:
    fields = set(cls.__struct_fields__)
    flags = frozenset(f.name for f in msgspec.structs.fields(cls) if f.type is bool)
    return tuple((i, n) for i, n in enumerate(names) if n in fields), flags


def to_record(cls: type[S], row: Row, **more: Any) -> S:
    """``row`` as a ``cls``: each column named like one of its fields fills that field (other
    columns are ignored); ``bool`` fields are made ``bool`` from the schema's 0/1 flags. The
    fields no column holds (computed ones) are given in ``more``."""
    pairs, flags = _plan(cls, tuple(row.keys()))
    values = {n: (bool(row[i]) if n in flags else row[i]) for i, n in pairs}
    return cls(**values, **more)


def to_records(cls: type[S], rows: Sequence[Row]) -> list[S]:
    """Every row of ``rows`` (of one query) as a ``cls`` (``to_record``)."""
    if not rows:
        return []
    pairs, flags = _plan(cls, tuple(rows[0].keys()))
    if not flags:
        return [cls(**{n: r[i] for i, n in pairs}) for r in rows]
    return [cls(**{n: (bool(r[i]) if n in flags else r[i]) for i, n in pairs}) for r in rows]


def _lower(value: str | bytes | int | float | None) -> str | bytes | int | float | None:
    """``LOWER`` for SQLite as PostgreSQL has it: every letter, not only ASCII ones."""
    return value.lower() if isinstance(value, str) else value


ROWS_PER_STATEMENT = 64
MAX_PARAMETERS = 999  # what SQLite before 3.32 allowed in one statement (newer: 32,766)


def _row_marks(sql: str) -> tuple[str, str, str]:
    """(head, "(?, …)", tail) of a one-row ``INSERT … VALUES (?, …) [tail]``."""
    head, sep, rest = sql.partition(" VALUES (")
    marks, close, tail = rest.partition(")")
    if not sep or not close or not marks or set(marks) - set("?, "):
        raise ValueError(f"not a one-row INSERT … VALUES (?, …): {sql[:80]!r}")
    return head, f"({marks})", tail


@lru_cache(maxsize=256)
def _rows_statement(sql: str, n: int) -> str:
    head, row, tail = _row_marks(sql)
    return f"{head} VALUES {', '.join([row] * n)}{tail}"


def insert_many_rows(conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """SQLite's ``Tx.insert_rows``: the rows in statements of up to ``ROWS_PER_STATEMENT``
    rows, then the largest power of two that fits (a handful of statement shapes, each
    prepared once and cached). Much faster than ``executemany`` for a table with triggers
    (the inspections' kept counts, migration 0016), and faster for any table: SQLite keeps a
    journal of the pages a statement changes, once per statement instead of once per row."""
    if not rows:
        return
    most = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // _row_marks(sql)[1].count("?")))
    i = 0
    while i < len(rows):
        n = min(most, 1 << (len(rows) - i).bit_length() - 1)
        conn.execute(_rows_statement(sql, n), [v for row in rows[i : i + n] for v in row])
        i += n


class Tx(Protocol):
    """One transaction. All methods take ``?`` placeholders."""

    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows changed."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def insert_rows(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run the one-row ``INSERT … VALUES (?, …) [ON CONFLICT …]`` ``sql`` for every row,
        the engine's fastest way; no two rows may share a conflict key (PostgreSQL refuses
        to update one row twice in a statement)."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The one column of the first row of ``sql`` (``SELECT count(*) …``), or None."""
        ...

    def scalars(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The one column of every row of ``sql`` (``SELECT id FROM … WHERE …``)."""
        ...

    def records(self, cls: type[S], sql: str, params: Sequence[Any] = ()) -> list[S]:
        """The rows of ``sql`` as ``cls`` Structs, mapped by column name (``to_records``)."""
        ...

    def record(self, cls: type[S], sql: str, params: Sequence[Any] = ()) -> S | None:
        """The first row of ``sql`` as a ``cls`` (``to_record``), or None."""
        ...

    def script(self, sql: str) -> None:
        """Run a migration script (several statements) inside this transaction."""
        ...


class Database(Protocol):
    dialect: Dialect

    def read(self) -> Any:
        """Context manager yielding a read-only ``Tx`` with a consistent snapshot."""
        ...

    def write(self) -> Any:
        """Context manager yielding the single writer ``Tx``; commits on success."""
        ...

    def run_write(self, job: Callable[[Tx], T]) -> T:
        """Run ``job(tx)`` in a write transaction that concurrent jobs may share (group
        commit, ``sync_server.core.group_commit``): its writes are undone alone if it raises,
        and its result is returned once the transaction has committed."""
        ...

    def close(self) -> None: ...


class RecordReads:
    """``Tx.records``/``Tx.record`` over a transaction's ``query``/``one`` (every engine's)."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        raise NotImplementedError

    def scalars(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return [row[0] for row in self.query(sql, params)]

    def records(self, cls: type[S], sql: str, params: Sequence[Any] = ()) -> list[S]:
        return to_records(cls, self.query(sql, params))

    def record(self, cls: type[S], sql: str, params: Sequence[Any] = ()) -> S | None:
        row = self.one(sql, params)
        return None if row is None else to_record(cls, row)


class SqliteTx(RecordReads):
    def __init__(self, conn: sqlite3.Connection, dialect: Dialect):
        self.conn = conn
        self.dialect = dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def insert_rows(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        insert_many_rows(self.conn, sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def script(self, sql: str) -> None:
        buf = ""
        for line in sql.splitlines(keepends=True):
            buf += line
            if sqlite3.complete_statement(buf):
                if buf.strip():
                    self.conn.execute(buf)
                buf = ""
        if buf.strip() and not buf.strip().startswith("--"):
            self.conn.execute(buf)


class SqliteDatabase:
    """SQLite in WAL mode: one writer connection behind a lock, a pool of readers."""

    dialect = SQLITE

    def __init__(
        self, path: Path, synchronous: str = "FULL", readers: int = 8, wal_limit_bytes: int = DEFAULT_WAL_LIMIT_BYTES
    ):
        self.path = path
        self.synchronous = synchronous
        private_dir(path.parent)
        # SQLite makes the -wal and -shm files with the database file's mode: 0600 for all three.
        for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if name == path or name.exists():
                private_file(name)
        self._write_lock = threading.Lock()
        self._file_lock = WriterFileLock(path)  # other server processes on the same file
        self._writer = self._connect()
        # A statement that writes several rows (a multi-row insert, a table with triggers)
        # keeps a journal of the pages it changes that the transaction had changed before; in
        # a file it cost a temporary file's writes per statement, most of a push's system
        # time (as many writes again as the push itself). In memory it is a copy of at most
        # those pages. Readers keep the default.
        self._writer.execute("PRAGMA temp_store=MEMORY")
        self._writer.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the writer's lane
        self._writer.execute(f"PRAGMA journal_size_limit={wal_limit_bytes // 4}")  # trimmed when the WAL restarts
        self._checkpointer = Checkpointer(path, wal_limit_bytes, self._hold_writes)
        self._readers: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._reader_count = 0
        self._max_readers = readers
        self._pool_lock = threading.Lock()
        self._closed = False
        self._group = GroupCommit(self.write)

    def run_write(self, job: Callable[[SqliteTx], T]) -> T:
        return self._group.run(job)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={WRITER_BUSY_MS}")
        # SQLite's own LOWER folds ASCII only ('Đông' stays 'Đông'); a search for "đông" must
        # find it, as it does on PostgreSQL: LOWER is Python's, on every connection.
        conn.create_function("lower", 1, _lower, deterministic=True)
        return conn

    @contextmanager
    def _hold_writes(self) -> Iterator[None]:
        with self._write_lock, self._file_lock:
            yield

    @contextmanager
    def write(self) -> Iterator[SqliteTx]:
        with self._write_lock, self._file_lock:
            conn = self._writer
            if self._checkpointer.over_high_water():
                self._checkpointer.truncate_on(conn)  # the background thread fell behind: catch up first
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(conn, self.dialect)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        self._checkpointer.after_commit()

    def _take_reader(self) -> sqlite3.Connection:
        try:
            return self._readers.get_nowait()
        except queue.Empty:
            pass
        with self._pool_lock:
            if self._reader_count < self._max_readers:
                self._reader_count += 1
                return self._connect()
        return self._readers.get()

    @contextmanager
    def read(self) -> Iterator[SqliteTx]:
        conn = self._take_reader()
        try:
            conn.execute("BEGIN")
            try:
                yield SqliteTx(conn, self.dialect)
            finally:
                conn.execute("COMMIT")
        finally:
            self._readers.put(conn)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._checkpointer.close()
        with self._write_lock:
            self._writer.close()
            self._file_lock.close()
        while True:
            try:
                self._readers.get_nowait().close()
            except queue.Empty:
                break


def open_database(config: ServerConfig) -> Database:
    """Open the configured database (not yet migrated: see ``migrations.migrate``)."""
    path = sqlite_path(config.database_url)
    if path is not None:
        return SqliteDatabase(path, synchronous=config.sqlite_synchronous, wal_limit_bytes=config.wal_limit_bytes)
    from sync_server.core.pg_db import PgDatabase  # psycopg is only loaded for PostgreSQL

    return PgDatabase(config.database_url, pool_size=config.pg_pool_size)
