"""Versioned migrations of the local store (numbered functions recorded in ``_migrations``).

Add a migration by appending a function to ``MIGRATIONS``; never edit one that has shipped.
Each runs in its own transaction together with the row that records it.

Every replicated entity has a table keyed by its wire ``entity_id`` (``key``) holding ``data``
(JSON object field → value) and ``clocks`` (JSON object field → hlc of the value held), plus a
few columns projected from ``data`` for queries.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

import sqlite_utils


def _run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one (``executescript`` would commit the migration's transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_initial(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            client_id TEXT NOT NULL,
            server_url TEXT,
            user_json TEXT,
            token TEXT,
            token_expires_at TEXT,
            needs_password INTEGER NOT NULL DEFAULT 0,
            cursor INTEGER NOT NULL DEFAULT 0,
            next_seq INTEGER NOT NULL DEFAULT 1,
            acked_seq INTEGER NOT NULL DEFAULT 0,
            last_sync_at TEXT,
            last_error_code TEXT,
            last_error_vi TEXT,
            last_error_en TEXT,
            clock_last TEXT,
            clock_offset_ms INTEGER NOT NULL DEFAULT 0,
            first_sync_done INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE sites (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            clocks TEXT NOT NULL,
            code TEXT,
            name TEXT,
            search_key TEXT,
            kind TEXT,
            district TEXT,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX sites_name ON sites (name);
        CREATE INDEX sites_district_kind ON sites (district, kind);
        CREATE TABLE templates (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            clocks TEXT NOT NULL,
            template_id TEXT,
            version INTEGER,
            status TEXT
        );
        CREATE INDEX templates_id ON templates (template_id, version);
        CREATE TABLE inspections (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            clocks TEXT NOT NULL,
            site_id TEXT,
            template_id TEXT,
            template_version INTEGER,
            status TEXT,
            started_at TEXT
        );
        CREATE INDEX inspections_site ON inspections (site_id);
        CREATE INDEX inspections_status ON inspections (status);
        CREATE TABLE answers (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            clocks TEXT NOT NULL,
            inspection_id TEXT,
            question_id TEXT
        );
        CREATE INDEX answers_inspection ON answers (inspection_id);
        CREATE TABLE conflicts (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            clocks TEXT NOT NULL,
            inspection_id TEXT,
            resolved INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX conflicts_inspection ON conflicts (inspection_id);
        CREATE TABLE outbox (
            client_seq INTEGER PRIMARY KEY,
            change_id TEXT NOT NULL UNIQUE,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            value TEXT,
            hlc TEXT NOT NULL,
            base_hlc TEXT,
            inspection_id TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX outbox_inspection ON outbox (inspection_id);
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            media_type TEXT,
            size INTEGER,
            local INTEGER NOT NULL DEFAULT 0,
            uploaded INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE rejections (
            change_id TEXT PRIMARY KEY,
            client_seq INTEGER,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            value TEXT,
            hlc TEXT,
            code TEXT,
            reason TEXT,
            inspection_id TEXT,
            at TEXT NOT NULL,
            dismissed INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX rejections_inspection ON rejections (inspection_id);
        """,
    )
    db.execute("INSERT INTO sync_state (id, client_id) VALUES (1, ?)", [str(uuid.uuid4())])


def _m002_pull_scope(db: sqlite_utils.Database) -> None:
    """The scope token of the last pull (PROTOCOL.md §7): a change means the user's districts
    changed and the device pulls again from cursor 0."""
    db.execute("ALTER TABLE sync_state ADD COLUMN pull_scope TEXT")


def _m003_login_device_key(db: sqlite_utils.Database) -> None:
    """The key the server gave this device at its last sign-in (PROTOCOL.md, Authentication):
    sent with the next sign-in, it lets the device in while strangers have locked its user out."""
    db.execute("ALTER TABLE sync_state ADD COLUMN login_device_key TEXT")


def _m004_assignments(db: sqlite_utils.Database) -> None:
    """Assignments of inspection plans (entity ``assignment``, pulled; field ``document``)."""
    _run_script(
        db,
        """
        CREATE TABLE assignments (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            clocks TEXT NOT NULL,
            site_id TEXT,
            due_date TEXT,
            status TEXT
        );
        CREATE INDEX assignments_due ON assignments (due_date)
        """,
    )


def _m005_actions(db: sqlite_utils.Database) -> None:
    """Corrective actions as records (PROTOCOL.md §3, entity ``action``), and every answer
    with a corrective action or a deadline turned into an open action, exactly as the server's
    migration 0012 does (same id ``"{inspection_id}:{question_id}"``, same values, the clock
    of the answer's text), so the device and the server hold one record, nothing lost."""
    _run_script(
        db,
        """
        CREATE TABLE actions (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            clocks TEXT NOT NULL,
            inspection_id TEXT,
            site_id TEXT,
            status TEXT,
            deadline TEXT
        );
        CREATE INDEX actions_site ON actions (site_id, status);
        CREATE INDEX actions_inspection ON actions (inspection_id)
        """,
    )
    # an answer whose text or deadline has not reached the server yet: the server makes the same
    # action when it arrives (sync_service._mirror_answer_action) and the device pulls it
    pending = {
        row[0]
        for row in db.execute(
            "SELECT entity_id FROM outbox WHERE entity = 'answer' AND field IN ('corrective_action', 'due_date')"
        ).fetchall()
    }
    sites = {
        row[0]: json.loads(row[1]).get("site_id") for row in db.execute("SELECT key, data FROM inspections").fetchall()
    }
    rows = db.execute("SELECT key, data, clocks, inspection_id, question_id FROM answers").fetchall()
    for key, data_text, clocks_text, inspection_id, question_id in rows:
        if key in pending:
            continue
        data, clocks = json.loads(data_text), json.loads(clocks_text)
        text, due = data.get("corrective_action"), data.get("due_date")
        if not text and not due:
            continue
        site_id = sites.get(inspection_id)
        if site_id is None:
            continue
        hlc = clocks.get("corrective_action") if text else clocks.get("due_date")
        action = {
            "inspection_id": inspection_id,
            "question_id": question_id,
            "site_id": site_id,
            "description": text or None,
            "deadline": due or None,
            "status": "open",
        }
        db.execute(
            "INSERT OR IGNORE INTO actions (key, data, clocks, inspection_id, site_id, status, deadline)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                f"{inspection_id}:{question_id}",
                json.dumps(action, ensure_ascii=False),
                json.dumps({name: hlc for name in action}),
                inspection_id,
                site_id,
                "open",
                due or None,
            ],
        )


def _m006_bounded_sync(db: sqlite_utils.Database) -> None:
    """A bounded first sync (PROTOCOL.md §7): ``pull_horizon`` is the horizon the server named
    on the first page (sent back on every pull); ``record_fetch`` the inspections a page showed
    this device lacks whole, fetched whole (``GET /api/v1/sync/records``) before they are kept."""
    db.execute("ALTER TABLE sync_state ADD COLUMN pull_horizon INTEGER")
    db.execute("CREATE TABLE IF NOT EXISTS record_fetch (inspection_id TEXT PRIMARY KEY)")


def _m007_rejection_messages(db: sqlite_utils.Database) -> None:
    """A refused change's reason in each language, as the server's push result gives it
    (``messages``, PROTOCOL.md §4): the notice shows the user's language without splitting
    ``reason``. None for rows kept before, and from a server that sends no ``messages``."""
    db.execute("ALTER TABLE rejections ADD COLUMN reason_vi TEXT")
    db.execute("ALTER TABLE rejections ADD COLUMN reason_en TEXT")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _m001_initial,
    _m002_pull_scope,
    _m003_login_device_key,
    _m004_assignments,
    _m005_actions,
    _m006_bounded_sync,
    _m007_rejection_messages,
]


def apply_migrations(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration not yet recorded; returns the numbers applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT id FROM _migrations").fetchall()}
    applied: list[int] = []
    for number, migration in enumerate(MIGRATIONS, start=1):
        if number in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            migration(db)
            db.execute(
                "INSERT INTO _migrations (id, name, applied_at) VALUES (?, ?, ?)",
                [number, migration.__name__.lstrip("_"), dt.datetime.now(dt.UTC).isoformat()],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        applied.append(number)
    return applied
