"""A bounded first sync on the device (PROTOCOL.md §7).

The app asks for bounded pulls: the server leaves out settled history (approved inspections
beyond the latest few per site and the user's own) and names, on every page, the inspections
it touches that also have rows below the page's cursor (``older``). A record this device
holds nothing of but sees on such a page (an approved record returned later, whose new rows
carry only what changed) is never kept in part: its rows are set aside, its id is queued in
``record_fetch`` and the record is fetched whole after the pull (``GET /api/v1/sync/records``)
and merged by clock. Until then the device simply does not have it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from field_app.core import replica
from shared_schema.sync import PulledChange


def inspection_of(change: PulledChange) -> str | None:
    """The inspection a pulled row belongs to (its header, an answer, a conflict about it)."""
    if change.entity == "inspection":
        return change.entity_id
    if change.entity == "answer":
        return change.entity_id.split("/", 1)[0]
    if change.entity == "conflict" and isinstance(change.value, dict):
        return replica.conflict_inspection_id(change.value)
    return None


def held(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """The inspections among ``ids`` this device holds (their header)."""
    ids = list(ids)
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            key
            for (key,) in conn.execute(
                f"SELECT key FROM inspections WHERE site_id IS NOT NULL AND key IN ({marks})", chunk
            )
        )
    return found


def queued(conn: sqlite3.Connection) -> set[str]:
    return {key for (key,) in conn.execute("SELECT inspection_id FROM record_fetch")}


def set_aside(conn: sqlite3.Connection, changes: list[PulledChange], older: Iterable[str]) -> list[PulledChange]:
    """Queue the inspections of ``older`` this device holds nothing of and return the rows to
    merge: every row but those of queued inspections. Call inside ``Store.write()``."""
    older = set(older)
    missing = older - held(conn, older)
    conn.executemany("INSERT OR IGNORE INTO record_fetch (inspection_id) VALUES (?)", [(i,) for i in missing])
    waiting = queued(conn)
    if not waiting:
        return changes
    return [c for c in changes if inspection_of(c) not in waiting]


def done(conn: sqlite3.Connection, ids: Iterable[str]) -> None:
    conn.executemany("DELETE FROM record_fetch WHERE inspection_id = ?", [(i,) for i in ids])
