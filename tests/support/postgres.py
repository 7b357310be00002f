"""A real PostgreSQL for the tests: reachability, throw-away databases, a text dump.

    url = require_postgres()                    # the admin URL, or a clear failure
    create_database("seed_1")                   # empty
    create_database("test_1", template="seed_1")  # a copy of a seeded database
    database_url("test_1")                      # postgresql://…/test_1
    drop_database("test_1")

    copies = SeedCopies("seed_1")               # after seeding: many tests, few databases
    url = copies.take(); …; copies.give_back(url); copies.drop_all()

``TEST_POSTGRES_URL`` points the tests at a server (default
``postgresql://postgres@127.0.0.1:5432/postgres``; the user must be allowed to create
databases). When none is reachable the tests FAIL with what to do; ``SKIP_POSTGRES=1``
turns that into an explicit skip outside CI. Never a silent pass.
"""

from __future__ import annotations

import os
import re
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
import pytest
from psycopg import sql

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL") or DEFAULT_URL


@cache
def _probe(url: str) -> str | None:
    """``None`` when the server answers, else the reason."""
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip() or type(exc).__name__
    return None


@cache
def _clean_once(url: str) -> None:
    drop_stale_databases()


def unreachable_message(url: str, reason: str) -> str:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return (
            f"PostgreSQL is not reachable at {url} ({reason}). The server suite runs against PostgreSQL "
            "in CI: start a PostgreSQL 15 service (e.g. the postgres:15 service container with "
            "POSTGRES_HOST_AUTH_METHOD=trust on port 5432) or set TEST_POSTGRES_URL to one."
        )
    return (
        f"PostgreSQL is not reachable at {url} ({reason}). Start one (e.g. `docker run -p 5432:5432 "
        "-e POSTGRES_HOST_AUTH_METHOD=trust postgres:15`) or point the tests at yours with "
        "TEST_POSTGRES_URL=postgresql://USER:PASSWORD@HOST:PORT/postgres (the user must be able to CREATE "
        "DATABASE). To leave the PostgreSQL variants out on purpose, set SKIP_POSTGRES=1."
    )


def require_postgres() -> str:
    """The admin URL of a reachable PostgreSQL; fails the test otherwise (skips only when
    ``SKIP_POSTGRES=1`` is set explicitly, and never in CI)."""
    url = admin_url()
    reason = _probe(url)
    if reason is None:
        _clean_once(url)
        return url
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if os.environ.get("SKIP_POSTGRES") == "1" and not in_ci:
        pytest.skip(f"SKIP_POSTGRES=1: PostgreSQL variants skipped ({url} unreachable)")
    pytest.fail(unreachable_message(url, reason), pytrace=False)


STALE_NAME = re.compile(r"^sync_[a-z]+_(\d+)_[0-9a-f]{10}$")  # what unique_name makes


def drop_stale_databases() -> list[str]:
    """Drop test databases left by test runs that were killed (their process is gone).
    Only for a PostgreSQL on this machine: a process id means nothing on another host."""
    host = urllib.parse.urlsplit(admin_url()).hostname or "localhost"
    if host not in ("127.0.0.1", "localhost", "::1"):
        return []
    dropped = []
    with _admin() as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database")]
    for name in names:
        match = STALE_NAME.match(name)
        if match is None or _alive(int(match.group(1))):
            continue
        drop_database(name)
        dropped.append(name)
    return dropped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def database_url(name: str) -> str:
    """The admin URL with its database replaced by ``name``."""
    parts = urllib.parse.urlsplit(admin_url())
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"TEST_POSTGRES_URL must be a postgresql:// URL, not {admin_url()!r}")
    return urllib.parse.urlunsplit(("postgresql", parts.netloc, "/" + name, parts.query, ""))


def database_name(url: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(admin_url(), autocommit=True)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


def create_database(name: str, template: str | None = None) -> str:
    """Create ``name`` (as a copy of ``template`` when given); returns its URL."""
    with _admin() as conn:
        if template is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
    return database_url(name)


def drop_database(name: str) -> None:
    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new, empty database (its URL) for the ``with`` block, dropped afterwards; fails
    clearly when PostgreSQL is not reachable."""
    require_postgres()
    name = unique_name(prefix)
    url = create_database(name)
    try:
        yield url
    finally:
        drop_database(name)


def dump_database(url: str) -> list[str]:
    """Every row of every table of the database at ``url``, as sorted text lines."""
    lines: list[str] = []
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
            )
        ]
        for table in tables:
            rows = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))).fetchall()
            lines.extend(sorted(f'INSERT INTO "{table}" VALUES{tuple(row)!r}' for row in rows))
    return lines


def query(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def run(url: str, statement: str) -> None:
    """One statement that returns no rows (``ANALYZE``, ``VACUUM``…), outside a transaction."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


class SeedCopies:
    """Databases holding the seed's data, handed out one per test.

    The first ``take`` clones the seed (``CREATE DATABASE … TEMPLATE``, about 0.4 s); a
    database given back is reset on its next ``take`` by deleting every row and copying
    the rows back from the ``seed`` schema that the template carries (a few milliseconds).
    """

    SCHEMA = "seed"

    def __init__(self, seed_name: str):
        self.seed_name = seed_name
        self._free: list[str] = []
        self._made: list[str] = []
        with psycopg.connect(database_url(seed_name), autocommit=True) as conn:
            self.tables = _parents_first(conn)
            script = [sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.SCHEMA))]
            script += [
                sql.SQL("CREATE TABLE {} AS TABLE {}").format(
                    sql.Identifier(self.SCHEMA, t), sql.Identifier("public", t)
                )
                for t in self.tables
            ]
            conn.execute(sql.SQL("; ").join(script))
        self._reset = sql.SQL("; ").join(
            [
                sql.SQL("BEGIN"),
                *(sql.SQL("DELETE FROM {}").format(sql.Identifier("public", t)) for t in reversed(self.tables)),
                *(
                    sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                        sql.Identifier("public", t), sql.Identifier(self.SCHEMA, t)
                    )
                    for t in self.tables
                ),
                sql.SQL("COMMIT"),
            ]
        )

    def take(self) -> str:
        """The URL of a database holding exactly the seed's rows."""
        if self._free:
            name = self._free.pop()
            url = database_url(name)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(self._reset)
            return url
        name = unique_name("sync_test")
        self._made.append(name)
        return create_database(name, template=self.seed_name)

    def give_back(self, url: str) -> None:
        name = database_name(url)
        if name in self._made and name not in self._free:
            self._free.append(name)

    def drop_all(self) -> None:
        for name in self._made:
            drop_database(name)
        self._made.clear()
        self._free.clear()


def _parents_first(conn: psycopg.Connection[Any]) -> list[str]:
    """The public tables, every table after those its foreign keys point to."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
        )
    ]
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in conn.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
        " WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
    ):
        if child in parents and parent != child:
            parents[child].add(parent)
    ordered: list[str] = []
    while parents:
        ready = sorted(t for t, ps in parents.items() if not ps - set(ordered))
        ordered.extend(ready)
        for t in ready:
            del parents[t]
    return ordered


class QmarkConnection:
    """A psycopg connection that takes ``?`` placeholders like ``sqlite3`` (for tests that
    look into the database of a server process on either engine)."""

    def __init__(self, url: str):
        self.conn = psycopg.connect(url, autocommit=True)

    def execute(self, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> psycopg.Cursor[Any]:
        from sync_server.core.pg_db import to_pyformat

        return self.conn.execute(to_pyformat(statement) if params else statement, params or None)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> QmarkConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
