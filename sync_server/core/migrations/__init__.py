"""Versioned schema migrations, applied on start.

Each engine has its own folder (``sqlite/``, ``postgres/``) of ``NNNN_name.sql`` files,
applied in order inside one write transaction each and recorded in ``schema_migrations``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sync_server.core.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent


def migration_files(dialect: str) -> list[Path]:
    return sorted(p for p in (MIGRATIONS_DIR / dialect).glob("[0-9][0-9][0-9][0-9]_*.sql"))


def migrate(db: Database) -> list[str]:
    """Apply the migrations this database has not seen; returns the names applied."""
    applied: list[str] = []
    with db.write() as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for path in migration_files(db.dialect.name):
        version = path.stem
        with db.write() as tx:
            if tx.one("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)) is not None:
                continue
            tx.script(path.read_text(encoding="utf-8"))
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                (version, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
        applied.append(version)
    return applied
