"""The outbox and the rejections: the one module that reads and writes those two tables.

Local edits: the record and its outbox change written in one transaction, clock ticked.
``client_seq`` is 1, 2, 3 … with no gaps (taken from ``sync_state.next_seq`` in the same
transaction). Rows leave the outbox only up to the server's ``acked_seq`` (``acknowledge``).
A change the server refused is kept in ``rejections`` (``record_rejection``) with the value the
inspector entered, until it is resent or dismissed.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from typing import Any

from field_app.core import replica
from field_app.core.device_state import DeviceClock, read_state, update_state
from shared_schema.sync import Change, new_change
from shared_schema.text import LocalText


def record_edit(
    conn: sqlite3.Connection,
    clock: DeviceClock,
    entity: str,
    entity_id: str,
    field: str,
    value: Any,
    inspection_id: str | None,
) -> Change:
    """Write ``field = value`` and queue the change; call inside ``Store.write()``."""
    hlc = clock.tick(conn)
    base = replica.write_local(conn, entity, entity_id, field, value, hlc)
    (seq,) = conn.execute("SELECT next_seq FROM sync_state WHERE id = 1").fetchone()
    change = new_change(seq, entity, entity_id, field, value, hlc, base)
    conn.execute(
        "INSERT INTO outbox (client_seq, change_id, entity, entity_id, field, value, hlc, base_hlc, inspection_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq,
            change.change_id,
            entity,
            entity_id,
            field,
            replica.dumps(value),
            hlc,
            base,
            inspection_id,
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ),
    )
    update_state(conn, next_seq=seq + 1)
    return change


def pending_batch(conn: sqlite3.Connection, limit: int, from_seq: int = 0) -> list[Change]:
    rows = conn.execute(
        "SELECT change_id, client_seq, entity, entity_id, field, value, hlc, base_hlc FROM outbox"
        " WHERE client_seq >= ? ORDER BY client_seq LIMIT ?",
        (from_seq, limit),
    ).fetchall()
    return [
        Change(
            change_id=r[0],
            client_seq=r[1],
            entity=r[2],
            entity_id=r[3],
            field=r[4],
            value=replica.loads(r[5]),
            hlc=r[6],
            base_hlc=r[7],
        )
        for r in rows
    ]


def pending_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])


def renumber_from(conn: sqlite3.Connection, expected_seq: int) -> None:
    """The server expects ``expected_seq`` but our first queued row is later (the server lost
    its record of this device, e.g. restored from a backup): renumber the queue to start there."""
    rows = conn.execute("SELECT client_seq FROM outbox ORDER BY client_seq").fetchall()
    if not rows or rows[0][0] <= expected_seq:
        return
    shift = rows[0][0] - expected_seq
    # Two steps so the primary key never collides.
    conn.execute("UPDATE outbox SET client_seq = -client_seq")
    conn.execute("UPDATE outbox SET client_seq = -client_seq - ?", (shift,))
    (last,) = conn.execute("SELECT max(client_seq) FROM outbox").fetchone()
    update_state(conn, next_seq=last + 1, acked_seq=expected_seq - 1)


def take_new_client_id(conn: sqlite3.Connection, clock: DeviceClock, *, keep_clocks: bool) -> str:
    """Re-register this install under a new client id (PROTOCOL.md §4): the unsent changes are
    numbered 1, 2, 3 … under it, in their order, with their change ids; nothing is dropped.

    ``keep_clocks``: after ``client_reregister`` the changes keep the clocks they were made
    with (the old id is this user's, so the server accepts them, and a change the other install
    already sent carries the very same clock and comes back ``duplicate``, not twice). After
    ``client_not_yours`` the old id is another user's: the clocks are re-made with the new id
    as their node, here and in the records that hold them. Call inside ``Store.write()``."""
    old = read_state(conn).client_id
    new = str(uuid.uuid4())
    rows = conn.execute("SELECT client_seq, entity, entity_id, field, hlc FROM outbox ORDER BY client_seq").fetchall()
    conn.execute("UPDATE outbox SET client_seq = -client_seq")
    for number, (seq, entity, entity_id, field, hlc) in enumerate(rows, 1):
        stamp = hlc
        if not keep_clocks and hlc.endswith(f"-{old}"):
            stamp = hlc[: -len(old)] + new
            replica.restamp_clock(conn, entity, entity_id, field, hlc, stamp)
        conn.execute("UPDATE outbox SET client_seq = ?, hlc = ? WHERE client_seq = ?", (number, stamp, -seq))
    update_state(conn, client_id=new, next_seq=len(rows) + 1, acked_seq=0)
    clock.renode(conn, new)
    return new


def acknowledge(conn: sqlite3.Connection, upto: int) -> None:
    """The server holds every change numbered up to ``upto``: they leave the outbox."""
    conn.execute("DELETE FROM outbox WHERE client_seq <= ?", (upto,))
    update_state(conn, acked_seq=upto)


def pending_for_inspection(conn: sqlite3.Connection, inspection_id: str) -> int:
    return int(conn.execute("SELECT count(*) FROM outbox WHERE inspection_id = ?", (inspection_id,)).fetchone()[0])


def pending_by_inspection(conn: sqlite3.Connection) -> dict[str, int]:
    """How many unsent changes each inspection has (inspections with none are left out)."""
    rows = conn.execute(
        "SELECT inspection_id, count(*) FROM outbox WHERE inspection_id IS NOT NULL GROUP BY inspection_id"
    )
    return {key: int(n) for key, n in rows}


def unsent_site_ids(conn: sqlite3.Connection) -> set[str]:
    return {key for (key,) in conn.execute("SELECT DISTINCT entity_id FROM outbox WHERE entity = 'site'")}


def unsent_inspection_ids(conn: sqlite3.Connection) -> set[str]:
    return {key for (key,) in conn.execute("SELECT DISTINCT inspection_id FROM outbox WHERE inspection_id IS NOT NULL")}


# --- rejections ---------------------------------------------------------------------------


def record_rejection(
    conn: sqlite3.Connection,
    change: Change,
    code: str | None,
    reason: str | None,
    inspection_id: str | None,
    messages: LocalText | None = None,
) -> None:
    """Keep a change the server refused (once per change id), with the value as entered and
    the server's reason: ``messages`` (each language) when the server sent them, else ``reason``."""
    conn.execute(
        "INSERT OR IGNORE INTO rejections (change_id, client_seq, entity, entity_id, field, value, hlc, code,"
        " reason, reason_vi, reason_en, inspection_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            change.change_id,
            change.client_seq,
            change.entity,
            change.entity_id,
            change.field,
            replica.dumps(change.value),
            change.hlc,
            code,
            reason,
            messages.vi if messages is not None else None,
            messages.en if messages is not None else None,
            inspection_id,
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ),
    )


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    cols = [d[0] for d in cursor.description or ()]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def rejection(conn: sqlite3.Connection, change_id: str) -> dict[str, Any] | None:
    rows = _rows(conn.execute("SELECT * FROM rejections WHERE change_id = ?", (change_id,)))
    return rows[0] if rows else None


def open_rejections(conn: sqlite3.Connection, inspection_id: str | None = None) -> list[dict[str, Any]]:
    """The refusals not dismissed yet (of one inspection, or all), newest first."""
    where, params = (
        ("WHERE inspection_id = ? AND dismissed = 0", [inspection_id])
        if inspection_id
        else (
            "WHERE dismissed = 0",
            [],
        )
    )
    return _rows(conn.execute(f"SELECT * FROM rejections {where} ORDER BY at DESC, client_seq DESC", params))


def dismiss_rejection(conn: sqlite3.Connection, change_id: str) -> None:
    conn.execute("UPDATE rejections SET dismissed = 1 WHERE change_id = ?", (change_id,))


def forget_rejections(conn: sqlite3.Connection) -> None:
    """Another user signs in on this install: the refusals kept here were not theirs."""
    conn.execute("DELETE FROM rejections")
