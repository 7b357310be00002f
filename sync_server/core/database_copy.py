"""Copy the whole registry into another, empty database: from the embedded SQLite file to
PostgreSQL when a province outgrows one file (``docs/POSTGRES.md``), or back.

Every table is read from ONE snapshot of the source and written in ONE transaction of the
target, so the copy is all or nothing and consistent even if the source is being written
(changes committed after the snapshot are not in the copy: stop the server first). Rows are
read in pages ordered by each table's key, so memory holds one page, not the registry.
Feed sequences, client ``last_seq`` and clocks are copied as they are, so devices go on
syncing against the new database without noticing (same cursors, same ``acked_seq``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from shared_schema.errors import Code
from sync_server.core.db import Database, Tx
from sync_server.core.errors import Conflict, bi

# Every table of the schema, in an order that satisfies its foreign keys, with the columns
# that order its rows (a key, so pages never overlap); () for a small table read at once.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "meta": ("key",),
    "users": ("id",),
    "user_districts": ("user_id", "district"),
    "tokens": ("token_hash",),
    "login_failures": (),
    "clients": ("client_id",),
    "feed": ("seq",),
    "sites": ("id",),
    "templates": ("template_id", "version"),
    "inspections": ("id",),
    "conflicts": ("id",),
    "reviews": ("id",),
    "blobs": ("sha256",),
    "blob_refs": ("sha256", "inspection_id"),
    "audit": ("id",),
    "push_results": ("client_id", "client_seq"),
    "login_attempts": (),
    "login_devices": ("key_hash",),
    "record_counters": ("year",),
    "revisions": ("id",),
    "actions": ("id",),
    "action_events": ("id",),
    "plans": ("id",),
    "plan_districts": ("plan_id", "district"),
    "teams": ("id",),
    "team_members": ("team_id", "user_id"),
    "assignments": ("id",),
    "assignment_inspections": ("assignment_id", "inspection_id"),
    "units": ("id",),
    # counts kept by triggers (migration 0016, ``tallies``): last, see DERIVED_TABLES
    "inspection_tally": ("district", "status", "site_kind", "result", "template_id"),
    "inspection_hours": ("hour", "district"),
    "site_latest": ("site_id", "district"),
}
PAGE_ROWS = 5000
# Tables a migration fills (the administrative units seeded by 0011): a new target holds those
# rows already; they are replaced by the source's.
SEEDED_TABLES = ("units",)
# Tables the target's triggers fill as the rows they count are copied (``tallies``): emptied
# just before their own turn and then copied, so they hold exactly the source's rows.
DERIVED_TABLES = ("inspection_tally", "inspection_hours", "site_latest")

Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in the table)


def _versions(tx: Tx) -> list[str]:
    return tx.scalars("SELECT version FROM schema_migrations ORDER BY version")


def _counts(tx: Tx) -> dict[str, int]:
    return {table: int(tx.scalar(f"SELECT COUNT(*) FROM {table}")) for table in TABLE_KEYS}


def _pages(tx: Tx, table: str, key: tuple[str, ...]) -> Iterator[list[Any]]:
    if not key:
        rows = tx.query(f"SELECT * FROM {table}")
        if rows:
            yield rows
        return
    order = ", ".join(key)
    first = f"SELECT * FROM {table} ORDER BY {order} LIMIT ?"
    after = f"SELECT * FROM {table} WHERE ({order}) > ({', '.join('?' for _ in key)}) ORDER BY {order} LIMIT ?"
    rows = tx.query(first, (PAGE_ROWS,))
    while rows:
        yield rows
        if len(rows) < PAGE_ROWS:
            return
        last = rows[-1]
        rows = tx.query(after, (*(last[k] for k in key), PAGE_ROWS))


def copy_database(source: Database, target: Database, progress: Progress | None = None) -> dict[str, int]:
    """Copy every row of ``source`` into ``target`` (both migrated to the same schema; the
    target empty); returns the rows copied per table. ``Conflict`` when the target holds
    data or another schema version, and nothing is written."""
    with target.read() as tx:
        target_versions, target_counts = _versions(tx), _counts(tx)
    held = {table: n for table, n in target_counts.items() if n and table not in SEEDED_TABLES}
    if held:
        listed = ", ".join(f"{table} {n}" for table, n in held.items())
        raise Conflict(
            bi(
                f"Cơ sở dữ liệu đích đã có dữ liệu ({listed}): hãy sao chép vào một cơ sở dữ liệu mới, trống.",
                f"The target database already holds data ({listed}): copy into a new, empty database.",
            ),
            code=Code.TARGET_NOT_EMPTY,
        )
    copied: dict[str, int] = {}
    with source.read() as src, target.write() as dst:
        if _versions(src) != target_versions:
            raise Conflict(
                bi(
                    "Hai cơ sở dữ liệu khác phiên bản lược đồ: hãy mở cả hai bằng cùng một phiên bản máy chủ.",
                    "The two databases have different schema versions: open both with the same server version.",
                ),
                code=Code.SCHEMA_MISMATCH,
            )
        totals = _counts(src)
        for table in SEEDED_TABLES:
            dst.execute(f"DELETE FROM {table}")
        for table, key in TABLE_KEYS.items():
            if table in DERIVED_TABLES:
                dst.execute(f"DELETE FROM {table}")
            done = 0
            for rows in _pages(src, table, key):
                columns = list(rows[0].keys())
                dst.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                    [tuple(row) for row in rows],
                )
                done += len(rows)
                if progress is not None:
                    progress(table, done, totals[table])
            copied[table] = done
        if _counts(dst) != totals:
            raise Conflict(
                bi("Bản sao không đủ số dòng; không có gì được ghi.", "The copy is missing rows; nothing was written."),
                code=Code.COPY_INCOMPLETE,
            )
    return copied
