"""Versioned schema migrations, applied on start.

Each engine has its own folder (``sqlite/``, ``postgres/``) of ``NNNN_name.sql`` files, and
``both/`` holds the migrations whose SQL is the same on both engines (one file, not two twins
to keep equal). An engine's migrations are its folder's and ``both/``'s together, applied in
the order of their numbers, each inside one write transaction, and recorded in
``schema_migrations`` by name (so a file moved between folders is not applied again).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sync_server.core.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent


SHARED = "both"  # the folder of migrations that are the same SQL on every engine
_PATTERN = "[0-9][0-9][0-9][0-9]_*.sql"


def migration_files(dialect: str) -> list[Path]:
    """The migrations of ``dialect`` in the order they apply: its own folder's and ``both/``'s.
    A number is in one of the two, never both."""
    own = list((MIGRATIONS_DIR / dialect).glob(_PATTERN))
    shared = list((MIGRATIONS_DIR / SHARED).glob(_PATTERN))
    clash = {p.name[:4] for p in own} & {p.name[:4] for p in shared}
    if clash:
        raise RuntimeError(f"migration numbers {sorted(clash)} are both in {dialect}/ and {SHARED}/")
    return sorted(own + shared, key=lambda p: p.name)


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
