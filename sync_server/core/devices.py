"""Devices (sync clients) and their sync health, for admins; and the record of a device's
last pull.

Recording a pull costs one small write per completed pull, not one per page: ``pull`` passes
the page's outcome to ``record_pull`` only for the last page of a pull (``has_more`` false),
and that writes only when the cursor moved or the recorded time is more than a minute old.
A device polling an idle server therefore writes at most once a minute, and a first pull of
many pages writes once, at its end. The write takes the single writer lock (SQLite's
``BEGIN IMMEDIATE``, PostgreSQL's advisory lock) for one primary-key update, which is far
cheaper than a push; doing it without the lock would break the rule that every write goes
through ``Database.write``.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from shared_schema import clock as hlc_clock
from shared_schema import protocol
from sync_server.core.access import Actor, require_admin
from sync_server.core.db import Database
from sync_server.core.errors import Invalid, bi
from sync_server.core.util import now_iso

# A pull that changes nothing is recorded again only after this long.
PULL_RECORD_INTERVAL = dt.timedelta(minutes=1)


class ClientInfo(msgspec.Struct, kw_only=True):
    client_id: str
    username: str | None
    app_version: str | None
    last_seq: int
    rejected_count: int
    last_push_at: str | None
    last_pull_at: str | None = None
    last_pull_cursor: int | None = None


def list_clients(db: Database, actor: Actor) -> list[ClientInfo]:
    """Every device that has pushed or pulled, the most recently seen first."""
    require_admin(actor, "xem thiết bị", "list devices")
    with db.read() as tx:
        rows = tx.query(
            "SELECT client_id, username, app_version, last_seq, rejected_count, last_push_at, last_pull_at,"
            " last_pull_cursor FROM clients"
            " ORDER BY CASE WHEN COALESCE(last_push_at, '') > COALESCE(last_pull_at, '')"
            " THEN last_push_at ELSE COALESCE(last_pull_at, '') END DESC, client_id"
        )
    return [
        ClientInfo(
            client_id=r[0],
            username=r[1],
            app_version=r[2],
            last_seq=r[3],
            rejected_count=r[4],
            last_push_at=r[5],
            last_pull_at=r[6],
            last_pull_cursor=r[7],
        )
        for r in rows
    ]


def check_client_id(client_id: str) -> None:
    """The same rule as a push's ``client_id``: a valid clock node, not the server's."""
    if not hlc_clock.is_valid(f"{0:015d}-{0:05d}-{client_id}") or client_id == protocol.SERVER_NODE:
        raise Invalid(
            bi(
                "Mã thiết bị (client_id) không hợp lệ: 1–64 ký tự chữ, số, '_', '.', ':' hoặc '-'.",
                "The client_id is invalid: 1–64 letters, digits, '_', '.', ':' or '-'.",
            ),
            code="invalid_client_id",
        )


def pull_needs_recording(recorded_at: str | None, recorded_cursor: int | None, cursor: int, now: dt.datetime) -> bool:
    """Whether a completed pull to ``cursor`` is news: the cursor moved, or the last record is
    more than ``PULL_RECORD_INTERVAL`` old (or missing or unreadable)."""
    if recorded_at is None or recorded_cursor != cursor:
        return True
    try:
        then = dt.datetime.fromisoformat(recorded_at)
    except ValueError:
        return True
    if then.tzinfo is None:
        then = then.replace(tzinfo=dt.UTC)
    return now - then > PULL_RECORD_INTERVAL


def record_pull(db: Database, actor: Actor, client_id: str, cursor: int) -> None:
    """Note that ``client_id`` (used by ``actor``) completed a pull up to ``cursor``; writes only
    when ``pull_needs_recording`` says so."""
    with db.read() as tx:
        row = tx.one("SELECT last_pull_at, last_pull_cursor FROM clients WHERE client_id = ?", (client_id,))
    if row is not None and not pull_needs_recording(row[0], row[1], cursor, dt.datetime.now(dt.UTC)):
        return
    stamp = now_iso()
    with db.write() as tx:
        updated = tx.execute(
            "UPDATE clients SET user_id = ?, username = ?, last_pull_at = ?, last_pull_cursor = ? WHERE client_id = ?",
            (actor.user_id, actor.username, stamp, cursor, client_id),
        )
        if updated == 0:
            tx.execute(
                "INSERT INTO clients (client_id, user_id, username, last_seq, rejected_count, last_pull_at,"
                " last_pull_cursor) VALUES (?, ?, ?, 0, 0, ?, ?)",
                (client_id, actor.user_id, actor.username, stamp, cursor),
            )
